"""The kiosk's unemployment handlers (kiosk.session.unemployment) through MemberServices on the
real back office over HTTP (tests/helpers/unemployment.py: today 2026-06-20, the default
policy: 2,540.00 x 0.9 = 2,286.00 a month, 60 days to claim). A claim pressed twice is one
claim; refusals reach the kiosk in the back office's words with nothing recorded; bad input
never leaves the kiosk."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kiosk.domain import CardHolder, Money
from kiosk.domain.unemployment import ClaimStatus
from kiosk.session.services import MemberServices, ServiceError
from kiosk.session.unemployment import UnemploymentRefused, UnemploymentService
from tests.helpers.backoffice import client_for
from tests.helpers.unemployment import ELIGIBLE, LATE, SHORT, TODAY, unemployment_service


@pytest.fixture(scope="module")
def kiosk() -> Iterator[tuple]:
    with unemployment_service() as svc, client_for(svc) as client:
        services = MemberServices(client)
        services.add_handlers(UnemploymentService(client, None, today=lambda: TODAY).handlers())
        yield client, services


def holder(services: MemberServices, member_no: str) -> CardHolder:
    """A session's card holder for the member (the handlers need only the member number)."""
    h = CardHolder("110101198503011234", "测试", "X" + member_no[-8:], "C" + member_no, "110100")
    services.admit(h.card_identifier, member_no)
    return h


def test_register_then_a_claim_pressed_twice_is_one_claim_then_stopped(kiosk):
    client, services = kiosk
    h = holder(services, ELIGIBLE)
    st = services.load("unemployment", h, {})
    assert st.registration is None and not st.can_apply
    st = services.load(
        "unemployment_register", h, {"phone": "13812345678", "wishes": ["logistics", "office"]}
    )
    assert st.registration is not None and st.registration.phone_masked == "138****5678"
    assert st.registration.job_wishes == ("仓储物流", "办公文员")
    assert st.can_apply
    first = services.load("unemployment_apply", h, {})
    again = services.load("unemployment_apply", h, {})  # the same day: the same key
    assert first.application is not None and again.application is not None
    assert again.application.application_id == first.application.application_id
    claim = client.unemployment(ELIGIBLE).application
    assert claim is not None and claim.application_id == first.application.application_id
    # 2020-01..2026-04 = 76 months: 5 to 10 years -> 18 months; 2,540.00 x 0.9 = 2,286.00
    assert (claim.months_granted, claim.monthly_amount) == (18, Money.of("2286.00"))
    stopped = services.load("unemployment_stop", h, {})
    assert stopped.application is not None
    assert stopped.application.status is ClaimStatus.STOPPED
    assert stopped.application.stopped_on == TODAY


def test_refusals_in_the_back_offices_words_with_nothing_recorded(kiosk):
    client, services = kiosk
    late = holder(services, LATE)
    services.load("unemployment_register", late, {"phone": "01087654321", "wishes": ["cleaning"]})
    with pytest.raises(ServiceError) as e:
        services.load("unemployment_apply", late, {})  # the job ended 2026-04-10: + 60 days
    assert e.value.message_zh and e.value.message_en  # the member reads why, in both
    assert client.unemployment(LATE).application is None
    short = holder(services, SHORT)
    services.load("unemployment_register", short, {"phone": "13912345678", "wishes": ["factory"]})
    with pytest.raises(ServiceError) as e:
        services.load("unemployment_apply", short, {})  # 2025-09..2026-04: 8 months < 12
    assert "12" in e.value.message_zh
    assert client.unemployment(SHORT).application is None


def test_bad_input_never_leaves_the_kiosk(kiosk):
    client, services = kiosk
    h = holder(services, SHORT)
    before = client.unemployment(SHORT).registration
    for params in (
        {"phone": "1381234", "wishes": ["office"]},
        {"phone": "13812345678", "wishes": []},
        {
            "phone": "13812345678",
            "wishes": ["office", "sales", "cleaning", "factory", "driving", "security"],
        },
    ):
        with pytest.raises(UnemploymentRefused):
            services.load("unemployment_register", h, params)
    assert client.unemployment(SHORT).registration == before


def test_the_skill_subsidy_claimed_once(kiosk):
    _client, services = kiosk
    h = holder(services, ELIGIBLE)
    sub = services.load("skill_subsidy", h, {})
    assert sub.eligible
    done = services.load("skill_subsidy_apply", h, {"certificate_no": "S202601150001"})
    again = services.load("skill_subsidy_apply", h, {"certificate_no": "S202601150001"})
    assert done.claimed_this_year is not None and again.claimed_this_year is not None
    # level 4 (中级工): 1,500.00 by the policy's table
    assert done.claimed_this_year.amount == Money.of("1500.00")
    assert again.claimed_this_year == done.claimed_this_year  # the same key: the first answer
    with pytest.raises(UnemploymentRefused):
        services.load("skill_subsidy_apply", h, {})  # no certificate picked
