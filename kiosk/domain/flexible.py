"""Flexible employment (灵活就业) as the kiosk sees it: the member's standing (not registered,
contributing, stopped), the plan (pension only, or pension + medical), the base chosen within
the year's limits, the stops, and what a month costs at the base; and the parser of the answer
(GET/POST /v1/members/{no}/flexible..., docs/api.md). A parser raises WireError on a missing
field or a wrong type."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from kiosk.domain.money import Money
from kiosk.domain.period import Period
from kiosk.domain.records import Scheme
from kiosk.domain.wire import _get, _opt  # the one copy of the field readers


class FlexibleStanding(StrEnum):
    NOT_REGISTERED = "not_registered"
    ACTIVE = "active"  # 正常缴费
    STOPPED = "stopped"  # 暂停缴费


class FlexiblePlan(StrEnum):
    PENSION = "pension"  # 养老保险
    PENSION_MEDICAL = "pension_medical"  # 养老保险 + 医疗保险


@dataclass(frozen=True)
class FlexibleMonth:
    """A month of one scheme at the base: base x rate (the back office's figure)."""

    scheme: Scheme
    rate: Decimal
    account_rate: Decimal
    amount: Money


@dataclass(frozen=True)
class FlexiblePause:
    """A stop: months first .. last never offered; last None while stopped."""

    first: Period
    last: Period | None
    stopped_on: dt.date
    resumed_on: dt.date | None


@dataclass(frozen=True)
class FlexibleStatus:
    member_no: str
    as_of: dt.date
    standing: FlexibleStanding
    can_register: bool
    employer: str | None  # insured by this unit now: no flexible registration
    plan: FlexiblePlan | None
    since: Period | None
    registered_on: dt.date | None
    base: Money | None  # None: the minimum
    base_min: Money | None
    base_max: Money | None
    monthly: tuple[FlexibleMonth, ...]
    monthly_total: Money | None
    pauses: tuple[FlexiblePause, ...]

    @property
    def stopped(self) -> bool:
        return self.standing is FlexibleStanding.STOPPED

    @property
    def effective_base(self) -> Money | None:
        """The base the dues are priced at: the one chosen, else the minimum."""
        return self.base or self.base_min


def _opt_money(obj: Any, key: str) -> Money | None:
    text = _opt(obj, key, str)
    return None if text is None else Money.of(text)


def _opt_period(obj: Any, key: str) -> Period | None:
    text = _opt(obj, key, str)
    return None if text is None else Period.parse(text)


def _opt_date(obj: Any, key: str) -> dt.date | None:
    text = _opt(obj, key, str)
    return None if text is None else dt.date.fromisoformat(text)


def flexible_status(b: Any) -> FlexibleStatus:
    plan = _opt(b, "plan", str)
    return FlexibleStatus(
        member_no=_get(b, "member_no", str),
        as_of=dt.date.fromisoformat(_get(b, "as_of", str)),
        standing=FlexibleStanding(_get(b, "status", str)),
        can_register=_get(b, "can_register", bool),
        employer=_opt(b, "employer", str),
        plan=None if plan is None else FlexiblePlan(plan),
        since=_opt_period(b, "since"),
        registered_on=_opt_date(b, "registered_on"),
        base=_opt_money(b, "base"),
        base_min=_opt_money(b, "base_min"),
        base_max=_opt_money(b, "base_max"),
        monthly=tuple(
            FlexibleMonth(
                scheme=Scheme(_get(m, "scheme", str)),
                rate=Decimal(_get(m, "rate", str)),
                account_rate=Decimal(_get(m, "account_rate", str)),
                amount=Money.of(_get(m, "amount", str)),
            )
            for m in _get(b, "monthly", list)
        ),
        monthly_total=_opt_money(b, "monthly_total"),
        pauses=tuple(
            FlexiblePause(
                first=Period.parse(_get(p, "first", str)),
                last=_opt_period(p, "last"),
                stopped_on=dt.date.fromisoformat(_get(p, "stopped_on", str)),
                resumed_on=_opt_date(p, "resumed_on"),
            )
            for p in _get(b, "pauses", list)
        ),
    )
