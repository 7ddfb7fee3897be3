"""Transfers between cities (转移接续) as the kiosk sees them: the voucher (参保缴费凭证) a member
takes to another city, the member's transfer-in requests and how far each has gone, the cities
a request may name; and the parsers of their answers (docs/api.md: .../transfer/vouchers,
.../transfer, .../transfer/requests, /v1/transfer/cities). A parser raises WireError on a
missing field or a wrong type, DomainError on figures that do not agree."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from kiosk.domain.documents import Verification
from kiosk.domain.errors import DomainError
from kiosk.domain.money import Money
from kiosk.domain.period import Period
from kiosk.domain.records import Scheme
from kiosk.domain.wire import _date, _datetime, _get, _list, _money, _opt, _period


class VoucherKind(StrEnum):
    PENSION = "pension_transfer"  # 基本养老保险参保缴费凭证
    MEDICAL = "medical_transfer"  # 基本医疗保险参保缴费凭证

    @property
    def zh(self) -> str:
        return f"基本{'养老' if self is VoucherKind.PENSION else '医疗'}保险参保缴费凭证"

    @property
    def en(self) -> str:
        which = "pension" if self is VoucherKind.PENSION else "medical insurance"
        return f"Basic {which} contribution voucher (for transfer)"


@dataclass(frozen=True)
class City:
    code: str  # region code; "" for a city not known
    zh: str
    en: str


@dataclass(frozen=True)
class InsuredPeriod:
    """Consecutive counted months in one city."""

    city: City
    first: Period
    last: Period
    months: int
    transferred_in: bool
    personal_total: Money
    employer_total: Money

    def __post_init__(self) -> None:
        if self.months != self.first.months_until(self.last) + 1:
            raise DomainError(f"{self.first}..{self.last} is not {self.months} months")


@dataclass(frozen=True)
class TransferVoucher:
    """The voucher as issued: its attested content, verification code, QR URL and digest."""

    certificate_id: str
    kind: VoucherKind
    scheme: Scheme
    issuer: str
    issuer_region: str
    as_of: dt.date
    member_no: str
    name: str
    id_number_masked: str
    sex: str
    birth_date: dt.date
    first: Period
    last: Period
    periods: tuple[InsuredPeriod, ...]
    months_paid: int
    months_transferred_in: int
    months_here: int
    account_balance: Money
    account_year: int | None
    verification: Verification
    digest: str
    issued_at: dt.datetime
    expires_at: dt.datetime

    def __post_init__(self) -> None:
        if sum(p.months for p in self.periods) != self.months_paid:
            raise DomainError("a voucher's periods do not add up to its months paid")


class TransferStep(StrEnum):
    SUBMITTED = "submitted"  # 已受理
    CONTACTED = "contacted"  # 已联系转出地
    FUNDS_RECEIVED = "funds_received"  # 转移资金已到账
    DONE = "done"  # 已办结


@dataclass(frozen=True)
class StepReached:
    step: TransferStep
    zh: str
    en: str
    reached_on: dt.date | None  # None: not yet


@dataclass(frozen=True)
class TransferRequest:
    request_id: int
    from_city: City
    state: TransferStep
    state_zh: str
    state_en: str
    submitted_on: dt.date
    steps: tuple[StepReached, ...]

    @property
    def open(self) -> bool:
        return self.state is not TransferStep.DONE


@dataclass(frozen=True)
class TransferRequests:
    member_no: str
    as_of: dt.date
    open: TransferRequest | None
    requests: tuple[TransferRequest, ...]  # the latest first


@dataclass(frozen=True)
class Cities:
    here: City
    cities: tuple[City, ...]  # those a request may name


# --- parsers ---------------------------------------------------------------------------------


def _period_of(p: Any) -> InsuredPeriod:
    return InsuredPeriod(
        city=City(_get(p, "city", str), _get(p, "city_zh", str), _get(p, "city_en", str)),
        first=_period(_get(p, "first", str)),
        last=_period(_get(p, "last", str)),
        months=_get(p, "months", int),
        transferred_in=_get(p, "transferred_in", bool),
        personal_total=_money(p, "personal_total"),
        employer_total=_money(p, "employer_total"),
    )


def voucher(b: Any) -> TransferVoucher:
    return TransferVoucher(
        certificate_id=_get(b, "certificate_id", str),
        kind=VoucherKind(_get(b, "kind", str)),
        scheme=Scheme(_get(b, "scheme", str)),
        issuer=_get(b, "issuer", str),
        issuer_region=_get(b, "issuer_region", str),
        as_of=_date(_get(b, "as_of", str)),
        member_no=_get(b, "member_no", str),
        name=_get(b, "name", str),
        id_number_masked=_get(b, "id_number_masked", str),
        sex=_get(b, "sex", str),
        birth_date=_date(_get(b, "birth_date", str)),
        first=_period(_get(b, "first", str)),
        last=_period(_get(b, "last", str)),
        periods=tuple(_period_of(p) for p in _list(b, "periods")),
        months_paid=_get(b, "months_paid", int),
        months_transferred_in=_get(b, "months_transferred_in", int),
        months_here=_get(b, "months_here", int),
        account_balance=_money(b, "account_balance"),
        account_year=_opt(b, "account_year", int),
        verification=Verification(_get(b, "verification_code", str), _get(b, "verify_url", str)),
        digest=_get(b, "digest", str),
        issued_at=_datetime(_get(b, "issued_at", str)),
        expires_at=_datetime(_get(b, "expires_at", str)),
    )


def _request(r: Any) -> TransferRequest:
    return TransferRequest(
        request_id=_get(r, "request_id", int),
        from_city=City(
            _get(r, "from_city", str), _get(r, "from_city_zh", str), _get(r, "from_city_en", str)
        ),
        state=TransferStep(_get(r, "state", str)),
        state_zh=_get(r, "state_zh", str),
        state_en=_get(r, "state_en", str),
        submitted_on=_date(_get(r, "submitted_on", str)),
        steps=tuple(
            StepReached(
                step=TransferStep(_get(s, "step", str)),
                zh=_get(s, "zh", str),
                en=_get(s, "en", str),
                reached_on=None if _opt(s, "reached_on", str) is None else _date(s["reached_on"]),
            )
            for s in _list(r, "steps")
        ),
    )


def transfer_requests(b: Any) -> TransferRequests:
    open_ = _opt(b, "open", dict)
    return TransferRequests(
        member_no=_get(b, "member_no", str),
        as_of=_date(_get(b, "as_of", str)),
        open=None if open_ is None else _request(open_),
        requests=tuple(_request(r) for r in _list(b, "requests")),
    )


def _city(c: Any) -> City:
    return City(_get(c, "code", str), _get(c, "zh", str), _get(c, "en", str))


def cities(b: Any) -> Cities:
    return Cities(
        here=_city(_get(b, "here", dict)), cities=tuple(_city(c) for c in _list(b, "cities"))
    )
