"""Unemployment insurance (失业保险) as the kiosk sees it: the member's standing (the job that
ended, each condition of the benefit met or not, the months and monthly amount, the claim's
window), the registration (失业登记/求职登记), the claim (申领失业保险金) and the skill-upgrading
subsidy (技能提升补贴); and the parsers of their answers (GET /v1/members/{no}/unemployment and
.../skill-subsidy, docs/api.md). A parser raises WireError on a missing field or a wrong type."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from kiosk.domain.money import Money
from kiosk.domain.period import Period
from kiosk.domain.wire import _get, _opt  # the one copy of the field readers


class Condition(StrEnum):
    CONTRIBUTIONS = "contributions"  # unemployment contributions of at least 12 months
    INVOLUNTARY = "involuntary"  # the job ended not by the member's will (employer's record)
    REGISTERED = "registered"  # 失业登记 and 求职登记 made
    CERTIFICATE = "certificate"  # skill subsidy: a certificate of the last 12 months
    NOT_CLAIMED = "not_claimed"  # skill subsidy: none this calendar year


@dataclass(frozen=True)
class ConditionResult:
    condition: Condition
    met: bool
    message_zh: str
    message_en: str


@dataclass(frozen=True)
class Separation:
    """The employer's record of the job that ended."""

    employer: str | None
    last_day: dt.date
    reason: str
    reason_zh: str
    reason_en: str
    involuntary: bool


@dataclass(frozen=True)
class Registration:
    registered_on: dt.date
    phone_masked: str
    job_wishes: tuple[str, ...]


class ClaimStatus(StrEnum):
    RECEIVING = "receiving"
    STOPPED = "stopped"  # on re-employment
    EXHAUSTED = "exhausted"  # every month granted paid


@dataclass(frozen=True)
class BenefitMonth:
    period: Period
    amount: Money


@dataclass(frozen=True)
class Claim:
    application_id: int
    status: ClaimStatus
    applied_on: dt.date
    first_month: Period
    months_granted: int
    months_carried: int  # of them, an earlier claim's months not drawn
    months_paid: int
    months_left: int
    monthly_amount: Money
    paid_total: Money
    payments: tuple[BenefitMonth, ...]
    medical_by_fund: bool  # the fund pays the member's medical insurance meanwhile
    stopped_on: dt.date | None
    stop_reason: str | None


@dataclass(frozen=True)
class UnemploymentStatus:
    member_no: str
    as_of: dt.date
    separation: Separation | None  # None: no job ended on record
    contribution_months: int
    carried_months: int
    eligible: bool
    reasons: tuple[ConditionResult, ...]
    entitlement_months: int
    monthly_amount: Money
    apply_by: dt.date | None
    within_window: bool
    can_apply: bool
    registration: Registration | None
    application: Claim | None

    @property
    def unmet(self) -> tuple[ConditionResult, ...]:
        return tuple(r for r in self.reasons if not r.met)


@dataclass(frozen=True)
class VocationalCertificate:
    certificate_no: str
    occupation: str
    level: int  # 5 初级 ... 1 高级技师
    level_zh: str
    level_en: str
    issued_on: dt.date
    in_window: bool
    amount: Money | None  # None: no subsidy for this level
    claimable: bool
    subsidized_on: dt.date | None


@dataclass(frozen=True)
class SkillSubsidyClaim:
    certificate_no: str
    year: int
    applied_on: dt.date
    amount: Money


@dataclass(frozen=True)
class SkillSubsidy:
    member_no: str
    as_of: dt.date
    contribution_months: int
    eligible: bool
    reasons: tuple[ConditionResult, ...]
    certificates: tuple[VocationalCertificate, ...]
    claimed_this_year: SkillSubsidyClaim | None


# --- the answers' parsers ----------------------------------------------------------------


def _date(obj: Any, key: str) -> dt.date:
    return dt.date.fromisoformat(_get(obj, key, str))


def _opt_date(obj: Any, key: str) -> dt.date | None:
    text = _opt(obj, key, str)
    return None if text is None else dt.date.fromisoformat(text)


def _money(obj: Any, key: str) -> Money:
    return Money.of(_get(obj, key, str))


def _reasons(b: Any) -> tuple[ConditionResult, ...]:
    return tuple(
        ConditionResult(
            Condition(_get(r, "condition", str)),
            _get(r, "met", bool),
            _get(r, "message_zh", str),
            _get(r, "message_en", str),
        )
        for r in _get(b, "reasons", list)
    )


def _claim(a: Any) -> Claim:
    return Claim(
        application_id=_get(a, "application_id", int),
        status=ClaimStatus(_get(a, "status", str)),
        applied_on=_date(a, "applied_on"),
        first_month=Period.parse(_get(a, "first_month", str)),
        months_granted=_get(a, "months_granted", int),
        months_carried=_get(a, "months_carried", int),
        months_paid=_get(a, "months_paid", int),
        months_left=_get(a, "months_left", int),
        monthly_amount=_money(a, "monthly_amount"),
        paid_total=_money(a, "paid_total"),
        payments=tuple(
            BenefitMonth(Period.parse(_get(p, "period", str)), _money(p, "amount"))
            for p in _get(a, "payments", list)
        ),
        medical_by_fund=_get(a, "medical_by_fund", bool),
        stopped_on=_opt_date(a, "stopped_on"),
        stop_reason=_opt(a, "stop_reason", str),
    )


def unemployment_status(b: Any) -> UnemploymentStatus:
    s = _opt(b, "separation", dict)
    r = _opt(b, "registration", dict)
    a = _opt(b, "application", dict)
    return UnemploymentStatus(
        member_no=_get(b, "member_no", str),
        as_of=_date(b, "as_of"),
        separation=None
        if s is None
        else Separation(
            employer=_opt(s, "employer", str),
            last_day=_date(s, "last_day"),
            reason=_get(s, "reason", str),
            reason_zh=_get(s, "reason_zh", str),
            reason_en=_get(s, "reason_en", str),
            involuntary=_get(s, "involuntary", bool),
        ),
        contribution_months=_get(b, "contribution_months", int),
        carried_months=_get(b, "carried_months", int),
        eligible=_get(b, "eligible", bool),
        reasons=_reasons(b),
        entitlement_months=_get(b, "entitlement_months", int),
        monthly_amount=_money(b, "monthly_amount"),
        apply_by=_opt_date(b, "apply_by"),
        within_window=_get(b, "within_window", bool),
        can_apply=_get(b, "can_apply", bool),
        registration=None
        if r is None
        else Registration(
            registered_on=_date(r, "registered_on"),
            phone_masked=_get(r, "phone_masked", str),
            job_wishes=tuple(str(w) for w in _get(r, "job_wishes", list)),
        ),
        application=None if a is None else _claim(a),
    )


def skill_subsidy(b: Any) -> SkillSubsidy:
    c = _opt(b, "claimed_this_year", dict)
    return SkillSubsidy(
        member_no=_get(b, "member_no", str),
        as_of=_date(b, "as_of"),
        contribution_months=_get(b, "contribution_months", int),
        eligible=_get(b, "eligible", bool),
        reasons=_reasons(b),
        certificates=tuple(
            VocationalCertificate(
                certificate_no=_get(x, "certificate_no", str),
                occupation=_get(x, "occupation", str),
                level=_get(x, "level", int),
                level_zh=_get(x, "level_zh", str),
                level_en=_get(x, "level_en", str),
                issued_on=_date(x, "issued_on"),
                in_window=_get(x, "in_window", bool),
                amount=None if _opt(x, "amount", str) is None else _money(x, "amount"),
                claimable=_get(x, "claimable", bool),
                subsidized_on=_opt_date(x, "subsidized_on"),
            )
            for x in _get(b, "certificates", list)
        ),
        claimed_this_year=None
        if c is None
        else SkillSubsidyClaim(
            certificate_no=_get(c, "certificate_no", str),
            year=_get(c, "year", int),
            applied_on=_date(c, "applied_on"),
            amount=_money(c, "amount"),
        ),
    )
