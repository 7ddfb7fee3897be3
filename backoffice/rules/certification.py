"""The retiree's annual certification (养老金领取资格认证): when it is due, and when the pension
is suspended for want of it. Pure functions of dates and the policy's `[certification]` keys.

Practice followed (policy `cycle_from = "last_certification"`, the default): since 人社部's 2018
reform of benefit-eligibility certification (待遇领取资格认证; the yearly collective round replaced
by certification at any time), a retiree certifies once within 12 months of the last
certification; a city may give a grace period, after which the pension is suspended (暂停发放)
and resumes, with the suspended months paid back, once the retiree certifies. Some cities still
keep a fixed yearly window (`cycle_from = "calendar_year"`: once in each calendar year, due by
31 December of the year after the last certification's year).

A retiree never certified counts from the retirement date (the benefit's first assessment, 待遇
核定, checks the person), so a new retiree is due by retirement date + cycle.

Dates only: "today" is the city's date (docs/rules.md, Time)."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from kiosk.domain import Period

CYCLE_FROM = ("last_certification", "calendar_year")


class CertificationStatus(StrEnum):
    CERTIFIED = "certified"  # certified; the next is not due yet
    NEVER_CERTIFIED = "never_certified"  # a new retiree inside the first cycle
    DUE = "due"  # inside the reminder window before the due date, or in the grace after it
    OVERDUE = "overdue"  # past the due date and the grace: the pension is suspended


@dataclass(frozen=True)
class CertificationRules:
    """The policy's `[certification]` keys (backoffice/policies/default.toml)."""

    cycle_months: int = 12
    cycle_from: str = "last_certification"  # one of CYCLE_FROM
    grace_days: int = 60
    reminder_days: int = 30
    attempts_per_day: int = 3  # failed face checks a day before the counter


@dataclass(frozen=True)
class CertificationState:
    status: CertificationStatus
    last_certified: dt.date | None  # None: never certified
    due_by: dt.date  # the last day the certification keeps the pension running without grace
    grace_until: dt.date  # the last day of grace; suspended from the day after
    remind_from: dt.date  # the menu shows a reminder from this day
    suspended: bool
    suspended_from: Period | None  # the first pension month withheld (overdue only)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or that month's last day where it has fewer days
    (2024-02-29 + 12 months = 2025-02-28; 2024-01-31 + 1 = 2024-02-29)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def retirement_date(birth_date: dt.date, retirement_age: int) -> dt.date:
    """The day the member reaches the retirement age (a 29 February birthday: 28 February)."""
    return add_months(birth_date, retirement_age * 12)


def due_date(since: dt.date, rules: CertificationRules) -> dt.date:
    """When the next certification is due, counted from `since` (the last certification, or
    the retirement date for one never certified)."""
    if rules.cycle_from == "calendar_year":
        return dt.date(since.year + 1, 12, 31)
    return add_months(since, rules.cycle_months)


def certification_state(
    today: dt.date,
    rules: CertificationRules,
    *,
    last_certified: dt.date | None,
    retired_on: dt.date,
) -> CertificationState:
    """The retiree's status on `today`."""
    since = last_certified if last_certified is not None else retired_on
    due = due_date(since, rules)
    grace_until = due + dt.timedelta(days=rules.grace_days)
    remind_from = due - dt.timedelta(days=rules.reminder_days)
    suspended_from: Period | None = None
    if today > grace_until:
        status = CertificationStatus.OVERDUE
        # The month in which the grace ended is still paid; the next one is withheld.
        suspended_from = Period.of(grace_until).next()
    elif today >= remind_from:
        status = CertificationStatus.DUE
    elif last_certified is None:
        status = CertificationStatus.NEVER_CERTIFIED
    else:
        status = CertificationStatus.CERTIFIED
    return CertificationState(
        status=status,
        last_certified=last_certified,
        due_by=due,
        grace_until=grace_until,
        remind_from=remind_from,
        suspended=status is CertificationStatus.OVERDUE,
        suspended_from=suspended_from,
    )


def attempts_left(failures_today: int, rules: CertificationRules) -> int:
    """Face checks the retiree may still try today (0: go to the counter)."""
    return max(0, rules.attempts_per_day - failures_today)
