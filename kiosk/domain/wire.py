"""The API's wire format (docs/api.md, docs/payments.md): JSON answers -> kiosk.domain objects.

One public function per answer: `summary`, `contributions`, `accounts`, `benefits`, `dues`,
`estimate`, `card`, `certificate`, `verification`, `server_time`, `quote`, `order`. Each takes
the decoded JSON body and returns the domain object, or raises: `WireError` (a missing field, a
wrong type) or the domain's own errors (a bad amount, an unknown code: DomainError, KeyError,
ValueError). The kiosk's transport (kiosk.backoffice.transport.decode) turns any of them into
its ProtocolError; the parsers stay here, beside the models they build, and know nothing of
HTTP. Money is always a string on the wire ("12.50"), never a float.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from kiosk.domain.benefits import BenefitKind, BenefitPayment, Benefits
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
from kiosk.domain.certification import (
    Certification,
    CertificationAttempt,
    CertificationMethod,
    CertificationStatus,
)
from kiosk.domain.dues import Due, DueKind, DueLine, FeeCategory, Tier
from kiosk.domain.errors import DomainError
from kiosk.domain.estimate import Assumption, PensionEstimate
from kiosk.domain.face import ACTIONS as FACE_ACTIONS
from kiosk.domain.face import REASONS as FACE_REASONS
from kiosk.domain.face import FaceAnswer, FaceChallenge
from kiosk.domain.money import Money
from kiosk.domain.payments import Order, OrderState, PayMethod, Quote, QuoteLine
from kiosk.domain.people import Sex
from kiosk.domain.period import Period
from kiosk.domain.records import (
    AccountYear,
    ContributionMonth,
    Enrolment,
    EnrolmentStatus,
    MedicalAccountYear,
    MonthStatus,
    PersonalAccounts,
    Scheme,
)
from kiosk.domain.summary import MemberSummary

T = TypeVar("T")


class WireError(DomainError):
    """An answer that does not follow the wire format: a missing field or a wrong type."""


# --- fields ----------------------------------------------------------------------------------


def _get(obj: Any, key: str, kind: type[T]) -> T:
    if not isinstance(obj, dict) or key not in obj:
        raise WireError(f"missing field {key!r}")
    value = obj[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise WireError(f"field {key!r}: expected {kind.__name__}, got {type(value).__name__}")
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


# --- answers ---------------------------------------------------------------------------------


def card(b: Any) -> CardRecord:
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


def summary(b: Any) -> MemberSummary:
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


def _contribution_rows(rows: list[Any]) -> list[ContributionMonth]:
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


def accounts(b: Any) -> PersonalAccounts:
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
            Tier(
                amount=_money(t, "amount"),
                subsidy=_money(t, "subsidy"),
                paid_by_government=_opt_money(t, "paid_by_government") or Money.zero(),
            )
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
                paid_by_government=_opt_money(x, "paid_by_government") or Money.zero(),
            )
            for x in _list(d, "lines")
        ),
        deadline=_date(_get(d, "deadline", str)),
        late_fee_rate_per_day=Decimal(_get(d, "late_fee_rate_per_day", str)),
        counter_only=tuple(_period(p) for p in (_opt(d, "counter_only", list) or [])),
        average_wage=_opt_money(d, "average_wage"),
        average_wage_year=_opt(d, "average_wage_year", int),
        fee_category=_fee_category(_opt(d, "fee_category", dict)),
    )


def _fee_category(c: Any) -> FeeCategory | None:
    """代缴: the member's fee-reduction category (None: none)."""
    if c is None:
        return None
    return FeeCategory(_get(c, "code", str), _get(c, "zh", str), _get(c, "en", str))


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


def certificate(b: Any) -> Certificate:
    return Certificate(
        certificate_id=_get(b, "certificate_id", str),
        verification_code=_get(b, "verification_code", str),
        verify_url=_get(b, "verify_url", str),
        digest=_get(b, "digest", str),
        issued_at=_datetime(_get(b, "issued_at", str)),
        expires_at=_datetime(_get(b, "expires_at", str)),
        content=_content(b, "name"),
    )


def verification(b: Any) -> VerificationResult:
    return VerificationResult(
        valid=_get(b, "valid", bool),
        expired=_get(b, "expired", bool),
        issued_at=_datetime(_get(b, "issued_at", str)),
        expires_at=_datetime(_get(b, "expires_at", str)),
        digest=_get(b, "digest", str),
        content=_content(b, "name_masked"),
    )


def estimate(b: Any, *, assumptions: bool = True) -> PensionEstimate:
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
        if_continued=None if continued is None else estimate(continued, assumptions=False),
    )


def contributions(b: Any) -> list[ContributionMonth]:
    """GET /v1/members/{no}/contributions: its "rows"."""
    return _contribution_rows(_list(b, "rows"))


def benefits(b: Any) -> list[BenefitPayment]:
    return [_benefit(r) for r in _list(b, "payments")]


def benefits_answer(b: Any) -> Benefits:
    """GET /v1/members/{no}/benefits whole: the payments and the pension's suspension."""
    suspended = _get(b, "suspended", bool)
    since = _opt_period(b, "suspended_from")
    if suspended != (since is not None):
        raise WireError("field 'suspended_from': given exactly when suspended")
    return Benefits(tuple(benefits(b)), suspended, since)


def dues(b: Any) -> list[Due]:
    return [_due(r) for r in _list(b, "dues")]


def server_time(b: Any) -> dt.datetime:
    """The heartbeat's answer: the back office's clock."""
    return _datetime(_get(b, "server_time", str))


# --- payments (docs/payments.md) -------------------------------------------------------------


def _opt_amount(text: str | None) -> Money | None:
    return None if text is None else Money.of(text)


def quote(b: Any) -> Quote:
    """A quote whose lines do not add up to its total is refused (WireError)."""
    choice = b["choice"]
    q = Quote(
        quote_id=b["quote_id"],
        member_no=b["member_no"],
        scheme=Scheme(b["scheme"]),
        kind=b["kind"],
        lines=tuple(
            QuoteLine(
                period=Period.parse(x["period"]),
                base=Money.of(x["base"]),
                amount=Money.of(x["amount"]),
                late_fee=Money.of(x["late_fee"]),
                to_account=Money.of(x["to_account"]),
                back_payment=bool(x["back_payment"]),
            )
            for x in b["lines"]
        ),
        amount=Money.of(b["amount"]),
        late_fee=Money.of(b["late_fee"]),
        subsidy=Money.of(b["subsidy"]),
        total=Money.of(b["total"]),
        as_of=dt.date.fromisoformat(b["as_of"]),
        rate=b["rate"],
        base=_opt_amount(choice.get("base")),
        tier=_opt_amount(choice.get("tier")),
        paid_by_government=Money.of(b.get("paid_by_government") or "0"),  # 代缴 (issue 17)
    )
    if not q.check():
        raise WireError("the quote's lines do not add up to its total")
    return q


def order(b: Any) -> Order:
    paid = b.get("paid_at")
    method = b.get("method")
    return Order(
        order_no=b["order_no"] or "",
        idempotency_key=b["idempotency_key"],
        state=OrderState(b["state"]),
        total=Money.of(b.get("total") or "0"),
        method=None if method is None else PayMethod(method),
        qr_url=b.get("qr_url"),
        gateway_txn=b.get("gateway_txn"),
        reason=b.get("reason"),
        reason_zh=b.get("reason_zh"),
        reason_en=b.get("reason_en"),
        paid_at=None if paid is None else dt.datetime.fromisoformat(paid),
    )


def certification(b: Any) -> Certification:
    """GET /v1/members/{no}/certification."""
    last = _opt(b, "last_certified", str)
    return Certification(
        member_no=_get(b, "member_no", str),
        as_of=_date(_get(b, "as_of", str)),
        status=CertificationStatus(_get(b, "status", str)),
        last_certified=None if last is None else _date(last),
        due_by=_date(_get(b, "due_by", str)),
        remind_from=_date(_get(b, "remind_from", str)),
        grace_until=_date(_get(b, "grace_until", str)),
        suspended=_get(b, "suspended", bool),
        suspended_from=_opt_period(b, "suspended_from"),
        attempts_left=_get(b, "attempts_left", int),
        attempts_per_day=_get(b, "attempts_per_day", int),
    )


def certification_attempt(b: Any) -> CertificationAttempt:
    """POST /v1/members/{no}/certifications (201)."""
    result = _get(b, "result", str)
    if result not in ("success", "failure"):
        raise WireError(f"field 'result': {result!r}")
    return CertificationAttempt(
        attempt_id=_get(b, "attempt_id", int),
        method=CertificationMethod(_get(b, "method", str)),
        success=result == "success",
        at=_datetime(_get(b, "at", str)),
        score=_opt(b, "score", str),
        certification=certification(_get(b, "certification", dict)),
    )


def face_challenge(b: Any) -> FaceChallenge:
    """POST /v1/face/challenges (201)."""
    action = _get(b, "action", str)
    if action not in FACE_ACTIONS:
        raise WireError(f"field 'action': {action!r}")
    return FaceChallenge(
        challenge_id=_get(b, "challenge_id", str),
        action=action,
        frames=_get(b, "frames", int),
        expires_in=_get(b, "expires_in", int),
    )


def face_answer(b: Any) -> FaceAnswer:
    """POST /v1/face/verifications (200)."""
    reason = _opt(b, "reason", str)
    if reason is not None and reason not in FACE_REASONS:
        raise WireError(f"field 'reason': {reason!r}")
    distance = _opt(b, "distance", str)
    return FaceAnswer(
        verification_id=_opt(b, "verification_id", str),
        matched=_get(b, "matched", bool),
        live=_get(b, "live", bool),
        distance=None if distance is None else Decimal(distance),
        threshold=Decimal(_get(b, "threshold", str)),
        reason=reason,
        member_no=_opt(b, "member_no", str),
        attempts_left=_get(b, "attempts_left", int),
    )
