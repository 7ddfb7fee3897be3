"""GET /v1/members/{member_no}/pension-estimate: the national formula on the member's record,
with every assumption returned (and some of them settable by query)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query

from backoffice import records
from backoffice.api import encode
from backoffice.api.common import MEMBER_ERRORS
from backoffice.api.deps import Ctx, Db, Terminal
from backoffice.api.members import MemberNo
from backoffice.api.models import ErrorBody, EstimateOut
from backoffice.errors import Conflict
from backoffice.rules.estimate import EstimateError, estimate_pension
from kiosk.domain import EnrolmentStatus, Money, Scheme

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
    retirement_age: Annotated[int | None, Query(ge=50, le=65)] = None,
    wage_growth: Annotated[Decimal | None, Query(ge=0, le=Decimal("0.2"))] = None,
    crediting_rate: Annotated[Decimal | None, Query(ge=0, le=Decimal("0.2"))] = None,
    continue_contributing: bool = True,
) -> dict[str, Any]:
    today = ctx.settings.current_date()
    member = records.find_member(db, member_no)
    if member.retired:
        raise Conflict(
            "您已退休，无需测算", "The member is retired already", code="ALREADY_RETIRED"
        )
    summary = records.summary(db, member, today)
    pension = summary.enrolment(Scheme.PENSION)
    if pension is None:
        raise Conflict(
            "没有职工养老保险缴费记录，无法测算",
            "No employee pension record to estimate from",
            code="NO_PENSION_RECORD",
        )
    rows = records.contribution_rows(db, member.id, scheme=Scheme.PENSION.value)
    months = [(p, b) for _s, p, b, _er, _pe, st, *_rest in rows if st != "arrears"]
    accounts = records.accounts(db, member)
    try:
        result = estimate_pension(
            ctx.policy,
            today,
            birth_date=member.birth_date,
            retirement_age=retirement_age or member.retirement_age,
            contributing=pension.status is EnrolmentStatus.ACTIVE,
            pension_rows=months,
            account_balance=accounts.pension_balance or Money.zero(),
            wage_growth=wage_growth,
            crediting_rate=crediting_rate,
            continue_contributing=continue_contributing,
        )
    except EstimateError as e:
        raise Conflict("无法测算：" + str(e), f"No estimate: {e}", code="NO_ESTIMATE") from None
    return encode.estimate(member_no, result)
