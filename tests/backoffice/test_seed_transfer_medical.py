"""The seeded transfer-in requests and medical settlements (backoffice/seed/transfer.py,
.medical) through the real back office: requests in each state (at most one open a member;
a finished one for each member with months transferred in), settlements that add up and agree
with the medical account the life holds (a year's account payments = its spending, no month
overdrawn). Seed 1, 300 members, today 2026-06-20. On SQLite, and (marked postgres) on
PostgreSQL, where the seeder COPYs the rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from sqlalchemy import create_engine, text

from backoffice.harness import RunningService, postgres_server, running_service
from kiosk.backoffice.errors import Rejected
from kiosk.domain import Money
from kiosk.domain.transfer import TransferStep, VoucherKind
from tests.helpers.backoffice import client_for

TODAY = dt.date(2026, 6, 20)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def svc(request: pytest.FixtureRequest) -> Iterator[RunningService]:
    with ExitStack() as stack:
        database = stack.enter_context(postgres_server()) if request.param == "postgres" else None
        yield stack.enter_context(
            running_service(members=300, seed=1, today=TODAY, database=database)
        )


def _url(svc: RunningService) -> str:
    d = svc.database
    return d if "://" in d else f"sqlite:///{d}"


def test_requests_in_each_state(svc: RunningService) -> None:
    engine = create_engine(_url(svc))
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT m.member_no, r.contacted_on, r.funds_on, r.done_on,"
                " (SELECT COUNT(*) FROM contribution c WHERE c.member_id = r.member_id"
                "  AND c.status = 'transferred_in')"
                " FROM transfer_request r JOIN member m ON m.id = r.member_id"
            )
        ).all()
    engine.dispose()
    states: dict[TransferStep, list[str]] = {}
    for no, contacted, funds, done, moved in rows:
        state = (
            TransferStep.DONE
            if done
            else TransferStep.FUNDS_RECEIVED
            if funds
            else TransferStep.CONTACTED
            if contacted
            else TransferStep.SUBMITTED
        )
        states.setdefault(state, []).append(no)
        if state is TransferStep.DONE:
            assert moved > 0  # finished: its months are on record
    assert set(states) == set(TransferStep)
    open_ = [no for s, nos in states.items() if s is not TransferStep.DONE for no in nos]
    assert len(open_) == len(set(open_))  # at most one open request a member
    showcase = svc.report.showcases if svc.report else []
    with client_for(svc) as c:
        # showcase #2 has an open request the other city answered; #7 a finished one
        two = c.transfer_requests(showcase[2].member_no)
        assert two.open is not None and two.open.state is TransferStep.CONTACTED
        seven = c.transfer_requests(showcase[7].member_no)
        assert seven.open is None and seven.requests[0].state is TransferStep.DONE
        voucher = c.transfer_voucher(showcase[7].member_no, VoucherKind.PENSION)
        assert voucher.months_transferred_in > 0
        assert voucher.periods[0].city.code == seven.requests[0].from_city.code
        with pytest.raises(Rejected) as e:
            c.start_transfer(showcase[2].member_no, "500100")
        assert e.value.code == "TRANSFER_ALREADY_OPEN"


def test_settlements_agree_with_the_account(svc: RunningService) -> None:
    engine = create_engine(_url(svc))
    with engine.connect() as conn:
        bad = conn.execute(
            text(
                "SELECT COUNT(*) FROM medical_settlement WHERE total_fen <> fund_fen + member_fen"
                " OR account_fen > member_fen OR fund_fen < 0 OR account_fen < 0"
            )
        ).scalar_one()
        years = conn.execute(
            text(
                "SELECT m.member_no, y.year, y.spending_fen, y.balance_fen FROM medical_account_year y"
                " JOIN member m ON m.id = y.member_id WHERE y.year IN (2025, 2026)"
            )
        ).all()
        kinds: dict[str, int] = dict(
            conn.execute(text("SELECT kind, COUNT(*) FROM medical_settlement GROUP BY kind")).all()
        )
    engine.dispose()
    assert bad == 0
    assert kinds.get("outpatient", 0) > 0 and kinds.get("inpatient", 0) > 0
    checked = 0
    with client_for(svc) as c:
        for no, year, spent, balance in years[:40]:
            a = c.medical_account(no, year)  # the client checks each month's balance follows
            assert a.spending == Money.from_fen(spent)
            assert all(m.balance >= Money.zero() for m in a.months)
            if year == 2025:
                assert a.closing_balance == Money.from_fen(balance)
            s = c.medical_settlements(no, year, limit=200)
            assert s.all.account_paid == Money.from_fen(spent)
            checked += 1
    assert checked > 10
