"""Unemployment insurance through the real back office over HTTP (importer-loaded members;
today fixed at 2026-06-20; default policy [unemployment]: minimum wage 2,540.00 x 0.9, claim
within 60 days of the job's last day, 12 months of contributions, bands 12 -> 12 months,
60 -> 18, 120 -> 24, at most 24 with carried months; skill subsidy level 4 1,500.00 for a
certificate of the last 12 months). The employers' separation records, certificates and an
earlier claim's payments are written the way the city's other systems would
(backoffice.unemployment.record_*), into the service's own database.
Figures are worked by hand beside each expectation (backoffice/rules/unemployment.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from backoffice.harness import RunningService
from backoffice.storage import Database
from backoffice.storage.unemployment import ClaimRow, SkillSubsidyRow
from tests.helpers.unemployment import (
    AGAIN,
    CAPPED,
    E1,
    ELIGIBLE,
    LATE,
    NONE,
    RESIGNED,
    SHORT,
    unemployment_service,
)


@pytest.fixture(scope="module")
def svc() -> Iterator[RunningService]:
    with unemployment_service() as s:
        yield s


def _headers(svc: RunningService, key: str | None = None) -> dict[str, str]:
    h = {"X-Terminal-Id": svc.terminal_id, "Authorization": f"Bearer {svc.api_key}"}
    return h | ({"Idempotency-Key": key} if key else {})


def _get(svc: RunningService, no: str, tail: str = "") -> dict[str, Any]:
    r = requests.get(
        f"{svc.url}/v1/members/{no}/unemployment{tail}", headers=_headers(svc), timeout=30
    )
    assert r.status_code == 200, r.text
    return dict(r.json())


def _post(
    svc: RunningService, no: str, tail: str, body: dict[str, Any] | None = None, key: str = ""
) -> requests.Response:
    return requests.post(
        f"{svc.url}/v1/members/{no}/unemployment{tail}",
        json=body if body is not None else {},
        headers=_headers(svc, key or f"t-{uuid.uuid4().hex}"),
        timeout=30,
    )


def _register(svc: RunningService, no: str) -> requests.Response:
    return _post(
        svc, no, "/registration", {"phone": "13812345678", "job_wishes": ["仓储管理", "电工"]}
    )


def _met(status: dict[str, Any]) -> dict[str, bool]:
    return {r["condition"]: r["met"] for r in status["reasons"]}


def _claims(svc: RunningService) -> int:
    db = Database(svc.database)
    try:
        with db.session() as s:
            return int(s.scalar(select(func.count()).select_from(ClaimRow)) or 0)
    finally:
        db.dispose()


def test_eligible_register_then_apply_once(svc: RunningService) -> None:
    s = _get(svc, ELIGIBLE)
    assert s["separation"]["employer"] == E1
    assert s["separation"]["last_day"] == "2026-04-30"
    assert s["separation"]["involuntary"] is True
    # 2020-01..2026-04: 6 years x 12 + 4 = 76 months
    assert s["contribution_months"] == 76
    # 76 >= 60 and < 120: up to 18 months
    assert s["entitlement_months"] == 18
    # 2,540.00 x 0.9 = 2,286.00
    assert s["monthly_amount"] == "2286.00"
    # 2026-04-30 + 60 days: May has 31 (-> 05-31), June 29 more -> 2026-06-29
    assert s["apply_by"] == "2026-06-29"
    assert s["within_window"] is True
    assert _met(s) == {"contributions": True, "involuntary": True, "registered": False}
    assert s["eligible"] is False and s["can_apply"] is False

    refused = _post(svc, ELIGIBLE, "/application")
    assert refused.status_code == 409
    assert refused.json()["code"] == "UNEMPLOYMENT_NOT_REGISTERED"

    r = _register(svc, ELIGIBLE)
    assert r.status_code == 200, r.text
    reg = r.json()["registration"]
    assert reg == {
        "registered_on": "2026-06-20",
        "phone_masked": "138****5678",
        "job_wishes": ["仓储管理", "电工"],
    }
    assert r.json()["can_apply"] is True

    before = _claims(svc)
    key = f"apply-{uuid.uuid4().hex}"
    first = _post(svc, ELIGIBLE, "/application", key=key)
    assert first.status_code == 201, first.text
    app = first.json()["application"]
    assert app["status"] == "receiving"
    assert app["months_granted"] == 18 and app["months_carried"] == 0
    assert app["months_paid"] == 0 and app["months_left"] == 18
    assert app["first_month"] == "2026-06" and app["monthly_amount"] == "2286.00"
    assert app["medical_by_fund"] is True
    again = _post(svc, ELIGIBLE, "/application", key=key)
    assert again.status_code == 201
    assert again.json() == first.json()
    other = _post(svc, ELIGIBLE, "/application")
    assert other.status_code == 409
    assert other.json()["code"] == "UNEMPLOYMENT_ALREADY_CLAIMED"
    assert _claims(svc) == before + 1
    # The same key for another member's claim is not a retry
    clash = _post(svc, SHORT, "/application", key=key)
    assert clash.status_code == 409 and clash.json()["code"] == "IDEMPOTENCY_CONFLICT"

    # Re-employed: a day after today is refused, today stops it
    bad = _post(svc, ELIGIBLE, "/application/stop", {"date": "2026-06-21"})
    assert bad.status_code == 400 and bad.json()["code"] == "BAD_STOP_DATE"
    stopped = _post(svc, ELIGIBLE, "/application/stop", {"reason": "reemployed"})
    assert stopped.status_code == 200, stopped.text
    app = stopped.json()["application"]
    assert app["status"] == "stopped" and app["stopped_on"] == "2026-06-20"
    assert app["months_left"] == 0 and app["medical_by_fund"] is False
    assert _post(svc, ELIGIBLE, "/application/stop").status_code == 200  # harmless again


@pytest.mark.parametrize(
    ("no", "code", "words"),
    [
        # 2025-09..2026-04: 4 + 4 = 8 months < 12
        (SHORT, "UNEMPLOYMENT_NOT_ELIGIBLE", "8个月"),
        (RESIGNED, "UNEMPLOYMENT_NOT_ELIGIBLE", "本人辞职"),
        # 2026-04-10 + 60 days = 2026-06-09 (20 days of April, 31 of May, 9 of June) < 06-20
        (LATE, "UNEMPLOYMENT_WINDOW_CLOSED", "2026-06-09"),
        (NONE, "NO_SEPARATION_RECORD", "劳动关系"),
    ],
)
def test_refused_with_a_reason_and_nothing_recorded(
    svc: RunningService, no: str, code: str, words: str
) -> None:
    if no != NONE:
        assert _register(svc, no).status_code == 200
    before = _claims(svc)
    r = _post(svc, no, "/application")
    assert r.status_code == 409
    body = r.json()
    assert body["code"] == code
    assert words in body["message_zh"] and body["message_en"]
    assert _claims(svc) == before
    assert _get(svc, no)["application"] is None


def test_reasons_of_those_not_eligible(svc: RunningService) -> None:
    short = _get(svc, SHORT)
    assert short["contribution_months"] == 8
    assert _met(short)["contributions"] is False
    # 8 months: below the first band (12): nothing granted
    assert short["entitlement_months"] == 0
    resigned = _get(svc, RESIGNED)
    # 2023-06..2026-05: 7 + 24 + 5 = 36 months: 1 to 5 years, 12 months, but resigned
    assert resigned["contribution_months"] == 36 and resigned["entitlement_months"] == 12
    assert _met(resigned)["involuntary"] is False
    assert resigned["separation"]["reason_zh"] == "本人辞职"
    none = _get(svc, NONE)
    assert none["separation"] is None and none["apply_by"] is None
    assert _met(none) == {"contributions": True, "involuntary": False, "registered": False}


def test_carried_over_from_an_earlier_claim(svc: RunningService) -> None:
    s = _get(svc, AGAIN)
    # counted afresh after the first claim's job (2023-12): 2024-05..2026-05 = 8 + 12 + 5 = 25
    assert s["contribution_months"] == 25
    # the first claim: 12 granted, 4 paid (2024-01..04), stopped 2024-05-01: 12 - 4 = 8 carried
    assert s["carried_months"] == 8
    # 25 months -> band 12; 12 + 8 = 20 <= 24
    assert s["entitlement_months"] == 20
    assert _register(svc, AGAIN).status_code == 200
    r = _post(svc, AGAIN, "/application")
    assert r.status_code == 201, r.text
    app = r.json()["application"]
    assert app["months_granted"] == 20 and app["months_carried"] == 8


def test_carried_over_never_past_24(svc: RunningService) -> None:
    s = _get(svc, CAPPED)
    # 2024-07..2025-08: 6 + 8 = 14 months after the first claim -> band 12
    assert s["contribution_months"] == 14
    # the first claim: 18 granted, 2 paid (2024-01, 02): 16 carried
    assert s["carried_months"] == 16
    # 12 + 16 = 28, at most 24
    assert s["entitlement_months"] == 24


def test_skill_subsidy(svc: RunningService) -> None:
    s = _get(svc, ELIGIBLE, "/skill-subsidy")
    certs = {c["certificate_no"]: c for c in s["certificates"]}
    # the window: 2026-06-20 - 12 months = 2025-06-20; 2026-01-15 inside, 2025-05-01 not
    assert certs["S202601150001"]["in_window"] is True
    assert certs["S202601150001"]["amount"] == "1500.00"  # level 4 (中级)
    assert certs["S202601150001"]["claimable"] is True
    assert certs["S202505010002"]["in_window"] is False
    assert s["eligible"] is True
    old = _post(svc, ELIGIBLE, "/skill-subsidies", {"certificate_no": "S202505010002"})
    assert old.status_code == 409 and old.json()["code"] == "SKILL_SUBSIDY_NOT_ELIGIBLE"
    key = f"skill-{uuid.uuid4().hex}"
    first = _post(svc, ELIGIBLE, "/skill-subsidies", {"certificate_no": "S202601150001"}, key)
    assert first.status_code == 201, first.text
    claimed = first.json()["claimed_this_year"]
    assert claimed == {
        "certificate_no": "S202601150001",
        "year": 2026,
        "applied_on": "2026-06-20",
        "amount": "1500.00",
    }
    again = _post(svc, ELIGIBLE, "/skill-subsidies", {"certificate_no": "S202601150001"}, key)
    assert again.status_code == 201 and again.json() == first.json()
    twice = _post(svc, ELIGIBLE, "/skill-subsidies", {"certificate_no": "S202601150001"})
    assert twice.status_code == 409 and twice.json()["code"] == "SKILL_SUBSIDY_NOT_ELIGIBLE"
    # SHORT: a certificate of 2026-03-01, but 8 months of contributions < 12
    short = _get(svc, SHORT, "/skill-subsidy")
    assert short["eligible"] is False
    assert {r["condition"]: r["met"] for r in short["reasons"]}["contributions"] is False
    r = _post(svc, SHORT, "/skill-subsidies", {"certificate_no": "S202603010003"})
    assert r.status_code == 409 and r.json()["code"] == "SKILL_SUBSIDY_NOT_ELIGIBLE"
    unknown = _post(svc, SHORT, "/skill-subsidies", {"certificate_no": "S202601150001"})
    assert unknown.json()["code"] == "VOCATIONAL_CERTIFICATE_UNKNOWN"
    db = Database(svc.database)
    try:
        with db.session() as session:
            assert session.scalar(select(func.count()).select_from(SkillSubsidyRow)) == 1
    finally:
        db.dispose()


def test_bad_input_is_422(svc: RunningService) -> None:
    r = _post(svc, ELIGIBLE, "/registration", {"phone": "12345", "job_wishes": ["电工"]})
    assert r.status_code == 422
    r = _post(svc, ELIGIBLE, "/registration", {"phone": "13812345678", "job_wishes": []})
    assert r.status_code == 422
    r = requests.post(
        f"{svc.url}/v1/members/{ELIGIBLE}/unemployment/application",
        headers=_headers(svc),
        timeout=30,
    )
    assert r.status_code == 422  # no Idempotency-Key
