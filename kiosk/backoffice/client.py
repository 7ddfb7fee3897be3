"""The kiosk's client of the back office API (docs/api.md), on `requests`.

- One `requests.Session` (connection reuse); connect and read timeouts from config on every call.
- GETs are retried with exponential backoff on connection errors, timeouts and 502/503/504.
- POSTs carry an Idempotency-Key; they are retried only with that same key, so a retry after a
  lost answer never does the thing twice.
- TLS: the CA bundle and the client certificate come from config.
- Answers are parsed into kiosk.domain dataclasses; anything else raises ProtocolError.

Every method blocks: call them from a worker thread, never from the UI thread. No Kivy here."""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar
from urllib.parse import quote

import requests

from kiosk.backoffice.errors import (
    BackOfficeUnavailable,
    NotFound,
    ProtocolError,
    Rejected,
    Unauthorized,
)
from kiosk.config import BackOfficeConfig, KioskConfig
from kiosk.domain import (
    AccountYear,
    ContributionMonth,
    DomainError,
    Enrolment,
    EnrolmentStatus,
    MedicalAccountYear,
    Money,
    MonthStatus,
    Period,
    PersonalAccounts,
    Scheme,
    Sex,
)
from kiosk.domain.benefits import BenefitKind, BenefitPayment
from kiosk.domain.cards import CardRecord, CardStatus
from kiosk.domain.certificates import (
    AttestedContent,
    AttestedMonth,
    AttestedPensionYear,
    AttestedScheme,
    Certificate,
    CertificateKind,
    VerificationResult,
)
from kiosk.domain.dues import Due, DueKind, DueLine, Tier
from kiosk.domain.estimate import Assumption, PensionEstimate
from kiosk.domain.summary import MemberSummary

log = logging.getLogger("kiosk.backoffice")
T = TypeVar("T")
RETRY_STATUS = (502, 503, 504)


class BackOfficeClient:
    """One terminal's connection to the back office. Use as a context manager or call close()."""

    def __init__(
        self,
        config: BackOfficeConfig,
        terminal_id: str,
        *,
        retries: int = 3,
        backoff: float = 0.25,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = config.url.rstrip("/")
        self.timeout = (config.connect_timeout, config.read_timeout)
        self.retries = retries
        self.backoff = backoff
        self._sleep = sleep
        self.session = session or requests.Session()
        self.session.headers.update(
            {
                "X-Terminal-Id": terminal_id,
                "Authorization": f"Bearer {config.api_key}",
                "Accept": "application/json",
                "User-Agent": "shebao-kiosk/1",
            }
        )
        if config.ca_file is not None:
            self.session.verify = str(config.ca_file)
        if config.client_cert is not None:
            self.session.cert = (
                (str(config.client_cert), str(config.client_key))
                if config.client_key is not None
                else str(config.client_cert)
            )

    @classmethod
    def from_config(cls, config: KioskConfig, **kwargs: Any) -> BackOfficeClient:
        return cls(config.backoffice, config.terminal.id, **kwargs)

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> BackOfficeClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- cards ----------------------------------------------------------------------------

    def card_status(self, card_identifier: str, card_number: str) -> CardRecord:
        body = self._get(f"/v1/cards/{_seg(card_identifier)}", params={"card_number": card_number})
        return _parse(_card, body)

    def report_loss(
        self, card_identifier: str, card_number: str, *, idempotency_key: str | None = None
    ) -> CardRecord:
        body = self._post(
            f"/v1/cards/{_seg(card_identifier)}/loss",
            {"card_number": card_number},
            idempotency_key=idempotency_key,
        )
        return _parse(_card, body)

    # --- member records -------------------------------------------------------------------

    def summary(self, member_no: str) -> MemberSummary:
        return _parse(_summary, self._get(f"/v1/members/{_seg(member_no)}/summary"))

    def contributions(
        self,
        member_no: str,
        *,
        scheme: Scheme | None = None,
        year: int | None = None,
        first: Period | None = None,
        last: Period | None = None,
    ) -> list[ContributionMonth]:
        """Month by month, ordered by scheme then month; without filters the whole history."""
        params: dict[str, str] = {}
        if scheme is not None:
            params["scheme"] = scheme.value
        if year is not None:
            params["year"] = str(year)
        if first is not None:
            params["from"] = str(first)
        if last is not None:
            params["to"] = str(last)
        body = self._get(f"/v1/members/{_seg(member_no)}/contributions", params=params)
        return _parse(lambda b: _contributions(_list(b, "rows")), body)

    def accounts(self, member_no: str) -> PersonalAccounts:
        return _parse(_accounts, self._get(f"/v1/members/{_seg(member_no)}/accounts"))

    def benefits(self, member_no: str) -> list[BenefitPayment]:
        body = self._get(f"/v1/members/{_seg(member_no)}/benefits")
        return _parse(lambda b: [_benefit(r) for r in _list(b, "payments")], body)

    def dues(self, member_no: str) -> list[Due]:
        body = self._get(f"/v1/members/{_seg(member_no)}/dues")
        return _parse(lambda b: [_due(r) for r in _list(b, "dues")], body)

    def pension_estimate(
        self,
        member_no: str,
        *,
        retirement_age: int | None = None,
        wage_growth: Decimal | None = None,
        crediting_rate: Decimal | None = None,
        continue_contributing: bool = True,
    ) -> PensionEstimate:
        params: dict[str, str] = {"continue_contributing": str(continue_contributing).lower()}
        if retirement_age is not None:
            params["retirement_age"] = str(retirement_age)
        if wage_growth is not None:
            params["wage_growth"] = str(wage_growth)
        if crediting_rate is not None:
            params["crediting_rate"] = str(crediting_rate)
        body = self._get(f"/v1/members/{_seg(member_no)}/pension-estimate", params=params)
        return _parse(_estimate, body)

    # --- certificates ---------------------------------------------------------------------

    def issue_certificate(
        self,
        member_no: str,
        kind: CertificateKind,
        *,
        months: int | None = None,
        first_year: int | None = None,
        last_year: int | None = None,
        idempotency_key: str | None = None,
    ) -> Certificate:
        """Participation certificate: months = 12/24/36/48. Rights record: first/last year."""
        payload: dict[str, Any] = {"kind": kind.value}
        if months is not None:
            payload["months"] = months
        if first_year is not None:
            payload["first_year"] = first_year
        if last_year is not None:
            payload["last_year"] = last_year
        body = self._post(
            f"/v1/members/{_seg(member_no)}/certificates", payload, idempotency_key=idempotency_key
        )
        return _parse(_certificate, body)

    def verify(self, code: str) -> VerificationResult:
        """What the public verification page says about a code."""
        return _parse(_verification, self._get(f"/verify/{_seg(code)}"))

    # --- terminal -------------------------------------------------------------------------

    def heartbeat(
        self,
        devices: Mapping[str, str],
        app_version: str = "",
        audit_head: Mapping[str, Any] | None = None,
    ) -> dt.datetime:
        """Report this kiosk alive (with its audit chain head: {seq, hash, month}); returns the
        back office's clock. A head that goes back or forks is refused: Rejected AUDIT_HEAD_*."""
        payload: dict[str, Any] = {"app_version": app_version, "devices": dict(devices)}
        if audit_head is not None:
            payload["audit_head"] = dict(audit_head)
        body = self._post("/v1/terminals/heartbeat", payload)
        return _parse(lambda b: _datetime(_get(b, "server_time", str)), body)

    # --- transport ------------------------------------------------------------------------

    def _get(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        return self._call("GET", path, params=params, retry=True)

    def _post(self, path: str, payload: Any, *, idempotency_key: str | None = None) -> Any:
        key = idempotency_key or uuid.uuid4().hex
        # Every POST carries a key, and only then is it retried: with the very same key.
        return self._call("POST", path, json=payload, headers={"Idempotency-Key": key}, retry=True)

    def _call(self, method: str, path: str, *, retry: bool, **kwargs: Any) -> Any:
        url = self.base_url + path
        attempts = 1 + (self.retries if retry else 0)
        last_error = ""
        for attempt in range(attempts):
            if attempt:
                self._sleep(self.backoff * 2 ** (attempt - 1))
            try:
                response = self.session.request(method, url, timeout=self.timeout, **kwargs)
            except requests.Timeout as e:
                last_error = f"timeout: {type(e).__name__}"
            except requests.ConnectionError as e:
                last_error = f"cannot connect: {type(e).__name__}"
            except requests.RequestException as e:
                raise BackOfficeUnavailable(f"{method} {path}: {e}") from None
            else:
                if response.status_code in RETRY_STATUS:
                    last_error = f"HTTP {response.status_code}"
                    continue
                return _answer(method, path, response)
            log.warning("back office %s %s: %s (attempt %d)", method, path, last_error, attempt + 1)
        raise BackOfficeUnavailable(f"{method} {path}: {last_error} after {attempts} attempts")


def _seg(text: str) -> str:
    """A value as one path segment: whatever a card or a member types, it cannot change the
    path (no '/', '..' or '?' gets through unquoted)."""
    return quote(str(text), safe="")


def _answer(method: str, path: str, response: requests.Response) -> Any:
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    if 200 <= status < 300:
        if body is None:
            raise ProtocolError(f"{method} {path}: {status} without a JSON body")
        return body
    if status >= 500:
        raise BackOfficeUnavailable(f"{method} {path}: HTTP {status}")
    if not isinstance(body, dict) or not all(
        isinstance(body.get(k), str) for k in ("code", "message_zh", "message_en")
    ):
        raise ProtocolError(f"{method} {path}: HTTP {status} without the API's error body")
    cls = {401: Unauthorized, 404: NotFound}.get(status, Rejected)
    return _raise(cls(status, body["code"], body["message_zh"], body["message_en"]))


def _raise(e: Exception) -> Any:
    raise e


# --- parsing: JSON -> kiosk.domain -----------------------------------------------------------


def _parse(fn: Callable[[Any], T], body: Any) -> T:
    try:
        return fn(body)
    except ProtocolError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, DomainError, InvalidOperation) as e:
        raise ProtocolError(f"unexpected answer: {type(e).__name__}: {e}") from None


def _get(obj: Any, key: str, kind: type[T]) -> T:
    if not isinstance(obj, dict) or key not in obj:
        raise ProtocolError(f"missing field {key!r}")
    value = obj[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ProtocolError(f"field {key!r}: expected {kind.__name__}, got {type(value).__name__}")
    return value


def _opt(obj: Any, key: str, kind: type[T]) -> T | None:
    if not isinstance(obj, dict) or obj.get(key) is None:
        return None
    return _get(obj, key, kind)


def _list(obj: Any, key: str) -> list[Any]:
    return _get(obj, key, list)


def _money(obj: Any, key: str) -> Money:
    text = _get(obj, key, str)
    return Money.of(text)


def _opt_money(obj: Any, key: str) -> Money | None:
    return None if _opt(obj, key, str) is None else _money(obj, key)


def _period(text: str) -> Period:
    return Period.parse(text)


def _opt_period(obj: Any, key: str) -> Period | None:
    text = _opt(obj, key, str)
    return None if text is None else _period(text)


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _datetime(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def _card(b: Any) -> CardRecord:
    return CardRecord(
        card_identifier=_get(b, "card_identifier", str),
        card_number=_get(b, "card_number", str),
        status=CardStatus(_get(b, "status", str)),
        member_no=_get(b, "member_no", str),
        role=_opt(b, "role", str) or "member",
    )


def _enrolment(e: Any) -> Enrolment:
    return Enrolment(
        scheme=Scheme(_get(e, "scheme", str)),
        status=EnrolmentStatus(_get(e, "status", str)),
        since=_period(_get(e, "since", str)),
        employer=_opt(e, "employer", str),
        cumulative_months=_get(e, "cumulative_months", int),
        until=_opt_period(e, "until"),
    )


def _summary(b: Any) -> MemberSummary:
    return MemberSummary(
        member_no=_get(b, "member_no", str),
        name=_get(b, "name", str),
        id_number_masked=_get(b, "id_number_masked", str),
        sex=Sex(_get(b, "sex", str)),
        birth_date=_date(_get(b, "birth_date", str)),
        retired=_get(b, "retired", bool),
        retirement_age=_get(b, "retirement_age", int),
        enrolments=tuple(_enrolment(e) for e in _list(b, "enrolments")),
        as_of=_date(_get(b, "as_of", str)),
    )


def _contributions(rows: list[Any]) -> list[ContributionMonth]:
    """The API's longest answer (30 years x schemes, ~1,500 rows), each distinct amount, month
    and code parsed once: amounts repeat all year, so this costs a third of parsing every field,
    on a worker thread that holds the GIL while the member's page is being drawn."""
    scheme, month, money, status, day = (
        _parsed_once(Scheme),
        _parsed_once(_period),
        _parsed_once(Money.of),
        _parsed_once(MonthStatus),
        _parsed_once(_date),
    )
    return [
        ContributionMonth(
            scheme=scheme(_get(r, "scheme", str)),
            period=month(_get(r, "period", str)),
            base=money(_get(r, "base", str)),
            employer_part=money(_get(r, "employer_part", str)),
            personal_part=money(_get(r, "personal_part", str)),
            status=status(_get(r, "status", str)),
            payer=_get(r, "payer", str),
            subsidy=money(_get(r, "subsidy", str)),
            paid_on=None if _opt(r, "paid_on", str) is None else day(_get(r, "paid_on", str)),
        )
        for r in rows
    ]


def _parsed_once(parse: Callable[[str], T]) -> Callable[[str], T]:
    """`parse`, remembering its answer per text (for immutable values; errors still raise)."""
    seen: dict[str, T] = {}

    def get(text: str) -> T:
        value = seen.get(text)
        if value is None:
            value = seen[text] = parse(text)
        return value

    return get


def _medical_year(y: Any) -> MedicalAccountYear:
    return MedicalAccountYear(
        year=_get(y, "year", int),
        credits=_money(y, "credits"),
        spending=_money(y, "spending"),
        balance=_money(y, "balance"),
    )


def _accounts(b: Any) -> PersonalAccounts:
    return PersonalAccounts(
        pension_years=tuple(
            AccountYear(
                year=_get(y, "year", int),
                principal=_money(y, "principal"),
                interest=_money(y, "interest"),
                balance=_money(y, "balance"),
            )
            for y in _list(b, "pension_years")
        ),
        pension_balance=_money(b, "pension_balance"),
        medical_balance=_money(b, "medical_balance"),
        medical_years=tuple(_medical_year(y) for y in (_opt(b, "medical_years", list) or [])),
    )


def _benefit(r: Any) -> BenefitPayment:
    return BenefitPayment(
        kind=BenefitKind(_get(r, "kind", str)),
        period=_period(_get(r, "period", str)),
        amount=_money(r, "amount"),
    )


def _due(d: Any) -> Due:
    return Due(
        scheme=Scheme(_get(d, "scheme", str)),
        kind=DueKind(_get(d, "kind", str)),
        year=_get(d, "year", int),
        periods=tuple(_period(p) for p in _list(d, "periods")),
        rate=Decimal(_get(d, "rate", str)),
        account_rate=Decimal(_get(d, "account_rate", str)),
        base_min=_opt_money(d, "base_min"),
        base_max=_opt_money(d, "base_max"),
        base_default=_opt_money(d, "base_default"),
        tiers=tuple(
            Tier(amount=_money(t, "amount"), subsidy=_money(t, "subsidy"))
            for t in _list(d, "tiers")
        ),
        annual_fee=_opt_money(d, "annual_fee"),
        lines=tuple(
            DueLine(
                period=_period(_get(x, "period", str)),
                base=_money(x, "base"),
                amount=_money(x, "amount"),
                to_account=_money(x, "to_account"),
                late_fee=_money(x, "late_fee"),
                due_date=_date(_get(x, "due_date", str)),
                back_payment=_get(x, "back_payment", bool),
            )
            for x in _list(d, "lines")
        ),
        deadline=_date(_get(d, "deadline", str)),
        late_fee_rate_per_day=Decimal(_get(d, "late_fee_rate_per_day", str)),
        counter_only=tuple(_period(p) for p in (_opt(d, "counter_only", list) or [])),
        average_wage=_opt_money(d, "average_wage"),
        average_wage_year=_opt(d, "average_wage_year", int),
    )


def _attested(s: Any) -> AttestedScheme:
    return AttestedScheme(
        scheme=Scheme(_get(s, "scheme", str)),
        status=EnrolmentStatus(_get(s, "status", str)),
        first=_opt_period(s, "first"),
        last=_opt_period(s, "last"),
        months_paid=_get(s, "months_paid", int),
        months_in_arrears=_get(s, "months_in_arrears", int),
        personal_total=_money(s, "personal_total"),
        employer_total=_money(s, "employer_total"),
        cumulative_months=_get(s, "cumulative_months", int),
        since=_opt_period(s, "since"),
        until=_opt_period(s, "until"),
        employer=_opt(s, "employer", str),
        months_back_paid=_get(s, "months_back_paid", int),
        months_transferred_in=_get(s, "months_transferred_in", int),
        subsidy_total=_money(s, "subsidy_total"),
        account_total=_money(s, "account_total"),
    )


def _attested_month(m: Any) -> AttestedMonth:
    paid_on = _opt(m, "paid_on", str)
    return AttestedMonth(
        scheme=Scheme(_get(m, "scheme", str)),
        period=_period(_get(m, "period", str)),
        base=_money(m, "base"),
        employer_part=_money(m, "employer_part"),
        personal_part=_money(m, "personal_part"),
        subsidy=_money(m, "subsidy"),
        account=_money(m, "account"),
        status=MonthStatus(_get(m, "status", str)),
        payer=_get(m, "payer", str),
        paid_on=None if paid_on is None else _date(paid_on),
    )


def _content(b: Any, name_key: str) -> AttestedContent:
    """The attested content of an issued certificate (name_key "name") or of a verification
    ("name_masked"; no birth date there)."""
    as_of, birth, rate = _opt(b, "as_of", str), _opt(b, "birth_date", str), "rate"
    return AttestedContent(
        kind=CertificateKind(_get(b, "kind", str)),
        issuer=_get(b, "issuer", str),
        as_of=None if as_of is None else _date(as_of),
        first=_period(_get(b, "first", str)),
        last=_period(_get(b, "last", str)),
        member_no=_get(b, "member_no", str),
        name=_get(b, name_key, str),
        id_number_masked=_get(b, "id_number_masked", str),
        sex=_get(b, "sex", str),
        birth_date=None if birth is None else _date(birth),
        work_start=_opt_period(b, "work_start"),
        first_insured=_opt_period(b, "first_insured"),
        deemed_months=_get(b, "deemed_months", int),
        employer=_opt(b, "employer", str),
        schemes=tuple(_attested(s) for s in _list(b, "schemes")),
        months=tuple(_attested_month(m) for m in _list(b, "months")),
        pension_years=tuple(
            AttestedPensionYear(
                year=_get(y, "year", int),
                rate=None if _opt(y, rate, str) is None else Decimal(_get(y, rate, str)),
                principal=_money(y, "principal"),
                interest=_money(y, "interest"),
                balance=_money(y, "balance"),
            )
            for y in _list(b, "pension_years")
        ),
        medical_years=tuple(_medical_year(y) for y in _list(b, "medical_years")),
        pension_balance=_opt_money(b, "pension_balance"),
        medical_balance=_opt_money(b, "medical_balance"),
        format=_get(b, "format", int),
    )


def _certificate(b: Any) -> Certificate:
    return Certificate(
        certificate_id=_get(b, "certificate_id", str),
        verification_code=_get(b, "verification_code", str),
        verify_url=_get(b, "verify_url", str),
        digest=_get(b, "digest", str),
        issued_at=_datetime(_get(b, "issued_at", str)),
        expires_at=_datetime(_get(b, "expires_at", str)),
        content=_content(b, "name"),
    )


def _verification(b: Any) -> VerificationResult:
    return VerificationResult(
        valid=_get(b, "valid", bool),
        expired=_get(b, "expired", bool),
        issued_at=_datetime(_get(b, "issued_at", str)),
        expires_at=_datetime(_get(b, "expires_at", str)),
        digest=_get(b, "digest", str),
        content=_content(b, "name_masked"),
    )


def _estimate(b: Any, *, assumptions: bool = True) -> PensionEstimate:
    continued = _opt(b, "if_continued", dict)
    return PensionEstimate(
        retirement_period=_period(_get(b, "retirement_period", str)),
        retirement_age=_get(b, "retirement_age", int),
        contribution_months=_get(b, "contribution_months", int),
        average_index=Decimal(_get(b, "average_index", str)),
        average_monthly_wage=_money(b, "average_monthly_wage"),
        basic_pension=_money(b, "basic_pension"),
        account_balance=_money(b, "account_balance"),
        months_divisor=_get(b, "months_divisor", int),
        account_pension=_money(b, "account_pension"),
        assumptions=tuple(
            Assumption(
                key=_get(a, "key", str),
                value=_get(a, "value", str),
                zh=_get(a, "zh", str),
                en=_get(a, "en", str),
                text_zh=_get(a, "text_zh", str),
                text_en=_get(a, "text_en", str),
            )
            for a in (_list(b, "assumptions") if assumptions else [])
        ),
        eligible=_get(b, "eligible", bool),
        recorded_months=_get(b, "recorded_months", int),
        deemed_months=_get(b, "deemed_months", int),
        future_months=_get(b, "future_months", int),
        # when not eligible: the same estimate with contributions until retirement
        if_continued=None if continued is None else _estimate(continued, assumptions=False),
    )
