"""The medical rules (backoffice/rules/medical.py): a settlement adds up or is refused, the
account's months, the year's totals, the seeder's fund part. Worked examples in the comments."""

from __future__ import annotations

import datetime as dt

import pytest

from backoffice.rules import medical as rules
from kiosk.domain import Money

K = rules.SettlementKind


def s(
    kind: rules.SettlementKind, total: str, fund: str, member: str, account: str
) -> rules.Settlement:
    return rules.Settlement(
        "X1", kind, dt.date(2026, 3, 1), "示例市人民医院",
        Money.of(total), Money.of(fund), Money.of(member), Money.of(account),
    )  # fmt: skip


def test_a_settlement_that_does_not_add_up_is_refused() -> None:
    assert s(K.OUTPATIENT, "85.50", "42.75", "42.75", "40.00").cash == Money.of("2.75")
    with pytest.raises(rules.SettlementMismatch):
        s(K.OUTPATIENT, "85.50", "42.75", "42.74", "0.00")  # 42.75 + 42.74 = 85.49
    with pytest.raises(rules.SettlementMismatch):
        s(K.OUTPATIENT, "85.50", "42.75", "42.75", "42.76")  # the account paid more than 42.75
    with pytest.raises(rules.SettlementMismatch):
        s(K.OUTPATIENT, "10.00", "-1.00", "11.00", "0.00")


def test_year_totals() -> None:
    t = rules.year_totals(
        [
            s(K.OUTPATIENT, "300.00", "150.00", "150.00", "150.00"),
            s(K.OUTPATIENT, "85.50", "42.75", "42.75", "40.00"),
            s(K.INPATIENT, "12000.00", "9350.00", "2650.00", "0.00"),
        ]
    )
    # 300.00 + 85.50 = 385.50; 150.00 + 42.75 = 192.75; cash 0 + 2.75
    assert (t["outpatient"].count, t["outpatient"].total, t["outpatient"].fund) == (
        2,
        Money.of("385.50"),
        Money.of("192.75"),
    )
    assert t["outpatient"].cash == Money.of("2.75")
    # 385.50 + 12,000.00 = 12,385.50; member 192.75 + 2,650.00 = 2,842.75
    assert (t["all"].total, t["all"].member) == (Money.of("12385.50"), Money.of("2842.75"))
    assert t["inpatient"].account == Money.of("0.00")
    assert rules.year_totals([])["all"].count == 0


def test_account_months() -> None:
    got = rules.account_months(
        2026, Money.of("100.00"), {202601: 12000, 202603: 12000}, {202602: 5000}, 3
    )
    # 100 + 120 = 220; 220 - 50 = 170; 170 + 120 = 290
    assert [(m.period, m.balance) for m in got] == [
        (202601, Money.of("220.00")),
        (202602, Money.of("170.00")),
        (202603, Money.of("290.00")),
    ]
    # a month paid ahead (May) is listed after this month (March): 290 + 0 + 120 = 410
    paid = {202601: 12000, 202603: 12000, 202605: 12000}
    ahead = rules.account_months(2026, Money.of("100.00"), paid, {202602: 5000}, 3)
    assert [m.period for m in ahead][-1] == 202605 and ahead[-1].balance == Money.of("410.00")


@pytest.mark.parametrize(
    ("kind", "total", "fund"),
    [
        (K.OUTPATIENT, 8551, 4276),  # 85.51 x 50% = 42.755 -> 42.76 (half up)
        (K.OUTPATIENT, 30000, 15000),  # 300.00 x 50%
        (K.INPATIENT, 1200000, 935000),  # (12,000.00 - 1,000.00) x 85% = 9,350.00
        (K.INPATIENT, 90000, 0),  # under the 1,000.00 deductible: the member pays it all
        (K.INPATIENT, 100001, 1),  # 0.01 above: 0.01 x 85% = 0.0085 -> 0.01
    ],
)
def test_fund_part(kind: rules.SettlementKind, total: int, fund: int) -> None:
    assert rules.fund_part(kind, total) == fund
