"""Unemployment insurance (失业保险): the employer's record of a job that ended, the member's
registration as unemployed and job seeker (失业登记/求职登记), the benefit claim (申领失业保险金),
vocational certificates and the skill-upgrading subsidy (技能提升补贴).

The benefit's monthly payments are rows of benefit_payment (kind "unemployment"), as before:
what a claim has paid, and its months left, are read from them and the claim, never stored
twice. Whether a claim is running, stopped or exhausted is derived the same way.

A registration and a claim name their separation by (member, the job's last day), the
separation's own key: no generated id ties the rows together, so the seeder writes them in
bulk (COPY) and the database numbers every row itself."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.storage.base import Base


class SeparationRow(Base):
    """An employer's record that a member's employment ended (解除/终止劳动关系证明): the
    reason is the employer's, one of backoffice.rules.unemployment.SEPARATION_REASONS."""

    __tablename__ = "unemployment_separation"
    __table_args__ = (UniqueConstraint("member_id", "last_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    employer_id: Mapped[int] = mapped_column(ForeignKey("employer.id"))
    last_day: Mapped[dt.date] = mapped_column(Date)  # the last day employed
    reason: Mapped[str] = mapped_column(String(24))


class RegistrationRow(Base):
    """失业登记 + 求职登记 for one separation; registering again updates phone and wishes."""

    __tablename__ = "unemployment_registration"
    __table_args__ = (UniqueConstraint("member_id", "separation_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    separation_day: Mapped[dt.date] = mapped_column(Date)  # its separation's last_day
    registered_on: Mapped[dt.date] = mapped_column(Date)  # the city's date
    phone: Mapped[str] = mapped_column(String(20))
    job_wishes: Mapped[str] = mapped_column(String(400))  # JSON list of short texts
    terminal_id: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)  # naive UTC


class ClaimRow(Base):
    """申领失业保险金: one claim per separation, the months granted fixed when it is made."""

    __tablename__ = "unemployment_claim"
    __table_args__ = (
        UniqueConstraint("terminal_id", "idempotency_key"),
        UniqueConstraint("member_id", "separation_day"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    separation_day: Mapped[dt.date] = mapped_column(Date)  # its separation's last_day
    applied_on: Mapped[dt.date] = mapped_column(Date)
    applied_at: Mapped[dt.datetime] = mapped_column(DateTime)  # naive UTC
    first_period: Mapped[int] = mapped_column(Integer)  # YYYYMM: the first month of benefit
    contribution_months: Mapped[int] = mapped_column(Integer)  # counted for this claim
    months_carried: Mapped[int] = mapped_column(Integer)  # an earlier claim's not drawn
    months_granted: Mapped[int] = mapped_column(Integer)
    monthly_fen: Mapped[int] = mapped_column(BigInteger)
    stopped_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)  # re-employed on
    stop_reason: Mapped[str | None] = mapped_column(String(16), nullable=True)
    terminal_id: Mapped[str] = mapped_column(String(32))
    idempotency_key: Mapped[str] = mapped_column(String(64))
    request_hash: Mapped[str] = mapped_column(String(64))


class VocationalCertificateRow(Base):
    """A vocational certificate on record (职业资格证书 / 职业技能等级证书)."""

    __tablename__ = "vocational_certificate"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    certificate_no: Mapped[str] = mapped_column(String(32), unique=True)
    occupation: Mapped[str] = mapped_column(String(40))
    level: Mapped[int] = mapped_column(Integer)  # 5 初级 ... 1 高级技师
    issued_on: Mapped[dt.date] = mapped_column(Date)


class SkillSubsidyRow(Base):
    """技能提升补贴: at most one a member a calendar year, one a certificate."""

    __tablename__ = "skill_subsidy"
    __table_args__ = (
        UniqueConstraint("terminal_id", "idempotency_key"),
        UniqueConstraint("member_id", "year"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    certificate_id: Mapped[int] = mapped_column(
        ForeignKey("vocational_certificate.id"), unique=True
    )
    year: Mapped[int] = mapped_column(Integer)
    applied_on: Mapped[dt.date] = mapped_column(Date)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    terminal_id: Mapped[str] = mapped_column(String(32))
    idempotency_key: Mapped[str] = mapped_column(String(64))
    request_hash: Mapped[str] = mapped_column(String(64))
