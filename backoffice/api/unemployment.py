"""Unemployment insurance (失业保险) at the kiosk, under /v1/members/{no}/unemployment:

- GET the member's standing: the employer's record of the job that ended, each condition of the
  benefit met or not (with its words), the months and the monthly amount it gives, the claim's
  window, the registration and the claim (months granted, paid, left; medical insurance paid by
  the fund meanwhile);
- POST .../registration: 失业登记 + 求职登记 (the member confirms phone and job wishes);
- POST .../application: 申领失业保险金 (Idempotency-Key required: a retry hears the first answer);
  refused (409, nothing recorded) outside the window or for a member not eligible;
- POST .../application/stop: stop the benefit on re-employment;
- GET .../skill-subsidy (the standing) and POST .../skill-subsidies (a claim): 技能提升补贴.

The rules: backoffice/rules/unemployment.py (policy [unemployment])."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backoffice import records
from backoffice import unemployment as svc
from backoffice.api.common import MEMBER_ERRORS, problem
from backoffice.api.deps import Ctx, Db, Terminal
from backoffice.api.members import MemberNo
from backoffice.api.models import Amount, IsoDate, Month, RequiredIdempotencyKey
from backoffice.api.models import StrictOut as _Out
from backoffice.idempotency import key_conflict, request_hash
from backoffice.rules.unemployment import CERTIFICATE_LEVELS, SEPARATION_REASONS, Reason

router = APIRouter(prefix="/v1/members", tags=["unemployment"], responses=MEMBER_ERRORS)

PhoneText = Annotated[
    str,
    StringConstraints(pattern=r"^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$"),
    Field(examples=["13812345678"]),
]
# A job wish (求职意向) as the member typed or chose it: no control characters.
WishText = Annotated[
    str, StringConstraints(pattern=r"^[^\x00-\x1f\x7f]{1,20}$"), Field(examples=["仓储管理"])
]
CertificateNoText = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{4,32}$")]


class ConditionOut(_Out):
    condition: Literal["contributions", "involuntary", "registered", "certificate", "not_claimed"]
    met: bool
    message_zh: str
    message_en: str


class SeparationOut(_Out):
    employer: str | None
    last_day: dt.date = Field(description="the last day employed, from the employer's record")
    reason: str = Field(description="the employer's reason code")
    reason_zh: str
    reason_en: str
    involuntary: bool = Field(description="not by the member's own will: the benefit may be paid")


class UnemploymentRegistrationOut(_Out):
    registered_on: dt.date
    phone_masked: str = Field(examples=["138****5678"])
    job_wishes: list[str]


class BenefitMonthOut(_Out):
    period: Month
    amount: Amount


class UnemploymentApplicationOut(_Out):
    application_id: int
    status: Literal["receiving", "stopped", "exhausted"]
    applied_on: dt.date
    first_month: Month
    months_granted: int
    months_carried: int = Field(description="of them, an earlier claim's months not drawn")
    months_paid: int
    months_left: int
    monthly_amount: Amount
    paid_total: Amount
    payments: list[BenefitMonthOut]
    medical_by_fund: bool = Field(
        description="medical insurance paid by the unemployment fund (while receiving)"
    )
    stopped_on: dt.date | None
    stop_reason: Literal["reemployed"] | None


class UnemploymentOut(_Out):
    member_no: str
    as_of: dt.date
    separation: SeparationOut | None = Field(description="null: no job ended on record")
    contribution_months: int = Field(description="unemployment months paid, counted for a claim")
    carried_months: int
    eligible: bool
    reasons: list[ConditionOut]
    entitlement_months: int
    monthly_amount: Amount
    apply_by: dt.date | None
    within_window: bool
    can_apply: bool
    registration: UnemploymentRegistrationOut | None
    application: UnemploymentApplicationOut | None


class UnemploymentRegistrationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phone: PhoneText
    job_wishes: list[WishText] = Field(min_length=1, max_length=5)


class UnemploymentStopIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Literal["reemployed"] = "reemployed"
    date: IsoDate | None = Field(default=None, description="re-employed from; default today")


class VocationalCertificateOut(_Out):
    certificate_no: str
    occupation: str
    level: int
    level_zh: str
    level_en: str
    issued_on: dt.date
    in_window: bool
    amount: Amount | None = Field(description="null: no subsidy for this level")
    claimable: bool
    subsidized_on: dt.date | None


class SkillClaimOut(_Out):
    certificate_no: str
    year: int
    applied_on: dt.date
    amount: Amount


class SkillSubsidyOut(_Out):
    member_no: str
    as_of: dt.date
    contribution_months: int
    eligible: bool
    reasons: list[ConditionOut]
    certificates: list[VocationalCertificateOut]
    claimed_this_year: SkillClaimOut | None


class SkillSubsidyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    certificate_no: CertificateNoText


def _reasons(reasons: tuple[Reason, ...]) -> list[dict[str, Any]]:
    return [
        {
            "condition": r.condition.value,
            "met": r.met,
            "message_zh": r.message_zh,
            "message_en": r.message_en,
        }
        for r in reasons
    ]


def mask_phone(phone: str) -> str:
    digits = phone.replace("-", "")
    return digits[:3] + "*" * max(0, len(digits) - 7) + digits[-4:]


def _application(c: svc.ClaimView) -> dict[str, Any]:
    r = c.row
    total = sum(p.amount.fen for p in c.payments)
    return {
        "application_id": r.id,
        "status": c.status,
        "applied_on": r.applied_on.isoformat(),
        "first_month": str(records.period_of(r.first_period)),
        "months_granted": r.months_granted,
        "months_carried": r.months_carried,
        "months_paid": c.months_paid,
        "months_left": c.months_left,
        "monthly_amount": f"{r.monthly_fen / 100:.2f}",
        "paid_total": f"{total / 100:.2f}",
        "payments": [{"period": str(p.period), "amount": f"{p.amount.yuan}"} for p in c.payments],
        "medical_by_fund": c.status == "receiving",
        "stopped_on": r.stopped_on.isoformat() if r.stopped_on else None,
        "stop_reason": r.stop_reason,
    }


def _status(member_no: str, today: dt.date, v: svc.UnemploymentView) -> dict[str, Any]:
    sep, reg = v.separation, v.registration
    separation = None
    if sep is not None:
        why = SEPARATION_REASONS[sep.reason]
        separation = {
            "employer": v.employer,
            "last_day": sep.last_day.isoformat(),
            "reason": sep.reason,
            "reason_zh": why.zh,
            "reason_en": why.en,
            "involuntary": why.involuntary,
        }
    return {
        "member_no": member_no,
        "as_of": today.isoformat(),
        "separation": separation,
        "contribution_months": v.contribution_months,
        "carried_months": v.carried_months,
        "eligible": v.eligible,
        "reasons": _reasons(v.reasons),
        "entitlement_months": v.entitlement_months,
        "monthly_amount": f"{v.monthly.yuan}",
        "apply_by": v.apply_by.isoformat() if v.apply_by else None,
        "within_window": v.within_window,
        "can_apply": v.can_apply,
        "registration": None
        if reg is None
        else {
            "registered_on": reg.registered_on.isoformat(),
            "phone_masked": mask_phone(reg.phone),
            "job_wishes": json.loads(reg.job_wishes),
        },
        "application": None if v.claim is None else _application(v.claim),
    }


def _answer(db: Session, ctx: Any, member: records.Member, today: dt.date) -> dict[str, Any]:
    v = svc.view(db, member, ctx.policy.unemployment, today)
    return _status(member.member_no, today, v)


@router.get("/{member_no}/unemployment", response_model=UnemploymentOut)
def unemployment(member_no: MemberNo, ctx: Ctx, _t: Terminal) -> dict[str, Any]:
    today = ctx.settings.current_date()
    with ctx.db.sessions() as db:
        return _answer(db, ctx, records.find_member(db, member_no), today)


@router.post(
    "/{member_no}/unemployment/registration",
    response_model=UnemploymentOut,
    responses={
        409: problem(
            "NO_SEPARATION_RECORD: no employer's record of a job that ended;"
            " UNEMPLOYMENT_STOPPED: the claim of this unemployment was stopped on re-employment"
        )
    },
)
def register(
    member_no: MemberNo, req: UnemploymentRegistrationIn, db: Db, ctx: Ctx, terminal_id: Terminal
) -> dict[str, Any]:
    today = ctx.settings.current_date()
    member = records.find_member(db, member_no)
    svc.register(
        db,
        member,
        phone=req.phone,
        job_wishes=list(req.job_wishes),
        today=today,
        now=ctx.settings.now(),
        terminal_id=terminal_id,
    )
    db.commit()
    return _answer(db, ctx, member, today)


@router.post(
    "/{member_no}/unemployment/application",
    response_model=UnemploymentOut,
    status_code=201,
    responses={
        201: {"description": "the claim made; the same answer again for a retry with its key"},
        409: problem(
            "NO_SEPARATION_RECORD; UNEMPLOYMENT_NOT_ELIGIBLE (the conditions not met, in the"
            " message); UNEMPLOYMENT_WINDOW_CLOSED: past the days after the job ended;"
            " UNEMPLOYMENT_NOT_REGISTERED: register first; UNEMPLOYMENT_ALREADY_CLAIMED;"
            " IDEMPOTENCY_CONFLICT. Nothing is recorded"
        ),
    },
)
def apply(
    member_no: MemberNo,
    db: Db,
    ctx: Ctx,
    terminal_id: Terminal,
    idempotency_key: RequiredIdempotencyKey,
) -> dict[str, Any]:
    today = ctx.settings.current_date()
    member = records.find_member(db, member_no)
    wanted = request_hash("unemployment/application", member_no)
    again = svc.claim_by_key(db, terminal_id, idempotency_key)
    if again is None:
        v = svc.view(db, member, ctx.policy.unemployment, today)
        svc.claim(
            db,
            member,
            v,
            today=today,
            now=ctx.settings.now(),
            terminal_id=terminal_id,
            idempotency_key=idempotency_key,
            request_hash=wanted,
        )
        try:
            db.commit()
        except IntegrityError:
            db.rollback()  # the same key (or the same claim) raced in: answer with the winner
            again = svc.claim_by_key(db, terminal_id, idempotency_key)
            if again is None:
                # Another key's claim of the same job won: refuse as a claim made
                svc.check_claim(svc.view(db, member, ctx.policy.unemployment, today), today)
                raise
    if again is not None and (again.request_hash != wanted or again.member_id != member.id):
        raise key_conflict()
    return _answer(db, ctx, member, today)


@router.post(
    "/{member_no}/unemployment/application/stop",
    response_model=UnemploymentOut,
    responses={
        400: problem("BAD_STOP_DATE: before the claim or after today"),
        409: problem("NO_UNEMPLOYMENT_CLAIM: no claim to stop"),
    },
)
def stop(
    member_no: MemberNo, req: UnemploymentStopIn, db: Db, ctx: Ctx, _t: Terminal
) -> dict[str, Any]:
    today = ctx.settings.current_date()
    member = records.find_member(db, member_no)
    v = svc.view(db, member, ctx.policy.unemployment, today)
    svc.stop(v, on=req.date or today, today=today, reason=req.reason)
    db.commit()
    return _answer(db, ctx, member, today)


def _skill(member_no: str, today: dt.date, v: svc.SkillView) -> dict[str, Any]:
    claimed = v.claimed_this_year
    by_id = {c.row.id: c.row.certificate_no for c in v.certificates}
    return {
        "member_no": member_no,
        "as_of": today.isoformat(),
        "contribution_months": v.contribution_months,
        "eligible": v.eligible,
        "reasons": _reasons(v.reasons),
        "certificates": [
            {
                "certificate_no": c.row.certificate_no,
                "occupation": c.row.occupation,
                "level": c.row.level,
                "level_zh": CERTIFICATE_LEVELS[c.row.level][0],
                "level_en": CERTIFICATE_LEVELS[c.row.level][1],
                "issued_on": c.row.issued_on.isoformat(),
                "in_window": c.in_window,
                "amount": None if c.amount is None else f"{c.amount.yuan}",
                "claimable": v.claimable(c),
                "subsidized_on": c.subsidy.applied_on.isoformat() if c.subsidy else None,
            }
            for c in v.certificates
        ],
        "claimed_this_year": None
        if claimed is None
        else {
            "certificate_no": by_id.get(claimed.certificate_id, ""),
            "year": claimed.year,
            "applied_on": claimed.applied_on.isoformat(),
            "amount": f"{claimed.amount_fen / 100:.2f}",
        },
    }


@router.get("/{member_no}/unemployment/skill-subsidy", response_model=SkillSubsidyOut)
def skill_subsidy(member_no: MemberNo, ctx: Ctx, _t: Terminal) -> dict[str, Any]:
    today = ctx.settings.current_date()
    with ctx.db.sessions() as db:
        member = records.find_member(db, member_no)
        return _skill(member_no, today, svc.skill_view(db, member, ctx.policy.unemployment, today))


@router.post(
    "/{member_no}/unemployment/skill-subsidies",
    response_model=SkillSubsidyOut,
    status_code=201,
    responses={
        201: {"description": "the subsidy claimed; the same answer again for a retry"},
        409: problem(
            "VOCATIONAL_CERTIFICATE_UNKNOWN; SKILL_SUBSIDY_NOT_ELIGIBLE (why, in the message);"
            " IDEMPOTENCY_CONFLICT. Nothing is recorded"
        ),
    },
)
def claim_skill_subsidy(
    member_no: MemberNo,
    req: SkillSubsidyIn,
    db: Db,
    ctx: Ctx,
    terminal_id: Terminal,
    idempotency_key: RequiredIdempotencyKey,
) -> dict[str, Any]:
    today = ctx.settings.current_date()
    rules = ctx.policy.unemployment
    member = records.find_member(db, member_no)
    wanted = request_hash("unemployment/skill-subsidy", member_no, req.certificate_no)
    again = svc.skill_by_key(db, terminal_id, idempotency_key)
    if again is None:
        v = svc.skill_view(db, member, rules, today)
        svc.claim_skill_subsidy(
            db,
            member,
            v,
            req.certificate_no,
            today=today,
            terminal_id=terminal_id,
            idempotency_key=idempotency_key,
            request_hash=wanted,
        )
        try:
            db.commit()
        except IntegrityError:
            db.rollback()
            again = svc.skill_by_key(db, terminal_id, idempotency_key)
            if again is None:
                # Another key's claim won (this year's, or this certificate's): its refusal
                v = svc.skill_view(db, member, rules, today)
                svc.claim_skill_subsidy(
                    db,
                    member,
                    v,
                    req.certificate_no,
                    today=today,
                    terminal_id=terminal_id,
                    idempotency_key=idempotency_key,
                    request_hash=wanted,
                )
                raise
    if again is not None and (again.request_hash != wanted or again.member_id != member.id):
        raise key_conflict()
    return _skill(member_no, today, svc.skill_view(db, member, rules, today))
