"""The retiree's annual certification (backoffice/rules/certification.py, docs/rules.md): the
due date, the reminder, the grace and the suspension, worked by hand from the rule. Default
policy: every 12 months from the last certification, reminder 30 days before, grace 60 days
after; the pension month after the grace's last day is the first withheld.

The same rule through the real back office (GET/POST /v1/members/{no}/certification[s]) is in
tests/rules/test_certification_http.py."""

from __future__ import annotations

import datetime as dt

import pytest

from backoffice.errors import PolicyError
from backoffice.policy import load_policy, parse_policy
from backoffice.rules.certification import (
    CertificationRules,
    CertificationStatus,
    add_months,
    attempts_left,
    certification_state,
    due_date,
    retirement_date,
)
from kiosk.domain import Period

RULES = load_policy().certification
D = dt.date


def test_default_policy_keys() -> None:
    # default.toml [certification]: the national rolling cycle
    assert (
        CertificationRules(
            cycle_months=12,
            cycle_from="last_certification",
            grace_days=60,
            reminder_days=30,
            attempts_per_day=3,
        )
        == RULES
    )


@pytest.mark.parametrize(
    ("since", "months", "expected"),
    [
        # 2025-02-28 + 12 months: 2026 is not a leap year, February has 28 days -> 2026-02-28
        (D(2025, 2, 28), 12, D(2026, 2, 28)),
        # 2024-02-29 + 12 months: 2025-02 has no 29th -> its last day, 2025-02-28
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        # 2024-02-29 + 48 months: 2028 is a leap year -> 2028-02-29
        (D(2024, 2, 29), 48, D(2028, 2, 29)),
        # 2023-02-28 + 12 months: 2024-02-28 (the 28th exists; not moved to the 29th)
        (D(2023, 2, 28), 12, D(2024, 2, 28)),
        # 2024-01-31 + 1 month: February 2024 has 29 days -> 2024-02-29
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        # 2024-08-31 + 12 months: 2025-08-31 (August has 31)
        (D(2024, 8, 31), 12, D(2025, 8, 31)),
        # 2024-12-15 + 12 months crosses the year: 2025-12-15
        (D(2024, 12, 15), 12, D(2025, 12, 15)),
    ],
)
def test_twelve_months_later(since: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(since, months) == expected


def test_retirement_date_of_a_29_february_birthday() -> None:
    # born 1964-02-29, retires at 60: 2024-02-29 exists (2024 is a leap year)
    assert retirement_date(D(1964, 2, 29), 60) == D(2024, 2, 29)
    # born 1968-02-29, retires at 55: 2023-02 has no 29th -> 2023-02-28
    assert retirement_date(D(1968, 2, 29), 55) == D(2023, 2, 28)


def test_certified_and_the_next_due_date() -> None:
    # certified 2025-03-10; due 2026-03-10; reminder from 2026-03-10 - 30 days = 2026-02-08
    # (March 10 - 10 days = Feb 28, - 20 more = Feb 8; 2026 not leap); grace until
    # 2026-03-10 + 60 days = 2026-05-09 (21 days to Mar 31, 30 in April -> 51, 9 in May -> 60)
    s = certification_state(
        D(2025, 9, 1), RULES, last_certified=D(2025, 3, 10), retired_on=D(2015, 1, 1)
    )
    assert s.status is CertificationStatus.CERTIFIED
    assert s.last_certified == D(2025, 3, 10)
    assert s.due_by == D(2026, 3, 10)
    assert s.remind_from == D(2026, 2, 8)
    assert s.grace_until == D(2026, 5, 9)
    assert not s.suspended and s.suspended_from is None


def test_the_reminder_starts_30_days_before() -> None:
    args = {"last_certified": D(2025, 3, 10), "retired_on": D(2015, 1, 1)}
    # 2026-02-07 is the day before the reminder (2026-02-08, above): still certified
    assert certification_state(D(2026, 2, 7), RULES, **args).status is CertificationStatus.CERTIFIED
    assert certification_state(D(2026, 2, 8), RULES, **args).status is CertificationStatus.DUE
    # on the due date itself and through the grace's last day (2026-05-09): due, still paid
    assert certification_state(D(2026, 3, 10), RULES, **args).status is CertificationStatus.DUE
    last_day = certification_state(D(2026, 5, 9), RULES, **args)
    assert last_day.status is CertificationStatus.DUE and not last_day.suspended


def test_overdue_suspends_from_the_month_after_the_grace() -> None:
    # due 2026-03-10, grace until 2026-05-09 (above); 2026-05-10 is past it: overdue,
    # May's pension still paid (the grace ended in May), June 2026 the first month withheld
    s = certification_state(
        D(2026, 5, 10), RULES, last_certified=D(2025, 3, 10), retired_on=D(2015, 1, 1)
    )
    assert s.status is CertificationStatus.OVERDUE
    assert s.suspended
    assert s.suspended_from == Period(2026, 6)


def test_grace_ending_on_a_month_end() -> None:
    # certified 2024-02-29; due 2025-02-28 (no 29th in 2025); + 60 days: 31 in March -> 2025-03-31
    # is day 31, 29 more -> 2025-04-29. Overdue from 2025-04-30; first month withheld 2025-05
    s = certification_state(
        D(2025, 4, 30), RULES, last_certified=D(2024, 2, 29), retired_on=D(2010, 5, 1)
    )
    assert s.due_by == D(2025, 2, 28)
    assert s.grace_until == D(2025, 4, 29)
    assert s.status is CertificationStatus.OVERDUE
    assert s.suspended_from == Period(2025, 5)


def test_a_new_retiree_counts_from_the_retirement_date() -> None:
    # born 1965-07-20, retires at 60 on 2025-07-20; never certified: due 2026-07-20,
    # reminder from 2026-07-20 - 30 days = 2026-06-20 (20 days back to 06-30, 10 more -> 06-20)
    retired_on = retirement_date(D(1965, 7, 20), 60)
    assert retired_on == D(2025, 7, 20)
    s = certification_state(D(2026, 1, 5), RULES, last_certified=None, retired_on=retired_on)
    assert s.status is CertificationStatus.NEVER_CERTIFIED
    assert s.last_certified is None
    assert s.due_by == D(2026, 7, 20)
    assert s.remind_from == D(2026, 6, 20)
    assert not s.suspended
    # grace until 2026-07-20 + 60 = 2026-09-18 (11 days to 07-31, 31 in August -> 42, 18 in
    # September -> 60); on 2026-09-19 never certified is overdue too, October withheld
    late = certification_state(D(2026, 9, 19), RULES, last_certified=None, retired_on=retired_on)
    assert late.grace_until == D(2026, 9, 18)
    assert late.status is CertificationStatus.OVERDUE
    assert late.suspended_from == Period(2026, 10)


def test_certifying_again_resumes() -> None:
    # overdue on 2026-05-10 (above); certified that day: due 2027-05-10, certified again
    s = certification_state(
        D(2026, 5, 10), RULES, last_certified=D(2026, 5, 10), retired_on=D(2015, 1, 1)
    )
    assert s.status is CertificationStatus.CERTIFIED
    assert s.due_by == D(2027, 5, 10)
    assert not s.suspended


def test_a_fixed_yearly_window() -> None:
    # cycle_from = "calendar_year": certified 2025-03-10 covers 2025; due by 2026-12-31
    rules = CertificationRules(cycle_from="calendar_year", grace_days=0, reminder_days=61)
    assert due_date(D(2025, 3, 10), rules) == D(2026, 12, 31)
    # reminder: 2026-12-31 - 61 days = 2026-10-31 (31 days back to 11-30, 30 more -> 10-31)
    s = certification_state(
        D(2026, 10, 31), rules, last_certified=D(2025, 3, 10), retired_on=D(2015, 1, 1)
    )
    assert s.remind_from == D(2026, 10, 31)
    assert s.status is CertificationStatus.DUE
    # no grace: 2027-01-01 is overdue, January 2027 withheld (the month after December 2026)
    s = certification_state(
        D(2027, 1, 1), rules, last_certified=D(2025, 3, 10), retired_on=D(2015, 1, 1)
    )
    assert s.status is CertificationStatus.OVERDUE
    assert s.suspended_from == Period(2027, 1)


def test_attempts_left_today() -> None:
    # 3 a day: 0 failures -> 3, 2 -> 1, 3 -> 0 (the counter), never negative
    assert [attempts_left(n, RULES) for n in (0, 2, 3, 5)] == [3, 1, 0, 0]


def _policy_with(section: str) -> dict[str, object]:
    import tomllib

    from backoffice.policy import DEFAULT_POLICY

    data = tomllib.loads(DEFAULT_POLICY.read_text(encoding="utf-8"))
    data["certification"] = tomllib.loads(section)
    return data


def test_a_city_sets_its_own_keys() -> None:
    p = parse_policy(_policy_with('cycle_months = 6\ngrace_days = 0\ncycle_from = "calendar_year"'))
    assert p.certification.cycle_months == 6
    assert p.certification.grace_days == 0
    assert p.certification.cycle_from == "calendar_year"
    assert p.certification.reminder_days == 30  # left out: the default


@pytest.mark.parametrize(
    ("section", "named"),
    [
        ('cycle_from = "birthday"', "cycle_from"),
        ("cycle_months = 0", "cycle_months"),
        ("grace_days = -1", "grace_days"),
        ("attempts_per_day = 0", "attempts_per_day"),
        ('grace_days = "60"', "grace_days"),
    ],
)
def test_a_wrong_key_is_refused_by_name(section: str, named: str) -> None:
    with pytest.raises(PolicyError, match=named):
        parse_policy(_policy_with(section))
