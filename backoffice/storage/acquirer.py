"""The reference acquirer's tables (backoffice.acquirer): its terminals and their keys, the
card accounts of the emulated cards' financial application, and its transactions.

Like the gateway simulator's gw_txn, these belong to the simulated bank, not to the back office:
the back office's own code never reads them. Money in integer fen."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.storage.base import Base


class AcqTerminalRow(Base):
    """A POS terminal of the acquirer (a kiosk's PIN pad) and its current working keys.

    The lab keeps the TMK as hex in this table; a real acquirer keeps it in its HSM under the
    local master key. The working keys are kept as sign-on sent them: under the TMK."""

    __tablename__ = "acq_terminal"

    terminal_no: Mapped[str] = mapped_column(String(8), primary_key=True)  # field 41
    merchant_no: Mapped[str] = mapped_column(String(15))  # field 42
    kiosk_id: Mapped[str] = mapped_column(String(32), default="")  # the back office's terminal
    tmk_hex: Mapped[str] = mapped_column(String(32))
    pik_under_tmk: Mapped[str | None] = mapped_column(String(32), nullable=True)
    mak_under_tmk: Mapped[str | None] = mapped_column(String(32), nullable=True)
    signed_on_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    batch_no: Mapped[int] = mapped_column(Integer, default=1)


class AcqAccountRow(Base):
    """A card account of the financial application: the card is found by PAN and PAN sequence
    number; the PIN is checked against its IBM 3624 offset under the lab's PIN verification
    key (never stored itself); `issuer_key` names the issuer master key set its ICC keys are
    derived from (common.emv_profile)."""

    __tablename__ = "acq_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    pan: Mapped[str] = mapped_column(String(19), unique=True)
    psn: Mapped[str] = mapped_column(String(2), default="00")
    expiry: Mapped[str] = mapped_column(String(4))  # YYMM
    card_identifier: Mapped[str] = mapped_column(String(32), default="", index=True)
    balance_fen: Mapped[int] = mapped_column(BigInteger)
    pin_offset: Mapped[str] = mapped_column(String(12))
    pin_tries_left: Mapped[int] = mapped_column(Integer, default=3)
    pin_tries_max: Mapped[int] = mapped_column(Integer, default=3)
    issuer_key: Mapped[str] = mapped_column(String(32), default="test")
    last_atc: Mapped[int] = mapped_column(Integer, default=-1)  # a replayed ARQC is refused
    status: Mapped[str] = mapped_column(String(8), default="active")  # active / closed


class AcqTxnRow(Base):
    """One sale (or a reversal that found no sale), keyed as the terminal keys it: terminal
    number, trace number (field 11) and the terminal's date (field 13, with the year the host
    gives it). The key is claimed before anything else happens, so a repeated 0200 never
    charges twice and a reversal and its sale meet on one row."""

    __tablename__ = "acq_txn"

    terminal_no: Mapped[str] = mapped_column(String(8), primary_key=True)
    stan: Mapped[int] = mapped_column(Integer, primary_key=True)
    txn_date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    # approved / declined / reversed (approved, then reversed) / tombstone (a reversal came
    # first: a later sale with this key is refused)
    state: Mapped[str] = mapped_column(String(10))
    request_hash: Mapped[str] = mapped_column(String(64), default="")
    account_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pan_masked: Mapped[str] = mapped_column(String(19), default="")
    amount_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    response_code: Mapped[str] = mapped_column(String(2), default="")
    answer_json: Mapped[str] = mapped_column(Text, default="{}")  # the 0210, without field 2
    reversal_code: Mapped[str | None] = mapped_column(String(2), nullable=True)
    reversal_reason: Mapped[str | None] = mapped_column(String(2), nullable=True)
    rrn: Mapped[str] = mapped_column(String(12), default="")
    auth_code: Mapped[str] = mapped_column(String(6), default="")
    charges: Mapped[int] = mapped_column(Integer, default=0)  # times money was taken (<= 1)
    business_date: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    reversed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


Index("ix_acq_txn_terminal_day", AcqTxnRow.terminal_no, AcqTxnRow.txn_date)
