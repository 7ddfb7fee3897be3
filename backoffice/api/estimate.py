"""GET /v1/members/{member_no}/pension-estimate: the national formula on the member's record,
with every assumption returned as a sentence in both languages (and some settable by query).
Below the 15-year minimum: the months missing, no monthly total, and what continuing to pay
until retirement would give."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import Field

from backoffice import records
from backoffice.api.common import MEMBER_ERRORS
from backoffice.api.deps import Ctx, Db, Terminal
from backoffice.api.encode import money
from backoffice.api.members import MemberNo
from backoffice.api.models import (
    Amount,
    ErrorBody,
    Month,
    RateQueryText,
    RetirementAgeQuery,
    _Out,
)
from backoffice.errors import ConflictProblem
from backoffice.rules.estimate import EstimateError, estimate_pension
from kiosk.domain import EnrolmentStatus, Scheme
from kiosk.domain.estimate import PensionEstimate

COUNTED = frozenset(records.COUNTED)


class AssumptionOut(_Out):
    key: str
    value: str
    zh: str = Field(description="short label")
    en: str = Field(description="short label")
    text_zh: str = Field(description="the assumption as a sentence, for the member")
    text_en: str = Field(description="the assumption as a sentence, for the member")


class EstimateFiguresOut(_Out):
    retirement_period: Month = Field(
        description="the month the member reaches the retirement age (birth month + age): "
        "contributions run to it, included; the pension starts the month after"
    )
    retirement_age: int
    contribution_months: int = Field(
        description="at retirement: deemed + on record + future months, each month once"
    )
    recorded_months: int = Field(description="months paid, back paid or transferred in")
    deemed_months: int = Field(description="视同缴费月数, counted at index 1.0")
    future_months: int = Field(
        description="months assumed paid from this month to the retirement month, included"
    )
    months_missing: int = Field(description="months short of the 180-month minimum (0: none)")
    eligible: bool = Field(description="the 15-year minimum is reached at retirement")
    average_index: str
    average_monthly_wage: Amount
    basic_pension: Amount = Field(description="by the formula; payable only when eligible")
    account_balance: Amount = Field(description="projected personal account at retirement")
    months_divisor: int
    account_pension: Amount = Field(description="by the formula; payable only when eligible")
    monthly_total: Amount | None = Field(description="null when not eligible")


class EstimateOut(EstimateFiguresOut):
    member_no: str
    assumptions: list[AssumptionOut]
    if_continued: EstimateFiguresOut | None = Field(
        description="when not eligible: the estimate with contributions every month until "
        "retirement"
    )


router = APIRouter(
    prefix="/v1/members",
    tags=["estimate"],
    responses={
        **MEMBER_ERRORS,
        409: {"model": ErrorBody, "description": "no estimate (retired, no pension record)"},
    },
)


@router.get("/{member_no}/pension-estimate", response_model=EstimateOut)
def pension_estimate(
    member_no: MemberNo,
    db: Db,
    ctx: Ctx,
    _t: Terminal,
    retirement_age: Annotated[RetirementAgeQuery | None, Query()] = None,
    wage_growth: Annotated[RateQueryText | None, Query(description="0 to 0.2")] = None,
    crediting_rate: Annotated[RateQueryText | None, Query(description="0 to 0.2")] = None,
    continue_contributing: bool = True,
) -> dict[str, Any]:
    today = ctx.settings.current_date()
    member = records.find_member(db, member_no)
    if member.retired:
        raise ConflictProblem(
            "您已退休，无需测算", "The member is retired already", code="ALREADY_RETIRED"
        )
    summary = records.summary(db, member, today)
    pension = summary.enrolment(Scheme.PENSION)
    if pension is None:
        raise ConflictProblem(
            "没有职工养老保险缴费记录，无法测算",
            "No employee pension record to estimate from",
            code="NO_PENSION_RECORD",
        )
    rows = records.contribution_rows(db, member.id, scheme=Scheme.PENSION.value)
    months = [(p, b) for _s, p, b, _er, _pe, st, *_rest in rows if st in COUNTED]
    accounts = records.accounts(db, member)
    try:
        result = estimate_pension(
            ctx.policy,
            today,
            birth_date=member.birth_date,
            retirement_age=retirement_age or member.retirement_age,
            contributing=pension.status is EnrolmentStatus.ACTIVE,
            pension_rows=months,
            account_years=accounts.pension_years,
            deemed_months=member.deemed_months or 0,
            # ASCII by the pattern: Decimal() would read Unicode digits too.
            wage_growth=None if wage_growth is None else Decimal(wage_growth),
            crediting_rate=None if crediting_rate is None else Decimal(crediting_rate),
            continue_contributing=continue_contributing,
        )
    except EstimateError as e:
        raise ConflictProblem(
            "无法测算：" + str(e), f"No estimate: {e}", code="NO_ESTIMATE"
        ) from None
    return encode_estimate(member_no, result)


def _figures(e: PensionEstimate) -> dict[str, Any]:
    return {
        "retirement_period": str(e.retirement_period),
        "retirement_age": e.retirement_age,
        "contribution_months": e.contribution_months,
        "recorded_months": e.recorded_months,
        "deemed_months": e.deemed_months,
        "future_months": e.future_months,
        "months_missing": e.months_missing,
        "eligible": e.eligible,
        "average_index": str(e.average_index),
        "average_monthly_wage": money(e.average_monthly_wage),
        "basic_pension": money(e.basic_pension),
        "account_balance": money(e.account_balance),
        "months_divisor": e.months_divisor,
        "account_pension": money(e.account_pension),
        "monthly_total": money(e.monthly_total) if e.eligible else None,
    }


def encode_estimate(member_no: str, e: PensionEstimate) -> dict[str, Any]:
    return {
        "member_no": member_no,
        **_figures(e),
        "assumptions": [
            {
                "key": a.key,
                "value": a.value,
                "zh": a.zh,
                "en": a.en,
                "text_zh": a.text_zh,
                "text_en": a.text_en,
            }
            for a in e.assumptions
        ],
        "if_continued": None if e.if_continued is None else _figures(e.if_continued),
    }
