"""Medical insurance (医保) at the kiosk: the medical account month by month, the settlements of
visits and stays, and the year's totals (docs/rules.md "Medical insurance").

- A settlement (结算) splits its total into what the fund pays (统筹基金支付) and what the
  member bears (个人负担): total = fund + member, always; of the member's part some may be
  paid from the medical account (个人账户支付), the rest in cash (现金支付).
- The account's credits in a month are the medical contribution rows' account parts of that
  month (months in arrears credit nothing); its spending in a month is the account part of
  the month's settlements. The balance after a month = the year's opening balance (the last
  year's closing balance) + the credits so far - the spending so far.
- The year's totals add the year's settlements per kind and over both: each figure a sum of
  the settlements' own (no rounding: fen are added).
- The seeder's synthetic settlements split a total by FUND_SHARES (the fund pays the share of
  the total above the deductible, half-up to the fen; the member the rest). The back office
  records real settlements as the hospital's system sent them: the shares are not a policy of
  the kiosk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from backoffice.errors import BackOfficeServerError
from kiosk.domain import Money


class SettlementKind(StrEnum):
    OUTPATIENT = "outpatient"  # 门诊
    INPATIENT = "inpatient"  # 住院

    @property
    def zh(self) -> str:
        return {"outpatient": "门诊", "inpatient": "住院"}[self.value]

    @property
    def en(self) -> str:
        return {"outpatient": "Outpatient", "inpatient": "Inpatient"}[self.value]


class SettlementMismatch(BackOfficeServerError, ValueError):
    """A settlement whose parts do not add up (total != fund + member, or the account part
    more than the member's): never stored, never shown."""


@dataclass(frozen=True)
class Settlement:
    settlement_no: str
    kind: SettlementKind
    settled_on: dt.date
    institution: str
    total: Money
    fund: Money  # 统筹基金支付
    member: Money  # 个人负担
    account: Money  # of member: 个人账户支付

    def __post_init__(self) -> None:
        check_parts(self.total.fen, self.fund.fen, self.member.fen, self.account.fen)

    @property
    def cash(self) -> Money:
        """What the member paid in cash: their part less the account's."""
        return self.member - self.account


def check_parts(total_fen: int, fund_fen: int, member_fen: int, account_fen: int) -> None:
    if min(total_fen, fund_fen, member_fen, account_fen) < 0:
        raise SettlementMismatch("a settlement's figures are never negative")
    if fund_fen + member_fen != total_fen:
        raise SettlementMismatch(
            f"fund {fund_fen} + member {member_fen} fen is not the total {total_fen} fen"
        )
    if account_fen > member_fen:
        raise SettlementMismatch(
            f"the account paid {account_fen} fen, more than the member's {member_fen} fen"
        )


@dataclass(frozen=True)
class Totals:
    """A kind's (or all settlements') figures over a year."""

    count: int
    total: Money
    fund: Money
    member: Money
    account: Money
    cash: Money


def totals(settlements: Iterable[Settlement]) -> Totals:
    rows = list(settlements)
    return Totals(
        count=len(rows),
        total=Money.from_fen(sum(s.total.fen for s in rows)),
        fund=Money.from_fen(sum(s.fund.fen for s in rows)),
        member=Money.from_fen(sum(s.member.fen for s in rows)),
        account=Money.from_fen(sum(s.account.fen for s in rows)),
        cash=Money.from_fen(sum(s.cash.fen for s in rows)),
    )


def year_totals(settlements: Sequence[Settlement]) -> dict[str, Totals]:
    """{"outpatient": ..., "inpatient": ..., "all": ...} over the settlements given."""
    out = {k.value: totals(s for s in settlements if s.kind is k) for k in SettlementKind}
    out["all"] = totals(settlements)
    return out


@dataclass(frozen=True)
class AccountMonth:
    period: int  # YYYYMM
    credits: Money
    spending: Money
    balance: Money  # after the month


def account_months(
    year: int,
    opening: Money,
    credits: Mapping[int, int],
    spending: Mapping[int, int],
    last_month: int,
) -> list[AccountMonth]:
    """Months 1..last_month of `year` (and any later month with a credit or spending: a
    month paid ahead), each with its credits, spending (fen by YYYYMM) and the balance after
    it."""
    last = max(
        [last_month, *(p % 100 for p in (*credits, *spending) if p // 100 == year)], default=0
    )
    balance = opening.fen
    out = []
    for m in range(1, last + 1):
        p = year * 100 + m
        c, s = credits.get(p, 0), spending.get(p, 0)
        balance += c - s
        out.append(AccountMonth(p, Money.from_fen(c), Money.from_fen(s), Money.from_fen(balance)))
    return out


# The seeder's split (see the module's docstring): kind -> (deductible in fen, the fund's share
# of the total above it).
FUND_SHARES: dict[SettlementKind, tuple[int, Decimal]] = {
    SettlementKind.OUTPATIENT: (0, Decimal("0.50")),
    SettlementKind.INPATIENT: (100_000, Decimal("0.85")),  # 起付线 1,000.00 yuan
}


def fund_part(kind: SettlementKind, total_fen: int) -> int:
    """What the fund pays of a total by FUND_SHARES: (total - deductible) x share, half-up."""
    deductible, share = FUND_SHARES[kind]
    above = max(0, total_fen - deductible)
    return int((Decimal(above) * share).quantize(Decimal(1), rounding=ROUND_HALF_UP))
