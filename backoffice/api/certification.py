"""The retiree's annual certification (养老金领取资格认证): GET /v1/members/{no}/certification
(the status: certified on, due by, overdue and suspended, attempts left today) and POST
/v1/members/{no}/certifications (one attempt, success or failure, with an Idempotency-Key).

A face method names the back office's face verification (`verification_id`, from POST
/v1/face/verifications: matched and live, at most [face] verification_seconds old, unused, of the
same terminal and member) and records its score: similarity = 1 - distance, in thousandths
(backoffice/face/matching.py). Without one a face method answers 409
FACE_VERIFICATION_REQUIRED, except in the lab app, which still records a score asserted by the
caller (its tests, the 掌上 app's simulated checks). The counter (柜台) records its
certifications through the same route (method "counter")."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import replace
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from backoffice import certifications as certs
from backoffice import records
from backoffice.api.common import MEMBER_ERRORS, problem
from backoffice.api.deps import Ctx, Db, Terminal
from backoffice.api.encode import instant
from backoffice.api.members import MemberNo
from backoffice.api.models import Month, RequiredIdempotencyKey
from backoffice.api.models import StrictOut as _Out
from backoffice.errors import BadRequestProblem
from backoffice.face import service as face_service
from backoffice.face.matching import similarity_milli
from backoffice.idempotency import key_conflict
from backoffice.rules.certification import CertificationState
from backoffice.storage.certification import CertificationRow

router = APIRouter(prefix="/v1/members", tags=["certification"], responses=MEMBER_ERRORS)

# A face match's score: a similarity 0 to 1 with at most 3 decimals, as a string (no float).
ScoreText = Annotated[
    str,
    StringConstraints(pattern=r"^(0(\.[0-9]{1,3})?|1(\.0{1,3})?)$"),
    Field(examples=["0.912"]),
]
ReferenceText = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")]


class CertificationOut(_Out):
    member_no: str
    as_of: dt.date
    status: Literal["certified", "never_certified", "due", "overdue"]
    last_certified: dt.date | None = Field(description="null: never certified")
    due_by: dt.date
    remind_from: dt.date = Field(description="the menu reminds from this day")
    grace_until: dt.date = Field(description="past this day the pension is suspended")
    suspended: bool = Field(description="pension payments suspended until certified")
    suspended_from: Month | None = Field(description="the first pension month withheld")
    attempts_left: int = Field(description="face checks left today; 0: the counter")
    attempts_per_day: int


class CertificationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    method: Literal["face/kiosk", "face/app", "id_card+face", "counter"]
    result: Literal["success", "failure"]
    score: ScoreText | None = Field(
        default=None,
        description="the face match's similarity asserted by the caller (the lab app only;"
        " with a verification_id the score is the verification's)",
    )
    evidence_ref: ReferenceText | None = Field(
        default=None, description="the terminal's reference of its evidence (capture id)"
    )
    verification_id: ReferenceText | None = Field(
        default=None,
        description="the back office's face verification (POST /v1/face/verifications):"
        " matched and live, fresh, unused, of this terminal and member; required by a face"
        " method outside the lab",
    )


class AttemptOut(_Out):
    attempt_id: int
    method: str
    result: Literal["success", "failure"]
    at: dt.datetime
    score: str | None
    certification: CertificationOut


def _status_json(
    member_no: str, today: dt.date, v: certs.CertificationView, per_day: int
) -> dict[str, Any]:
    s: CertificationState = v.state
    return {
        "member_no": member_no,
        "as_of": today.isoformat(),
        "status": s.status.value,
        "last_certified": s.last_certified.isoformat() if s.last_certified else None,
        "due_by": s.due_by.isoformat(),
        "remind_from": s.remind_from.isoformat(),
        "grace_until": s.grace_until.isoformat(),
        "suspended": s.suspended,
        "suspended_from": str(s.suspended_from) if s.suspended_from else None,
        "attempts_left": v.attempts_left,
        "attempts_per_day": per_day,
    }


@router.get(
    "/{member_no}/certification",
    response_model=CertificationOut,
    responses={409: problem("NOT_A_RETIREE: the member receives no pension")},
)
def certification(member_no: MemberNo, ctx: Ctx, _t: Terminal) -> dict[str, Any]:
    rules = ctx.policy.certification
    today = ctx.settings.current_date()
    with ctx.db.sessions() as db:
        v = certs.view(db, records.find_member(db, member_no), rules, today)
    return _status_json(member_no, today, v, rules.attempts_per_day)


def _attempt(req: CertificationIn, *, asserted: bool) -> certs.Attempt:
    if req.method == "counter":
        if req.result != "success" or req.score is not None or req.verification_id is not None:
            raise BadRequestProblem(
                "柜台认证只登记认证成功，且无人脸比对分数",
                "A counter certification is a success and has no face score",
                code="BAD_CERTIFICATION",
            )
    elif req.verification_id is not None:
        if req.result != "success" or req.score is not None:
            raise BadRequestProblem(
                "人脸核验的分数由后台给出，且核验通过才能认证",
                "With a verification_id the score is the verification's, and the result a"
                " success (a failed verification is already counted)",
                code="BAD_CERTIFICATION",
            )
    elif not asserted:
        raise certs.face_check_required()
    elif req.score is None:
        raise BadRequestProblem(
            "人脸认证须附比对分数", "A face certification needs its score", code="BAD_CERTIFICATION"
        )
    score = None if req.score is None else int(Decimal(req.score) * 1000)
    return certs.Attempt(req.method, req.result, score, req.evidence_ref, req.verification_id)


def _hash(member_no: str, req: CertificationIn) -> str:
    fields = [member_no, req.method, req.result, req.score, req.evidence_ref, req.verification_id]
    return hashlib.sha256(json.dumps(fields).encode()).hexdigest()


@router.post(
    "/{member_no}/certifications",
    response_model=AttemptOut,
    status_code=201,
    responses={
        201: {"description": "the attempt recorded; the same again for a retry with the same key"},
        400: problem(
            "BAD_CERTIFICATION: a counter attempt with a score, a face one without a score or a"
            " verification, a verification with a score or a failure"
        ),
        409: problem(
            "NOT_A_RETIREE; COUNTER_REQUIRED: the day's last face attempt failed (recorded) or"
            " none is left; FACE_VERIFICATION_REQUIRED: a face method without a valid"
            " verification_id (unknown, failed, spent, expired, another terminal's or member's;"
            " outside the lab: none given); IDEMPOTENCY_CONFLICT"
        ),
    },
)
def certify(
    member_no: MemberNo,
    req: CertificationIn,
    request: Request,
    db: Db,
    ctx: Ctx,
    terminal_id: Terminal,
    idempotency_key: RequiredIdempotencyKey,
) -> dict[str, Any]:
    rules = ctx.policy.certification
    today = ctx.settings.current_date()
    wanted = _hash(member_no, req)
    asserted = request.app.state.parts.variant == "lab"
    member = records.find_member(db, member_no)
    again = _by_key(db, terminal_id, idempotency_key)
    if again is not None:
        return _answer(db, member, again, wanted, today, ctx)
    attempt = _attempt(req, asserted=asserted)
    now_view = certs.view(db, member, rules, today)
    certs.check_attempt(attempt, now_view, rules, asserted_scores=asserted)
    if attempt.verification_id is not None:
        checked = face_service.spend(
            db, ctx, attempt.verification_id, terminal_id=terminal_id, member_id=member.id
        )
        assert checked.distance_milli is not None  # a matched verification has its distance
        attempt = replace(attempt, score_milli=similarity_milli(checked.distance_milli))
    row = certs.record(
        db,
        member,
        attempt,
        at=ctx.settings.now(),
        today=today,
        terminal_id=terminal_id,
        idempotency_key=idempotency_key,
        request_hash=wanted,
        failures_before=now_view.failures_today,
    )
    try:
        db.commit()
    except IntegrityError:
        db.rollback()  # the same key raced in from a parallel retry: answer with the winner
        again = _by_key(db, terminal_id, idempotency_key)
        if again is None:
            raise
        row = again
    return _answer(db, member, row, wanted, today, ctx)


def _by_key(db: Any, terminal_id: str, key: str) -> CertificationRow | None:
    return db.scalars(
        select(CertificationRow).where(
            CertificationRow.terminal_id == terminal_id, CertificationRow.idempotency_key == key
        )
    ).first()


def _answer(
    db: Any, member: records.Member, row: CertificationRow, wanted: str, today: dt.date, ctx: Any
) -> dict[str, Any]:
    if row.request_hash != wanted or row.member_id != member.id:
        raise key_conflict()
    rules = ctx.policy.certification
    if row.result == "failure" and row.attempt_no >= rules.attempts_per_day:
        raise certs.counter_required(rules)  # recorded: the retry hears the same answer
    v = certs.view(db, member, rules, today)
    return {
        "attempt_id": row.id,
        "method": row.method,
        "result": row.result,
        "at": instant(row.at),
        "score": None if row.score_milli is None else f"{row.score_milli / 1000:.3f}",
        "certification": _status_json(member.member_no, today, v, rules.attempts_per_day),
    }
