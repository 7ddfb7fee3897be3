"""Reads and writes of the face tables (backoffice/storage/face.py). No model here: the
certification and the seeder use this without loading numpy or dlib."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from backoffice.face.matching import pack, unpack
from backoffice.storage.face import FaceChallengeRow, FaceEnrolmentRow, FaceVerificationRow

# Answered or expired challenges are deleted once this much older than their expiry.
CHALLENGE_KEPT_SECONDS = 3600.0


def enrolment(db: Session, member_id: int) -> tuple[float, ...] | None:
    row = db.get(FaceEnrolmentRow, member_id)
    return None if row is None else unpack(row.encoding)


def enrol(
    db: Session, member_id: int, encoding: Sequence[float], *, at: dt.datetime, source: str
) -> None:
    """The member's enrolled face (a new photo replaces the old one). The caller commits."""
    row = db.get(FaceEnrolmentRow, member_id)
    if row is None:
        db.add(
            FaceEnrolmentRow(
                member_id=member_id, encoding=pack(encoding), enrolled_at=at, source=source
            )
        )
    else:
        row.encoding, row.enrolled_at, row.source = pack(encoding), at, source


def enrol_many(
    conn: Connection,
    member_ids: Iterable[int],
    encoding: Sequence[float],
    *,
    at: dt.datetime,
    source: str,
) -> int:
    """The same encoding for several members in one insert (the seeder's showcases)."""
    data = pack(encoding)
    rows = [
        {"member_id": m, "encoding": data, "enrolled_at": at, "source": source} for m in member_ids
    ]
    if rows:
        conn.execute(insert(FaceEnrolmentRow), rows)
    return len(rows)


def failures_on(db: Session, member_id: int, day: dt.date) -> int:
    """The member's failed face verifications of the day (any purpose)."""
    t = FaceVerificationRow
    n = db.scalar(
        select(func.count()).where(t.member_id == member_id, t.day == day, t.failed.is_(True))
    )
    return int(n or 0)


def put_challenge(db: Session, row: FaceChallengeRow, *, now: float) -> None:
    """A new challenge; challenges long expired go with it (the table stays small)."""
    db.execute(
        delete(FaceChallengeRow).where(FaceChallengeRow.expires < now - CHALLENGE_KEPT_SECONDS)
    )
    db.add(row)


def take_challenge(db: Session, challenge_id: str) -> bool:
    """Mark it answered: of two workers answering it at once only one gets True."""
    t = FaceChallengeRow
    result = db.execute(
        update(t).where(t.challenge_id == challenge_id, t.used.is_(False)).values(used=True)
    )
    return int(getattr(result, "rowcount", 0)) == 1


def spend_verification(db: Session, verification_id: str, at: dt.datetime) -> bool:
    """Spend a matched verification: of two spending it at once only one gets True."""
    t = FaceVerificationRow
    result = db.execute(
        update(t)
        .where(t.verification_id == verification_id, t.spent_at.is_(None))
        .values(spent_at=at)
    )
    return int(getattr(result, "rowcount", 0)) == 1
