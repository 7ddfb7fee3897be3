"""The kiosk's client for unemployment insurance against the real back office over HTTP
(tests/helpers/unemployment.py: today 2026-06-20, default policy: 2,540.00 x 0.9 a month, 60
days to claim, bands 12 / 60 / 120 months -> 12 / 18 / 24). Worked figures beside each value."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from backoffice.harness import RunningService
from kiosk.backoffice.errors import Rejected
from kiosk.domain import Money, Period
from kiosk.domain.unemployment import ClaimStatus, Condition
from tests.helpers.backoffice import client_for
from tests.helpers.unemployment import AGAIN, E1, ELIGIBLE, LATE, RESIGNED, unemployment_service


@pytest.fixture(scope="module")
def svc() -> Iterator[RunningService]:
    with unemployment_service() as s:
        yield s


def test_register_apply_and_stop(svc: RunningService) -> None:
    with client_for(svc) as c:
        s = c.unemployment(ELIGIBLE)
        assert s.separation is not None and s.separation.employer == E1
        assert s.separation.last_day == dt.date(2026, 4, 30) and s.separation.involuntary
        # 2020-01..2026-04: 76 months -> 5 to 10 years: 18 months; 2,540.00 x 0.9 = 2,286.00
        assert (s.contribution_months, s.entitlement_months) == (76, 18)
        assert s.monthly_amount == Money.of("2286.00")
        assert [r.condition for r in s.unmet] == [Condition.REGISTERED]
        assert s.apply_by == dt.date(2026, 6, 29)  # 04-30 + 60 days
        s = c.register_unemployed(ELIGIBLE, "13812345678", ["仓储管理"])
        assert s.registration is not None
        assert s.registration.phone_masked == "138****5678"
        assert s.registration.job_wishes == ("仓储管理",)
        assert s.can_apply
        key = "client-apply-0001"
        first = c.apply_unemployment(ELIGIBLE, idempotency_key=key)
        assert first == c.apply_unemployment(ELIGIBLE, idempotency_key=key)
        claim = first.application
        assert claim is not None and claim.status is ClaimStatus.RECEIVING
        assert claim.first_month == Period(2026, 6)
        assert (claim.months_granted, claim.months_paid, claim.months_left) == (18, 0, 18)
        assert claim.medical_by_fund and claim.paid_total == Money.of("0.00")
        stopped = c.stop_unemployment(ELIGIBLE, on=dt.date(2026, 6, 20))
        assert stopped.application is not None
        assert stopped.application.status is ClaimStatus.STOPPED
        assert stopped.application.stopped_on == dt.date(2026, 6, 20)


def test_refusals_reach_the_kiosk_with_their_code(svc: RunningService) -> None:
    with client_for(svc) as c:
        c.register_unemployed(RESIGNED, "010-12345678", ["司机"])
        with pytest.raises(Rejected) as e:
            c.apply_unemployment(RESIGNED)
        assert e.value.code == "UNEMPLOYMENT_NOT_ELIGIBLE" and "本人辞职" in e.value.message_zh
        c.register_unemployed(LATE, "13912345678", ["保洁"])
        with pytest.raises(Rejected) as e:
            c.apply_unemployment(LATE)
        assert e.value.code == "UNEMPLOYMENT_WINDOW_CLOSED"
        assert c.unemployment(LATE).application is None


def test_an_earlier_claims_payments_and_carry(svc: RunningService) -> None:
    with client_for(svc) as c:
        s = c.unemployment(AGAIN)
        # 25 months since the first claim -> 12; 12 granted - 4 paid = 8 carried; 12 + 8 = 20
        assert (s.carried_months, s.entitlement_months) == (8, 20)


def test_skill_subsidy(svc: RunningService) -> None:
    with client_for(svc) as c:
        s = c.skill_subsidy(ELIGIBLE)
        assert s.eligible
        electrician = next(x for x in s.certificates if x.certificate_no == "S202601150001")
        assert electrician.level == 4 and electrician.amount == Money.of("1500.00")
        done = c.apply_skill_subsidy(ELIGIBLE, "S202601150001")
        assert done.claimed_this_year is not None
        assert done.claimed_this_year.amount == Money.of("1500.00")
        # One a year: 2026's is claimed
        assert not done.eligible
        assert {r.condition: r.met for r in done.reasons}[Condition.NOT_CLAIMED] is False
