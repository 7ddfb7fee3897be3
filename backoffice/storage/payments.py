"""Payments: quotes, orders, postings, idempotency records, and the gateway simulator's ledger.

Money in integer fen, months YYYYMM (as in storage/members.py). The gateway's table belongs to
the simulated bank, not to the back office: the back office reads it only through
backoffice.gateway (its query and bill), as it would a real gateway's API."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.storage.base import Base


class QuoteRow(Base):
    """A priced choice (scheme, base, months or tier) the kiosk showed the member."""

    __tablename__ = "pay_quote"

    quote_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    terminal_id: Mapped[str] = mapped_column(String(32))
    member_id: Mapped[int] = mapped_column(Integer, index=True)
    scheme: Mapped[str] = mapped_column(String(20))
    choice_json: Mapped[str] = mapped_column(Text)  # what the member chose, as sent
    lines_json: Mapped[str] = mapped_column(Text)  # the priced lines
    total_fen: Mapped[int] = mapped_column(BigInteger)
    as_of: Mapped[dt.date] = mapped_column(Date)  # the day the lines were priced for
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class OrderRow(Base):
    """One payment order. `state` moves only by compare-and-set (backoffice.orders)."""

    __tablename__ = "pay_order"

    order_no: Mapped[str] = mapped_column(String(32), primary_key=True)
    terminal_id: Mapped[str] = mapped_column(String(32))
    idem_key: Mapped[str] = mapped_column(String(64))
    member_id: Mapped[int] = mapped_column(Integer)
    member_no: Mapped[str] = mapped_column(String(16))
    scheme: Mapped[str] = mapped_column(String(20))
    quote_id: Mapped[str] = mapped_column(String(32))
    lines_json: Mapped[str] = mapped_column(Text)
    total_fen: Mapped[int] = mapped_column(BigInteger)
    late_fee_fen: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(16))
    method: Mapped[str | None] = mapped_column(String(8), nullable=True)  # card / qr
    account_masked: Mapped[str | None] = mapped_column(String(32), nullable=True)
    pay_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    pay_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    gateway_txn: Mapped[str | None] = mapped_column(String(40), nullable=True)
    reason: Mapped[str | None] = mapped_column(String(40), nullable=True)  # why failed/reversed
    business_date: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    state_since: Mapped[dt.datetime] = mapped_column(DateTime)
    paid_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class IdempotencyRow(Base):
    """The first answer to a create-order request, per terminal and key."""

    __tablename__ = "pay_idempotency"

    terminal_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    idem_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    body_json: Mapped[str] = mapped_column(Text)
    order_no: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class PostingRow(Base):
    """One month (or year) a settled order posted to the member's contribution record."""

    __tablename__ = "pay_posting"

    order_no: Mapped[str] = mapped_column(String(32), primary_key=True)
    period: Mapped[int] = mapped_column(Integer, primary_key=True)  # YYYYMM
    member_id: Mapped[int] = mapped_column(Integer)
    scheme: Mapped[str] = mapped_column(String(20))
    base_fen: Mapped[int] = mapped_column(BigInteger)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    late_fee_fen: Mapped[int] = mapped_column(BigInteger)
    posted_at: Mapped[dt.datetime] = mapped_column(DateTime)


class GatewayTxnRow(Base):
    """The simulated gateway's ledger: one row per merchant order number (its dedup key)."""

    __tablename__ = "gw_txn"

    order_no: Mapped[str] = mapped_column(String(32), primary_key=True)
    txn_id: Mapped[str] = mapped_column(String(40), unique=True)
    terminal_id: Mapped[str] = mapped_column(String(32))
    method: Mapped[str] = mapped_column(String(8))
    account_masked: Mapped[str] = mapped_column(String(32), default="")
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    # open (QR waiting) / charged / reversed (charged, then refunded) / voided (never charged:
    # closed, reversed before charging, or declined)
    state: Mapped[str] = mapped_column(String(10))
    charges: Mapped[int] = mapped_column(Integer, default=0)  # times money was taken (<= 1)
    business_date: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    charged_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    reversed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


Index("ix_pay_order_terminal_day", OrderRow.terminal_id, OrderRow.business_date)
Index("ix_pay_order_member", OrderRow.member_id, OrderRow.scheme)
Index("ix_gw_txn_terminal_day", GatewayTxnRow.terminal_id, GatewayTxnRow.business_date)
