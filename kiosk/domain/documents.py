"""What the kiosk prints: the data of the payment receipt, the rights record and the certificate.

Plain dataclasses built by the kiosk core (from back office answers) and read by `printer`'s
document builders. They hold full names and ID numbers; each builder decides what to mask (the
receipt masks both, the A4 documents, handed to the member in person, show them in full as the
agency's own counter documents do).

The verification code and URL are inputs: the back office issues the code and serves
`<public base url>/verify/<code>`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kiosk.domain.errors import DomainError
from kiosk.domain.money import Money, money_sum
from kiosk.domain.period import Period
from kiosk.domain.receipts import ReceiptLine
from kiosk.domain.records import (
    ContributionMonth,
    Enrolment,
    MonthStatus,
    PersonalAccounts,
    Scheme,
)

CERTIFICATE_MONTHS = (12, 24, 36, 48)


@dataclass(frozen=True)
class Verification:
    """A document's verification code and the public page that checks it."""

    code: str
    url: str

    def __post_init__(self) -> None:
        if not self.code or not self.url:
            raise DomainError("a verification needs a code and a URL")


@dataclass(frozen=True)
class PaymentReceipt:
    """The payment receipt (社会保险费缴费凭证) printed after a settled payment.

    `lines` are runs of consecutive months at one base (kiosk.domain.receipts); the late fee
    is its own figure; lines + late fee = total, checked here. The residents' pension
    subsidy (政府补贴) is shown on its own and is not part of what the member paid."""

    hall_name: str
    terminal_id: str
    order_no: str
    paid_at: dt.datetime  # aware, in the hall's zone (as printed)
    member_name: str  # full name: the receipt masks it
    id_number: str  # full ID number: the receipt masks it
    scheme: Scheme
    lines: tuple[ReceiptLine, ...]
    total: Money
    payment_method: str  # e.g. "社保卡金融账户" / "扫码支付"
    verification: Verification
    late_fee: Money | None = None
    subsidy: Money | None = None  # 政府补贴 (residents' pension): paid by the state, not the member
    note: str = "请妥善保管"

    def __post_init__(self) -> None:
        if not self.lines:
            raise DomainError("a receipt needs at least one amount line")
        charged = money_sum([line.amount for line in self.lines]) + (self.late_fee or Money.zero())
        if charged != self.total:
            raise DomainError(f"a receipt's lines add up to {charged}, not its total {self.total}")

    @property
    def months(self) -> int:
        return sum(line.months for line in self.lines)

    @property
    def first_period(self) -> Period:
        return min(line.first for line in self.lines)

    @property
    def last_period(self) -> Period:
        return max(line.last for line in self.lines)


@dataclass(frozen=True)
class PersonDetails:
    """Who a document is about (shown in full on A4 documents)."""

    name: str
    id_number: str
    sex: str = ""  # 男 / 女, already in words
    birth_date: dt.date | None = None
    social_security_no: str = ""  # 个人编号; the ID number when empty
    employer: str = ""  # 单位名称; "" for an individual
    employer_code: str = ""  # 单位编号 / 统一社会信用代码


@dataclass(frozen=True)
class RightsRecordData:
    """Everything the personal rights record (个人权益记录单) shows, for a year or a range."""

    person: PersonDetails
    enrolments: tuple[Enrolment, ...]
    months: tuple[ContributionMonth, ...]
    accounts: PersonalAccounts
    first_period: Period
    last_period: Period
    verification: Verification
    data_as_of: dt.date
    printed_at: dt.datetime
    hall_name: str
    terminal_id: str
    issuer: str = "社会保险经办机构"
    notes: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.first_period > self.last_period:
            raise DomainError("the record's first period comes after its last")

    def schemes(self) -> list[Scheme]:
        """Schemes with at least one month in the range, in the Scheme enum's order."""
        present = {m.scheme for m in self.months_in_range()}
        return [s for s in Scheme if s in present]

    def months_in_range(self) -> list[ContributionMonth]:
        return [m for m in self.months if self.first_period <= m.period <= self.last_period]

    def months_of(self, scheme: Scheme) -> list[ContributionMonth]:
        return sorted(
            (m for m in self.months_in_range() if m.scheme == scheme), key=lambda m: m.period
        )


@dataclass(frozen=True)
class SchemeSummary:
    """One scheme's line of the certificate: months and amounts in the certified window."""

    scheme: Scheme
    paid_months: int
    arrears_months: int
    transferred_months: int
    total_paid: Money
    first: Period | None
    last: Period | None


@dataclass(frozen=True)
class CertificateData:
    """The participation certificate (参保证明) for the last 12/24/36/48 months."""

    person: PersonDetails
    enrolments: tuple[Enrolment, ...]
    months: tuple[ContributionMonth, ...]
    window_months: int
    last_period: Period  # the latest month certified (normally the month before printing)
    verification: Verification
    data_as_of: dt.date
    printed_at: dt.datetime
    hall_name: str
    terminal_id: str
    issuer: str = "社会保险经办机构"
    purpose: str = ""  # e.g. "购房" / "落户"; "" when not stated

    def __post_init__(self) -> None:
        if self.window_months not in CERTIFICATE_MONTHS:
            raise DomainError(
                f"a certificate covers {CERTIFICATE_MONTHS} months, not {self.window_months}"
            )

    @property
    def first_period(self) -> Period:
        p = self.last_period
        for _ in range(self.window_months - 1):
            p = p.previous()
        return p

    def months_in_window(self) -> list[ContributionMonth]:
        first = self.first_period
        return sorted(
            (m for m in self.months if first <= m.period <= self.last_period),
            key=lambda m: (m.period, list(Scheme).index(m.scheme)),
        )

    def summaries(self) -> list[SchemeSummary]:
        rows = self.months_in_window()
        out = []
        for scheme in Scheme:
            mine = [m for m in rows if m.scheme == scheme]
            if not mine:
                continue
            paid = [m for m in mine if m.status != MonthStatus.ARREARS]
            out.append(
                SchemeSummary(
                    scheme=scheme,
                    paid_months=sum(m.status == MonthStatus.PAID for m in mine),
                    arrears_months=sum(m.status == MonthStatus.ARREARS for m in mine),
                    transferred_months=sum(m.status == MonthStatus.TRANSFERRED_IN for m in mine),
                    total_paid=money_sum([m.total for m in paid]),
                    first=mine[0].period,
                    last=mine[-1].period,
                )
            )
        return out
