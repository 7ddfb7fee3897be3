"""Flexible employment (灵活就业): a member's registration as a flexible worker, with the schemes
and base chosen, and the stops (暂停) of their contributions.

The enrolment rows (backoffice/storage/members.py) stay what the dues read: registering makes
the pension (and medical) enrolment the member's own (no employer, active from the month of
registration); a stop suspends them and a resume makes them active again. These tables keep what
the enrolment cannot: the base chosen, who registered and with which key, and the months
stopped, which the dues never offer (docs/rules.md, "Flexible employment")."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.storage.base import Base


class FlexibleRegistrationRow(Base):
    """One registration as a flexible worker (the latest is the member's current one)."""

    __tablename__ = "flexible_registration"
    __table_args__ = (UniqueConstraint("terminal_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    registered_on: Mapped[dt.date] = mapped_column(Date)  # the city's date
    since: Mapped[int] = mapped_column(Integer)  # YYYYMM: the first month payable
    medical: Mapped[bool] = mapped_column(Boolean)  # pension + medical (else pension only)
    base_fen: Mapped[int] = mapped_column(BigInteger)  # the monthly base chosen
    terminal_id: Mapped[str] = mapped_column(String(32))
    idempotency_key: Mapped[str] = mapped_column(String(64))
    request_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)  # naive UTC


class FlexiblePauseRow(Base):
    """A stop (暂停缴费) of a flexible worker's contributions: from `first` (YYYYMM) through
    `last` (the month before the resume); `last` None while stopped."""

    __tablename__ = "flexible_pause"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    first: Mapped[int] = mapped_column(Integer)
    last: Mapped[int | None] = mapped_column(Integer, nullable=True)
    stopped_on: Mapped[dt.date] = mapped_column(Date)
    resumed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    terminal_id: Mapped[str] = mapped_column(String(32))
    # The Idempotency-Keys of the stop and of the resume: a retry hears the first answer.
    stop_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    resume_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
