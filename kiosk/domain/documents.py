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

from kiosk.domain.certificates import AttestedContent, AttestedMonth, CertificateKind
from kiosk.domain.errors import DomainError
from kiosk.domain.money import Money, money_sum
from kiosk.domain.period import Period
from kiosk.domain.receipts import ReceiptLine
from kiosk.domain.records import Scheme

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
    # 代缴 (a fee reduction): the part of the contribution the government paid for the member;
    # the lines and the total are the member's own part.
    paid_by_government: Money | None = None
    reprint: bool = False  # 补打: printed again later (the administrator's or the member's)

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
    """Who a document is about (shown in full on A4 documents). Built from the attested
    content, but for the full ID number: the content holds it masked, the kiosk takes it from
    the member's card and checks it against the mask (kiosk/printing.py)."""

    name: str
    id_number: str
    sex: str = ""  # 男 / 女, already in words
    birth_date: dt.date | None = None
    social_security_no: str = ""  # 个人编号; the ID number when empty
    employer: str = ""  # 单位名称; "" for an individual
    employer_code: str = ""  # 单位编号 / 统一社会信用代码
    first_insured: Period | None = None  # 首次参保时间
    work_start: Period | None = None  # 参加工作时间
    deemed_months: int = 0  # 视同缴费月数; printed only when > 0


@dataclass(frozen=True)
class AttestedDocument:
    """What both A4 documents share: the member, the attested content they print (and
    nothing else), its digest and verification, and where and when they were printed."""

    person: PersonDetails
    content: AttestedContent
    verification: Verification
    digest: str  # SHA-256 of the attested content, printed in full
    printed_at: dt.datetime
    hall_name: str
    terminal_id: str

    @property
    def first_period(self) -> Period:
        return self.content.first

    @property
    def last_period(self) -> Period:
        return self.content.last

    @property
    def data_as_of(self) -> dt.date | None:
        return self.content.as_of

    @property
    def issuer(self) -> str:
        """The attesting agency, e.g. 示例市社会保险经办机构."""
        return f"{self.content.issuer}社会保险经办机构"

    def months_in_range(self) -> list[AttestedMonth]:
        return list(self.content.months)

    def schemes(self) -> list[Scheme]:
        """Schemes with at least one row in the range, in the Scheme enum's order."""
        present = {m.scheme for m in self.content.months}
        return [s for s in Scheme if s in present]

    def months_of(self, scheme: Scheme) -> list[AttestedMonth]:
        return sorted((m for m in self.content.months if m.scheme == scheme), key=_period_of)


def _period_of(m: AttestedMonth) -> Period:
    return m.period


@dataclass(frozen=True)
class RightsRecordData(AttestedDocument):
    """The personal rights record (个人权益记录单) for a year or a range of years."""

    notes: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.content.kind is not CertificateKind.RIGHTS_RECORD:
            raise DomainError("a rights record prints a rights_record certificate")


@dataclass(frozen=True)
class CertificateData(AttestedDocument):
    """The participation certificate (参保证明) for the last 12/24/36/48 months."""

    purpose: str = ""  # e.g. "购房" / "落户"; "" when not stated

    def __post_init__(self) -> None:
        if self.content.kind is not CertificateKind.PARTICIPATION:
            raise DomainError("a participation certificate prints a participation certificate")
        if self.window_months not in CERTIFICATE_MONTHS:
            raise DomainError(
                f"a certificate covers {CERTIFICATE_MONTHS} months, not {self.window_months}"
            )

    @property
    def window_months(self) -> int:
        return self.first_period.months_until(self.last_period) + 1
