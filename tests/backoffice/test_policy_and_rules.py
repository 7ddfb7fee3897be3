"""The policy file and the rules: defaults as in docs/product.md, errors that name the key."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from backoffice.errors import PolicyError
from backoffice.policy import DEFAULT_POLICY, load_policy
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
    assert POLICY.late_fee_per_day == Decimal("0.0005") and POLICY.back_payment_years == 5
    assert POLICY.deadline_day == 15
    assert [t.yuan for t in POLICY.resident_pension_tiers][-3:] == [1000, 1500, 2000]


def test_base_range_is_60_to_300_percent_of_last_years_average_wage() -> None:
    lo, hi = POLICY.base_range(2024)
    monthly = Money.of(Decimal(120698) / 12)
    assert lo == monthly.times(Decimal("0.6")) and hi == monthly.times(Decimal("3"))
    # after the last known year (2023): grown by the stated assumption, 5% a year
    assert POLICY.average_wage(2024) == Money.of("120698").times(Decimal("1.05"))
    assert POLICY.average_wage(2025) == Money.of("120698").times(Decimal("1.05") ** 2)


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
    # 2025-03 was due 2025-03-15: 462 days late at 0.05% a day.
    assert late_fee(POLICY, amount, Period(2025, 3), today) == Money.of("231.00")
    assert late_fee(POLICY, amount, Period(2026, 3), today) == Money.zero()  # this year


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
    wage = POLICY.average_wage(2026).yuan / 12
    assert abs(e.basic_pension.yuan - wage * 2 / 2 * 20 / 100) < Decimal("1")
    assert e.account_pension == Money.of("1000")
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
