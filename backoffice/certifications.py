"""The retiree's certifications in the back office: the status read from the table and the
policy (backoffice/rules/certification.py), and an attempt recorded (success or failure).

A face method names the back office's own face verification (`verification_id`: matched and live,
fresh, unused, of the same terminal and member; backoffice/face/service.py spends it) and the
score recorded is the verification's. Only the lab app still accepts a face attempt without one,
its match and score asserted by the caller (`asserted_scores`: the lab's tests and the 掌上 app's
simulated checks); anywhere else that is 409 FACE_VERIFICATION_REQUIRED. The day's failed
attempts are the failed certifications and the failed face verifications together."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.errors import ConflictProblem
from backoffice.face import store as face_store
from backoffice.records import Member
from backoffice.rules.certification import (
    CertificationRules,
    CertificationState,
    attempts_left,
    certification_state,
    retirement_date,
)
from backoffice.storage.certification import CertificationRow

FACE_METHODS = ("face/kiosk", "face/app", "id_card+face")


def not_a_retiree() -> ConflictProblem:
    return ConflictProblem(
        "该参保人未领取养老金，无需进行领取资格认证",
        "This member does not receive a pension: no certification is needed",
        code="NOT_A_RETIREE",
    )


def counter_required(rules: CertificationRules) -> ConflictProblem:
    n = rules.attempts_per_day
    return ConflictProblem(
        f"今日人脸认证已失败{n}次，请携带身份证到柜台办理资格认证",
        f"Face certification failed {n} times today; please certify at the counter with your"
        " ID card",
        code="COUNTER_REQUIRED",
    )


def face_check_required() -> ConflictProblem:
    return ConflictProblem(
        "请先在自助机上完成人脸核验",
        "A face certification needs the back office's face verification (verification_id)",
        code="FACE_VERIFICATION_REQUIRED",
    )


@dataclass(frozen=True)
class CertificationView:
    state: CertificationState
    failures_today: int
    attempts_left: int


def last_success(db: Session, member_id: int) -> dt.date | None:
    """The day of the last successful certification (the city's date), None: never."""
    day = db.scalar(
        select(func.max(CertificationRow.day)).where(
            CertificationRow.member_id == member_id, CertificationRow.result == "success"
        )
    )
    return day if isinstance(day, dt.date) or day is None else dt.date.fromisoformat(str(day))


def failures_on(db: Session, member_id: int, day: dt.date) -> int:
    """The day's failed attempts: failed certifications and failed face verifications (of any
    purpose: backoffice/face/service.py) share [certification] attempts_per_day."""
    n = db.scalar(
        select(func.count()).where(
            CertificationRow.member_id == member_id,
            CertificationRow.day == day,
            CertificationRow.result == "failure",
        )
    )
    return int(n or 0) + face_store.failures_on(db, member_id, day)


def view(
    db: Session, member: Member, rules: CertificationRules, today: dt.date
) -> CertificationView:
    """The retiree's status today (NOT_A_RETIREE for a member who is not one)."""
    if not member.retired:
        raise not_a_retiree()
    failures = failures_on(db, member.id, today)
    return CertificationView(
        state(db, member, rules, today), failures, attempts_left(failures, rules)
    )


def state(
    db: Session, member: Member, rules: CertificationRules, today: dt.date
) -> CertificationState:
    """The retiree's certification state today (whether the pension is suspended: the benefits
    answer reads it here too). The member must be a retiree."""
    return certification_state(
        today,
        rules,
        last_certified=last_success(db, member.id),
        retired_on=retirement_date(member.birth_date, member.retirement_age),
    )


@dataclass(frozen=True)
class Attempt:
    """What a terminal reports (the API's body, checked)."""

    method: str
    result: str  # "success" | "failure"
    score_milli: int | None
    evidence_ref: str | None
    verification_id: str | None


def check_attempt(
    attempt: Attempt,
    view_now: CertificationView,
    rules: CertificationRules,
    *,
    asserted_scores: bool,
) -> None:
    """Refuse an attempt the back office may not record (before anything is written)."""
    if attempt.method in FACE_METHODS:
        if attempt.verification_id is None and not asserted_scores:
            # Outside the lab an asserted score is not proof of the face.
            raise face_check_required()
        if view_now.attempts_left == 0:
            raise counter_required(rules)


def record(
    db: Session,
    member: Member,
    attempt: Attempt,
    *,
    at: dt.datetime,
    today: dt.date,
    terminal_id: str,
    idempotency_key: str,
    request_hash: str,
    failures_before: int,
) -> CertificationRow:
    row = CertificationRow(
        member_id=member.id,
        at=at,
        day=today,
        method=attempt.method,
        result=attempt.result,
        terminal_id=terminal_id,
        score_milli=attempt.score_milli,
        evidence_ref=attempt.evidence_ref,
        verification_id=attempt.verification_id,
        idempotency_key=idempotency_key,
        request_hash=request_hash,
        attempt_no=failures_before + 1 if attempt.result == "failure" else 0,
    )
    db.add(row)
    return row
