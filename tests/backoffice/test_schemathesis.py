"""The committed contract (docs/openapi.json) under schemathesis, against the live lab service.

Every check (`--checks all`: server errors, status codes, content types, response schemas and
headers, negative data rejected, positive data accepted, missing headers, ignored auth,
unsupported methods and their Allow, ...), every phase (examples, coverage, fuzzing, stateful),
a fixed seed and a bounded number of examples per operation: tests/backoffice/schemathesis.toml.
The fuzzer reaches the 200 paths with the seeded database's member numbers and cards (from the
config, checked here to exist) and with orders, keys, a quote and a verification code made here
first. It must pass clean: a failure prints schemathesis's report (with a curl to reproduce)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from backoffice.harness import RunningService, running_service
from tests.helpers.backoffice import SEEDED_MEMBERS as MEMBERS
from tests.helpers.backoffice import SEEDED_SEED as SEED
from tests.helpers.backoffice import TODAY

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
CONFIG = HERE / "schemathesis.toml"
DOCUMENT = REPO / "docs" / "openapi.json"
ST = Path(sys.executable).with_name("st")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    """A service of its own: the fuzzer reports cards lost and pays orders."""
    cards = tmp_path_factory.mktemp("cards-schemathesis")
    with running_service(members=MEMBERS, seed=SEED, today=TODAY, cards_dir=cards) as svc:
        yield svc


def _auth(svc: RunningService) -> dict[str, str]:
    return {"X-Terminal-Id": svc.terminal_id, "Authorization": f"Bearer {svc.api_key}"}


def _post(svc: RunningService, path: str, body: dict[str, Any], key: str | None = None) -> Any:
    headers = _auth(svc) | ({"Idempotency-Key": key} if key else {})
    r = requests.post(svc.url + path, json=body, headers=headers, timeout=30)
    assert r.status_code in (200, 201), (path, r.status_code, r.text)
    return r.json()


def _made(svc: RunningService, member_no: str) -> dict[str, list[str]]:
    """Orders (one posted, one left created), their keys, a quote not ordered yet and a
    verification code, made through the API as a kiosk would."""
    r = requests.get(f"{svc.url}/v1/members/{member_no}/dues", headers=_auth(svc), timeout=30)
    due = next(d for d in r.json()["dues"] if d["kind"] == "flexible" and d["periods"])
    orders: list[str] = []
    keys: list[str] = []
    quotes: list[str] = []
    for pay in (True, False, None):
        # Months are paid oldest first: the first quote's month is paid, the next two quote
        # the month after it (the second is ordered and left open, the third only quoted).
        month = due["periods"][min(len(quotes), 1)]
        quote = _post(
            svc,
            f"/v1/members/{member_no}/quotes",
            {"scheme": due["scheme"], "periods": [month]},
        )
        quotes.append(quote["quote_id"])
        if pay is None:
            continue
        key = f"st-{uuid.uuid4().hex}"
        order = _post(
            svc,
            "/v1/orders",
            {"quote_id": quote["quote_id"], "member_no": member_no, "amount": quote["total"]},
            key,
        )
        orders.append(order["order_no"])
        keys.append(key)
        if pay:
            paid = _post(
                svc,
                f"/v1/orders/{order['order_no']}/pay",
                {"method": "card", "account": "6217000010001234567"},
                f"st-pay-{uuid.uuid4().hex}",
            )
            assert paid["state"] == "posted", paid
    cert = _post(svc, f"/v1/members/{member_no}/certificates", {"kind": "participation"})
    return {
        "orders": orders,
        "keys": keys,
        "quotes": quotes,
        "codes": [cert["verification_code"], cert["verification_code"].replace("-", "")],
    }


def _config_values(config: dict[str, Any], name: str) -> list[str]:
    return [str(v) for v in config["dictionaries"][name]["values"]]


def test_the_configured_records_are_the_seeded_ones(fuzzed: RunningService) -> None:
    """The config's member numbers and cards exist in the seeded database, as the config says
    (a changed seed would send the fuzzer to 404s only)."""
    config = tomllib.loads(CONFIG.read_text("utf-8"))
    assert fuzzed.cards_dir is not None
    seeded = json.loads((fuzzed.cards_dir / "members.json").read_text("utf-8"))["members"]
    by_card = {m["card_identifier"]: m for m in seeded}
    members = {m["member_no"] for m in seeded}
    assert set(_config_values(config, "members")) <= members
    cards = _config_values(config, "card_identifiers")
    assert set(cards) <= set(by_card)
    assert _config_values(config, "card_numbers") == [by_card[c]["card_number"] for c in cards]
    # The fuzzer meets a lost and a void card among them, not only valid ones.
    assert {by_card[c]["card_status"] for c in cards} == {"valid", "lost", "void"}


def test_schemathesis_passes_clean(fuzzed: RunningService, tmp_path: Path) -> None:
    config = tomllib.loads(CONFIG.read_text("utf-8"))
    made = _made(fuzzed, _config_values(config, "members")[1])  # flexible, can pay
    shutil.copy(CONFIG, tmp_path / "schemathesis.toml")
    for name, values in made.items():
        # libFuzzer dictionary files: one quoted value a line (the config's from-file).
        text = "".join(f'"{v}"\n' for v in values)
        (tmp_path / f"runtime-{name}.dict").write_text(text, "utf-8")
    cmd = [
        str(ST),
        "--no-color",
        "--config-file",
        str(tmp_path / "schemathesis.toml"),
        "run",
        str(DOCUMENT),
        "--url",
        fuzzed.url,
        "--checks",
        "all",
        # One worker: hypothesis's lambda descriptions walk Python's ast, which two threads
        # of one process broke here ("AST constructor recursion depth mismatch").
        "--workers",
        "1",
        "--exclude-path-regex",
        "^/sim",
    ]
    for name, value in _auth(fuzzed).items():
        cmd += ["-H", f"{name}: {value}"]
    run = subprocess.run(
        cmd, cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False
    )
    out = run.stdout + run.stderr
    (tmp_path / "schemathesis.txt").write_text(out, "utf-8")  # the whole report, kept
    summary = re.findall(r"(\d+) generated|Tested: (\d+)|(\d+ (?:passed|failures?)[^\n]*)", out)
    print(out[-3000:])  # the figures: pytest -s shows them
    assert run.returncode == 0, f"{tmp_path / 'schemathesis.txt'}:\n{out[-20000:]}"
    assert "Tested: " in out and summary, out[-3000:]
