"""Flexible employment (灵活就业) at the kiosk, under /v1/members/{no}/flexible:

- GET the member's standing: not registered / active / stopped, the schemes (pension, or
  pension + medical), the base chosen and this year's limits, the stops, and what a month costs;
- POST .../registration (Idempotency-Key required): register with a plan and a base;
- POST .../stop (暂停缴费) and POST .../resume (恢复缴费).

Refusals are 409 with a stable code and nothing recorded. The dues follow at once
(backoffice/flexible.py; docs/rules.md "Flexible employment")."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backoffice import flexible as svc
from backoffice import records
from backoffice.api.common import MEMBER_ERRORS, problem
from backoffice.api.deps import Ctx, Db, Terminal
from backoffice.api.members import MemberNo
from backoffice.api.models import (
    Amount,
    Month,
    OptionalIdempotencyKey,
    Rate,
    RequiredIdempotencyKey,
)
from backoffice.api.models import StrictOut as _Out
from backoffice.idempotency import key_conflict, request_hash
from backoffice.policy import Policy
from backoffice.rules.dues import flexible_rates
from kiosk.domain import Money, Scheme

router = APIRouter(prefix="/v1/members", tags=["flexible"], responses=MEMBER_ERRORS)


class FlexibleMonthOut(_Out):
    scheme: Literal["pension", "medical"]
    rate: Rate
    account_rate: Rate
    amount: Amount = Field(description="a month at the base: base x rate, to the fen half-up")


class FlexiblePauseOut(_Out):
    first: Month = Field(description="the first month stopped")
    last: Month | None = Field(description="the last month stopped; null: still stopped")
    stopped_on: dt.date
    resumed_on: dt.date | None


class FlexibleOut(_Out):
    member_no: str
    as_of: dt.date
    status: Literal["not_registered", "active", "stopped"]
    can_register: bool
    employer: str | None = Field(description="the unit that insures the member now, if any")
    plan: Literal["pension", "pension_medical"] | None
    since: Month | None = Field(description="the first month of the registration")
    registered_on: dt.date | None
    base: Amount | None = Field(description="the base chosen; null: the minimum (base_min)")
    base_min: Amount | None
    base_max: Amount | None
    monthly: list[FlexibleMonthOut] = Field(description="a month of each scheme at the base")
    monthly_total: Amount | None
    pauses: list[FlexiblePauseOut]


class FlexibleRegistrationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plan: Literal["pension", "pension_medical"] = Field(
        description="pension only (养老), or pension and medical (养老 + 医疗)"
    )
    base: Amount | None = Field(
        default=None, description="the monthly base within this year's limits; default the minimum"
    )


def _status(member_no: str, today: dt.date, policy: Policy, v: svc.FlexibleView) -> dict[str, Any]:
    base = v.base or v.base_min
    monthly: list[dict[str, Any]] = []
    total = Money.zero()
    if v.standing is not svc.Standing.NOT_REGISTERED and base is not None:
        for scheme in v.schemes:
            rate, account_rate = flexible_rates(policy, scheme)
            amount = base.times(rate)
            total = total + amount
            monthly.append(
                {
                    "scheme": scheme.value,
                    "rate": format(rate.normalize(), "f"),
                    "account_rate": format(account_rate.normalize(), "f"),
                    "amount": f"{amount.yuan:.2f}",
                }
            )
    reg = v.registration
    plan = None
    if v.standing is not svc.Standing.NOT_REGISTERED:
        plan = "pension_medical" if Scheme.MEDICAL in v.schemes else "pension"
    return {
        "member_no": member_no,
        "as_of": today.isoformat(),
        "status": v.standing.value,
        "can_register": v.can_register,
        "employer": v.employer,
        "plan": plan,
        "since": None if v.since is None else str(v.since),
        "registered_on": None if reg is None else reg.registered_on.isoformat(),
        "base": None if v.base is None else f"{v.base.yuan:.2f}",
        "base_min": None if v.base_min is None else f"{v.base_min.yuan:.2f}",
        "base_max": None if v.base_max is None else f"{v.base_max.yuan:.2f}",
        "monthly": monthly,
        "monthly_total": f"{total.yuan:.2f}" if monthly else None,
        "pauses": [
            {
                "first": str(records.period_of(p.first)),
                "last": None if p.last is None else str(records.period_of(p.last)),
                "stopped_on": p.stopped_on.isoformat(),
                "resumed_on": None if p.resumed_on is None else p.resumed_on.isoformat(),
            }
            for p in v.pauses
            if p.last is None or p.last >= p.first  # a stop resumed within its month: no gap
        ],
    }


def _answer(db: Session, ctx: Any, member: records.Member, today: dt.date) -> dict[str, Any]:
    return _status(member.member_no, today, ctx.policy, svc.view(db, member, ctx.policy, today))


@router.get("/{member_no}/flexible", response_model=FlexibleOut)
def flexible(member_no: MemberNo, ctx: Ctx, _t: Terminal) -> dict[str, Any]:
    today = ctx.settings.current_date()
    with ctx.db.sessions() as db:
        return _answer(db, ctx, records.find_member(db, member_no), today)


@router.post(
    "/{member_no}/flexible/registration",
    response_model=FlexibleOut,
    status_code=201,
    responses={
        201: {"description": "registered; the same answer again for a retry with its key"},
        400: problem("BASE_OUT_OF_RANGE: the base is outside this year's limits"),
        409: problem(
            "FLEXIBLE_EMPLOYED: insured by an employer now; FLEXIBLE_ALREADY_REGISTERED (active"
            " or stopped: resume instead); FLEXIBLE_RETIRED; AVERAGE_WAGE_MISSING;"
            " IDEMPOTENCY_CONFLICT. Nothing is recorded"
        ),
    },
)
def register(
    member_no: MemberNo,
    req: FlexibleRegistrationIn,
    db: Db,
    ctx: Ctx,
    terminal_id: Terminal,
    idempotency_key: RequiredIdempotencyKey,
) -> dict[str, Any]:
    today = ctx.settings.current_date()
    member = records.find_member(db, member_no)
    wanted = request_hash("flexible/registration", member_no, req.plan, req.base)
    again = svc.registration_by_key(db, terminal_id, idempotency_key)
    if again is None:
        v = svc.view(db, member, ctx.policy, today)
        svc.register(
            db,
            member,
            v,
            medical=req.plan == "pension_medical",
            base=None if req.base is None else Money.of(req.base),
            today=today,
            now=ctx.settings.now(),
            terminal_id=terminal_id,
            idempotency_key=idempotency_key,
            request_hash=wanted,
        )
        try:
            db.commit()
        except IntegrityError:
            db.rollback()  # the same key raced in: answer with the winner
            again = svc.registration_by_key(db, terminal_id, idempotency_key)
            if again is None:
                raise
    if again is not None and (again.request_hash != wanted or again.member_id != member.id):
        raise key_conflict()
    return _answer(db, ctx, member, today)


@router.post(
    "/{member_no}/flexible/stop",
    response_model=FlexibleOut,
    responses={
        409: problem(
            "FLEXIBLE_NOT_REGISTERED; FLEXIBLE_ALREADY_STOPPED (a retry with the first"
            " request's Idempotency-Key answers as the first time). Nothing is recorded"
        )
    },
)
def stop(
    member_no: MemberNo,
    db: Db,
    ctx: Ctx,
    terminal_id: Terminal,
    idempotency_key: OptionalIdempotencyKey = None,
) -> dict[str, Any]:
    today = ctx.settings.current_date()
    member = records.find_member(db, member_no)
    if idempotency_key is None or not svc.pause_by_key(db, member.id, idempotency_key):
        v = svc.view(db, member, ctx.policy, today)
        svc.stop(db, member, v, today=today, terminal_id=terminal_id, key=idempotency_key)
        db.commit()
    return _answer(db, ctx, member, today)


@router.post(
    "/{member_no}/flexible/resume",
    response_model=FlexibleOut,
    responses={
        409: problem(
            "FLEXIBLE_NOT_REGISTERED; FLEXIBLE_NOT_STOPPED (a retry with the first request's"
            " Idempotency-Key answers as the first time). Nothing is recorded"
        )
    },
)
def resume(
    member_no: MemberNo,
    db: Db,
    ctx: Ctx,
    _t: Terminal,
    idempotency_key: OptionalIdempotencyKey = None,
) -> dict[str, Any]:
    today = ctx.settings.current_date()
    member = records.find_member(db, member_no)
    if idempotency_key is None or not svc.pause_by_key(db, member.id, idempotency_key):
        v = svc.view(db, member, ctx.policy, today)
        svc.resume(db, member, v, today=today, key=idempotency_key)
        db.commit()
    return _answer(db, ctx, member, today)
