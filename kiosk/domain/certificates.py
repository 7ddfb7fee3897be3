"""Certificates the back office issues (个人权益记录单, 参保证明) and what they attest.

The attested content is what the paper prints and the verification page shows: the kiosk
builds the PDF from it alone (kiosk/printing.py), so paper and page cannot disagree."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from decimal import Decimal

from kiosk.domain.money import Money
from kiosk.domain.period import Period
from kiosk.domain.records import (
    EnrolmentStatus,
    MedicalAccountYear,
    MonthFigures,
    MonthStatus,
    Scheme,
)


class CertificateKind(enum.StrEnum):
    RIGHTS_RECORD = "rights_record"  # 个人权益记录单 (by year or range of years)
    PARTICIPATION = "participation"  # 参保证明 (last 12/24/36/48 months)

    @property
    def zh(self) -> str:
        return {"rights_record": "个人权益记录单", "participation": "参保证明"}[self.value]

    @property
    def en(self) -> str:
        return {
            "rights_record": "Personal rights record",
            "participation": "Participation certificate",
        }[self.value]


@dataclass(frozen=True)
class AttestedScheme:
    """What a certificate attests for one scheme over its range of months."""

    scheme: Scheme
    status: EnrolmentStatus
    first: Period | None  # first month counted within the range (None: none counted)
    last: Period | None
    months_paid: int  # months counted in the range: paid, transferred in, back paid
    months_in_arrears: int
    personal_total: Money  # what the member paid for the counted months
    employer_total: Money  # what employers paid (zero for an individual)
    cumulative_months: int  # all months counted up to the range's last month
    since: Period | None = None
    until: Period | None = None
    employer: str | None = None  # None: an individual (个人/灵活就业)
    months_back_paid: int = 0  # of months_paid: back paid (补缴)
    months_transferred_in: int = 0  # of months_paid: transferred in (转入)
    subsidy_total: Money = field(default_factory=Money.zero)  # 政府补贴, not the member's
    account_total: Money = field(default_factory=Money.zero)  # credited to the account


@dataclass(frozen=True)
class AttestedMonth(MonthFigures):
    """One row of the range as attested: like ContributionMonth, with the account credit."""

    scheme: Scheme
    period: Period
    base: Money
    employer_part: Money
    personal_part: Money
    subsidy: Money  # 政府补贴 (residents' pension)
    account: Money  # credited to the personal account
    status: MonthStatus
    payer: str  # the employer, or 个人
    paid_on: dt.date | None  # the day paid (always for 补缴)


@dataclass(frozen=True)
class AttestedPensionYear:
    """One year of the pension account with the crediting rate (记账利率) of its interest."""

    year: int
    rate: Decimal | None  # None: the year in progress (no interest credited yet)
    principal: Money
    interest: Money
    balance: Money


@dataclass(frozen=True)
class AttestedContent:
    """Everything a certificate attests. `name` is the full name on an issued certificate and
    the masked one on a verification (where `birth_date` is None: it is in the ID number,
    which stays masked)."""

    kind: CertificateKind
    issuer: str
    as_of: dt.date | None
    first: Period
    last: Period
    member_no: str
    name: str
    id_number_masked: str
    sex: str  # "1" man, "2" woman, "" unknown (an older certificate)
    birth_date: dt.date | None
    work_start: Period | None  # 参加工作时间
    first_insured: Period | None  # 首次参保时间
    deemed_months: int  # 视同缴费月数
    employer: str | None
    schemes: tuple[AttestedScheme, ...]
    months: tuple[AttestedMonth, ...] = ()
    pension_years: tuple[AttestedPensionYear, ...] = ()
    medical_years: tuple[MedicalAccountYear, ...] = ()
    pension_balance: Money | None = None  # at the end of the range's last year
    medical_balance: Money | None = None
    format: int = 2


class _AttestedView:
    """What a certificate and a verification answer both read from their attested content."""

    content: AttestedContent

    @property
    def kind(self) -> CertificateKind:
        return self.content.kind

    @property
    def first(self) -> Period:
        return self.content.first

    @property
    def last(self) -> Period:
        return self.content.last

    @property
    def name(self) -> str:
        return self.content.name

    @property
    def id_number_masked(self) -> str:
        return self.content.id_number_masked

    @property
    def schemes(self) -> tuple[AttestedScheme, ...]:
        return self.content.schemes


@dataclass(frozen=True)
class Certificate(_AttestedView):
    """A certificate as issued: print the verification code, QR (verify_url) and digest."""

    certificate_id: str
    verification_code: str  # >= 80 bits of randomness, grouped for reading: XXXX-XXXX-XXXX-XXXX
    verify_url: str
    digest: str  # SHA-256 (hex) of the attested content, as the verification page shows it
    issued_at: dt.datetime
    expires_at: dt.datetime
    content: AttestedContent


@dataclass(frozen=True)
class VerificationResult(_AttestedView):
    """What the public verification page says about a code (content.name is masked)."""

    valid: bool  # issued by us and not expired
    expired: bool
    issued_at: dt.datetime
    expires_at: dt.datetime
    digest: str
    content: AttestedContent

    @property
    def name_masked(self) -> str:
        return self.content.name
