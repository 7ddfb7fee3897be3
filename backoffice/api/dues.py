"""GET /v1/members/{member_no}/dues: what the member may pay now, with the breakdown.

The start of the payment flow: a quote (chosen base, months or tier) and the order that pays it
belong to the payments area, which prices lines with backoffice.rules.dues.flexible_line."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from backoffice import records
from backoffice.api import encode
from backoffice.api.common import MEMBER_ERRORS
from backoffice.api.deps import Ctx, Terminal
from backoffice.api.members import MemberNo
from backoffice.api.models import DuesOut
from backoffice.api.threads import on_database_threads
from backoffice.quotes import member_dues

router = APIRouter(prefix="/v1/members", tags=["dues"], responses=MEMBER_ERRORS)


@router.get("/{member_no}/dues", response_model=DuesOut)
@on_database_threads
def dues(member_no: MemberNo, ctx: Ctx, _t: Terminal) -> Response:
    today = ctx.settings.current_date()
    policy = ctx.policy
    with ctx.db.sessions() as db:  # in the endpoint's thread (see members.py)
        found = member_dues(db, records.find_member(db, member_no), policy, today)
    return encode.json_response(
        {"member_no": member_no, "as_of": today, "dues": [encode.due(d) for d in found]}
    )
