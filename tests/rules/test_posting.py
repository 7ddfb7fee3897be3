"""Posting a payment: the months, their status and the personal account, at once, through the
real back office over HTTP (quote -> order -> card debit at the gateway simulator)."""

from __future__ import annotations

import datetime as dt
import uuid

from kiosk.backoffice.client import BackOfficeClient
from kiosk.domain import Money, MonthStatus, Period, Scheme
from kiosk.domain.payments import OrderState, Quote
from kiosk.payments.client import PaymentClient
from tests.helpers.backoffice import client_for
from tests.helpers.builders import enrolment, member, months, resident_year

TODAY = dt.date(2024, 4, 20)
NO = "11010000000101"
NO_B = "11010000000102"


def _pay(client: BackOfficeClient, member_no: str, periods: list[Period], base: Money) -> Quote:
    pay = PaymentClient(client, backoff=0.0)
    quote = pay.quote(member_no, Scheme.PENSION, base=base, periods=periods)
    key = uuid.uuid4().hex
    order = pay.create_order(key, quote.quote_id, member_no, quote.total)
    order = pay.pay_card(order.order_no, uuid.uuid4().hex, "6217000000000000019")
    assert order.state is OrderState.POSTED
    return quote


def test_back_paid_months_carry_their_status_and_day_and_credit_the_account(imported) -> None:
    # A flexible worker enrolled 2023-11 who owes 2023-11 and 2023-12 at that year's floor
    # base: 114,029 (2022 average wage) x 60% / 12 = 5,701.45; 20% = 1,140.29.
    m = member(
        NO,
        birth_date="1980-05-06",
        enrolments=[enrolment("pension", "2023-11")],
        contributions=months(
            "pension", "2023-11", "2023-12", base="5701.45", personal_part="1140.29",
            status="arrears",
        ),
    )  # fmt: skip
    with imported([m], today=TODAY) as svc, client_for(svc) as client:
        before = client.accounts(NO)
        quote = _pay(
            client, NO, [Period(2023, 11), Period(2023, 12), Period(2024, 1)], Money.of("6034.90")
        )
        rows = {r.period: r for r in client.contributions(NO, scheme=Scheme.PENSION)}
        after = client.accounts(NO)
    assert before.pension_years == ()  # nothing was ever credited: no account year yet
    assert [line.back_payment for line in quote.lines] == [True, True, False]
    for p in (Period(2023, 11), Period(2023, 12)):
        r = rows[p]
        assert r.status is MonthStatus.BACK_PAID and r.paid_on == TODAY
        # An arrears month keeps the base it was assessed at: 5,701.45 x 20% = 1,140.29, all
        # the member's own (no employer part for an individual).
        assert (r.base, r.employer_part, r.personal_part) == (
            Money.of("5701.45"),
            Money.zero(),
            Money.of("1140.29"),
        )
    jan = rows[Period(2024, 1)]
    # 2024's month at the chosen base: 6,034.90 x 20% = 1,206.98.
    assert jan.status is MonthStatus.PAID and jan.paid_on == TODAY
    assert jan.personal_part == Money.of("1206.98") and jan.employer_part == Money.zero()
    # The account is credited in the year paid, at once:
    # 5,701.45 x 8% = 456.116 -> 456.12 (twice) + 6,034.90 x 8% = 482.792 -> 482.79
    # = 456.12 + 456.12 + 482.79 = 1,395.03; no interest until the year's end.
    [y2024] = after.pension_years
    assert y2024.year == 2024
    assert y2024.principal == Money.of("1395.03")
    assert y2024.interest == Money.zero()
    assert y2024.balance == Money.of("1395.03") == after.pension_balance


def test_a_payment_adds_to_this_years_account_on_top_of_last_years_balance(imported) -> None:
    # Paid through 2023 (2023 at 5,701.45: 20% = 1,140.29, 8% = 456.116 -> 456.12 a month);
    # the importer computes the 2023 account year from those credits.
    m = member(
        NO_B,
        birth_date="1979-02-03",
        enrolments=[enrolment("pension", "2023-01")],
        contributions=months(
            "pension", "2023-01", "2023-12", base="5701.45", personal_part="1140.29",
            account="456.12",
        ),
    )  # fmt: skip
    with imported([m], today=TODAY) as svc, client_for(svc) as client:
        before = client.accounts(NO_B)
        _pay(client, NO_B, [Period(2024, 1), Period(2024, 2)], Money.of("6034.90"))
        after = client.accounts(NO_B)
    # 2023: credits 12 x 456.12 = 5,473.44; interest 5,473.44 x 3.97% = 217.295568,
    # x 1.083 = 235.331100..., / 2 = 117.66555 -> 117.67; closing 5,473.44 + 117.67 = 5,591.11.
    # The importer carries the balance into the year in progress (2024: nothing credited yet).
    assert [(y.year, y.principal, y.interest, y.balance) for y in before.pension_years] == [
        (2023, Money.of("5473.44"), Money.of("117.67"), Money.of("5591.11")),
        (2024, Money.zero(), Money.zero(), Money.of("5591.11")),
    ]
    # Paying Jan and Feb 2024 at 6,034.90: 2 x 482.79 = 965.58 credited to 2024, on top of
    # 2023's closing: 5,591.11 + 965.58 = 6,556.69.
    y2024 = after.pension_years[-1]
    assert (y2024.year, y2024.principal, y2024.interest, y2024.balance) == (
        2024,
        Money.of("965.58"),
        Money.zero(),
        Money.of("6556.69"),
    )
    assert after.pension_balance == Money.of("6556.69")


def test_a_residents_pension_year_keeps_the_subsidy_in_its_own_column(imported) -> None:
    no = "11010000000103"
    m = member(
        no,
        birth_date="1975-08-09",
        enrolments=[enrolment("resident_pension", "2020-01")],
        contributions=[resident_year(y, "300", subsidy="30") for y in range(2020, 2024)],
    )
    with imported([m], today=TODAY) as svc, client_for(svc) as client:
        pay = PaymentClient(client, backoff=0.0)
        # The 500 tier: the subsidy is 60 from the 500 tier up (policy [residents]).
        quote = pay.quote(no, Scheme.RESIDENT_PENSION, tier=Money.of("500"))
        order = pay.create_order(uuid.uuid4().hex, quote.quote_id, no, quote.total)
        order = pay.pay_card(order.order_no, uuid.uuid4().hex, "6217000000000000019")
        rows = {r.period: r for r in client.contributions(no, scheme=Scheme.RESIDENT_PENSION)}
        summary = client.summary(no)
    assert order.state is OrderState.POSTED
    # The member pays the tier, 500.00, nothing more: the subsidy is the government's.
    assert quote.total == Money.of("500")
    y = rows[Period(2024, 1)]
    assert (y.personal_part, y.employer_part, y.subsidy) == (
        Money.of("500"),
        Money.zero(),
        Money.of("60"),
    )
    assert y.total == Money.of("500")  # what was paid: the subsidy is not summed into it
    # Five yearly payments (2020-2024), each 12 months: 5 x 12 = 60 months.
    [e] = summary.enrolments
    assert e.cumulative_months == 60


def test_an_imported_back_paid_month_is_credited_in_the_year_paid_as_posting_does(
    imported,
) -> None:
    no = "11010000000104"
    m = member(
        no,
        birth_date="1981-04-05",
        enrolments=[enrolment("pension", "2023-11")],
        # 2023-11/12 back paid on 2024-03-10 at 5,701.45 (8% = 456.116 -> 456.12 to the account);
        # 2024-01/02 paid at 6,034.90 (8% = 482.792 -> 482.79).
        contributions=months(
            "pension", "2023-11", "2023-12", base="5701.45", personal_part="1140.29",
            account="456.12", status="back_paid", paid_on="2024-03-10",
        )
        + months(
            "pension", "2024-01", "2024-02", base="6034.90", personal_part="1206.98",
            account="482.79",
        ),
    )  # fmt: skip
    with imported([m], today=TODAY) as svc, client_for(svc) as client:
        acc = client.accounts(no)
    # Everything was credited in 2024 (the back-paid months in the year they were paid):
    # 456.12 x 2 + 482.79 x 2 = 912.24 + 965.58 = 1,877.82, no interest yet, and no 2023 year
    # (which would have earned 912.24 x 3.97% x 1.083 / 2 = 19.61 it never had).
    assert [(y.year, y.principal, y.interest, y.balance) for y in acc.pension_years] == [
        (2024, Money.of("1877.82"), Money.zero(), Money.of("1877.82"))
    ]
