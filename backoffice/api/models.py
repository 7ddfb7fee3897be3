"""The API's JSON shapes (pydantic), for validation of requests and the OpenAPI document.

Amounts are strings of yuan with two decimals ("330.00"), never floats; months are "YYYY-MM";
dates ISO 8601. Every error has the shape of ErrorBody. What a terminal may send is bounded by
the input rules below (docs/api.md, "Input rules")."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from fastapi import Header
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

# --- Input rules -------------------------------------------------------------------------------
# Every key, id and figure a terminal sends is ASCII with a pattern and a length, so that
# - no NUL or control character reaches a query (PostgreSQL refuses NUL in text: a 500, issue 15);
# - no key is longer than its column (PostgreSQL refuses it, SQLite stored it);
# - no Unicode digit passes for an ASCII one: Python's int() and Decimal() read "３３０" as 330, and
#   a pattern's \d matches it too (pydantic's regex is Unicode-aware), so patterns say [0-9].
# - a whole number in a body is a JSON number (JsonInt: not "2024" nor true; 2024.0 is the
#   number 2024, as JSON Schema's "integer" says, so the document can describe the rule) and a
#   date is the string "YYYY-MM-DD" (IsoDate: lax pydantic read `"date": 0` as 1970-01-01).

IDEMPOTENCY_KEY_MIN = 8
IDEMPOTENCY_KEY_MAX = 64  # the key columns are String(64)
IDEMPOTENCY_KEY_PATTERN = r"^[A-Za-z0-9_.:-]+$"
IdempotencyKeyText = Annotated[
    str,
    StringConstraints(
        min_length=IDEMPOTENCY_KEY_MIN,
        max_length=IDEMPOTENCY_KEY_MAX,
        pattern=IDEMPOTENCY_KEY_PATTERN,
    ),
]
MemberNoText = Annotated[str, StringConstraints(pattern=r"^[0-9]{8,16}$")]
CardIdentifierText = Annotated[str, StringConstraints(pattern=r"^[0-9A-Fa-f]{32}$")]
CardNumberText = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{9}$")]
OrderNoText = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{8,32}$")]
QuoteIdText = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{1,32}$")]
IntentIdText = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")]
AccountText = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{6,32}$")]
TerminalIdText = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{1,32}$")]
AcquirerTerminalText = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{8}$")]  # field 41
# A month in a query: YYYY-MM or YYYYMM in ASCII digits (an impossible month is 400 BAD_PERIOD).
MonthQueryText = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-?[0-9]{2}$")]
# A rate in a query, 0 to 0.2 with at most 6 decimals (the pattern is the range).
RateQueryText = Annotated[str, StringConstraints(pattern=r"^0(\.([01][0-9]{0,5}|20{0,5}))?$")]
MAX_MONTHS = 240  # months in one quote: 20 years, past any back-payment window
MAX_JOURNAL_ROWS = 10_000  # a kiosk's day: a payment every 2 minutes for 12 hours is 360

# Bounded: 12 integer digits (a trillion yuan) is far past any figure, and a longer one would
# overflow the Decimal context (a 500, issue 15); months 01-12 of years 1000-9999.
Amount = Annotated[
    str, StringConstraints(pattern=r"^-?[0-9]{1,12}\.[0-9]{2}$"), Field(examples=["330.00"])
]
# What a terminal sends: never negative.
AmountIn = Annotated[
    str, StringConstraints(pattern=r"^[0-9]{1,12}\.[0-9]{2}$"), Field(examples=["330.00"])
]
Month = Annotated[
    str,
    StringConstraints(pattern=r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])$"),
    Field(examples=["2024-03"]),
]
# A month a terminal sends: of the years a contribution month can have (kiosk.domain.Period).
MonthIn = Annotated[
    str,
    StringConstraints(pattern=r"^(19[0-9]{2}|2[01][0-9]{2}|2200)-(0[1-9]|1[0-2])$"),
    Field(examples=["2024-03"]),
]
Rate = Annotated[str, Field(examples=["0.08"], description="a decimal fraction as a string")]


def _json_integer(value: object) -> object:
    """A JSON number with no fraction: pydantic alone would read "2024" and true (as 1)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("a JSON number, not a string or true/false")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("a whole number")
        return int(value)
    return value


JsonInt = BeforeValidator(_json_integer)
# The bounds before the validator: after it they are not in the schema (see YearQuery).
Year = Annotated[int, Field(ge=1990, le=2200), JsonInt]


def _plain_digits(value: object) -> object:
    """A query's integer is plain ASCII digits: int() also reads " 60", "6_0", "+60" and
    pydantic "60.0"."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 9:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ValueError("an integer in ASCII digits")


# The bounds go inside, before the validator: Query(ge=, le=) on a union with None would not
# reach the int, and after the validator they are not in the schema.
YearQuery = Annotated[int, Field(ge=1900, le=2200), BeforeValidator(_plain_digits)]
RetirementAgeQuery = Annotated[int, Field(ge=50, le=65), BeforeValidator(_plain_digits)]
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date_text(value: object) -> object:
    """Only "YYYY-MM-DD" goes on to be read as a date: pydantic alone reads a number, or a
    string of one, as a Unix time. FastAPI validates bodies in Python mode, where Strict()
    would refuse the string too."""
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return value
    raise ValueError("a date is a string YYYY-MM-DD")


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date_text)]

BAD_KEY = (
    "BAD_IDEMPOTENCY_KEY",
    "请求号（Idempotency-Key）须为 8 至 64 位字母、数字或 _ . : -",
    "Idempotency-Key must be 8 to 64 characters of A-Z a-z 0-9 _ . : -",
)


def invalid_request(errors: Sequence[Any]) -> tuple[str, str, str] | None:
    """The code and messages of a validation failure that has one of its own (a bad
    Idempotency-Key, in its header or a by-key path); None: INVALID_REQUEST."""
    for e in errors:
        loc = tuple(str(x).lower() for x in e.get("loc", ()))
        if loc in (("header", "idempotency-key"), ("path", "key")):
            return BAD_KEY
    return None


SchemeCode = Literal[
    "pension",
    "medical",
    "unemployment",
    "work_injury",
    "maternity",
    "resident_pension",
    "resident_medical",
]


class StrictOut(BaseModel):
    """An answer's (or a body's) model: nothing beyond the fields declared."""

    model_config = ConfigDict(extra="forbid")


_Out = StrictOut

# The required Idempotency-Key of a POST that records something (a claim, a registration, a
# request, an attempt): one header for every such route.
RequiredIdempotencyKey = Annotated[
    IdempotencyKeyText,
    Header(
        alias="Idempotency-Key",
        description="required: the same key on a retry returns the first answer, never a"
        " second record",
    ),
]
# The optional one (8 to 64 characters like the payments' keys, issue 15; a bad one is 422
# BAD_IDEMPOTENCY_KEY): a retry with the same key answers as the first time, without it a second
# request is a second result (a document printed again, a stop asked twice).
OptionalIdempotencyKey = Annotated[
    IdempotencyKeyText | None,
    Header(
        alias="Idempotency-Key",
        description="optional: the same key on a retry returns the same result instead of a"
        " second one",
    ),
]


class ErrorBody(_Out):
    code: str = Field(examples=["MEMBER_NOT_FOUND"])
    message_zh: str
    message_en: str


class Health(_Out):
    status: Literal["ok"]
    version: str
    database: Literal["sqlite", "postgresql"]


class CardOut(_Out):
    card_identifier: str
    card_number: str
    status: Literal["valid", "lost", "void"]
    member_no: str  # "" for an administrator's card
    role: Literal["member", "admin"] = "member"


class LossReport(BaseModel):
    card_number: CardNumberText = Field(description="社会保障卡卡号, 9 capital letters or digits")


class EnrolmentOut(_Out):
    scheme: SchemeCode
    status: Literal["active", "suspended", "terminated"]
    since: Month
    employer: str | None = Field(description="null: paid as an individual (个人/灵活就业)")
    cumulative_months: int = Field(
        description="months counted (paid, transferred in, back paid); a residents' year is 12"
    )
    until: Month | None = Field(description="the last month covered, once terminated")


class SummaryOut(_Out):
    member_no: str
    name: str
    id_number_masked: str
    sex: Literal["1", "2"]
    birth_date: dt.date
    retired: bool
    retirement_age: int
    pension_minimum_months: int
    as_of: dt.date
    enrolments: list[EnrolmentOut]


class ContributionOut(_Out):
    scheme: SchemeCode
    period: Month
    base: Amount
    employer_part: Amount
    personal_part: Amount = Field(description="what the member paid (all of it for individuals)")
    subsidy: Amount = Field(description="政府补贴: the government's part (residents' pension)")
    status: Literal["paid", "arrears", "transferred_in", "back_paid"]
    payer: str = Field(description="the employer, or 个人 when the member paid")
    paid_on: dt.date | None = Field(description="the day paid, where known (always for back_paid)")


class HistoryOut(_Out):
    member_no: str
    first: Month | None
    last: Month | None
    count: int
    rows: list[ContributionOut]


class AccountYearOut(_Out):
    year: int
    principal: Amount
    interest: Amount
    balance: Amount


class MedicalYearOut(_Out):
    year: int
    credits: Amount
    spending: Amount
    balance: Amount


class AccountsOut(_Out):
    member_no: str
    pension_balance: Amount
    medical_balance: Amount
    pension_years: list[AccountYearOut]
    medical_years: list[MedicalYearOut]


class BenefitOut(_Out):
    kind: Literal["pension", "unemployment"]
    period: Month
    amount: Amount


class BenefitsOut(_Out):
    member_no: str
    payments: list[BenefitOut]
    suspended: bool = Field(
        description="the pension is suspended: the retiree's annual certification is overdue"
        " (GET /v1/members/{member_no}/certification); false for a member who is not a retiree"
    )
    suspended_from: Month | None = Field(
        description="the first pension month withheld until the retiree certifies; null: none"
    )


class DueLineOut(_Out):
    period: Month
    base: Amount
    amount: Amount
    to_account: Amount
    late_fee: Amount
    due_date: dt.date
    back_payment: bool
    paid_by_government: Amount = Field(
        default="0.00",
        description="代缴: the part of the contribution (base) the government pays for the member"
        " (fee reduction); amount = base - this",
    )


class TierOut(_Out):
    amount: Amount
    subsidy: Amount
    paid_by_government: Amount = Field(
        default="0.00", description="代缴: what the government pays of this tier for the member"
    )
    member_part: Amount | None = Field(
        default=None, description="what the member pays of this tier: amount - paid_by_government"
    )


class FeeCategoryOut(_Out):
    code: str = Field(examples=["dibao"])
    zh: str = Field(examples=["最低生活保障对象"])
    en: str


class DueOut(_Out):
    scheme: SchemeCode
    kind: Literal["flexible", "resident_tier", "resident_annual"]
    year: int
    periods: list[Month]
    rate: Rate
    account_rate: Rate
    base_min: Amount | None
    base_max: Amount | None
    base_default: Amount | None
    tiers: list[TierOut]
    annual_fee: Amount | None
    lines: list[DueLineOut]
    amount: Amount
    late_fee: Amount
    total: Amount
    deadline: dt.date
    late_fee_rate_per_day: Rate
    counter_only: list[Month] = Field(
        default_factory=list,
        description="the member's arrears older than the back-payment window "
        "([payment] back_payment_months): not payable here, only at the counter",
    )
    average_wage: Amount | None = Field(
        default=None,
        description="flexible: the annual average wage the base limits come from "
        "(base = average_wage x share / 12, rounded once)",
    )
    average_wage_year: int | None = Field(default=None, description="the year of average_wage")
    paid_by_government: Amount = Field(
        default="0.00",
        description="代缴: what the government pays of the lines for the member; not in total",
    )
    fee_category: FeeCategoryOut | None = Field(
        default=None,
        description="the member's fee-reduction category (低保, 重度残疾) when the government"
        " pays part of this due (policy [fee_reductions]); null: none",
    )


class DuesOut(_Out):
    member_no: str
    as_of: dt.date
    dues: list[DueOut]


class CertificateRequest(BaseModel):
    kind: Literal["rights_record", "participation"]
    months: Literal[12, 24, 36, 48] | None = Field(
        default=None, description="participation: the last N months (default 12)"
    )
    first_year: Year | None = Field(default=None, description="rights_record")
    last_year: Year | None = Field(default=None, description="rights_record")


class AttestedSchemeOut(_Out):
    scheme: SchemeCode
    status: Literal["active", "suspended", "terminated"]
    since: Month | None
    until: Month | None
    employer: str | None = Field(description="null: paid as an individual (个人/灵活就业)")
    first: Month | None = Field(description="first month counted in the range")
    last: Month | None
    months_paid: int = Field(
        description="months counted in the range (paid, transferred in, back paid); a "
        "residents' year is 12"
    )
    months_back_paid: int = Field(description="of months_paid, back paid (补缴)")
    months_transferred_in: int = Field(description="of months_paid, transferred in (转入)")
    months_in_arrears: int
    personal_total: Amount = Field(description="what the member paid for the counted months")
    employer_total: Amount = Field(description="what employers paid (0 for individuals)")
    subsidy_total: Amount = Field(description="政府补贴 (residents' pension), not the member's")
    account_total: Amount = Field(description="credited to the personal account")
    cumulative_months: int = Field(description="months counted up to the range's last month")


class AttestedMonthOut(_Out):
    scheme: SchemeCode
    period: Month
    base: Amount
    employer_part: Amount
    personal_part: Amount
    subsidy: Amount
    account: Amount = Field(description="credited to the personal account")
    status: Literal["paid", "arrears", "transferred_in", "back_paid"]
    payer: str
    paid_on: dt.date | None


class AttestedPensionYearOut(_Out):
    year: int
    rate: Rate | None = Field(description="记账利率 credited; null for the year in progress")
    principal: Amount
    interest: Amount
    balance: Amount


class _Attested(_Out):
    """The attested content (see backoffice/rules/certificates.py), as issued and verified."""

    format: int = Field(description="2 (1: an older certificate, schemes' counts only)")
    certificate_id: str
    kind: Literal["rights_record", "participation"]
    issuer: str
    as_of: dt.date | None
    first: Month
    last: Month
    member_no: str
    id_number_masked: str
    sex: Literal["1", "2", ""]
    work_start: Month | None = Field(description="参加工作时间")
    first_insured: Month | None = Field(description="首次参保时间")
    deemed_months: int = Field(description="视同缴费月数 (0: none)")
    employer: str | None
    schemes: list[AttestedSchemeOut]
    months: list[AttestedMonthOut] = Field(description="the range's rows, by scheme and month")
    pension_years: list[AttestedPensionYearOut] = Field(description="rights_record only")
    medical_years: list[MedicalYearOut] = Field(description="rights_record only")
    pension_balance: Amount | None = Field(description="at the end of the range's last year")
    medical_balance: Amount | None


class CertificateOut(_Attested):
    verification_code: str = Field(examples=["ABCD-EFGH-IJKL-MNOP"])
    verify_url: str
    digest: str = Field(description="SHA-256 (hex) of the attested content's canonical JSON")
    issued_at: dt.datetime
    expires_at: dt.datetime
    name: str
    birth_date: dt.date


class VerificationOut(_Attested):
    valid: bool
    expired: bool
    issued_at: dt.datetime
    expires_at: dt.datetime
    name_masked: str
    digest: str


class AuditHeadIn(BaseModel):
    """The kiosk's audit chain head: its last record's seq and HMAC, and the month file."""

    # A JSON number, not true/false (lax pydantic read false as 0; found by schemathesis).
    seq: Annotated[int, JsonInt] = Field(ge=0, le=10**15)
    hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    month: str = Field(default="", pattern=r"^([0-9]{4}-(0[1-9]|1[0-2]))?$")


# A heartbeat's devices (issue 15, 15B: one heartbeat of 2.5 M devices stored a 44 MB row). A
# kiosk reports about ten; a state is a word or its last error (kiosk.backoffice.heartbeat cuts
# that at 200 characters). At the bounds the body is under 8 KiB (backoffice.limits: 16 KiB).
MAX_DEVICES = 32
MAX_DEVICE_NAME = 40
MAX_DEVICE_STATE = 200
DeviceName = Annotated[str, StringConstraints(min_length=1, max_length=MAX_DEVICE_NAME)]
DeviceState = Annotated[str, StringConstraints(max_length=MAX_DEVICE_STATE)]


class HeartbeatIn(BaseModel):
    app_version: str = Field(default="", max_length=40)
    devices: dict[DeviceName, DeviceState] = Field(
        default_factory=dict,
        max_length=MAX_DEVICES,
        description='device -> state, e.g. {"receipt_printer": "ok"}',
    )
    audit_head: AuditHeadIn | None = Field(
        default=None,
        description="The audit chain head; refused (409 AUDIT_HEAD_BACKWARDS / "
        "AUDIT_HEAD_FORKED) when it goes back or forks from the last one accepted",
    )


class HeartbeatOut(_Out):
    terminal_id: str
    server_time: dt.datetime
