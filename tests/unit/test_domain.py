"""Money, periods, ID numbers and masking."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain import (
    ContributionMonth,
    DomainError,
    Enrolment,
    EnrolmentStatus,
    Money,
    MonthStatus,
    Period,
    Scheme,
    id_check_digit,
    is_valid_id_number,
    mask_card_number,
    mask_id,
    mask_name,
    money_sum,
    period_range,
)
from kiosk.domain.people import CardHolder


def test_employee_example_from_the_rules():
    # base 3,000 yuan -> personal 3000 x (8% + 2% + 1%) = 330 yuan a month
    base = Money.of("3000")
    assert base.times(Decimal("0.08") + Decimal("0.02") + Decimal("0.01")) == Money.of("330")


def test_rounding_is_half_up_to_the_fen():
    assert Money.of("0.005").yuan == Decimal("0.01")
    assert Money.of("0.004").yuan == Decimal("0.00")
    assert Money.of("2.675").yuan == Decimal("2.68")  # a float would give 2.67
    assert Money.of("-1.005").yuan == Decimal("-1.01")


def test_floats_are_refused():
    with pytest.raises(DomainError, match="float"):
        Money.of(0.1)
    with pytest.raises(DomainError):
        Money.of("12,00")
    with pytest.raises(DomainError):
        Money.of("NaN")
    with pytest.raises(DomainError, match="whole fen"):
        Money(Decimal("1.001"))


def test_amounts_and_months_take_ascii_digits_only():
    """Decimal() and int() read any Unicode digit ("３３０" is 330 to them): money and months
    from text are ASCII, or refused (issue 15: a full-width amount was priced)."""
    for text in ("３３０.００", "٣٣٠.٠٠", "33０.00"):
        with pytest.raises(DomainError):
            Money.of(text)
    for text in ("２０２４-０１", "2024-0١", "2024-0²", "２０２４０１"):
        with pytest.raises(DomainError):  # "²" was a ValueError: isdigit() but not int()
            Period.parse(text)
    assert Money.of("330.00").fen == 33000  # 330 yuan = 33,000 fen
    assert Period.parse("2024-01") == Period(2024, 1)


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_fen_round_trip(fen):
    assert Money.from_fen(fen).fen == fen


@given(st.lists(st.integers(min_value=0, max_value=10**9), max_size=20))
def test_sum_is_exact(fens):
    assert money_sum([Money.from_fen(f) for f in fens]).fen == sum(fens)


def test_display_uses_full_width_yuan_sign():
    assert Money.of("1234.5").display() == "￥1,234.50"
    assert Money.of("-3").display() == "-￥3.00"


def test_periods():
    assert Period.parse("2024-12").next() == Period(2025, 1)
    assert Period.parse("202401").previous() == Period(2023, 12)
    assert Period(2020, 11).months_until(Period(2021, 2)) == 3
    assert [str(p) for p in period_range(Period(2024, 11), Period(2025, 2))] == [
        "2024-11",
        "2024-12",
        "2025-01",
        "2025-02",
    ]
    assert period_range(Period(2025, 2), Period(2025, 1)) == []
    with pytest.raises(DomainError):
        Period.parse("2024-13")
    with pytest.raises(DomainError):
        Period.parse("24-01")


def test_id_check_digit_gb11643():
    # The standard's own worked example: 11010519491231002X.
    assert id_check_digit("11010519491231002") == "X"
    assert is_valid_id_number("11010519491231002X")
    assert is_valid_id_number("11010519491231002x")
    assert not is_valid_id_number("110105194912310021")  # wrong check character
    assert not is_valid_id_number("110105194913310029")  # month 13
    assert not is_valid_id_number("1101051949123100")


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_a_computed_check_digit_always_validates_when_the_date_is_real(first17):
    candidate = first17 + id_check_digit(first17)
    y, m, d = int(first17[6:10]), int(first17[10:12]), int(first17[12:14])
    import datetime as dt

    try:
        dt.date(y, m, d)
        real = True
    except ValueError:
        real = False
    assert is_valid_id_number(candidate) == real


def test_masking():
    assert mask_id("110101199003071234") == "110***********1234"
    assert mask_card_number("X00000019") == "X0****019"
    assert mask_name("张三丰") == "*三丰"
    assert mask_name("李") == "*"
    assert mask_id("") == ""


def test_card_holder_repr_never_shows_full_numbers():
    h = CardHolder(
        id_number="110101199003071234",
        name="张三",
        card_number="X00000019",
        card_identifier="110100D156000005",
        region="110100",
    )
    text = repr(h) + str(h)
    assert "110101199003071234" not in text
    assert "X00000019" not in text
    assert "张三" not in text


def test_pension_progress_and_month_symbols():
    e = Enrolment(Scheme.PENSION, EnrolmentStatus.ACTIVE, Period(2010, 1), None, 90)
    assert e.pension_progress == 0.5
    assert (
        Enrolment(Scheme.MEDICAL, EnrolmentStatus.ACTIVE, Period(2010, 1), "X", 90).pension_progress
        is None
    )
    assert {s.symbol for s in MonthStatus} == {"●", "△", "○", "◆"}  # each status its own symbol
    row = ContributionMonth(
        Scheme.PENSION,
        Period(2024, 1),
        Money.of("3000"),
        Money.of("480"),
        Money.of("240"),
        MonthStatus.PAID,
        "某公司",
    )
    assert row.total == Money.of("720")
    assert Scheme("resident_pension").zh == "城乡居民养老保险"
