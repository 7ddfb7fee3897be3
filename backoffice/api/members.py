"""A member's records: summary (参保基本情况), contribution history (缴费明细), personal accounts
(个人账户) and benefits received (待遇). Members are addressed by member number (个人编号),
never by ID number, so no access log ever holds one.

The routes open their database session themselves, in the endpoint's thread, and return their
JSON as a Response: a session dependency (deps.Db) costs every request FastAPI's generator
machinery, and a returned dict its validation on a thread-pool hop of its own (encode.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from backoffice import certifications as certs
from backoffice import records
from backoffice.api import encode
from backoffice.api.common import MEMBER_ERRORS, problem
from backoffice.api.deps import Ctx, Terminal
from backoffice.api.models import (
    AccountsOut,
    BenefitsOut,
    HistoryOut,
    MemberNoText,
    MonthQueryText,
    SchemeCode,
    SummaryOut,
    YearQuery,
)
from backoffice.api.threads import on_database_threads
from backoffice.errors import BadRequestProblem
from kiosk.domain import DomainError, Period

router = APIRouter(prefix="/v1/members", tags=["members"], responses=MEMBER_ERRORS)
MemberNo = Annotated[MemberNoText, Path(description="个人编号")]
MonthQuery = MonthQueryText | None


@router.get("/{member_no}/summary", response_model=SummaryOut)
@on_database_threads
def summary(member_no: MemberNo, ctx: Ctx, _t: Terminal) -> Response:
    with ctx.db.sessions() as db:
        member = records.find_member(db, member_no)
        found = records.summary(db, member, ctx.settings.current_date())
    return encode.json_response(encode.summary(found))


def _month(text: str | None, name: str) -> int | None:
    if text is None:
        return None
    try:
        return records.yyyymm(Period.parse(text))
    except DomainError:
        raise BadRequestProblem(
            f"参数 {name} 不是有效的年月", f"{name} is not a month (YYYY-MM)", code="BAD_PERIOD"
        ) from None


@router.get(
    "/{member_no}/contributions",
    response_class=Response,
    responses={
        200: {"model": HistoryOut, "content": {"application/json": {}}},
        400: problem("BAD_PERIOD: from or to is not a month, or from is after to"),
    },
)
@on_database_threads
def contributions(
    member_no: MemberNo,
    ctx: Ctx,
    _t: Terminal,
    scheme: SchemeCode | None = None,
    year: Annotated[YearQuery | None, Query(description="one year")] = None,
    first: Annotated[MonthQuery, Query(alias="from", description="first month, YYYY-MM")] = None,
    last: Annotated[MonthQuery, Query(alias="to", description="last month, YYYY-MM")] = None,
) -> Response:
    """Month by month, ordered by scheme then month. Without filters: the whole history.
    Residents' schemes are yearly: one row per year, month 01."""
    lo, hi = _month(first, "from"), _month(last, "to")
    if year is not None:
        lo, hi = year * 100 + 1, year * 100 + 12
    if lo is not None and hi is not None and lo > hi:
        raise BadRequestProblem("起始年月晚于截止年月", "from is after to", code="BAD_PERIOD")
    with ctx.db.sessions() as db:
        rows, payers = records.history_rows(
            db, records.member_id(db, member_no), scheme=scheme, first=lo, last=hi
        )
    return Response(
        encode.history_json(member_no, rows, payers, records.INDIVIDUAL),
        media_type="application/json",
    )


@router.get("/{member_no}/accounts", response_model=AccountsOut)
@on_database_threads
def accounts(member_no: MemberNo, ctx: Ctx, _t: Terminal) -> Response:
    with ctx.db.sessions() as db:
        found = records.accounts(db, records.find_member(db, member_no))
    return encode.json_response(encode.accounts(member_no, found))


@router.get("/{member_no}/benefits", response_model=BenefitsOut)
@on_database_threads
def benefits(member_no: MemberNo, ctx: Ctx, _t: Terminal) -> Response:
    """The payments, and whether the pension is suspended because the retiree's annual
    certification is overdue (the same rule as GET /v1/members/{member_no}/certification)."""
    with ctx.db.sessions() as db:
        member = records.find_member(db, member_no)
        found = records.benefits(db, member)
        state = None
        if member.retired:
            state = certs.state(db, member, ctx.policy.certification, ctx.settings.current_date())
    suspended_from = state.suspended_from if state is not None else None
    return encode.json_response(
        {
            "member_no": member_no,
            "payments": [encode.benefit(b) for b in found],
            "suspended": state is not None and state.suspended,
            "suspended_from": None if suspended_from is None else str(suspended_from),
        }
    )
