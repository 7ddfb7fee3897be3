"""Certificates the back office issues (个人权益记录单, 参保证明) and what their verification
page attests."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from kiosk.domain.money import Money
from kiosk.domain.period import Period
from kiosk.domain.records import EnrolmentStatus, Scheme


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
    first: Period | None  # first month paid within the range (None: none paid)
    last: Period | None
    months_paid: int  # months paid or transferred in within the range
    months_in_arrears: int
    personal_total: Money
    employer_total: Money
    cumulative_months: int  # all months ever, for the pension minimum


@dataclass(frozen=True)
class Certificate:
    """A certificate as issued: print the verification code and QR (verify_url) on it."""

    certificate_id: str
    kind: CertificateKind
    verification_code: str  # >= 80 bits of randomness, grouped for reading: XXXX-XXXX-XXXX-XXXX
    verify_url: str
    digest: str  # SHA-256 (hex) of the attested content, as the verification page shows it
    issued_at: dt.datetime
    expires_at: dt.datetime
    first: Period
    last: Period
    name: str
    id_number_masked: str
    schemes: tuple[AttestedScheme, ...]


@dataclass(frozen=True)
class VerificationResult:
    """What the public verification page says about a code."""

    valid: bool  # issued by us and not expired
    expired: bool
    kind: CertificateKind
    issued_at: dt.datetime
    expires_at: dt.datetime
    name_masked: str
    id_number_masked: str
    first: Period
    last: Period
    digest: str
    schemes: tuple[AttestedScheme, ...]
