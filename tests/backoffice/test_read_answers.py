"""The read routes of every kiosk visit (summary, dues, contribution history) write their JSON
themselves (backoffice.api.encode: json_response, history_json) instead of FastAPI validating
and dumping a dict through the response_model: each answer must be exactly the bytes its model
writes (valid against it, fields in its order, dates ISO, Chinese unescaped), for every seeded
member, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import requests
from pydantic import BaseModel

from backoffice.api.models import DuesOut, HistoryOut, SummaryOut
from backoffice.harness import RunningService
from tests.helpers.backoffice import members_index

MODELS: dict[str, type[BaseModel]] = {
    "summary": SummaryOut,
    "dues": DuesOut,
    "contributions": HistoryOut,
}


@pytest.mark.parametrize("route", list(MODELS))
def test_answer_is_what_its_model_writes(service: RunningService, route: str) -> None:
    http = requests.Session()
    http.headers.update(
        {"X-Terminal-Id": service.terminal_id, "Authorization": f"Bearer {service.api_key}"}
    )
    bodies = []
    for m in members_index(service):
        r = http.get(f"{service.url}/v1/members/{m['member_no']}/{route}", timeout=10)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "application/json"
        model = MODELS[route].model_validate_json(r.content)
        assert model.model_dump_json().encode() == r.content
        bodies.append(r.content.decode())
    # The members compared hold what could be written differently: nulls, Chinese names
    # unescaped (summary, history: employers, 个人), and (dues) priced lines with their dates.
    assert any("null" in b for b in bodies)
    if route == "dues":
        assert any('"lines":[{' in b and '"due_date":"' in b for b in bodies)
    else:
        assert any(not b.isascii() for b in bodies)
