"""Medical insurance (医保) settlements: one row per settled visit or stay (门诊 / 住院结算).

The member's part is paid from the medical account (account_fen) or in cash (the rest); the
account's spending in a month is the account part of that month's settlements
(backoffice/rules/medical.py). Its credits are the medical contribution rows' account_fen."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.storage.base import Base
from backoffice.storage.members import _CLUSTERED


class MedicalSettlementRow(Base):
    """A settlement: total = fund_fen + member_fen (checked when written: the seeder and the
    rules never store one that does not add up); account_fen <= member_fen."""

    __tablename__ = "medical_settlement"
    # A member's settlements are one range of the key, in date order (SQLite: WITHOUT ROWID).
    __table_args__ = _CLUSTERED

    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), primary_key=True)
    settled_on: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    settlement_no: Mapped[str] = mapped_column(String(20), primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # outpatient / inpatient
    institution: Mapped[str] = mapped_column(String(60))
    total_fen: Mapped[int] = mapped_column(BigInteger)
    fund_fen: Mapped[int] = mapped_column(BigInteger)  # 统筹基金支付
    member_fen: Mapped[int] = mapped_column(BigInteger)  # 个人负担: account + cash
    account_fen: Mapped[int] = mapped_column(BigInteger)  # of member_fen: 个人账户支付
