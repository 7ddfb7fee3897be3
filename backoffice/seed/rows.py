"""The rows the seeder writes, one named record per table: field names are the table's columns,
in the order of the bulk insert (backoffice.seed.run). They are NamedTuples, so the driver's
bulk path takes them as they are (no copy per row) and they sort as plain tuples do.

Money in fen, months as YYYYMM, years as YYYY."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple


class MemberRecord(NamedTuple):
    id: int
    member_no: str
    id_number: str
    name: str
    sex: str
    birth_date: dt.date
    retired: bool
    retirement_age: int
    medical_balance_fen: int
    work_start: int | None  # the first month on record; None for residents
    first_insured: int | None
    deemed_months: int


class CardRecord(NamedTuple):
    card_identifier: str
    card_number: str
    member_id: int
    status: str
    status_changed_at: dt.datetime | None
    spec_version: str
    issue_date: dt.date
    expiry_date: dt.date


class Enrolment(NamedTuple):
    member_id: int
    scheme: str
    status: str
    since: int
    employer_id: int | None
    until: int | None


class Contribution(NamedTuple):
    member_id: int
    scheme: str
    period: int
    base_fen: int
    employer_fen: int
    personal_fen: int
    status: str
    payer_id: int | None  # the employer who paid; None for the member's own payments
    account_fen: int  # credited to the member's account (none while in arrears)
    subsidy_fen: int  # the government's part (residents' pension)
    paid_on: dt.date | None


class PensionYear(NamedTuple):
    """A year of the pension personal account (table pension_account_year)."""

    member_id: int
    year: int
    principal_fen: int
    interest_fen: int
    balance_fen: int


class MedicalYear(NamedTuple):
    """A year of the medical account (table medical_account_year)."""

    member_id: int
    year: int
    credit_fen: int
    spending_fen: int
    balance_fen: int


class BenefitPayment(NamedTuple):
    member_id: int
    kind: str
    period: int
    amount_fen: int


class CertificationRecord(NamedTuple):
    """One attempt of a retiree's annual certification (table certification; its id is the
    database's own, so later attempts through the API take the next one)."""

    member_id: int
    at: dt.datetime  # naive UTC
    day: dt.date  # the city's date of `at`
    method: str
    result: str
    terminal_id: str
    score_milli: int | None
    evidence_ref: str | None
    verification_id: str | None
    idempotency_key: str
    request_hash: str
    attempt_no: int


class SeparationRecord(NamedTuple):
    """An employer's record of a job that ended (table unemployment_separation)."""

    member_id: int
    employer_id: int
    last_day: dt.date
    reason: str


class RegistrationRecord(NamedTuple):
    """失业登记/求职登记 (table unemployment_registration)."""

    member_id: int
    separation_day: dt.date
    registered_on: dt.date
    phone: str
    job_wishes: str  # JSON list
    terminal_id: str
    updated_at: dt.datetime  # naive UTC


class ClaimRecord(NamedTuple):
    """申领失业保险金 (table unemployment_claim)."""

    member_id: int
    separation_day: dt.date
    applied_on: dt.date
    applied_at: dt.datetime  # naive UTC
    first_period: int
    contribution_months: int
    months_carried: int
    months_granted: int
    monthly_fen: int
    stopped_on: dt.date | None
    stop_reason: str | None
    terminal_id: str
    idempotency_key: str
    request_hash: str


class VocationalCertificateRecord(NamedTuple):
    """A vocational certificate on record (table vocational_certificate)."""

    member_id: int
    certificate_no: str
    occupation: str
    level: int
    issued_on: dt.date
