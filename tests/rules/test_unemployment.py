"""The unemployment rule's figures worked by hand (backoffice/rules/unemployment.py) and its
policy keys ([unemployment] in backoffice/policies/default.toml)."""

from __future__ import annotations

import datetime as dt
import tomllib
from decimal import Decimal
from typing import Any

import pytest

from backoffice.errors import PolicyError
from backoffice.policy import DEFAULT_POLICY, parse_policy
from backoffice.rules.unemployment import (
    UnemploymentRules,
    apply_by,
    band_months,
    certificate_window_start,
    entitlement_months,
    monthly_amount,
)
from kiosk.domain import Money

RULES = UnemploymentRules()


def _policy(**unemployment: Any) -> UnemploymentRules:
    data = tomllib.loads(DEFAULT_POLICY.read_text(encoding="utf-8"))
    data["unemployment"] = {**data["unemployment"], **unemployment}
    return parse_policy(data, "test").unemployment


def test_the_default_policy_states_the_national_bands() -> None:
    rules = parse_policy(tomllib.loads(DEFAULT_POLICY.read_text(encoding="utf-8"))).unemployment
    assert rules.minimum_wage == Money.of("2540.00")
    assert rules.benefit_share == Decimal("0.9")
    assert rules.entitlement_bands == ((12, 12), (60, 18), (120, 24))
    assert (rules.apply_within_days, rules.minimum_months, rules.max_months) == (60, 12, 24)
    assert dict(rules.skill_subsidy) == {
        5: Money.of("1000.00"),
        4: Money.of("1500.00"),
        3: Money.of("2000.00"),
    }


@pytest.mark.parametrize(
    ("wage", "share", "expected"),
    [
        ("2540.00", "0.9", "2286.00"),  # 2,540.00 x 0.9 = 2,286.000
        ("2345.67", "0.9", "2111.10"),  # 2,345.67 x 0.9 = 2,111.103 -> 2,111.10
        ("1234.45", "0.9", "1111.01"),  # 1,234.45 x 0.9 = 1,111.005 -> half up 1,111.01
        ("2420.00", "0.85", "2057.00"),  # 2,420.00 x 0.85 = 2,057.000
    ],
)
def test_monthly_amount_to_the_fen_half_up(wage: str, share: str, expected: str) -> None:
    rules = _policy(minimum_wage=wage, benefit_share=share)
    assert monthly_amount(rules) == Money.of(expected)
    assert monthly_amount(rules).fen == int(expected.replace(".", ""))


@pytest.mark.parametrize(
    ("months", "expected"),
    [
        (11, 0),  # under a year: nothing
        (12, 12),  # 1 year: the first band
        (59, 12),  # 4 years 11 months: still 1-5 years
        (60, 18),  # 5 years
        (119, 18),  # 9 years 11 months
        (120, 24),  # 10 years
        (360, 24),  # 30 years: still 24
    ],
)
def test_bands(months: int, expected: int) -> None:
    assert band_months(RULES, months) == expected
    assert entitlement_months(RULES, months) == expected


def test_carried_months_added_never_past_24() -> None:
    assert entitlement_months(RULES, 25, carried_months=8) == 20  # 12 + 8
    assert entitlement_months(RULES, 14, carried_months=16) == 24  # 12 + 16 = 28 -> 24
    assert entitlement_months(RULES, 70, carried_months=6) == 24  # 18 + 6 = 24
    # Too few new months: the carried months are not drawn without a claim that qualifies
    assert entitlement_months(RULES, 8, carried_months=10) == 0


def test_window_and_certificate_dates() -> None:
    # 2026-04-30 + 60 days: 31 in May (-> 05-31), 29 in June -> 2026-06-29
    assert apply_by(RULES, dt.date(2026, 4, 30)) == dt.date(2026, 6, 29)
    # 2025-12-31 + 60: 31 in January (-> 01-31), 29 in February 2026 (28 days) -> 03-01
    assert apply_by(RULES, dt.date(2025, 12, 31)) == dt.date(2026, 3, 1)
    # a certificate gives the subsidy for 12 months: the same day a year earlier ...
    assert certificate_window_start(RULES, dt.date(2026, 6, 20)) == dt.date(2025, 6, 20)
    # ... or that month's last day: 2024-02-29 - 12 months = 2023-02-28 (no 29th)
    assert certificate_window_start(RULES, dt.date(2024, 2, 29)) == dt.date(2023, 2, 28)


@pytest.mark.parametrize(
    ("keys", "words"),
    [
        ({"benefit_share": "1.2"}, "benefit_share: at most 1"),
        ({"benefit_share": 0.9}, "benefit_share: expected a decimal string"),
        ({"apply_within_days": 0}, "apply_within_days: expected an integer >= 1"),
        ({"entitlement_bands": [[12, 12], [60, 6]]}, "bands must rise"),
        ({"max_months": 12}, "max_months: below the last band"),
        ({"skill_subsidy": {"6": "100"}}, "level '6' is not 1 to 5"),
        ({"minimum_wages": "1"}, "minimum_wages: unknown key"),
    ],
)
def test_a_bad_key_is_named(keys: dict[str, Any], words: str) -> None:
    with pytest.raises(PolicyError, match=words):
        _policy(**keys)
