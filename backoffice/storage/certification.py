"""The retiree's certifications (养老金领取资格认证): every attempt, success or failure, one row.

The last success is the retiree's last certification; the failures of a (city) day are the day's
failed attempts (three send the retiree to the counter). Both are read from this one table, so
nothing else has to be kept in step with it. Whether the pension is suspended is not stored:
it is derived on each read from the last success, the policy and today
(backoffice/rules/certification.py): a stored flag would need a daily job to set it, would go
stale when a city changes its grace period, and resuming would be a second write that a crash
could lose; derived, a new certification resumes the pension in the same transaction that
records it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.storage.base import Base

# How the person was checked. "import": a certification carried over from the city's system
# (docs/import-format.md, last_certified); the face methods are the kiosk's, the
# 掌上 app's and the ID card + face of a kiosk with an ID-card reader.
METHODS = ("face/kiosk", "face/app", "counter", "id_card+face", "import")
RESULTS = ("success", "failure")


class CertificationRow(Base):
    __tablename__ = "certification"
    __table_args__ = (UniqueConstraint("terminal_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime)  # naive UTC, like every instant
    day: Mapped[dt.date] = mapped_column(Date)  # the city's date of `at`: the day's attempts
    method: Mapped[str] = mapped_column(String(16))
    result: Mapped[str] = mapped_column(String(8))
    terminal_id: Mapped[str] = mapped_column(String(32))
    # The face match's score in thousandths (0-1000) as the matcher gave it; None: no face
    # compared (counter, import).
    score_milli: Mapped[int | None] = mapped_column(Integer, nullable=True)
    evidence_ref: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # The back office's own face verification (backoffice/storage/face.py) whose distance gave
    # the score; None: no face compared, or a score asserted by the caller (the lab only).
    verification_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    idempotency_key: Mapped[str] = mapped_column(String(64))
    request_hash: Mapped[str] = mapped_column(String(64))
    attempt_no: Mapped[int] = mapped_column(Integer)  # failures: the n-th of the day; success 0


# A member's rows by day: the day's failures and the last success are both range reads here.
Index("ix_certification_member_day", CertificationRow.member_id, CertificationRow.day)
