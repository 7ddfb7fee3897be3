"""Medical insurance (医保) as the kiosk sees it: the medical account month by month, the
settlements of visits and stays with the year's totals; and the parsers of their answers
(docs/api.md: .../medical/account, .../medical/settlements). A parser raises WireError on a
missing field or a wrong type, DomainError on figures that do not add up (a settlement whose
total is not fund + member is never shown)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from kiosk.domain.errors import DomainError
from kiosk.domain.money import Money
from kiosk.domain.period import Period
from kiosk.domain.wire import _date, _get, _list, _money, _opt, _period


class SettlementKind(StrEnum):
    OUTPATIENT = "outpatient"  # 门诊
    INPATIENT = "inpatient"  # 住院


@dataclass(frozen=True)
class AccountMonth:
    period: Period
    credits: Money  # 划入
    spending: Money  # 支出
    balance: Money  # after the month


@dataclass(frozen=True)
class MedicalAccount:
    member_no: str
    as_of: dt.date
    year: int
    opening_balance: Money
    credits: Money
    spending: Money
    closing_balance: Money
    months: tuple[AccountMonth, ...]

    def __post_init__(self) -> None:
        # Each month's balance follows from the one before: the answer is read, not trusted.
        balance = self.opening_balance
        for m in self.months:
            balance = balance + m.credits - m.spending
            if balance != m.balance:
                raise DomainError(f"{m.period}: the balance is {m.balance}, not {balance}")
        if balance != self.closing_balance:
            raise DomainError("the months do not end at the closing balance")


@dataclass(frozen=True)
class Settlement:
    settlement_no: str
    kind: SettlementKind
    kind_zh: str
    kind_en: str
    settled_on: dt.date
    institution: str
    total: Money
    fund_paid: Money  # 统筹基金支付
    member_paid: Money  # 个人负担
    account_paid: Money  # of member_paid: 个人账户支付
    cash_paid: Money  # of member_paid: 现金支付

    def __post_init__(self) -> None:
        if self.fund_paid + self.member_paid != self.total:
            raise DomainError(
                f"settlement {self.settlement_no}: fund {self.fund_paid} + member"
                f" {self.member_paid} is not the total {self.total}"
            )
        if self.account_paid + self.cash_paid != self.member_paid:
            raise DomainError(f"settlement {self.settlement_no}: account + cash is not member")


@dataclass(frozen=True)
class SettlementTotals:
    count: int
    total: Money
    fund_paid: Money
    member_paid: Money
    account_paid: Money
    cash_paid: Money

    def __post_init__(self) -> None:
        if self.fund_paid + self.member_paid != self.total:
            raise DomainError("the year's fund + member is not its total")


@dataclass(frozen=True)
class Settlements:
    member_no: str
    as_of: dt.date
    year: int
    kind: SettlementKind | None  # the filter asked for; None: both
    count: int  # the year's settlements of the kind, listed or not
    truncated: bool
    settlements: tuple[Settlement, ...]  # the latest first
    outpatient: SettlementTotals  # the whole year's
    inpatient: SettlementTotals
    all: SettlementTotals


# --- parsers ---------------------------------------------------------------------------------


def medical_account(b: Any) -> MedicalAccount:
    return MedicalAccount(
        member_no=_get(b, "member_no", str),
        as_of=_date(_get(b, "as_of", str)),
        year=_get(b, "year", int),
        opening_balance=_money(b, "opening_balance"),
        credits=_money(b, "credits"),
        spending=_money(b, "spending"),
        closing_balance=_money(b, "closing_balance"),
        months=tuple(
            AccountMonth(
                period=_period(_get(m, "period", str)),
                credits=_money(m, "credits"),
                spending=_money(m, "spending"),
                balance=_money(m, "balance"),
            )
            for m in _list(b, "months")
        ),
    )


def _settlement(s: Any) -> Settlement:
    return Settlement(
        settlement_no=_get(s, "settlement_no", str),
        kind=SettlementKind(_get(s, "kind", str)),
        kind_zh=_get(s, "kind_zh", str),
        kind_en=_get(s, "kind_en", str),
        settled_on=_date(_get(s, "settled_on", str)),
        institution=_get(s, "institution", str),
        total=_money(s, "total"),
        fund_paid=_money(s, "fund_paid"),
        member_paid=_money(s, "member_paid"),
        account_paid=_money(s, "account_paid"),
        cash_paid=_money(s, "cash_paid"),
    )


def _totals(t: Any) -> SettlementTotals:
    return SettlementTotals(
        count=_get(t, "count", int),
        total=_money(t, "total"),
        fund_paid=_money(t, "fund_paid"),
        member_paid=_money(t, "member_paid"),
        account_paid=_money(t, "account_paid"),
        cash_paid=_money(t, "cash_paid"),
    )


def settlements(b: Any) -> Settlements:
    totals = _get(b, "totals", dict)
    kind = _opt(b, "kind", str)
    return Settlements(
        member_no=_get(b, "member_no", str),
        as_of=_date(_get(b, "as_of", str)),
        year=_get(b, "year", int),
        kind=None if kind is None else SettlementKind(kind),
        count=_get(b, "count", int),
        truncated=_get(b, "truncated", bool),
        settlements=tuple(_settlement(s) for s in _list(b, "settlements")),
        outpatient=_totals(_get(totals, "outpatient", dict)),
        inpatient=_totals(_get(totals, "inpatient", dict)),
        all=_totals(_get(totals, "all", dict)),
    )
