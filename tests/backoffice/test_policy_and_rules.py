"""The policy file and the rules: defaults as in docs/product.md, errors that name the key."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from backoffice.errors import PolicyError
from backoffice.policy import DEFAULT_POLICY, AverageWageMissing, load_policy
from backoffice.rules.dues import late_fee
from backoffice.rules.estimate import EstimateError, estimate_pension
from kiosk.domain import Money, Period, Scheme

POLICY = load_policy()


def test_defaults_are_the_national_figures() -> None:
    r = POLICY.employee_rates
    assert r[Scheme.PENSION] == (Decimal("0.20"), Decimal("0.08"))
    assert r[Scheme.MEDICAL] == (Decimal("0.08"), Decimal("0.02"))
    assert r[Scheme.UNEMPLOYMENT] == (Decimal("0.02"), Decimal("0.01"))
    assert r[Scheme.WORK_INJURY] == (Decimal("0.01"), Decimal("0"))
    assert r[Scheme.MATERNITY] == (Decimal("0.01"), Decimal("0"))
    assert POLICY.average_wage(2015) == Money.of("62029")
    assert POLICY.average_wage(2023) == Money.of("120698")
    assert POLICY.crediting_rate(2016) == Decimal("0.0831")
    assert POLICY.crediting_rate(2024) == Decimal("0.0262")
    assert POLICY.average_wage(2024) == Money.of("124110")  # NBS, published 2025-05
    assert POLICY.late_fee_per_day == Decimal("0.0005")
    assert POLICY.late_fee_in_year is True and POLICY.late_fee_cap == "none"
    assert POLICY.back_payment_months == 60
    assert POLICY.deadline_day == 15
    assert [t.yuan for t in POLICY.resident_pension_tiers][-3:] == [1000, 1500, 2000]


def test_base_range_is_60_to_300_percent_of_last_years_average_wage() -> None:
    # 2024 from 2023's 120,698, each limit rounded once from the annual figure:
    # 120,698 x 0.6 / 12 = 6,034.90; 120,698 x 3 / 12 = 30,174.50 (not 10,058.17 x 3 = 30,174.51)
    assert POLICY.base_range(2024) == (Money.of("6034.90"), Money.of("30174.50"))
    # 2025 from 2024's 124,110: 124,110 x 0.6 / 12 = 6,205.50; x 3 / 12 = 31,027.50
    assert POLICY.base_range(2025) == (Money.of("6205.50"), Money.of("31027.50"))
    # 2026 from 2025: not published; [average_wage_fallback] names 124,110 -> the same limits
    assert POLICY.base_range(2026) == POLICY.base_range(2025)


def test_a_missing_average_wage_is_refused_and_only_projected_on_request() -> None:
    with pytest.raises(AverageWageMissing) as e:
        POLICY.base_range(2027)  # needs 2026's figure: neither published nor named
    assert e.value.code == "AVERAGE_WAGE_MISSING" and e.value.status == 409
    assert "2026" in e.value.message_zh and "2026" in e.value.message_en
    # Synthetic histories and the estimate project from the last stated figure (2025: 124,110)
    # with [estimate] wage_growth 5%: 124,110 x 1.05 = 130,315.50; x 1.05^2 = 136,831.275
    assert POLICY.projected_average_wage(2026) == Money.of("130315.50")
    assert POLICY.projected_average_wage(2027) == Money.of("136831.28")
    # and back before the table (1995: 5,348): 5,348 / 1.05 = 5,093.333.. -> 5,093.33
    assert POLICY.projected_average_wage(1994) == Money.of("5093.33")


def test_the_payment_switches_are_checked(tmp_path: Path) -> None:
    text = DEFAULT_POLICY.read_text("utf-8")
    bad = tmp_path / "city.toml"
    # The renamed keys are refused with their new names, so a city never gets a silent default.
    bad.write_text(text.replace("late_fee_in_year = true", "late_fee_within_year = false"))
    with pytest.raises(PolicyError, match="late_fee_within_year: replaced by late_fee_in_year"):
        load_policy(bad)
    bad.write_text(text.replace("back_payment_months = 60", "back_payment_years = 5"))
    with pytest.raises(PolicyError, match="replaced by back_payment_months"):
        load_policy(bad)
    bad.write_text(text.replace('late_fee_cap = "none"', 'late_fee_cap = "half"'))
    with pytest.raises(PolicyError, match=r"\[payment\] late_fee_cap: expected one of none"):
        load_policy(bad)
    bad.write_text(text.replace("back_payment_months = 60", "back_payment_months = -1"))
    with pytest.raises(PolicyError, match="back_payment_months: must be >= 0"):
        load_policy(bad)
    # Left out: the documented defaults.
    bare = text.replace("late_fee_in_year = true", "").replace('late_fee_cap = "none"', "")
    bad.write_text(bare.replace("back_payment_months = 60", ""))
    city = load_policy(bad)
    assert (city.late_fee_in_year, city.late_fee_cap, city.back_payment_months) == (
        True,
        "none",
        60,
    )


def test_a_bad_policy_file_names_the_key(tmp_path: Path) -> None:
    text = DEFAULT_POLICY.read_text("utf-8").replace(
        'late_fee_per_day = "0.0005"', 'late_fee_per_day = "lots"'
    )
    bad = tmp_path / "city.toml"
    bad.write_text(text, "utf-8")
    with pytest.raises(PolicyError, match=r"\[payment\] late_fee_per_day"):
        load_policy(bad)
    bad.write_text(DEFAULT_POLICY.read_text("utf-8").replace("deadline_day = 15", ""), "utf-8")
    with pytest.raises(PolicyError, match="deadline_day: missing"):
        load_policy(bad)
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "none.toml")


def test_late_fee_counts_days_from_the_due_date() -> None:
    amount = Money.of("1000")
    today = dt.date(2026, 6, 20)
    # 2025-03 was due 2025-03-15: 365 days to 2026-03-15, + 16 (Mar 16-31) + 30 + 31 + 20 = 462
    # days late; 1,000 x 0.0005 x 462 = 231.00
    assert late_fee(POLICY, amount, Period(2025, 3), today) == Money.of("231.00")
    # This year's months pay it too: 2026-03, 16 + 30 + 31 + 20 = 97 days; 1,000 x 0.0485 = 48.50
    assert late_fee(POLICY, amount, Period(2026, 3), today) == Money.of("48.50")
    # Paid on the due date (June's 15th is June's deadline): no fee; the next day one day's.
    assert late_fee(POLICY, amount, Period(2026, 6), dt.date(2026, 6, 15)) == Money.zero()
    assert late_fee(POLICY, amount, Period(2026, 6), dt.date(2026, 6, 16)) == Money.of("0.50")


def test_estimate_by_hand() -> None:
    # 20 years at exactly the reference wage (index 1.0); no future months.
    rows = []
    for y in range(2004, 2024):
        base = POLICY.average_monthly_wage(y - 1).fen
        rows += [(y * 100 + m, base) for m in range(1, 13)]
    e = estimate_pension(
        POLICY,
        dt.date(2026, 6, 20),
        birth_date=dt.date(1967, 1, 10),
        retirement_age=60,
        contributing=False,
        pension_rows=rows,
        account_balance=Money.of("139000"),
    )
    assert e.retirement_period == Period(2027, 1)
    assert e.contribution_months == 240 and e.eligible
    assert abs(e.average_index - 1) < Decimal("0.001")
    wage = POLICY.projected_average_wage(2026).yuan / 12
    assert abs(e.basic_pension.yuan - wage * 2 / 2 * 20 / 100) < Decimal("1")
    # 139,000.00 is 2025's closing balance; 2026 closes before retiring in 2027-01 and earns
    # 139,000.00 x 2.62% = 3,641.80 (no credits): 142,641.80 / 139 = 1,026.2004... -> 1,026.20
    assert e.account_balance == Money.of("142641.80")
    assert e.account_pension == Money.of("1026.20")
    with pytest.raises(EstimateError):
        estimate_pension(
            POLICY,
            dt.date(2026, 6, 20),
            birth_date=dt.date(1960, 1, 1),
            retirement_age=60,
            contributing=False,
            pension_rows=rows,
            account_balance=Money.zero(),
        )


def test_estimate_in_the_retirement_month_counts_it_and_after_it_is_refused() -> None:
    # As the dues: a member reaching 60 in 2026-06 may still pay 2026-06; the pension starts
    # 2026-07. 20 years on record at index 1 (2004-2023: 240 months), enrolment active.
    rows = []
    for y in range(2004, 2024):
        base = POLICY.average_monthly_wage(y - 1).fen
        rows += [(y * 100 + m, base) for m in range(1, 13)]
    kwargs = dict(
        birth_date=dt.date(1966, 6, 10),
        retirement_age=60,
        contributing=True,
        pension_rows=rows,
        account_balance=Money.of("139000"),
    )
    e = estimate_pension(POLICY, dt.date(2026, 6, 20), **kwargs)  # type: ignore[arg-type]
    assert e.retirement_period == Period(2026, 6)  # the month the member reaches 60
    # Future: 2026-06..2026-06, the retirement month itself = 1; 240 + 1 = 241.
    assert (e.future_months, e.contribution_months) == (1, 241)
    # W = 2025's [average_wage_fallback] 124,110 / 12 = 10,342.50; index 1 throughout:
    # 10,342.50 x (1 + 1) / 2 x 241 / 12 x 1% = 2,492,542.50 / 1,200 = 2,077.11875 -> 2,077.12
    assert e.basic_pension == Money.of("2077.12")
    # 139,000.00 (2025's closing) + June 2026's credit 10,342.50 x 8% = 827.40; 2026 is the
    # year of retirement, no interest: 139,827.40 / 139 = 1,005.9525... -> 1,005.95
    assert e.account_balance == Money.of("139827.40")
    assert e.account_pension == Money.of("1005.95")
    start = {a.key: a for a in e.assumptions}["retirement_age"]
    assert "2026年07月开始领取养老金" in start.text_zh and "starts in 2026-07" in start.text_en
    # The month after the retirement month: too late.
    with pytest.raises(EstimateError):
        estimate_pension(POLICY, dt.date(2026, 7, 1), **kwargs)  # type: ignore[arg-type]
