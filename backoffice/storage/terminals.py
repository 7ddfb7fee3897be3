"""Terminals (kiosks) allowed to call the API, and their heartbeats."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.storage.base import Base


class TerminalRow(Base):
    __tablename__ = "terminal"

    terminal_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    key_sha256: Mapped[str] = mapped_column(String(64))  # the API key is never stored itself
    hall: Mapped[str] = mapped_column(String(80), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_seen: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class HeartbeatRow(Base):
    __tablename__ = "heartbeat"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    terminal_id: Mapped[str] = mapped_column(ForeignKey("terminal.terminal_id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    status_json: Mapped[str] = mapped_column(Text)


Index("ix_heartbeat_terminal_at", HeartbeatRow.terminal_id, HeartbeatRow.at)


class AuditHeadRow(Base):
    """The last audit chain head a terminal's heartbeat brought and the back office accepted,
    and the alarm raised when a later heartbeat brought one that went back or forked (kept
    until an operator clears it: a rolled-back log stays flagged)."""

    __tablename__ = "audit_head"

    terminal_id: Mapped[str] = mapped_column(ForeignKey("terminal.terminal_id"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
    month: Mapped[str] = mapped_column(String(7), default="")
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    alarm: Mapped[str] = mapped_column(String(16), default="")  # "", backwards, forked
    alarm_detail: Mapped[str] = mapped_column(String(200), default="")
    alarm_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class AdminCardRow(Base):
    """A hall administrator's card: it opens a kiosk's admin mode (with its PIN), nothing else.
    On the chip it is an ordinary card; only this table makes it an administrator's."""

    __tablename__ = "admin_card"

    card_identifier: Mapped[str] = mapped_column(String(32), primary_key=True)
    card_number: Mapped[str] = mapped_column(String(9))
    holder: Mapped[str] = mapped_column(String(40), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
