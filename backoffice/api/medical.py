"""Medical insurance (医保) at the kiosk, under /v1/members/{no}/medical (read only):

- GET .../medical/account?year=: the medical account month by month (credits, spending, the
  balance after each month) with the year's opening and closing balance;
- GET .../medical/settlements?year=&kind=&limit=: the year's outpatient and inpatient
  settlements (date, institution, total, paid by the fund, by the member: from the account
  and in cash), the latest first, at most `limit`; the year's totals count every settlement
  of the year, listed or not.

The rules: backoffice/rules/medical.py."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BeforeValidator, Field

from backoffice import medical as svc
from backoffice import records
from backoffice.api.common import MEMBER_ERRORS, problem
from backoffice.api.deps import Ctx, Terminal
from backoffice.api.members import MemberNo
from backoffice.api.models import Amount, Month, YearQuery
from backoffice.api.models import StrictOut as _Out
from backoffice.errors import BadRequestProblem
from backoffice.rules import medical as rules
from kiosk.domain import Money

router = APIRouter(prefix="/v1/members", tags=["medical"], responses=MEMBER_ERRORS)

MAX_SETTLEMENTS = 200
DEFAULT_SETTLEMENTS = 50
FIRST_YEAR = 1993  # the records' first year (docs/backoffice.md)


def _plain_digits(value: object) -> object:
    """ASCII digits only, as every integer of a query (docs/api.md, Input rules)."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 9:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ValueError("an integer in ASCII digits")


LimitQuery = Annotated[int, Field(ge=1, le=MAX_SETTLEMENTS), BeforeValidator(_plain_digits)]


class AccountMonthOut(_Out):
    period: Month
    credits: Amount = Field(description="划入: the month's medical contributions to the account")
    spending: Amount = Field(description="支出: paid from the account in the month's settlements")
    balance: Amount = Field(description="after the month")


class MedicalAccountOut(_Out):
    member_no: str
    as_of: dt.date
    year: int
    opening_balance: Amount = Field(description="the last year's closing balance")
    credits: Amount
    spending: Amount
    closing_balance: Amount = Field(description="after the year's last month listed")
    months: list[AccountMonthOut] = Field(
        description="January to December (this year: to this month, and any month paid ahead)"
    )


class SettlementOut(_Out):
    settlement_no: str
    kind: Literal["outpatient", "inpatient"]
    kind_zh: str
    kind_en: str
    settled_on: dt.date
    institution: str
    total: Amount
    fund_paid: Amount = Field(description="统筹基金支付")
    member_paid: Amount = Field(
        description="个人负担 = account_paid + cash_paid; total = fund + member"
    )
    account_paid: Amount = Field(description="个人账户支付")
    cash_paid: Amount = Field(description="现金支付")


class TotalsOut(_Out):
    count: int
    total: Amount
    fund_paid: Amount
    member_paid: Amount
    account_paid: Amount
    cash_paid: Amount


class YearTotalsOut(_Out):
    outpatient: TotalsOut
    inpatient: TotalsOut
    all: TotalsOut


class SettlementsOut(_Out):
    member_no: str
    as_of: dt.date
    year: int
    kind: Literal["outpatient", "inpatient"] | None = Field(description="the filter; null: both")
    count: int = Field(description="the year's settlements of the kind (all, listed or not)")
    truncated: bool = Field(description="more than `limit`: the oldest are left out")
    settlements: list[SettlementOut] = Field(description="the latest first")
    totals: YearTotalsOut = Field(description="the whole year's, by kind and over both")


def _yuan(m: Money) -> str:
    return f"{m.yuan:.2f}"


def _year(year: int | None, today: dt.date) -> int:
    if year is None:
        return today.year
    if not FIRST_YEAR <= year <= today.year:
        raise BadRequestProblem(
            f"年度应在 {FIRST_YEAR} 至 {today.year} 之间",
            f"year must be {FIRST_YEAR} to {today.year}",
            code="BAD_YEAR",
        )
    return year


Year = Annotated[YearQuery | None, Query(description="default: this year")]


@router.get(
    "/{member_no}/medical/account",
    response_model=MedicalAccountOut,
    responses={400: problem("BAD_YEAR: before 1993 or after this year")},
)
def medical_account(
    member_no: MemberNo, ctx: Ctx, _t: Terminal, year: Year = None
) -> dict[str, Any]:
    today = ctx.settings.current_date()
    y = _year(year, today)
    with ctx.db.sessions() as db:
        member_id = records.member_id(db, member_no)
        opening = svc.opening_balance(db, member_id, y)
        found = svc.settlements(db, member_id, y)
        months = rules.account_months(
            y,
            opening,
            svc.credits(db, member_id, y),
            svc.spending(found),
            today.month if y == today.year else 12,
        )
    return {
        "member_no": member_no,
        "as_of": today.isoformat(),
        "year": y,
        "opening_balance": _yuan(opening),
        "credits": _yuan(Money.from_fen(sum(m.credits.fen for m in months))),
        "spending": _yuan(Money.from_fen(sum(m.spending.fen for m in months))),
        "closing_balance": _yuan(months[-1].balance if months else opening),
        "months": [
            {
                "period": f"{m.period // 100:04d}-{m.period % 100:02d}",
                "credits": _yuan(m.credits),
                "spending": _yuan(m.spending),
                "balance": _yuan(m.balance),
            }
            for m in months
        ],
    }


def _totals(t: rules.Totals) -> dict[str, Any]:
    return {
        "count": t.count,
        "total": _yuan(t.total),
        "fund_paid": _yuan(t.fund),
        "member_paid": _yuan(t.member),
        "account_paid": _yuan(t.account),
        "cash_paid": _yuan(t.cash),
    }


@router.get(
    "/{member_no}/medical/settlements",
    response_model=SettlementsOut,
    responses={400: problem("BAD_YEAR: before 1993 or after this year")},
)
def medical_settlements(
    member_no: MemberNo,
    ctx: Ctx,
    _t: Terminal,
    year: Year = None,
    kind: Annotated[
        Literal["outpatient", "inpatient"] | None, Query(description="default: both")
    ] = None,
    limit: Annotated[
        LimitQuery | None,
        Query(description=f"at most this many, the latest (default {DEFAULT_SETTLEMENTS})"),
    ] = None,
) -> dict[str, Any]:
    today = ctx.settings.current_date()
    limit = limit or DEFAULT_SETTLEMENTS
    y = _year(year, today)
    with ctx.db.sessions() as db:
        found = svc.settlements(db, records.member_id(db, member_no), y)
    totals = rules.year_totals(found)
    mine = [s for s in found if kind is None or s.kind.value == kind]
    return {
        "member_no": member_no,
        "as_of": today.isoformat(),
        "year": y,
        "kind": kind,
        "count": len(mine),
        "truncated": len(mine) > limit,
        "settlements": [
            {
                "settlement_no": s.settlement_no,
                "kind": s.kind.value,
                "kind_zh": s.kind.zh,
                "kind_en": s.kind.en,
                "settled_on": s.settled_on.isoformat(),
                "institution": s.institution,
                "total": _yuan(s.total),
                "fund_paid": _yuan(s.fund),
                "member_paid": _yuan(s.member),
                "account_paid": _yuan(s.account),
                "cash_paid": _yuan(s.cash),
            }
            for s in mine[:limit]
        ],
        "totals": {k: _totals(v) for k, v in totals.items()},
    }
