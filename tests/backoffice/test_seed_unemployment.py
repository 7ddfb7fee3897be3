"""The seeded unemployed members (backoffice/seed/unemployment.py) through the real back office:
each state the issue names exists in a small seed (eligible, not yet eligible, receiving,
exhausted), and each answers as the rule says. Seed 1, 400 members (32 unemployed), today
2026-06-20, the default policy: 2,540.00 x 0.9 = 2,286.00 a month, 60 days to claim. On
SQLite, and (marked postgres) on PostgreSQL, where the seeder COPYs the rows."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import requests

from backoffice.harness import RunningService, postgres_server, running_service
from kiosk.domain import Period

TODAY = dt.date(2026, 6, 20)
SEED = 1
MEMBERS = 400
LAST_MONTH = Period(2026, 5)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def svc(request: pytest.FixtureRequest) -> Iterator[RunningService]:
    with ExitStack() as stack:
        # PostgreSQL: a server of its own (the session's is seeded for other tests)
        database = stack.enter_context(postgres_server()) if request.param == "postgres" else None
        cards = stack.enter_context(tempfile.TemporaryDirectory(prefix="cards-"))
        yield stack.enter_context(
            running_service(
                members=MEMBERS, seed=SEED, today=TODAY, cards_dir=Path(cards), database=database
            )
        )


def _by_state(svc: RunningService) -> dict[str, list[str]]:
    """The unemployed members by the state their card file's note names."""
    assert svc.cards_dir is not None
    index = json.loads((svc.cards_dir / "members.json").read_text(encoding="utf-8"))
    out: dict[str, list[str]] = {}
    for m in index["members"]:
        if m["archetype"] == "unemployed":
            out.setdefault(m["note"].split("; ", 1)[1], []).append(m["member_no"])
    return out


def _headers(svc: RunningService, key: str | None = None) -> dict[str, str]:
    h = {"X-Terminal-Id": svc.terminal_id, "Authorization": f"Bearer {svc.api_key}"}
    return h | ({"Idempotency-Key": key} if key else {})


def _get(svc: RunningService, no: str, what: str = "unemployment") -> dict[str, Any]:
    r = requests.get(f"{svc.url}/v1/members/{no}/{what}", headers=_headers(svc), timeout=30)
    assert r.status_code == 200, r.text
    return dict(r.json())


def _post(svc: RunningService, no: str, tail: str, body: dict[str, Any]) -> requests.Response:
    return requests.post(
        f"{svc.url}/v1/members/{no}/unemployment{tail}",
        json=body,
        headers=_headers(svc, f"seed-{uuid.uuid4().hex}"),
        timeout=30,
    )


def _months(first: Period, last: Period) -> int:
    return (last.year - first.year) * 12 + last.month - first.month + 1


def test_every_state_is_seeded(svc: RunningService) -> None:
    states = _by_state(svc)
    for state in (
        "eligible, registered",
        "eligible, to register",
        "not yet eligible",
        "receiving",
        "exhausted",
    ):
        assert states.get(state), (state, sorted(states))


def test_receiving_members_are_paid_to_last_month(svc: RunningService) -> None:
    for no in _by_state(svc)["receiving"]:
        app = _get(svc, no)["application"]
        assert app["status"] == "receiving" and app["medical_by_fund"] is True
        first = Period.parse(app["first_month"])
        # paid each month from the claim's month to last month (2026-05), fewer than granted
        paid = _months(first, LAST_MONTH) if first <= LAST_MONTH else 0
        assert app["months_paid"] == paid < app["months_granted"]
        assert app["months_left"] == app["months_granted"] - paid
        assert {p["amount"] for p in app["payments"]} <= {"2286.00"}
        # 2,286.00 a month x the months paid
        assert app["paid_total"] == f"{2286 * paid}.00"
        benefits = _get(svc, no, "benefits")["payments"]
        assert sum(1 for b in benefits if b["kind"] == "unemployment") == paid


def test_exhausted_members_drew_every_month(svc: RunningService) -> None:
    for no in _by_state(svc)["exhausted"]:
        s = _get(svc, no)
        app = s["application"]
        assert app["status"] == "exhausted" and app["months_left"] == 0
        assert app["months_paid"] == app["months_granted"] == s["entitlement_months"]
        assert app["medical_by_fund"] is False
        # the job ended 26 to 32 months ago: long past the 60 days to claim again
        assert s["within_window"] is False


def test_an_eligible_member_registers_and_claims(svc: RunningService) -> None:
    states = _by_state(svc)
    for no in states["eligible, registered"]:
        assert _get(svc, no)["can_apply"] is True
    no = states["eligible, to register"][0]
    s = _get(svc, no)
    # the job ended last month, 2026-05-31: 60 days run to 2026-07-30
    assert s["separation"]["last_day"] == "2026-05-31" and s["apply_by"] == "2026-07-30"
    assert [r["condition"] for r in s["reasons"] if not r["met"]] == ["registered"]
    r = _post(svc, no, "/registration", {"phone": "13600000000", "job_wishes": ["电工"]})
    assert r.status_code == 200 and r.json()["can_apply"] is True
    r = _post(svc, no, "/application", {})
    assert r.status_code == 201, r.text
    assert r.json()["application"]["months_granted"] == s["entitlement_months"]


def test_not_yet_eligible_members_are_refused_with_the_reason(svc: RunningService) -> None:
    for no in _by_state(svc)["not yet eligible"]:
        s = _get(svc, no)
        assert s["contribution_months"] < 12 and s["entitlement_months"] == 0
        r = _post(svc, no, "/application", {})
        assert r.status_code == 409 and r.json()["code"] == "UNEMPLOYMENT_NOT_ELIGIBLE"
