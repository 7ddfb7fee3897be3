"""Face verification's rows: a member's enrolled face (the encoding only, never the photo), the
challenges a terminal asked for and the verifications the back office made.

All three are in the payments' durable database (not SharedState's light engine): every worker
and host sees them, and a failed verification is one of the member's failed attempts of the day,
which must not be lost with a crash (docs/face.md)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.storage.base import Base


class FaceEnrolmentRow(Base):
    """One enrolled face per member: dlib's 128 numbers as 128 little-endian float64 (1 KiB)."""

    __tablename__ = "face_enrolment"

    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), primary_key=True)
    encoding: Mapped[bytes] = mapped_column(LargeBinary(1024))
    enrolled_at: Mapped[dt.datetime] = mapped_column(DateTime)  # naive UTC
    source: Mapped[str] = mapped_column(String(64))  # "seed", "import": where the photo came from


class FaceChallengeRow(Base):
    """What a terminal was asked to show (an action), for one member; answered once."""

    __tablename__ = "face_challenge"

    challenge_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    terminal_id: Mapped[str] = mapped_column(String(32))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    purpose: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(16))  # "turn_left" | "turn_right"
    expires: Mapped[float] = mapped_column(Float, index=True)  # wall-clock seconds
    used: Mapped[bool] = mapped_column(Boolean, default=False)


class FaceVerificationRow(Base):
    """One answered challenge. `failed`: a failed attempt of the member that day (not live or
    not matched; no face or many faces are not counted). A matched and live verification may
    be spent once (`spent_at`) by a certification or an ID session of the same terminal."""

    __tablename__ = "face_verification"

    verification_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    challenge_id: Mapped[str] = mapped_column(String(32))
    terminal_id: Mapped[str] = mapped_column(String(32))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    purpose: Mapped[str] = mapped_column(String(16))
    at: Mapped[dt.datetime] = mapped_column(DateTime)  # naive UTC
    day: Mapped[dt.date] = mapped_column(Date)  # the city's date: the day's failed attempts
    matched: Mapped[bool] = mapped_column(Boolean)
    live: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(String(16), nullable=True)
    distance_milli: Mapped[int | None] = mapped_column(Integer, nullable=True)
    failed: Mapped[bool] = mapped_column(Boolean)
    expires: Mapped[float] = mapped_column(Float)  # wall-clock seconds: good until then
    spent_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


Index("ix_face_verification_member_day", FaceVerificationRow.member_id, FaceVerificationRow.day)
