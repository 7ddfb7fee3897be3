"""Members, their cards, employers, enrolments, monthly contributions, pension account years
and benefit payments."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.storage.base import Base

# SQLite: keep the rows of these tables in their primary key's B-tree (member, scheme, period),
# so a member's history is one contiguous read and each row is written once, not twice.
_CLUSTERED = {"sqlite_with_rowid": False}


class MemberRow(Base):
    __tablename__ = "member"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_no: Mapped[str] = mapped_column(String(16), unique=True)  # 个人编号
    id_number: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(40))
    sex: Mapped[str] = mapped_column(String(1))
    birth_date: Mapped[dt.date] = mapped_column(Date)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    retirement_age: Mapped[int] = mapped_column(Integer)  # statutory age for this member
    medical_balance_fen: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    work_start: Mapped[int | None] = mapped_column(Integer, nullable=True)  # 参加工作时间 YYYYMM
    # 首次参保时间 YYYYMM; None: the earliest enrolment's start.
    first_insured: Mapped[int | None] = mapped_column(Integer, nullable=True)
    deemed_months: Mapped[int] = mapped_column(
        Integer, default=0, server_default="0"
    )  # 视同缴费月数


class EmployerRow(Base):
    __tablename__ = "employer"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80))


class CardRow(Base):
    __tablename__ = "card"

    card_identifier: Mapped[str] = mapped_column(String(32), primary_key=True)
    card_number: Mapped[str] = mapped_column(String(9), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    status: Mapped[str] = mapped_column(String(8))  # valid / lost / void
    status_changed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    spec_version: Mapped[str] = mapped_column(String(4))
    issue_date: Mapped[dt.date] = mapped_column(Date)
    expiry_date: Mapped[dt.date] = mapped_column(Date)


class EnrolmentRow(Base):
    __tablename__ = "enrolment"
    __table_args__ = _CLUSTERED

    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), primary_key=True)
    scheme: Mapped[str] = mapped_column(String(20), primary_key=True)
    status: Mapped[str] = mapped_column(String(12))
    since: Mapped[int] = mapped_column(Integer)  # YYYYMM
    until: Mapped[int | None] = mapped_column(Integer, nullable=True)  # YYYYMM, last month covered
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("employer.id"), nullable=True)


class ContributionRow(Base):
    """One month of one scheme. Residents' schemes are yearly: one row, period = YYYY01, counted
    as 12 months everywhere.

    An individual's month (flexible employment, residents) has employer_fen = 0 and the whole
    payment in personal_fen; account_fen is what went to the personal account (pension rows:
    the pension account; medical rows: the medical account); subsidy_fen is the government's
    subsidy of a residents' pension year (政府补贴), never part of what the member paid."""

    __tablename__ = "contribution"
    __table_args__ = _CLUSTERED

    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), primary_key=True)
    scheme: Mapped[str] = mapped_column(String(20), primary_key=True)
    period: Mapped[int] = mapped_column(Integer, primary_key=True)  # YYYYMM
    base_fen: Mapped[int] = mapped_column(BigInteger)
    employer_fen: Mapped[int] = mapped_column(BigInteger)
    personal_fen: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))  # paid / arrears / transferred_in / back_paid
    payer_id: Mapped[int | None] = mapped_column(ForeignKey("employer.id"), nullable=True)
    account_fen: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    subsidy_fen: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    paid_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)  # the day paid (补缴)


class AccountYearRow(Base):
    """One year of the pension personal account (interest credited at year end)."""

    __tablename__ = "pension_account_year"
    __table_args__ = _CLUSTERED

    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    principal_fen: Mapped[int] = mapped_column(BigInteger)
    interest_fen: Mapped[int] = mapped_column(BigInteger)
    balance_fen: Mapped[int] = mapped_column(BigInteger)


class MedicalAccountYearRow(Base):
    """One year of the medical personal account: credits, spending, closing balance."""

    __tablename__ = "medical_account_year"
    __table_args__ = _CLUSTERED

    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    credit_fen: Mapped[int] = mapped_column(BigInteger)
    spending_fen: Mapped[int] = mapped_column(BigInteger)
    balance_fen: Mapped[int] = mapped_column(BigInteger)


class BenefitRow(Base):
    __tablename__ = "benefit_payment"
    __table_args__ = _CLUSTERED

    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    period: Mapped[int] = mapped_column(Integer, primary_key=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)


# The primary keys (member, scheme, period) / (member, year) / (member, kind, period) are the
# indexes of every member query; this one serves "which members does an employer pay for".
Index("ix_contribution_payer", ContributionRow.payer_id)

# The tables that hold a member's records, in the order a load writes them (the seeder and the
# importer count rows per table by these names).
MEMBER_TABLES = (
    "member",
    "card",
    "enrolment",
    "contribution",
    "pension_account_year",
    "medical_account_year",
    "benefit_payment",
    "certification",  # a retiree's certifications (backoffice/storage/certification.py)
    # unemployment insurance (backoffice/storage/unemployment.py)
    "unemployment_separation",
    "unemployment_registration",
    "unemployment_claim",
    "vocational_certificate",
    "transfer_request",  # transfer-in requests (backoffice/storage/transfer.py)
    "medical_settlement",  # medical settlements (backoffice/storage/medical.py)
)
