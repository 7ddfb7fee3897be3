"""The fee-reduction rule (代缴, backoffice/rules/fee_reductions.py) and a flexible worker's
stopped months and chosen base in compute_dues, by hand. The HTTP side:
tests/backoffice/test_client_my_payments.py and test_client_flexible.py."""

from __future__ import annotations

import datetime as dt
import functools

import pytest

from backoffice.errors import PolicyError
from backoffice.policy import load_policy
from backoffice.rules.dues import compute_dues
from backoffice.rules.fee_reductions import parse_fee_reductions
from kiosk.domain import Enrolment, EnrolmentStatus, Money, Period, Scheme

POLICY = load_policy()


def test_a_share_is_rounded_half_up_and_an_amount_is_capped() -> None:
    r = parse_fee_reductions(
        {
            "dibao": {
                "zh": "低保",
                "en": "dibao",
                "resident_medical": {"2026": "50%"},
                "resident_pension": {"2026": "100.00"},
            }
        },
        "test",
    )
    part = functools.partial(r.government_part, "dibao")
    # 375.25 x 50% = 187.625 -> 187.63 (half up)
    assert part(Scheme.RESIDENT_MEDICAL, 2026, Money.of("375.25")) == Money.of("187.63")
    # 100.00 of a contribution of 80.00: at most the contribution, 80.00
    assert part(Scheme.RESIDENT_PENSION, 2026, Money.of("80.00")) == Money.of("80.00")
    # a year not listed, a category not known, no category: none
    assert part(Scheme.RESIDENT_MEDICAL, 2025, Money.of("380.00")) == Money.zero()
    assert (
        r.government_part("other", Scheme.RESIDENT_MEDICAL, 2026, Money.of("380.00"))
        == Money.zero()
    )
    assert (
        r.government_part(None, Scheme.RESIDENT_MEDICAL, 2026, Money.of("380.00")) == Money.zero()
    )


@pytest.mark.parametrize(
    ("section", "named"),
    [
        ({"dibao": {"zh": "低保", "en": "d", "pension": {"2026": "50%"}}}, "pension"),
        ({"dibao": {"zh": "低保", "en": "d", "resident_medical": {"2026": "150%"}}}, "2026"),
        ({"dibao": {"zh": "低保", "en": "d", "resident_medical": {"26": "50%"}}}, "'26'"),
        ({"dibao": {"zh": "低保", "en": "d", "resident_medical": {"2026": "1.005"}}}, "2026"),
        ({"dibao": {"resident_medical": {"2026": "50%"}}}, "zh and en"),
        ({"Dibao": {"zh": "低保", "en": "d"}}, "Dibao"),
    ],
)
def test_a_bad_section_is_refused_by_name(section: dict[str, object], named: str) -> None:
    with pytest.raises(PolicyError) as e:
        parse_fee_reductions(section, "city.toml")
    assert named in str(e.value) and "city.toml" in str(e.value)


def test_the_default_policy_states_both_categories() -> None:
    r = POLICY.fee_reductions
    assert set(r.categories) == {"dibao", "disability"}
    # 低保 380.00 x 50% = 190.00; 重度残疾 380.00 x 100% = 380.00
    fee = Money.of("380.00")
    assert r.government_part("dibao", Scheme.RESIDENT_MEDICAL, 2026, fee) == Money.of("190.00")
    assert r.government_part("disability", Scheme.RESIDENT_MEDICAL, 2026, fee) == fee


def test_stopped_months_are_never_offered_and_the_base_is_the_chosen_one() -> None:
    today = dt.date(2026, 6, 20)
    pension = Enrolment(Scheme.PENSION, EnrolmentStatus.ACTIVE, Period(2026, 1), None, 0)
    dues = compute_dues(
        POLICY,
        today,
        [pension],
        [("pension", 202601, 620550, 0, 124110, "paid", None)],
        retired=False,
        bases={Scheme.PENSION: Money.of("40000.00")},
        paused=[(Period(2026, 3), Period(2026, 4)), (Period(2026, 9), None)],
    )
    (due,) = dues
    # January paid; March-April stopped then resumed; stopped again from September
    assert due.periods == (
        Period(2026, 2),
        Period(2026, 5),
        Period(2026, 6),
        Period(2026, 7),
        Period(2026, 8),
    )
    # 40,000.00 is over the year's 31,027.50 (124,110 x 300% / 12): the limit, x 20% = 6,205.50
    assert due.base_default == Money.of("31027.50")
    assert due.lines[0].amount == Money.of("6205.50")
