"""Properties of backoffice.rules.dues.compute_dues over generated members: no offered month lies
before the enrolment, after its end or the retirement month, outside the back-payment window, or
is already paid (paid, back_paid, transferred_in) or owed by an employer; and every month of this
year the member may pay is offered. Plus the window's edge cases as small worked examples."""

from __future__ import annotations

import dataclasses
import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from backoffice.policy import load_policy
from backoffice.rules.dues import (
    compute_dues,
    months_back,
    oldest_payable,
    retirement_month,
)
from kiosk.domain import Enrolment, EnrolmentStatus, Money, Period, Scheme

DEFAULT = load_policy()
# Every year's wage stated, so the properties never stop at AVERAGE_WAGE_MISSING.
POLICY = dataclasses.replace(
    DEFAULT, average_wage_fallbacks={y: Money.of("100000") for y in range(1990, 2060)}
)
# The member's own arrears drawn more often: they are what the window and bounds act on.
STATUSES = (
    "paid",
    "back_paid",
    "transferred_in",
    "arrears",
    "arrears",
    "arrears",
    "employer_arrears",
)
# A contribution row as compute_dues reads it: scheme, YYYYMM, base, employer, personal (fen),
# status, payer (None for the member).
Row = tuple[str, int, int, int, int, str, str | None]
# today, the enrolment, birth date, retirement age, the rows, back_payment_months.
Case = tuple[dt.date, Enrolment, dt.date, int, list[Row], int]


def month(index: int) -> Period:
    return Period(index // 12, index % 12 + 1)


def index(p: Period) -> int:
    return p.year * 12 + p.month - 1


@st.composite
def cases(draw: st.DrawFn) -> Case:
    today = draw(st.dates(dt.date(2016, 1, 1), dt.date(2035, 12, 31)))
    now = index(Period.of(today))
    since = month(draw(st.integers(now - 240, now + 6)))
    until = draw(st.none() | st.integers(index(since), now + 24).map(month))
    birth = draw(st.dates(dt.date(1955, 1, 1), dt.date(2000, 12, 31)))
    age = draw(st.sampled_from((50, 55, 60, 63)))
    scheme = draw(st.sampled_from((Scheme.PENSION, Scheme.MEDICAL)))
    rows: list[Row] = []
    for i in draw(st.sets(st.integers(now - 90, now + 14), max_size=60)):
        status = draw(st.sampled_from(STATUSES))
        payer = "E1" if status == "employer_arrears" else None
        status = "arrears" if status == "employer_arrears" else status
        p = month(i)
        rows.append((scheme.value, p.year * 100 + p.month, 300000, 0, 60000, status, payer))
    back = draw(st.integers(0, 130))
    enrolment = Enrolment(scheme, EnrolmentStatus.ACTIVE, since, None, 0, until)
    return today, enrolment, birth, age, rows, back


@settings(max_examples=300, deadline=None)
@given(cases())
def test_no_offered_month_lies_outside_the_members_bounds(case: Case) -> None:
    today, e, birth, age, rows, back = case
    policy = dataclasses.replace(POLICY, back_payment_months=back)
    retire = retirement_month(birth, age)
    dues = compute_dues(policy, today, [e], rows, retired=False, retirement=retire)
    taken = {r[1] for r in rows if not (r[5] == "arrears" and r[6] is None)}
    own_arrears = {r[1] for r in rows if r[5] == "arrears" and r[6] is None}
    oldest = oldest_payable(policy, today)
    end = min(x for x in (e.until, retire, Period(today.year, 12)) if x is not None)
    offered: list[Period] = []
    for d in dues:
        assert d.scheme is e.scheme
        offered = [x.period for x in d.lines]
        assert offered == sorted(set(offered))  # once each, oldest first
        for x in d.lines:
            p, yyyymm = x.period, x.period.year * 100 + x.period.month
            assert e.since <= p <= end, (p, e, retire)
            assert p >= oldest
            assert yyyymm not in taken
            assert x.back_payment == (p.year < today.year)
            if p.year < today.year:
                assert yyyymm in own_arrears  # an earlier year: only recorded arrears
        for p in d.counter_only:
            assert p < oldest and e.since <= p <= end
            assert p.year * 100 + p.month in own_arrears
    # Complete: every month of this year within the bounds and not taken is offered.
    this_year = [
        Period(today.year, m)
        for m in range(1, 13)
        if e.since <= Period(today.year, m) <= end and today.year * 100 + m not in taken
    ]
    assert [p for p in offered if p.year == today.year] == this_year


def test_window_edges() -> None:
    # 60 months before 2024-12 is 2019-12 (12 x 5 months back); before 2024-04, 2019-04.
    assert months_back(Period(2024, 12), 60) == Period(2019, 12)
    assert months_back(Period(2024, 4), 60) == Period(2019, 4)
    assert oldest_payable(DEFAULT, dt.date(2024, 12, 31)) == Period(2019, 12)
    # 0: none across years, but this year's January stays payable.
    none_back = dataclasses.replace(DEFAULT, back_payment_months=0)
    assert oldest_payable(none_back, dt.date(2024, 12, 31)) == Period(2024, 1)
    # 6 months from 2024-03 would reach 2023-09: arrears of 2023-09..12 payable.
    six = dataclasses.replace(DEFAULT, back_payment_months=6)
    assert oldest_payable(six, dt.date(2024, 3, 1)) == Period(2023, 9)


def test_no_back_payment_across_years_when_the_window_is_zero() -> None:
    policy = dataclasses.replace(DEFAULT, back_payment_months=0)
    e = Enrolment(Scheme.PENSION, EnrolmentStatus.ACTIVE, Period(2023, 1), None, 0)
    # 2023-12 owed at base 3,000 (600.00); 2024-01..03 paid; today 2024-04-20.
    rows = [("pension", 202312, 300000, 0, 60000, "arrears", None)] + [
        ("pension", 202400 + m, 603490, 0, 120698, "paid", None) for m in (1, 2, 3)
    ]
    (due,) = compute_dues(policy, dt.date(2024, 4, 20), [e], rows, retired=False)
    assert due.counter_only == (Period(2023, 12),)
    assert due.periods[0] == Period(2024, 4) and len(due.periods) == 9  # 04..12
    # April at 6,034.90: 1,206.98, 5 days late: 1,206.98 x 0.0025 = 3.01745 -> 3.02
    assert due.lines[0].late_fee == Money.of("3.02")


def test_residents_pension_stops_after_the_retirement_year() -> None:
    e = Enrolment(Scheme.RESIDENT_PENSION, EnrolmentStatus.ACTIVE, Period(2010, 1), None, 0)
    today = dt.date(2024, 6, 1)
    # Reached 60 in 2023-05: nothing for 2024. Reaching it in 2024-11: 2024 is still paid.
    assert compute_dues(DEFAULT, today, [e], [], retired=False, retirement=Period(2023, 5)) == []
    (due,) = compute_dues(DEFAULT, today, [e], [], retired=False, retirement=Period(2024, 11))
    assert due.year == 2024 and due.amount == Money.of("100.00")  # the lowest tier
