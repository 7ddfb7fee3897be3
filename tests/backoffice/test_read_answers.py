"""The member read routes (summary, dues, contribution history, accounts, benefits) write their
JSON themselves (backoffice.api.encode: json_response, history_json) instead of FastAPI
validating and dumping a dict through the response_model: each answer must be exactly the
bytes its model writes (valid against it, fields in its order, dates ISO, Chinese unescaped),
for every seeded member, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import requests
from pydantic import BaseModel

from backoffice.api.models import AccountsOut, BenefitsOut, DuesOut, HistoryOut, SummaryOut
from backoffice.harness import RunningService
from tests.helpers.backoffice import members_index

MODELS: dict[str, type[BaseModel]] = {
    "summary": SummaryOut,
    "dues": DuesOut,
    "contributions": HistoryOut,
    "accounts": AccountsOut,
    "benefits": BenefitsOut,
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
    # The members compared hold what could be written differently: Chinese names unescaped
    # and nulls (summary, history: employers, 个人), priced lines with their dates (dues),
    # amounts of every year (accounts) and of benefits paid.
    controls = {
        "summary": lambda b: not b.isascii() and "null" in b,
        "contributions": lambda b: not b.isascii() and "null" in b,
        "dues": lambda b: '"lines":[{' in b and '"due_date":"' in b,
        "accounts": lambda b: '"pension_years":[{' in b and '"medical_years":[{' in b,
        "benefits": lambda b: '"payments":[{' in b,
    }
    assert any(controls[route](b) for b in bodies)
