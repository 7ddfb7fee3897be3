"""Certificates issued (权益记录单 / 参保证明), found again by their verification code."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.storage.base import Base


class CertificateRow(Base):
    __tablename__ = "certificate"
    __table_args__ = (UniqueConstraint("terminal_id", "idempotency_key"),)

    certificate_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # verification code, no dashes
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    first_period: Mapped[int] = mapped_column(Integer)
    last_period: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    digest: Mapped[str] = mapped_column(String(64))
    content_json: Mapped[str] = mapped_column(Text)  # the attested content, canonical JSON
    terminal_id: Mapped[str] = mapped_column(String(32))
    idempotency_key: Mapped[str] = mapped_column(String(64))
    # sha256 of the request (member, kind, range) the key came with: the same key with another
    # request is refused, never answered with this certificate.
    request_hash: Mapped[str] = mapped_column(String(64))
