"""Interest on the pension personal account (记账利率), national method
(backoffice/rules/interest.py):

    year's interest = opening x rate + the year's credits x rate x 1.083 x 1/2

rounded to the fen, half up; the year in progress earns none yet. Worked examples of the
function, one member through the importer and the accounts endpoint, and a property test
against the closed form."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from backoffice.policy import load_policy
from backoffice.rules.interest import HALF_YEAR_FACTOR, account_years, year_interest
from kiosk.domain import Money
from tests.helpers.backoffice import client_for
from tests.helpers.builders import enrolment, flexible_months, member

POLICY = load_policy()


def test_opening_balance_and_credits_of_2023() -> None:
    # 10,000.00 x 3.97% = 397.00
    # 5,793.48 x 3.97% = 230.001156; x 1.083 = 249.091251948; / 2 = 124.545625974
    # 397.00 + 124.545625974 = 521.545625974 -> 521.55
    interest = year_interest(Money.of("10000.00"), Money.of("5793.48"), Decimal("0.0397"))
    assert interest == Money.of("521.55")
    [y] = account_years(
        {2023: Money.of("5793.48")},
        POLICY.crediting_rate,
        last_year=2023,
        current_year=2024,
        opening=Money.of("10000.00"),
    )
    assert y.rate == Decimal("0.0397")  # 2023's published rate
    assert y.closing == Money.of("16315.03")  # 10,000.00 + 5,793.48 + 521.55


def test_credits_only_earn_half_a_year() -> None:
    # 12,000.00 x 2.62% = 314.40; x 1.083 = 340.4952; / 2 = 170.2476 -> 170.25
    assert year_interest(Money.zero(), Money.of("12000.00"), Decimal("0.0262")) == Money.of(
        "170.25"
    )


def test_opening_balance_only_earns_the_whole_rate() -> None:
    # 25,000.00 x 8.31% (2016) = 2,077.50
    assert year_interest(Money.of("25000.00"), Money.zero(), Decimal("0.0831")) == Money.of(
        "2077.50"
    )


def test_rounding_is_half_up_once() -> None:
    # 100.50 x 5% = 5.025 exactly -> 5.03 half up (half-even would give 5.02)
    assert year_interest(Money.of("100.50"), Money.zero(), Decimal("0.05")) == Money.of("5.03")


def test_years_chain_and_the_year_in_progress_earns_nothing() -> None:
    years = account_years(
        {2022: Money.of("6000.00"), 2023: Money.of("6000.00"), 2024: Money.of("3000.00")},
        POLICY.crediting_rate,
        last_year=2024,
        current_year=2024,
    )
    # 2022 (6.12%): 0 + 6,000.00 x 6.12% = 367.20; x 1.083 = 397.6776; / 2 = 198.8388 -> 198.84;
    #   closing 6,198.84
    # 2023 (3.97%): 6,198.84 x 3.97% = 246.093948; 6,000.00 x 3.97% = 238.20, x 1.083
    #   = 257.9706, / 2 = 128.9853; 375.079248 -> 375.08; closing 6,198.84 + 6,000 + 375.08
    #   = 12,573.92
    # 2024: in progress, no interest: 12,573.92 + 3,000.00 = 15,573.92
    assert [(y.year, y.opening, y.interest, y.closing) for y in years] == [
        (2022, Money.zero(), Money.of("198.84"), Money.of("6198.84")),
        (2023, Money.of("6198.84"), Money.of("375.08"), Money.of("12573.92")),
        (2024, Money.of("12573.92"), Money.zero(), Money.of("15573.92")),
    ]


def test_a_year_without_credits_still_earns_on_its_opening() -> None:
    years = account_years(
        {2020: Money.of("1000.00")},
        POLICY.crediting_rate,
        first_year=2019,
        last_year=2021,
        current_year=2021,
        opening=Money.of("500.00"),
    )
    # 2019 (7.61%): 500.00 x 7.61% = 38.05; closing 538.05
    # 2020 (6.04%): 538.05 x 6.04% = 32.49822; 1,000.00 x 6.04% = 60.40, x 1.083 = 65.4132,
    #   / 2 = 32.7066; 65.20482 -> 65.20; closing 538.05 + 1,000.00 + 65.20 = 1,603.25
    # 2021: in progress: 1,603.25
    assert [(y.year, y.interest, y.closing) for y in years] == [
        (2019, Money.of("38.05"), Money.of("538.05")),
        (2020, Money.of("65.20"), Money.of("1603.25")),
        (2021, Money.zero(), Money.of("1603.25")),
    ]


def test_the_accounts_page_shows_the_years_computed_for_an_imported_member(imported) -> None:
    no = "11010000000201"
    m = member(
        no,
        birth_date="1980-05-05",
        enrolments=[enrolment("pension", "2023-01")],
        # 2023 at 60% of 2022's wage: 114,029 x 60% / 12 = 5,701.45; account 8% = 456.116
        #   -> 456.12; 12 months: 5,473.44
        # 2024 January to June at 120,698 x 60% / 12 = 6,034.90; 8% = 482.792 -> 482.79;
        #   6 months: 2,896.74
        # 2025 January and February at 124,110 x 60% / 12 = 6,205.50; 8% = 496.44; 2: 992.88
        contributions=flexible_months("2023-01", "2023-12", "5701.45")
        + flexible_months("2024-01", "2024-06", "6034.90")
        + flexible_months("2025-01", "2025-02", "6205.50"),
    )  # no pension_account: the importer computes it
    with imported([m], today=dt.date(2025, 3, 20)) as svc, client_for(svc) as client:
        acc = client.accounts(no)
    # 2023 (3.97%): 5,473.44 x 3.97% = 217.295568, x 1.083 = 235.331100144, / 2
    #   = 117.665550072 -> 117.67; closing 5,473.44 + 117.67 = 5,591.11
    # 2024 (2.62%): 5,591.11 x 2.62% = 146.487082; 2,896.74 x 2.62% = 75.894588, x 1.083
    #   = 82.193838804, / 2 = 41.096919402; 187.584001402 -> 187.58;
    #   closing 5,591.11 + 2,896.74 + 187.58 = 8,675.43
    # 2025: in progress: 8,675.43 + 992.88 = 9,668.31
    assert [(y.year, y.principal, y.interest, y.balance) for y in acc.pension_years] == [
        (2023, Money.of("5473.44"), Money.of("117.67"), Money.of("5591.11")),
        (2024, Money.of("2896.74"), Money.of("187.58"), Money.of("8675.43")),
        (2025, Money.of("992.88"), Money.zero(), Money.of("9668.31")),
    ]
    assert acc.pension_balance == Money.of("9668.31")


FEN = Decimal("0.01")
money_st = st.integers(min_value=0, max_value=50_000_000).map(Money.from_fen)  # to 500,000.00
rate_st = st.integers(min_value=0, max_value=1000).map(lambda n: Decimal(n) / 10_000)  # 0-10%


@settings(max_examples=200, deadline=None)
@given(
    opening=money_st,
    years=st.lists(st.tuples(money_st, rate_st), min_size=1, max_size=12),
    in_progress=st.booleans(),
)
def test_interest_by_year_matches_the_closed_form(
    opening: Money, years: list[tuple[Money, Decimal]], in_progress: bool
) -> None:
    first = 2010
    credits = {first + i: c for i, (c, _r) in enumerate(years)}
    rates = {first + i: r for i, (_c, r) in enumerate(years)}
    last = first + len(years) - 1
    current = last if in_progress else last + 1
    out = account_years(
        credits,
        rates.__getitem__,
        last_year=last,
        current_year=current,
        opening=opening,
    )
    assert [y.year for y in out] == list(range(first, last + 1))
    balance = opening.yuan
    exact = opening.yuan  # no rounding at all
    error_bound = Decimal(0)
    for y in out:
        c, r = credits[y.year].yuan, rates[y.year]
        assert y.opening.yuan == balance and y.credits.yuan == c and y.rate == r
        if y.year < current:
            unrounded = balance * r + c * r * HALF_YEAR_FACTOR / 2
            assert y.interest.yuan == unrounded.quantize(FEN, rounding=ROUND_HALF_UP)
            exact = exact * (1 + r) + c * (1 + r * HALF_YEAR_FACTOR / 2)
            # each year's rounding (at most half a fen) grows with the later years' interest
            error_bound = error_bound * (1 + r) + Decimal("0.005")
        else:
            assert y.interest == Money.zero()
            exact += c
        assert y.closing.yuan == balance + c + y.interest.yuan
        balance = y.closing.yuan
    # The rounded chain stays within the rounding errors of the closed form:
    #   B = opening x prod(1 + r) + sum of c_k (1 + r_k x 1.083 / 2) x prod over later (1 + r_j)
    assert abs(balance - exact) <= error_bound
