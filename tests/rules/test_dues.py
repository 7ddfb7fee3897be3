"""Dues (应缴), late fees (滞纳金), the back-payment window (补缴), base limits and enrolment
bounds: worked examples through the real back office over HTTP, members loaded by the importer,
"today" fixed. Every expected figure is worked by hand in the comment beside it (docs/rules.md).

Conventions used below:
- base limits of year Y: NBS average annual wage of Y-1 x 60% (300%) / 12, rounded once;
- a month is due on the 15th; days late = paid date - due date (the day after the due date to
  the day paid, both counted); fee = amount x 0.05% x days, rounded half up to the fen.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from backoffice.harness import RunningService
from backoffice.policy import DEFAULT_POLICY
from kiosk.backoffice.client import BackOfficeClient
from kiosk.backoffice.errors import Rejected
from kiosk.domain import Money, Period, Scheme
from kiosk.domain.dues import Due, DueLine
from kiosk.payments.client import PaymentClient
from tests.helpers.backoffice import client_for
from tests.helpers.builders import (
    enrolment,
    flexible_months,
    imported,
    member,
    months,
    resident_year,
)


def p(text: str) -> Period:
    return Period.parse(text)


def periods(first: str, last: str) -> tuple[Period, ...]:
    out, x = [], p(first)
    while x <= p(last):
        out.append(x)
        x = x.next()
    return tuple(out)


def pension(client: BackOfficeClient, no: str) -> Due:
    return next(d for d in client.dues(no) if d.scheme is Scheme.PENSION)


def line(due: Due, month: str) -> DueLine:
    return next(x for x in due.lines if x.period == p(month))


# --- 2024-04-20: the late-fee example -------------------------------------------------

APRIL = dt.date(2024, 4, 20)
A_NEW = "11010000000101"  # flexible pension since 2024-01, nothing paid


@pytest.fixture(scope="module")
def april() -> Iterator[RunningService]:
    members = [member(A_NEW, enrolments=[enrolment("pension", "2024-01")])]
    with imported(members, today=APRIL) as svc:
        yield svc


@pytest.fixture
def april_client(april: RunningService) -> Iterator[BackOfficeClient]:
    with client_for(april) as c:
        yield c


def test_base_limits_of_2024_from_the_annual_wage_once(april_client: BackOfficeClient) -> None:
    due = pension(april_client, A_NEW)
    # 2024's limits come from 2023's NBS figure, 120,698 a year:
    #   60%:  120,698 x 0.6 / 12 = 72,418.8 / 12 = 6,034.90
    #   300%: 120,698 x 3 / 12   = 362,094 / 12  = 30,174.50 exactly (rounding the monthly wage
    #         first, 10,058.17 x 3 = 30,174.51, is one fen too high)
    assert due.base_min == Money.of("6034.90")
    assert due.base_max == Money.of("30174.50")
    assert due.base_default == Money.of("6034.90")
    assert due.average_wage == Money.of("120698.00") and due.average_wage_year == 2023


def test_the_kiosk_buttons_use_the_back_offices_average(april_client: BackOfficeClient) -> None:
    due = pension(april_client, A_NEW)
    # screens/pay.py shows these (Due.base_at), share x 120,698 / 12 rounded once:
    # 100%: 120,698 / 12 = 10,058.1666.. -> 10,058.17
    # 150%: 181,047 / 12 = 15,087.25;  200%: 241,396 / 12 = 20,116.3333.. -> 20,116.33
    assert due.base_at(Decimal("0.6")) == Money.of("6034.90")
    assert due.base_at(Decimal("1")) == Money.of("10058.17")
    assert due.base_at(Decimal("1.5")) == Money.of("15087.25")
    assert due.base_at(Decimal("2")) == Money.of("20116.33")
    assert due.base_at(Decimal("3")) == Money.of("30174.50")


def test_late_fees_of_january_to_april_2024_paid_on_april_20(
    april_client: BackOfficeClient,
) -> None:
    due = pension(april_client, A_NEW)
    assert due.periods == periods("2024-01", "2024-12")  # the year, ahead to December
    for x in due.lines:
        # 6,034.90 x 20% = 1,206.98; to the account 6,034.90 x 8% = 482.792 -> 482.79
        assert x.amount == Money.of("1206.98") and x.to_account == Money.of("482.79")
        assert not x.back_payment  # months of this year are not 补缴
    # January: due 01-15; late from 01-16 to 04-20 both counted:
    #   16 (Jan 16-31) + 29 (Feb, leap year) + 31 (Mar) + 20 (Apr 1-20) = 96 days
    #   = 2024-04-20 - 2024-01-15; 1,206.98 x 0.0005 x 96 = 1,206.98 x 0.048 = 57.93504 -> 57.94
    assert line(due, "2024-01").late_fee == Money.of("57.94")
    # February: 14 (Feb 16-29) + 31 + 20 = 65 days; 1,206.98 x 0.0325 = 39.22685 -> 39.23
    assert line(due, "2024-02").late_fee == Money.of("39.23")
    # March: 16 (Mar 16-31) + 20 = 36 days; 1,206.98 x 0.018 = 21.72564 -> 21.73
    assert line(due, "2024-03").late_fee == Money.of("21.73")
    # April: due 04-15, today the 20th: 5 days; 1,206.98 x 0.0025 = 3.01745 -> 3.02
    assert line(due, "2024-04").late_fee == Money.of("3.02")
    # May onwards: not yet due, no fee.
    assert all(not line(due, f"2024-{m:02d}").late_fee for m in range(5, 13))
    # The current deadline: April's 15th has passed, so May's.
    assert due.deadline == dt.date(2024, 5, 15)


def test_quote_for_january_to_march_at_the_minimum_base(april: RunningService) -> None:
    with client_for(april) as bo:
        q = PaymentClient(bo, backoff=0.0).quote(
            A_NEW, Scheme.PENSION, periods=periods("2024-01", "2024-03")
        )
    # 3 x 1,206.98 = 3,620.94; fees 57.94 + 39.23 + 21.73 = 118.90; total 3,739.84
    assert q.amount == Money.of("3620.94")
    assert q.late_fee == Money.of("118.90")
    assert q.total == Money.of("3739.84") and q.check()


def test_quote_at_the_maximum_base_and_one_fen_above(april: RunningService) -> None:
    with client_for(april) as bo:
        pc = PaymentClient(bo, backoff=0.0)
        q = pc.quote(A_NEW, Scheme.PENSION, base=Money.of("30174.50"), periods=(p("2024-01"),))
        # 30,174.50 x 20% = 6,034.90; 96 days: 6,034.90 x 0.048 = 289.6752 -> 289.68
        assert q.lines[0].amount == Money.of("6034.90")
        assert q.lines[0].late_fee == Money.of("289.68")
        assert q.total == Money.of("6324.58")  # 6,034.90 + 289.68
        with pytest.raises(Rejected) as e:
            pc.quote(A_NEW, Scheme.PENSION, base=Money.of("30174.51"), periods=(p("2024-01"),))
    assert e.value.code == "BASE_OUT_OF_RANGE" and "30,174.50" in e.value.message_zh


# --- 2024-12-31: the back-payment window and the enrolment bounds -----------------------------

YEAR_END = dt.date(2024, 12, 31)
B_OLD = "11010000000201"  # arrears of 2019-2020, some beyond the 60-month window
B_OCT = "11010000000202"  # enrolled 2024-10
B_RETIRES = "11010000000203"  # reaches 60 in 2024-09
B_UNTIL = "11010000000204"  # enrolment ends 2024-08
B_PAID = "11010000000205"  # paid / transferred in / back paid months
B_TERMINATED = "11010000000206"  # terminated enrolment


@pytest.fixture(scope="module")
def year_end() -> Iterator[RunningService]:
    base = "3000.00"  # 20% = 600.00 a month; 8% = 240.00
    old = (
        flexible_months("2018-06", "2018-12", base)
        + flexible_months("2019-01", "2019-01", base, status="arrears")
        + flexible_months("2019-02", "2019-10", base)
        + flexible_months("2019-11", "2020-01", base, status="arrears")
        + flexible_months("2020-02", "2024-11", base)
    )
    members = [
        member(B_OLD, enrolments=[enrolment("pension", "2018-06")], contributions=old),
        member(B_OCT, enrolments=[enrolment("pension", "2024-10")]),
        member(
            B_RETIRES,
            birth_date="1964-09-10",
            sex="1",
            retirement_age=60,
            enrolments=[enrolment("pension", "2020-01")],
            contributions=flexible_months("2020-01", "2024-06", base),
        ),
        member(
            B_UNTIL,
            enrolments=[enrolment("pension", "2023-01", until="2024-08")],
            contributions=flexible_months("2023-01", "2024-05", base),
        ),
        member(
            B_PAID,
            enrolments=[enrolment("pension", "2024-01")],
            contributions=flexible_months("2024-01", "2024-02", base)
            + flexible_months("2024-03", "2024-03", base, status="transferred_in")
            + flexible_months("2024-04", "2024-04", base, status="back_paid", paid_on="2024-11-02"),
        ),
        member(
            B_TERMINATED,
            enrolments=[enrolment("pension", "2023-01", status="terminated", until="2024-08")],
            contributions=flexible_months("2023-01", "2024-05", base),
        ),
    ]
    with imported(members, today=YEAR_END) as svc:
        yield svc


@pytest.fixture
def ye_client(year_end: RunningService) -> Iterator[BackOfficeClient]:
    with client_for(year_end) as c:
        yield c


def test_window_of_60_months_on_2024_12_31(ye_client: BackOfficeClient) -> None:
    due = pension(ye_client, B_OLD)
    # 60 months before 2024-12 is 2019-12: 2019-12 and 2020-01 are payable (补缴), 2019-01 and
    # 2019-11 are older: only at the counter. 2024-12 is this year's unpaid month.
    assert due.periods == (p("2019-12"), p("2020-01"), p("2024-12"))
    assert due.counter_only == (p("2019-01"), p("2019-11"))
    assert [x.back_payment for x in due.lines] == [True, True, False]


def test_back_payment_late_fees_at_the_assessed_base(ye_client: BackOfficeClient) -> None:
    due = pension(ye_client, B_OLD)
    dec19, jan20, dec24 = due.lines
    # Arrears keep the base they were assessed at: 3,000.00 x 20% = 600.00
    assert dec19.base == jan20.base == Money.of("3000.00")
    assert dec19.amount == jan20.amount == Money.of("600.00")
    # 2019-12: due 2019-12-15. To 2024-12-15: 5 x 365 + 2 leap days (2020-02-29, 2024-02-29)
    # = 1,827; + 16 (Dec 16-31) = 1,843 days. 600.00 x 0.0005 x 1,843 = 0.30 x 1,843 = 552.90
    assert dec19.late_fee == Money.of("552.90")
    # 2020-01: due 2020-01-15. To 2024-01-15: 4 x 365 + 1 (2020-02-29) = 1,461; to 2024-12-15:
    # + 31+29+31+30+31+30+31+31+30+31+30 = 335; + 16 = 1,812 days. 0.30 x 1,812 = 543.60
    assert jan20.late_fee == Money.of("543.60")
    # 2024-12 at 2024's minimum base 6,034.90: 1,206.98; 16 days late (Dec 16-31):
    # 1,206.98 x 0.008 = 9.65584 -> 9.66
    assert dec24.amount == Money.of("1206.98") and dec24.late_fee == Money.of("9.66")
    # Totals: 600 + 600 + 1,206.98 = 2,406.98; fees 552.90 + 543.60 + 9.66 = 1,106.16
    assert due.amount == Money.of("2406.98") and due.late_fee == Money.of("1106.16")


def test_a_quote_for_a_month_beyond_the_window_sends_to_the_counter(
    year_end: RunningService,
) -> None:
    with client_for(year_end) as bo:
        pc = PaymentClient(bo, backoff=0.0)
        with pytest.raises(Rejected) as e:
            pc.quote(B_OLD, Scheme.PENSION, periods=(p("2019-11"), p("2019-12")))
        # The oldest payable month alone: 600.00 + 552.90 = 1,152.90
        q = pc.quote(B_OLD, Scheme.PENSION, periods=(p("2019-12"),))
    assert e.value.status == 409 and e.value.code == "BACK_PAYMENT_TOO_OLD"
    assert "柜台" in e.value.message_zh and "counter" in e.value.message_en
    assert "2019-11" in e.value.message_zh
    assert q.total == Money.of("1152.90") and q.lines[0].back_payment


def test_enrolled_in_october_is_offered_october_to_december_only(
    ye_client: BackOfficeClient,
) -> None:
    due = pension(ye_client, B_OCT)
    assert due.periods == periods("2024-10", "2024-12")  # never 2024-01..09
    # October: due 10-15; 16 (Oct 16-31) + 30 + 31 = 77 days; 1,206.98 x 0.0385 = 46.46873
    # -> 46.47. November: 15 + 31 = 46 days; 1,206.98 x 0.023 = 27.76054 -> 27.76.
    # December: 16 days -> 9.66 (as above).
    assert [x.late_fee for x in due.lines] == [
        Money.of("46.47"),
        Money.of("27.76"),
        Money.of("9.66"),
    ]


def test_no_month_after_the_retirement_month(ye_client: BackOfficeClient) -> None:
    due = pension(ye_client, B_RETIRES)
    # Born 1964-09, retirement age 60: retirement month 2024-09, the last one payable; paid to
    # 2024-06, so 07..09 (never 10..12).
    assert due.periods == periods("2024-07", "2024-09")
    # July: 16 + 31 + 30 + 31 + 30 + 31 = 169 days; 1,206.98 x 0.0845 = 101.98981 -> 101.99
    # August: 16 + 30 + 31 + 30 + 31 = 138 days; 1,206.98 x 0.069 = 83.28162 -> 83.28
    # September: 15 + 31 + 30 + 31 = 107 days; 1,206.98 x 0.0535 = 64.57343 -> 64.57
    assert [x.late_fee for x in due.lines] == [
        Money.of("101.99"),
        Money.of("83.28"),
        Money.of("64.57"),
    ]


def test_no_month_after_the_enrolments_end(ye_client: BackOfficeClient) -> None:
    # Covered until 2024-08, paid to 2024-05: 06..08, three months of 1,206.98 = 3,620.94
    due = pension(ye_client, B_UNTIL)
    assert due.periods == periods("2024-06", "2024-08")
    assert due.amount == Money.of("3620.94")
    # A terminated enrolment is settled at the counter: nothing offered at the kiosk.
    assert ye_client.dues(B_TERMINATED) == []


def test_paid_transferred_in_and_back_paid_months_are_not_offered(
    ye_client: BackOfficeClient,
) -> None:
    due = pension(ye_client, B_PAID)
    # 01-02 paid, 03 transferred in, 04 back paid: 05..12, 8 x 1,206.98 = 9,655.84
    assert due.periods == periods("2024-05", "2024-12")
    assert due.amount == Money.of("9655.84")


# --- 2026-06-20: the named fallback for 2025, in-year fees of both schemes --------------------

MID_2026 = dt.date(2026, 6, 20)
C_BOTH = "11010000000301"


@pytest.fixture(scope="module")
def mid_2026() -> Iterator[RunningService]:
    base = "6205.50"
    m = member(
        C_BOTH,
        enrolments=[enrolment("pension", "2025-01"), enrolment("medical", "2025-01")],
        # medical 9.5%: 6,205.50 x 0.095 = 589.5225 -> 589.52; 2% to the account: 124.11
        contributions=flexible_months("2025-01", "2026-05", base)
        + months(
            "medical",
            "2025-01",
            "2026-05",
            base=base,
            personal_part="589.52",
            account="124.11",
        ),
    )
    with imported([m], today=MID_2026) as svc:
        yield svc


def test_2026_limits_use_the_policys_named_figure_for_2025(mid_2026: RunningService) -> None:
    with client_for(mid_2026) as c:
        due = pension(c, C_BOTH)
    # 2025's average wage is not in the table; default.toml names the 2024 figure, 124,110:
    # 124,110 x 0.6 / 12 = 6,205.50; 124,110 x 3 / 12 = 31,027.50
    assert (due.base_min, due.base_max) == (Money.of("6205.50"), Money.of("31027.50"))
    assert due.average_wage == Money.of("124110.00") and due.average_wage_year == 2025
    assert due.periods == periods("2026-06", "2026-12")


def test_in_year_late_fee_of_pension_and_medical(mid_2026: RunningService) -> None:
    with client_for(mid_2026) as c:
        dues = {d.scheme: d for d in c.dues(C_BOTH)}
    june_p = line(dues[Scheme.PENSION], "2026-06")
    # Pension: 6,205.50 x 20% = 1,241.10; June due 06-15, 5 days: 1,241.10 x 0.0025 = 3.10275
    # -> 3.10 (in-year months pay the fee: late_fee_in_year = true)
    assert june_p.amount == Money.of("1241.10") and june_p.late_fee == Money.of("3.10")
    june_m = line(dues[Scheme.MEDICAL], "2026-06")
    # Medical: 6,205.50 x 9.5% = 589.5225 -> 589.52; 589.52 x 0.0025 = 1.4738 -> 1.47
    assert june_m.amount == Money.of("589.52") and june_m.late_fee == Money.of("1.47")
    # July is not yet due: no fee.
    assert line(dues[Scheme.MEDICAL], "2026-07").late_fee == Money.zero()


# --- 2027-03-01: no figure for 2026 -> refused -------------------------------------------------

E_FLEX = "11010000000401"
E_RESIDENT = "11010000000402"
E_ENDED = "11010000000403"  # enrolment ended 2026-10 with an arrear of 2026-09


def test_a_missing_average_wage_is_refused_not_guessed() -> None:
    members = [
        member(
            E_FLEX,
            enrolments=[enrolment("pension", "2026-01")],
            contributions=flexible_months("2026-01", "2027-02", "6205.50"),
        ),
        member(
            E_RESIDENT,
            enrolments=[enrolment("resident_pension", "2020-01")],
            contributions=[resident_year(2026, "500", subsidy="60")],
        ),
        member(
            E_ENDED,
            enrolments=[enrolment("pension", "2026-01", until="2026-10")],
            contributions=flexible_months("2026-01", "2026-08", "6205.50")
            + flexible_months("2026-09", "2026-09", "6205.50", status="arrears")
            + flexible_months("2026-10", "2026-10", "6205.50"),
        ),
    ]
    with imported(members, today=dt.date(2027, 3, 1)) as svc, client_for(svc) as c:
        # 2027's limits need 2026's wage: neither in [average_wage] nor in the fallback.
        with pytest.raises(Rejected) as e:
            c.dues(E_FLEX)
        with pytest.raises(Rejected) as q:
            PaymentClient(c, backoff=0.0).quote(E_FLEX, Scheme.PENSION)
        resident = c.dues(E_RESIDENT)  # a tier needs no average wage
        # Arrears only (nothing of 2027 after the enrolment's end): no limits needed either.
        ended = pension(c, E_ENDED)
        pc = PaymentClient(c, backoff=0.0)
        arrear = pc.quote(E_ENDED, Scheme.PENSION)
        with pytest.raises(Rejected) as chose:
            pc.quote(E_ENDED, Scheme.PENSION, base=Money.of("8000.00"))
    assert e.value.status == 409 and e.value.code == "AVERAGE_WAGE_MISSING"
    assert "2026" in e.value.message_zh and "2026" in e.value.message_en
    assert q.value.code == "AVERAGE_WAGE_MISSING"
    assert ended.periods == (p("2026-09"),) and ended.base_min is None
    # 6,205.50 x 20% = 1,241.10 at its assessed base; due 2026-09-15, paid 2027-03-01:
    # 15 (Sep 16-30) + 31 + 30 + 31 + 31 (Jan) + 28 (Feb) + 1 = 167 days;
    # 1,241.10 x 0.0835 = 103.63185 -> 103.63; total 1,344.73
    assert ended.lines[0].late_fee == Money.of("103.63") and ended.lines[0].back_payment
    assert arrear.total == Money.of("1344.73")
    assert chose.value.code == "BASE_OUT_OF_RANGE" and "原核定基数" in chose.value.message_zh
    # 2027's year unpaid: the lowest tier, 100 a year, subsidy 30
    assert [(d.scheme, d.amount) for d in resident] == [
        (Scheme.RESIDENT_PENSION, Money.of("100.00"))
    ]


# --- a city's own switches: no in-year fee, fee capped, a 120-month window ---------------------

D_CITY = "11010000000501"


def city_policy(tmp: Path) -> Path:
    text = DEFAULT_POLICY.read_text("utf-8")
    for old, new in (
        ("late_fee_in_year = true", "late_fee_in_year = false"),
        ('late_fee_cap = "none"', 'late_fee_cap = "principal"'),
        ("back_payment_months = 60", "back_payment_months = 120"),
    ):
        assert old in text
        text = text.replace(old, new)
    path = tmp / "city.toml"
    path.write_text(text, "utf-8")
    return path


def test_a_city_that_waives_in_year_fees_caps_them_and_allows_120_months(
    tmp_path: Path,
) -> None:
    base = "3000.00"  # 600.00 a month
    m = member(
        D_CITY,
        enrolments=[enrolment("pension", "2014-01")],
        contributions=flexible_months("2014-01", "2014-02", base)
        + flexible_months("2014-03", "2014-03", base, status="arrears")
        + flexible_months("2014-04", "2017-12", base)
        + flexible_months("2018-01", "2018-01", base, status="arrears")
        + flexible_months("2018-02", "2023-02", base)
        + flexible_months("2023-03", "2023-03", base, status="arrears")
        + flexible_months("2023-04", "2023-12", base),
    )
    policy = city_policy(tmp_path)
    with imported([m], today=APRIL, policy_file=policy) as svc, client_for(svc) as c:
        due = pension(c, D_CITY)
    # 120 months before 2024-04 is 2014-04: 2014-03 is for the counter.
    assert due.counter_only == (p("2014-03"),)
    assert due.periods[:2] == (p("2018-01"), p("2023-03"))
    # 2018-01: 2018-01-15 -> 2024-01-15 = 6 x 365 + 1 (2020-02-29) = 2,191; + 96 = 2,287 days;
    # 600.00 x 0.0005 x 2,287 = 686.10, more than the 600.00 owed: capped at 600.00
    assert line(due, "2018-01").late_fee == Money.of("600.00")
    # 2023-03: to 2024-03-15 = 366 (2024-02-29); + 36 = 402 days; 0.30 x 402 = 120.60 (< 600)
    assert line(due, "2023-03").late_fee == Money.of("120.60")
    # This year's months: no fee where the city waives it in-year (January is 96 days late).
    assert line(due, "2024-01").late_fee == Money.zero()
    assert line(due, "2024-01").amount == Money.of("1206.98")
