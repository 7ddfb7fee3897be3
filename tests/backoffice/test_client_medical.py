"""Medical insurance (医保) through the kiosk's client against the real back office over HTTP
(tests/helpers/transfer_medical.py: today 2026-06-20): the medical account month by month, the
settlements and the year's totals. Worked figures beside each value."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from backoffice.harness import RunningService
from kiosk.backoffice.errors import Rejected
from kiosk.domain import Money, Period
from kiosk.domain.medical import SettlementKind
from tests.helpers.backoffice import client_for
from tests.helpers.transfer_medical import LOCAL, MOVER, transfer_medical_service


@pytest.fixture(scope="module")
def svc() -> Iterator[RunningService]:
    with transfer_medical_service() as s:
        yield s


def test_account_month_by_month(svc: RunningService) -> None:
    with client_for(svc) as c:
        a = c.medical_account(MOVER)
    assert a.year == 2026
    assert a.opening_balance == Money.of("1340.00")  # 2025's closing balance
    got = [(m.period, m.credits, m.spending, m.balance) for m in a.months]
    assert got == [
        (Period(2026, 1), Money.of("120.00"), Money.of("0.00"), Money.of("1460.00")),  # +120
        # 02-10 outpatient, 150.00 from the account: 1460 + 120 - 150
        (Period(2026, 2), Money.of("120.00"), Money.of("150.00"), Money.of("1430.00")),
        (Period(2026, 3), Money.of("120.00"), Money.of("0.00"), Money.of("1550.00")),
        # 04-05 outpatient, 40.00 of its 42.75 from the account: 1550 + 120 - 40
        (Period(2026, 4), Money.of("120.00"), Money.of("40.00"), Money.of("1630.00")),
        # the stay in May was paid by the fund and in cash: nothing from the account
        (Period(2026, 5), Money.of("120.00"), Money.of("0.00"), Money.of("1750.00")),
        (Period(2026, 6), Money.of("0.00"), Money.of("0.00"), Money.of("1750.00")),  # unpaid yet
    ]
    assert a.credits == Money.of("600.00")  # 5 x 120.00
    assert a.spending == Money.of("190.00")  # 150.00 + 40.00
    assert a.closing_balance == Money.of("1750.00")  # the balance the member holds today


def test_a_past_year_has_twelve_months(svc: RunningService) -> None:
    with client_for(svc) as c:
        a = c.medical_account(MOVER, 2025)
    assert len(a.months) == 12 and a.opening_balance == Money.of("0.00")  # no year before
    assert a.spending == Money.of("100.00")  # the November visit
    assert a.closing_balance == Money.of("1340.00")  # 12 x 120.00 - 100.00, as on record


def test_settlements_and_the_years_totals(svc: RunningService) -> None:
    with client_for(svc) as c:
        s = c.medical_settlements(MOVER)
    assert s.year == 2026 and s.count == 3 and not s.truncated
    assert [x.settlement_no for x in s.settlements] == [
        "ZY2026051201",  # the latest first
        "MZ2026040501",
        "MZ2026021001",
    ]
    stay = s.settlements[0]
    assert stay.kind is SettlementKind.INPATIENT and stay.kind_zh == "住院"
    # (12,000.00 - 1,000.00) x 85% = 9,350.00 by the fund; 12,000.00 - 9,350.00 = 2,650.00
    assert (stay.total, stay.fund_paid, stay.member_paid) == (
        Money.of("12000.00"),
        Money.of("9350.00"),
        Money.of("2650.00"),
    )
    assert stay.cash_paid == Money.of("2650.00")
    visit = s.settlements[1]
    assert visit.account_paid == Money.of("40.00") and visit.cash_paid == Money.of("2.75")
    # outpatient: 300.00 + 85.50 = 385.50; fund 150.00 + 42.75 = 192.75; account 150 + 40
    o = s.outpatient
    assert (o.count, o.total, o.fund_paid, o.member_paid) == (
        2,
        Money.of("385.50"),
        Money.of("192.75"),
        Money.of("192.75"),
    )
    assert (o.account_paid, o.cash_paid) == (Money.of("190.00"), Money.of("2.75"))
    # all: 385.50 + 12,000.00 = 12,385.50; fund 192.75 + 9,350.00; member 192.75 + 2,650.00
    assert (s.all.count, s.all.total, s.all.fund_paid, s.all.member_paid) == (
        3,
        Money.of("12385.50"),
        Money.of("9542.75"),
        Money.of("2842.75"),
    )
    assert s.all.cash_paid == Money.of("2652.75")  # 2.75 + 2,650.00


def test_filtered_and_bounded(svc: RunningService) -> None:
    with client_for(svc) as c:
        s = c.medical_settlements(MOVER, kind=SettlementKind.OUTPATIENT, limit=1)
        assert (s.count, s.truncated) == (2, True)  # two outpatient settlements, one listed
        assert [x.settlement_no for x in s.settlements] == ["MZ2026040501"]
        assert s.all.count == 3  # the year's totals count every settlement
        assert c.medical_settlements(MOVER, 2025).all.total == Money.of("200.00")
        assert c.medical_settlements(LOCAL).count == 0
        with pytest.raises(Rejected) as e:
            c.medical_account(MOVER, 2027)
        assert (e.value.status, e.value.code) == (400, "BAD_YEAR")
    for bad in ("0", "201", "1e2", " 5", "５"):
        r = requests.get(
            f"{svc.url}/v1/members/{MOVER}/medical/settlements",
            params={"limit": bad},
            headers={"X-Terminal-Id": svc.terminal_id, "Authorization": f"Bearer {svc.api_key}"},
        )
        assert r.status_code == 422, bad
