"""Transfers between cities (转移接续): a member's transfer-in requests (转入申请) and how far
each has gone. The vouchers (参保缴费凭证) a member takes to another city are certificates
(backoffice/storage/certificates.py, kinds pension_transfer / medical_transfer)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.storage.base import Base


class TransferRequestRow(Base):
    """A transfer-in request: the city the member came from, and the day each step was reached
    (submitted, the other city contacted, the funds received, done); a step not reached is
    NULL. At most one request of a member is open (not done): the service checks it, and the
    partial unique index below holds it when two terminals ask at once."""

    __tablename__ = "transfer_request"
    __table_args__ = (UniqueConstraint("terminal_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    from_city: Mapped[str] = mapped_column(String(6))  # region code (backoffice.rules.transfer)
    submitted_on: Mapped[dt.date] = mapped_column(Date)
    contacted_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    funds_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    done_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    terminal_id: Mapped[str] = mapped_column(String(32))
    idempotency_key: Mapped[str] = mapped_column(String(64))
    request_hash: Mapped[str] = mapped_column(String(64))


# One open request a member (done_on NULL): a second one racing the service's check fails here.
_OPEN = text("done_on IS NULL")
Index(
    "ux_transfer_request_open",
    TransferRequestRow.member_id,
    unique=True,
    sqlite_where=_OPEN,
    postgresql_where=_OPEN,
)
