"""The kiosk's client against the real back office over HTTP: cards, member records, accounts,
benefits, on SQLite and on PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest

from backoffice.harness import RunningService
from backoffice.policy import load_policy
from kiosk.backoffice.client import BackOfficeClient
from kiosk.backoffice.errors import NotFound
from kiosk.domain import (
    EnrolmentStatus,
    Money,
    MonthStatus,
    Period,
    Scheme,
    mask_id,
)
from kiosk.domain.benefits import BenefitKind
from kiosk.domain.cards import CardStatus
from tests.helpers.backoffice import TODAY, members_index, showcase

POLICY = load_policy()


def test_card_status_of_a_valid_card_names_its_member(
    client: BackOfficeClient, service: RunningService
) -> None:
    m = showcase(service, 0)
    card = client.card_status(str(m["card_identifier"]), str(m["card_number"]))
    assert card.status is CardStatus.VALID and card.usable
    assert card.member_no == m["member_no"]


@pytest.mark.parametrize(("index", "status"), [(5, CardStatus.LOST), (6, CardStatus.VOID)])
def test_card_status_lost_and_void(
    client: BackOfficeClient, service: RunningService, index: int, status: CardStatus
) -> None:
    m = showcase(service, index)
    card = client.card_status(str(m["card_identifier"]), str(m["card_number"]))
    assert card.status is status and not card.usable


def test_card_number_that_does_not_match_the_identifier_is_not_found(
    client: BackOfficeClient, service: RunningService
) -> None:
    a, b = showcase(service, 0), showcase(service, 2)
    with pytest.raises(NotFound) as e:
        client.card_status(str(a["card_identifier"]), str(b["card_number"]))
    assert e.value.code == "CARD_NOT_FOUND" and e.value.message_zh


def test_summary_of_the_30_year_member(client: BackOfficeClient, service: RunningService) -> None:
    m = showcase(service, 0)
    s = client.summary(str(m["member_no"]))
    assert s.member_no == m["member_no"] and s.name == m["name"]
    pension = s.enrolment(Scheme.PENSION)
    assert pension is not None
    assert pension.since <= Period(1996, 1)
    assert pension.cumulative_months >= 360
    assert pension.status is EnrolmentStatus.ACTIVE and pension.employer is None
    assert pension.pension_progress == 1.0
    assert s.as_of == TODAY
    assert "*" in s.id_number_masked


def test_summary_of_an_employee_names_the_employer(
    client: BackOfficeClient, service: RunningService
) -> None:
    s = client.summary(str(showcase(service, 2)["member_no"]))
    schemes = {e.scheme for e in s.enrolments}
    assert {Scheme.PENSION, Scheme.MEDICAL, Scheme.UNEMPLOYMENT} <= schemes
    for e in s.enrolments:
        assert e.status is EnrolmentStatus.ACTIVE and e.employer


def test_full_history_is_monthly_and_priced_by_the_policy(
    client: BackOfficeClient, service: RunningService
) -> None:
    rows = client.contributions(str(showcase(service, 2)["member_no"]))
    assert rows
    pension = [r for r in rows if r.scheme is Scheme.PENSION]
    periods = [r.period for r in pension]
    assert periods == sorted(periods) and len(set(periods)) == len(periods)
    for r in rows:
        if r.status is MonthStatus.TRANSFERRED_IN:
            continue
        employer_rate, personal_rate = POLICY.employee_rates[r.scheme]
        assert r.employer_part == r.base.times(employer_rate)
        assert r.personal_part == r.base.times(personal_rate)
        assert r.payer != "个人"
    # base 3,000 -> personal 330 a month in pension + medical + unemployment (product.md)
    three = Money.of("3000")
    assert sum(
        (three.times(POLICY.employee_rates[s][1]) for s in POLICY.employee_rates), Money.zero()
    ) == Money.of("330")


def test_history_of_30_years_and_filters(client: BackOfficeClient, service: RunningService) -> None:
    no = str(showcase(service, 0)["member_no"])
    everything = client.contributions(no)
    pension = client.contributions(no, scheme=Scheme.PENSION)
    assert {r.scheme for r in pension} == {Scheme.PENSION}
    assert len(pension) >= 360
    assert pension[0].period.year <= 1995
    assert len(everything) > len(pension)
    year = client.contributions(no, year=2024)
    assert year and {r.period.year for r in year} == {2024}
    window = client.contributions(no, first=Period(2024, 3), last=Period(2024, 5))
    assert {r.period for r in window} == {Period(2024, 3), Period(2024, 4), Period(2024, 5)}
    statuses = {r.status for r in everything}
    assert MonthStatus.ARREARS in statuses and MonthStatus.PAID in statuses
    flexible = [r for r in pension if r.period.year == 2025]
    assert flexible and all(r.payer == "个人" for r in flexible)


def test_transferred_in_months(client: BackOfficeClient, service: RunningService) -> None:
    rows = client.contributions(str(showcase(service, 7)["member_no"]), scheme=Scheme.PENSION)
    moved = [r for r in rows if r.status is MonthStatus.TRANSFERRED_IN]
    assert len(moved) >= 12
    assert all(r.payer.endswith("公司") for r in moved)


def test_pension_account_interest_at_the_national_rates(
    client: BackOfficeClient, service: RunningService
) -> None:
    no = str(showcase(service, 2)["member_no"])
    acc = client.accounts(no)
    rows = client.contributions(no, scheme=Scheme.PENSION)
    assert acc.pension_years and acc.pension_balance == acc.pension_years[-1].balance
    previous = Money.zero()
    for y in acc.pension_years:
        credits = [
            r for r in rows if r.period.year == y.year and r.status is not MonthStatus.ARREARS
        ]
        assert y.principal == sum((r.personal_part for r in credits), Money.zero())
        if y.year < TODAY.year:
            # The national method: opening x rate + the year's credits x rate x 1.083 / 2,
            # rounded to the fen once (an employee's personal 8% is the account credit).
            rate = POLICY.crediting_rate(y.year)
            expected = previous.yuan * rate + y.principal.yuan * rate * Decimal("1.083") / 2
            assert y.interest == Money.of(expected)
        else:
            assert y.interest == Money.zero()  # credited at the end of the year
        assert y.balance == previous + y.principal + y.interest
        previous = y.balance
    assert POLICY.crediting_rate(2017) == Decimal("0.0712")


def test_retiree_receives_a_monthly_pension(
    client: BackOfficeClient, service: RunningService
) -> None:
    no = str(showcase(service, 3)["member_no"])
    s = client.summary(no)
    assert s.retired
    paid = client.benefits(no)
    assert paid and {p.kind for p in paid} == {BenefitKind.PENSION}
    assert paid[-1].period == Period.of(TODAY)
    assert all(p.amount > Money.of("500") for p in paid)
    assert paid[-1].amount >= paid[0].amount  # yearly raises


def test_an_employee_has_no_benefits(client: BackOfficeClient, service: RunningService) -> None:
    assert client.benefits(str(showcase(service, 2)["member_no"])) == []


def test_residents_schemes_are_yearly(client: BackOfficeClient, service: RunningService) -> None:
    no = str(showcase(service, 4)["member_no"])
    s = client.summary(no)
    assert {e.scheme for e in s.enrolments} == {Scheme.RESIDENT_PENSION, Scheme.RESIDENT_MEDICAL}
    rows = client.contributions(no, scheme=Scheme.RESIDENT_PENSION)
    assert rows and all(r.period.month == 1 for r in rows)
    tiers = {t.fen for t in POLICY.resident_pension_tiers}
    assert all(r.personal_part.fen in tiers for r in rows)
    e = s.enrolment(Scheme.RESIDENT_PENSION)
    assert e is not None and e.cumulative_months == 12 * len(rows)


def test_member_numbers_of_every_seeded_card_resolve(
    client: BackOfficeClient, service: RunningService
) -> None:
    for m in members_index(service):
        card = client.card_status(str(m["card_identifier"]), str(m["card_number"]))
        assert card.member_no == m["member_no"]
        assert card.status.value == m["card_status"]


def test_summary_masks_the_id_number_like_the_card(
    client: BackOfficeClient, service: RunningService
) -> None:
    import tomllib
    from pathlib import Path

    m = showcase(service, 1)
    profile = tomllib.loads(
        (Path(service.cards_dir or "") / str(m["card_file"])).read_text("utf-8")
    )
    s = client.summary(str(m["member_no"]))
    assert s.id_number_masked == mask_id(profile["ef06"]["id_number"])
    assert s.name == profile["ef06"]["name"]
    assert s.birth_date.strftime("%Y%m%d") == profile["ef06"]["birth_date"]
