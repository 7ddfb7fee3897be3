"""docs/openapi.json is the service's OpenAPI document; a bug answers JSON, not a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

from backoffice.__main__ import openapi_document
from backoffice.app import create_app
from backoffice.parts import AppParts
from backoffice.settings import Settings

REPO = Path(__file__).resolve().parents[2]


def test_committed_openapi_matches_the_service() -> None:
    committed = json.loads((REPO / "docs" / "openapi.json").read_text("utf-8"))
    assert committed == json.loads(json.dumps(openapi_document())), (
        "regenerate: python -m backoffice openapi > docs/openapi.json"
    )


def test_every_v1_route_documents_its_errors() -> None:
    paths = cast(dict[str, dict[str, Any]], openapi_document()["paths"])
    for path, ops in paths.items():
        for method, op in ops.items():
            if path.startswith("/v1/") and path != "/v1/health":
                assert "401" in op["responses"], (method, path)


def test_a_bug_is_a_json_500(tmp_path: Path) -> None:
    import warnings

    with warnings.catch_warnings():
        # starlette warns that its test client's httpx backend is old; it works.
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    app = create_app(Settings(database=str(tmp_path / "x.sqlite3")), parts=AppParts.plain())

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/boom")
    assert r.status_code == 500
    assert r.json()["code"] == "INTERNAL_ERROR"
    assert "Traceback" not in r.text and "a bug" not in r.text
