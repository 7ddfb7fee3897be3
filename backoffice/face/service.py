"""The face verification service behind POST /v1/face/challenges and /v1/face/verifications
(docs/face.md, docs/api.md), and the check a certification makes of the verification it names.

A challenge binds a terminal, a member (found by the resident ID number) and an action drawn at
random; it is answered once, within [face] challenge_seconds. A verification measures every
frame, judges liveness (backoffice/face/liveness.py) and matches the most frontal frame's
encoding against the member's enrolled one. The frames are never stored: only the numbers.
A verification that is not live or not matched is a failed attempt of the member that day, and
the day's failed attempts (these and failed certifications) are shared with the certification's
[certification] attempts_per_day: once reached, COUNTER_REQUIRED."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import logging
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice import certifications as certs
from backoffice.context import Context
from backoffice.errors import ApiError, BadRequestProblem, ConflictProblem, NotFoundProblem
from backoffice.face import store
from backoffice.face.engine import BadImage, FaceModelMissing, engine, measure_all
from backoffice.face.liveness import ACTIONS, judge
from backoffice.face.matching import distance, matches, milli
from backoffice.rules.certification import attempts_left
from backoffice.storage.face import FaceChallengeRow, FaceVerificationRow
from backoffice.storage.members import MemberRow

log = logging.getLogger("backoffice.face")

PURPOSES = ("certification", "pin_reset", "id_session")
# Failed attempts: not live, or live and not the member. No face and many faces name nobody.
COUNTED_REASONS = ("NOT_LIVE", "NO_MATCH")


class FaceServiceUnavailable(ApiError):
    status = 503
    code = "FACE_SERVICE_UNAVAILABLE"


class ForbiddenProblem(ApiError):
    status = 403
    code = "FORBIDDEN"


def unavailable(e: FaceModelMissing) -> FaceServiceUnavailable:
    log.error("face verification unavailable: %s", e)
    return FaceServiceUnavailable(
        "人脸核验服务暂不可用，请稍后再试或到柜台办理",
        f"Face verification is unavailable ({e}); please try later or go to the counter",
    )


def bad_image(detail: str) -> BadRequestProblem:
    return BadRequestProblem(
        "照片无法识别，请重新拍摄", f"A frame is not a JPEG picture: {detail}", code="BAD_IMAGE"
    )


def not_enrolled() -> ConflictProblem:
    return ConflictProblem(
        "未登记人脸照片，请到柜台办理",
        "No enrolled face photo for this member; please go to the counter",
        code="NOT_ENROLLED",
    )


def verification_required(why: str) -> ConflictProblem:
    return ConflictProblem(
        "请先完成人脸核验",
        f"A face verification is required: {why}",
        code="FACE_VERIFICATION_REQUIRED",
    )


@dataclass(frozen=True)
class ChallengeAnswer:
    challenge_id: str
    action: str
    frames: int
    expires_in: int


def _member_by_id_number(db: Session, id_number: str) -> MemberRow:
    row = db.scalars(select(MemberRow).where(MemberRow.id_number == id_number)).first()
    if row is None:
        raise NotFoundProblem(
            "未找到该身份证号码的参保人", "No member with this ID number", code="NOT_FOUND"
        )
    return row


def failures_today(db: Session, member_id: int, today: dt.date) -> int:
    """The failed attempts shared by face verification and certification (certs.failures_on
    counts both)."""
    return certs.failures_on(db, member_id, today)


def create_challenge(
    db: Session, ctx: Context, terminal_id: str, id_number: str, purpose: str
) -> ChallengeAnswer:
    rules = ctx.policy.face
    member = _member_by_id_number(db, id_number)
    if store.enrolment(db, member.id) is None:
        raise not_enrolled()
    if (
        attempts_left(
            failures_today(db, member.id, ctx.settings.current_date()), ctx.policy.certification
        )
        == 0
    ):
        raise certs.counter_required(ctx.policy.certification)
    now = time.time()
    row = FaceChallengeRow(
        challenge_id=secrets.token_hex(16),
        terminal_id=terminal_id,
        member_id=member.id,
        purpose=purpose,
        action=secrets.choice(ACTIONS),
        expires=now + rules.challenge_seconds,
        used=False,
    )
    store.put_challenge(db, row, now=now)
    db.commit()
    return ChallengeAnswer(row.challenge_id, row.action, rules.frames, rules.challenge_seconds)


def decode_frames(frames: Sequence[str]) -> list[bytes]:
    out: list[bytes] = []
    for i, text in enumerate(frames):
        try:
            out.append(base64.b64decode(text, validate=True))
        except (binascii.Error, ValueError):
            raise bad_image(f"frame {i + 1} is not base64") from None
    return out


def verify(
    db: Session, ctx: Context, terminal_id: str, challenge_id: str, frames: Sequence[str]
) -> dict[str, Any]:
    face_rules = ctx.policy.face
    cert_rules = ctx.policy.certification
    today = ctx.settings.current_date()
    challenge = db.get(FaceChallengeRow, challenge_id)
    if challenge is None:
        raise NotFoundProblem(
            "没有这个核验请求", "No such face challenge", code="CHALLENGE_NOT_FOUND"
        )
    if challenge.terminal_id != terminal_id:
        raise ForbiddenProblem(
            "该核验请求属于另一台终端",
            "This challenge was given to another terminal",
            code="CHALLENGE_OTHER_TERMINAL",
        )
    if challenge.used:
        raise ConflictProblem(
            "该核验请求已使用", "This challenge was already answered", code="CHALLENGE_USED"
        )
    if challenge.expires < time.time():
        raise ConflictProblem(
            "核验请求已过期，请重新开始", "This challenge has expired", code="CHALLENGE_EXPIRED"
        )
    enrolled = store.enrolment(db, challenge.member_id)
    if enrolled is None:  # the enrolment was removed since the challenge
        raise not_enrolled()
    if attempts_left(failures_today(db, challenge.member_id, today), cert_rules) == 0:
        raise certs.counter_required(cert_rules)
    raw = decode_frames(frames)
    try:
        model = engine()
        measured = measure_all(model, raw)
    except FaceModelMissing as e:
        raise unavailable(e) from None
    except BadImage as e:
        raise bad_image(str(e)) from None
    finally:
        for i in range(len(raw)):
            raw[i] = b""  # nothing of the pictures outlives the request
    if not store.take_challenge(db, challenge_id):
        db.rollback()
        raise ConflictProblem(
            "该核验请求已使用", "This challenge was already answered", code="CHALLENGE_USED"
        )
    db.commit()  # answered now: SQLite's write lock is not held while the encoding is computed
    liveness = judge([m.faces for m in measured], challenge.action, face_rules.liveness)
    dist: float | None = None
    if liveness.frontal_frame is not None:
        dist = distance(model.encoding(measured[liveness.frontal_frame]), enrolled)
    del measured
    matched = dist is not None and matches(dist, float(face_rules.threshold))
    reason = liveness.reason
    if reason is None and not matched:
        reason = "NO_MATCH"
    live, ok = liveness.live, liveness.live and matched
    failed = reason in COUNTED_REASONS
    at = ctx.settings.now()
    row = FaceVerificationRow(
        verification_id=secrets.token_hex(16),
        challenge_id=challenge_id,
        terminal_id=terminal_id,
        member_id=challenge.member_id,
        purpose=challenge.purpose,
        at=at,
        day=today,
        matched=matched,
        live=live,
        reason=reason,
        distance_milli=None if dist is None else milli(dist),
        failed=failed,
        expires=time.time() + face_rules.verification_seconds,
        spent_at=None,
    )
    db.add(row)
    db.commit()
    left = attempts_left(failures_today(db, challenge.member_id, today), cert_rules)
    member_no = db.scalar(select(MemberRow.member_no).where(MemberRow.id == challenge.member_id))
    log.info(
        "face verification %s terminal=%s member=%s purpose=%s live=%s matched=%s distance=%s",
        "passed" if ok else f"failed ({reason})",
        terminal_id,
        member_no,
        challenge.purpose,
        live,
        matched,
        "-" if dist is None else f"{dist:.3f}",
    )
    return {
        "verification_id": row.verification_id if ok else None,
        "matched": matched,
        "live": live,
        "distance": None if dist is None else f"{milli(dist) / 1000:.3f}",
        "threshold": f"{face_rules.threshold:.3f}",
        "reason": reason,
        "member_no": member_no if ok else None,
        "attempts_left": left,
    }


def spend(
    db: Session, ctx: Context, verification_id: str, *, terminal_id: str, member_id: int
) -> FaceVerificationRow:
    """The verification a certification names, spent (the caller commits with its own row):
    matched and live, fresh, not spent, of this terminal and member. Otherwise 409
    FACE_VERIFICATION_REQUIRED saying which."""
    row = db.get(FaceVerificationRow, verification_id)
    if row is None:
        raise verification_required("no such verification")
    if row.terminal_id != terminal_id or row.member_id != member_id:
        raise verification_required("the verification is another terminal's or member's")
    if not (row.matched and row.live):
        raise verification_required("the verification did not pass")
    if row.spent_at is not None:
        raise verification_required("the verification was already used")
    if row.expires < time.time():
        raise verification_required("the verification has expired")
    if not store.spend_verification(db, verification_id, ctx.settings.now()):
        raise verification_required("the verification was already used")
    return row
