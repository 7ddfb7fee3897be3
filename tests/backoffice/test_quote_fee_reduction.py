"""The kiosk's quote carries the government's part (代缴, issue 17) that the pay page shows
beside the member's: PaymentClient.quote through the real back office over HTTP
(tests/helpers/flexible.py: default policy, [fee_reductions] 低保 100.00 of the pension tier and
50% of the medical fee). Worked figures beside each value."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from backoffice.harness import RunningService
from kiosk.domain import Money, Scheme
from kiosk.payments.client import PaymentClient
from tests.helpers.backoffice import client_for
from tests.helpers.flexible import DIBAO, PLAIN, flexible_service


@pytest.fixture(scope="module")
def svc() -> Iterator[RunningService]:
    with flexible_service() as s:
        yield s


def test_the_quote_names_the_government_part(svc: RunningService) -> None:
    with client_for(svc) as bo:
        pay = PaymentClient(bo)
        q = pay.quote(DIBAO, Scheme.RESIDENT_PENSION, tier=Money.of("300.00"))
        # tier 300.00, 代缴 100.00: the member pays 300.00 - 100.00 = 200.00
        assert q.paid_by_government == Money.of("100.00")
        assert q.total == Money.of("200.00")
        q = pay.quote(DIBAO, Scheme.RESIDENT_MEDICAL)
        # 380.00 x 50% = 190.00 by the government, 380.00 - 190.00 = 190.00 by the member
        assert (q.paid_by_government, q.total) == (Money.of("190.00"), Money.of("190.00"))
        plain = pay.quote(PLAIN, Scheme.RESIDENT_MEDICAL)
        assert (plain.paid_by_government, plain.total) == (Money.zero(), Money.of("380.00"))
