"""The seeded retirees' annual certification (backoffice/seed/certifications.py) through the real
back office: each state exists in a seeded database, the benefits answer shows the suspension,
and the certification rows leave every other seeded row as it was.

Seed 2, 120 members, today 2026-06-20, the default policy (12 months from the last
certification, reminder 30 days before the due date, grace 60 days after it). The members
below are this seed's draws (a member is the same whatever the number seeded); the dates the
rule gives are worked by hand beside each expectation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import text

from backoffice.harness import RunningService, running_service
from backoffice.policy import load_policy
from backoffice.seed import seed_database
from backoffice.seed.certifications import CertificationDrawer
from backoffice.storage import Database
from backoffice.storage.members import MEMBER_TABLES
from kiosk.domain import wire
from kiosk.domain.wire import WireError
from tests.helpers.backoffice import client_for

TODAY = dt.date(2026, 6, 20)
SEED = 2
MEMBERS = 120
SHOWCASE_RETIREE = "110100048447"  # #3: certification due soon (the showcase's state)
OVERDUE = "110100151394"  # #16
CERTIFIED = "110100222665"  # #25
NEW_RETIREE = "110100642372"  # #78: born 1975-11-12, a woman retiring at 50
WORKING = 0  # showcase #0, a flexible worker


@pytest.fixture(scope="module")
def svc() -> Iterator[RunningService]:
    with running_service(members=MEMBERS, seed=SEED, today=TODAY) as s:
        yield s


def _headers(svc: RunningService) -> dict[str, str]:
    return {"X-Terminal-Id": svc.terminal_id, "Authorization": f"Bearer {svc.api_key}"}


def _get(svc: RunningService, no: str, what: str) -> dict[str, Any]:
    r = requests.get(f"{svc.url}/v1/members/{no}/{what}", headers=_headers(svc), timeout=30)
    assert r.status_code == 200, (no, what, r.text[:200])
    body: dict[str, Any] = r.json()
    return body


def _retirees(svc: RunningService) -> list[str]:
    db = Database(svc.database)
    try:
        with db.engine.connect() as c:
            rows = c.execute(text("SELECT member_no FROM member WHERE retired ORDER BY id"))
            return [str(r[0]) for r in rows]
    finally:
        db.dispose()


def test_every_state_is_seeded(svc: RunningService) -> None:
    states = {no: _get(svc, no, "certification")["status"] for no in _retirees(svc)}
    assert set(states.values()) == {"certified", "due", "overdue", "never_certified"}
    assert states[SHOWCASE_RETIREE] == "due"
    assert svc.report is not None
    assert svc.report.rows["certification"] > len(states)  # histories: one a year and more


def test_the_showcase_retiree_is_due_soon(svc: RunningService) -> None:
    # last certified 2025-07-06: due 2025-07-06 + 12 months = 2026-07-06; reminder from
    # 2026-07-06 - 30 days (6 back to 06-30, 24 more) = 2026-06-06 <= 2026-06-20 < 2026-07-06;
    # grace until 2026-07-06 + 60 days (25 to 07-31, 31 in August, 4 more) = 2026-09-04
    body = _get(svc, SHOWCASE_RETIREE, "certification")
    assert body["last_certified"] == "2025-07-06"
    assert (body["status"], body["due_by"]) == ("due", "2026-07-06")
    assert body["remind_from"] == "2026-06-06"
    assert body["grace_until"] == "2026-09-04"
    assert body["suspended"] is False
    assert svc.report is not None
    assert svc.report.showcases[3].note.endswith("certification due")


def test_an_overdue_retiree_is_suspended_from_after_the_seeded_payments(
    svc: RunningService,
) -> None:
    # last certified 2025-04-10: due 2026-04-10; grace + 60 days (20 to 04-30, 31 in May,
    # 9 more) = 2026-06-09 < 2026-06-20: overdue, suspended from the month after June, 2026-07
    body = _get(svc, OVERDUE, "certification")
    assert body["last_certified"] == "2025-04-10"
    assert (body["status"], body["grace_until"]) == ("overdue", "2026-06-09")
    assert (body["suspended"], body["suspended_from"]) == (True, "2026-07")
    benefits = _get(svc, OVERDUE, "benefits")
    assert (benefits["suspended"], benefits["suspended_from"]) == (True, "2026-07")
    # the seeded payments run to the seeding month, 2026-06: none falls in the suspension
    assert max(p["period"] for p in benefits["payments"]) == "2026-06"


def test_a_certified_retiree(svc: RunningService) -> None:
    # last certified 2025-11-18: due 2026-11-18; reminder from 2026-11-18 - 30 days (18 back
    # to 10-31, 12 more) = 2026-10-19, after 2026-06-20: certified
    body = _get(svc, CERTIFIED, "certification")
    assert body["last_certified"] == "2025-11-18"
    assert (body["status"], body["due_by"], body["remind_from"]) == (
        "certified",
        "2026-11-18",
        "2026-10-19",
    )
    benefits = _get(svc, CERTIFIED, "benefits")
    assert (benefits["suspended"], benefits["suspended_from"]) == (False, None)
    assert benefits["payments"]  # receiving the pension


def test_a_new_retiree_was_never_certified(svc: RunningService) -> None:
    # born 1975-11-12, retires at 50 on 2025-11-12 (after 2025-06-20: inside the first cycle);
    # due 2026-11-12; reminder from 2026-11-12 - 30 days (12 back to 10-31, 18 more) = 2026-10-13
    body = _get(svc, NEW_RETIREE, "certification")
    assert (body["status"], body["last_certified"]) == ("never_certified", None)
    assert (body["due_by"], body["remind_from"]) == ("2026-11-12", "2026-10-13")


def test_the_kiosk_reads_the_suspension(svc: RunningService) -> None:
    assert svc.report is not None
    working = svc.report.showcases[WORKING].member_no
    with client_for(svc) as client:
        overdue = client.benefits_answer(OVERDUE)
        assert overdue.suspended and str(overdue.suspended_from) == "2026-07"
        assert overdue.payments == tuple(client.benefits(OVERDUE))
        certified = client.benefits_answer(CERTIFIED)
        assert not certified.suspended and certified.suspended_from is None
        # not a retiree: nothing to suspend
        other = client.benefits_answer(working)
        assert not other.suspended and other.suspended_from is None


def test_recording_a_certification_resumes_the_pension(svc: RunningService) -> None:
    r = requests.post(
        f"{svc.url}/v1/members/{OVERDUE}/certifications",
        json={"method": "counter", "result": "success"},
        headers=_headers(svc) | {"Idempotency-Key": "seeded-overdue-1"},
        timeout=30,
    )
    assert r.status_code == 201, r.text  # the database's own ids follow the seeded rows
    # certified 2026-06-20: due 2027-06-20, the pension runs again
    assert r.json()["certification"]["due_by"] == "2027-06-20"
    benefits = _get(svc, OVERDUE, "benefits")
    assert (benefits["suspended"], benefits["suspended_from"]) == (False, None)


def _rows(db: Database, table: str) -> list[tuple[Any, ...]]:
    with db.engine.connect() as c:
        return [tuple(r) for r in c.execute(text(f"SELECT * FROM {table} ORDER BY 1, 2"))]


def test_the_certifications_leave_every_other_row_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same seed with and without the certification draws: every other table's rows (so
    every summary, history, dues and accounts answer) are the same."""
    policy = load_policy()
    with_them = Database(str(tmp_path / "with.sqlite3"))
    without = Database(str(tmp_path / "without.sqlite3"))
    try:
        a = seed_database(with_them, policy, members=MEMBERS, seed=SEED, as_of=TODAY)
        monkeypatch.setattr(CertificationDrawer, "draw", lambda *_a, **_k: [])
        b = seed_database(without, policy, members=MEMBERS, seed=SEED, as_of=TODAY)
        assert a.rows["certification"] > 0 and b.rows["certification"] == 0
        for table in [*MEMBER_TABLES, "employer", "acq_account"]:
            if table != "certification":
                assert _rows(with_them, table) == _rows(without, table), table
    finally:
        with_them.dispose()
        without.dispose()


@pytest.mark.parametrize(
    "extra",
    [
        {"suspended": True, "suspended_from": None},  # suspended from when?
        {"suspended": False, "suspended_from": "2026-07"},
        {"suspended": "false", "suspended_from": None},
        {"suspended_from": None},  # an answer without the flag
    ],
)
def test_the_kiosk_refuses_an_inconsistent_suspension(extra: dict[str, Any]) -> None:
    with pytest.raises(WireError):
        wire.benefits_answer({"member_no": "11010000000101", "payments": [], **extra})
