"""Fee reductions (代缴) and the member's own receipts through the real back office over HTTP
(tests/helpers/flexible.py: today 2026-06-20, default policy: residents' pension tiers from
100.00, the state's subsidy 30.00 below the 500.00 tier; residents' medical 380.00; [fee_reductions]
低保 100.00 of the pension tier and 50% of the medical fee, 重度残疾 100.00 and 100%). The reprint
is checked on the receipt's ESC/POS bytes, as the printer gets them. Worked figures beside each
value."""

from __future__ import annotations

import datetime as dt
import time
import uuid
import zoneinfo
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from backoffice.harness import RunningService
from kiosk.backoffice.errors import NotFound, Rejected
from kiosk.domain import Money, Period, Scheme
from kiosk.domain.dues import DueKind
from kiosk.payments.reprint import reprint_receipt
from printer.escpos_bytes import CHINESE_OFF, CHINESE_ON
from printer.receipt import receipt_bytes
from tests.helpers.backoffice import client_for
from tests.helpers.flexible import DIBAO, DISABLED, PLAIN, flexible_service

ZONE = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def svc() -> Iterator[RunningService]:
    with flexible_service() as s:
        yield s


def _post(svc: RunningService, path: str, body: dict[str, Any]) -> requests.Response:
    headers = {
        "X-Terminal-Id": svc.terminal_id,
        "Authorization": f"Bearer {svc.api_key}",
        "Idempotency-Key": uuid.uuid4().hex,
    }
    return requests.post(f"{svc.url}{path}", json=body, headers=headers, timeout=10)


def _pay(svc: RunningService, member_no: str, choice: dict[str, Any]) -> dict[str, Any]:
    """Quote, order and pay by card (the lab's simulated bank): the quote's answer."""
    q = _post(svc, f"/v1/members/{member_no}/quotes", choice)
    assert q.status_code == 201, q.text
    quote = q.json()
    o = _post(
        svc,
        "/v1/orders",
        {"quote_id": quote["quote_id"], "member_no": member_no, "amount": quote["total"]},
    )
    assert o.status_code == 201, o.text
    paid = _post(
        svc,
        f"/v1/orders/{o.json()['order_no']}/pay",
        {"method": "card", "account": "6222000011112222"},
    )
    assert paid.status_code == 200 and paid.json()["state"] == "posted", paid.text
    return quote


def test_dues_show_the_government_part(svc: RunningService) -> None:
    with client_for(svc) as c:
        dues = {d.scheme: d for d in c.dues(DIBAO)}
        pension = dues[Scheme.RESIDENT_PENSION]
        assert pension.kind is DueKind.RESIDENT_TIER
        assert pension.fee_category is not None and pension.fee_category.code == "dibao"
        assert pension.fee_category.zh == "最低生活保障对象"
        low, t300 = pension.tiers[0], pension.tiers[2]
        # the lowest tier 100.00, 代缴 100.00: the member pays 100.00 - 100.00 = 0.00
        assert (low.amount, low.paid_by_government, low.member_part) == (
            Money.of("100.00"),
            Money.of("100.00"),
            Money.of("0.00"),
        )
        # tier 300.00: 300.00 - 100.00 = 200.00
        assert t300.member_part == Money.of("200.00")
        assert pension.lines[0].amount == Money.of("0.00")
        assert pension.lines[0].paid_by_government == Money.of("100.00")
        # the account still gets the tier and the state's subsidy: 100.00 + 30.00 = 130.00
        assert pension.lines[0].to_account == Money.of("130.00")
        medical = dues[Scheme.RESIDENT_MEDICAL]
        # 380.00 x 50% = 190.00 by the government; the member 380.00 - 190.00 = 190.00
        assert medical.lines[0].paid_by_government == Money.of("190.00")
        assert medical.total == Money.of("190.00")
        plain = {d.scheme: d for d in c.dues(PLAIN)}
        assert plain[Scheme.RESIDENT_MEDICAL].total == Money.of("380.00")
        assert plain[Scheme.RESIDENT_MEDICAL].fee_category is None
        assert plain[Scheme.RESIDENT_PENSION].tiers[0].paid_by_government == Money.zero()
        # 重度残疾: 380.00 x 100% = 380.00 by the government, 0.00 for the member
        disabled = {d.scheme: d for d in c.dues(DISABLED)}
        assert disabled[Scheme.RESIDENT_MEDICAL].paid_by_government == Money.of("380.00")
        assert disabled[Scheme.RESIDENT_MEDICAL].total == Money.zero()


def test_nothing_to_pay_is_refused(svc: RunningService) -> None:
    r = _post(svc, f"/v1/members/{DISABLED}/quotes", {"scheme": "resident_medical"})
    assert r.status_code == 409 and r.json()["code"] == "PAID_BY_GOVERNMENT"


def test_pay_then_my_receipts_and_a_reprint(svc: RunningService) -> None:
    quote = _pay(svc, DIBAO, {"scheme": "resident_pension", "tier": "300.00"})
    # 300.00 - 100.00 = 200.00 paid; 代缴 100.00; 政府补贴 30.00 (below the 500.00 tier)
    assert (quote["total"], quote["paid_by_government"], quote["subsidy"]) == (
        "200.00",
        "100.00",
        "30.00",
    )
    time.sleep(1.05)  # instants are kept to the second: paid in the next one, so listed first
    _pay(svc, DIBAO, {"scheme": "resident_medical"})
    with client_for(svc) as c:
        mine = c.payments(DIBAO)
        # newest first: the medical fee, then the pension tier
        assert [p.scheme for p in mine] == [Scheme.RESIDENT_MEDICAL, Scheme.RESIDENT_PENSION]
        assert mine[0].total == Money.of("190.00") and mine[0].paid_by_government == Money.of(
            "190.00"
        )
        pension = mine[1]
        assert pension.total == Money.of("200.00")
        assert pension.paid_by_government == Money.of("100.00")
        assert pension.subsidy == Money.of("30.00")  # 330.00 to the account - 300.00
        assert pension.periods == (Period(2026, 1),)
        assert c.payment(DIBAO, pension.order_no) == pension
        with pytest.raises(NotFound):
            c.payment(PLAIN, pension.order_no)  # another member's order
        assert c.payments(PLAIN) == []
        assert len(c.payments(DIBAO, limit=1)) == 1
        with pytest.raises(Rejected) as e:
            c.payments(DIBAO, limit=51)
        assert e.value.status == 422
        # the record keeps the whole tier as the personal part, the subsidy apart
        row = next(
            m
            for m in c.contributions(DIBAO, scheme=Scheme.RESIDENT_PENSION)
            if m.period.year == 2026
        )
        assert (row.personal_part, row.subsidy) == (Money.of("300.00"), Money.of("30.00"))
    r = reprint_receipt(
        pension,
        hall_name="东城区社保大厅",
        zone=ZONE,
        member_name="张三",
        id_number="110101197505010011",
    )
    data = receipt_bytes(r)
    assert CHINESE_ON + "【补打】".encode("gb18030") in data
    assert (
        "政府代缴（不计入合计）".encode("gb18030") in data and "￥100.00".encode("gb18030") in data
    )
    assert (
        "政府补贴（不计入合计）".encode("gb18030") in data and "￥30.00".encode("gb18030") in data
    )
    assert "合计金额".encode("gb18030") in data and "￥200.00".encode("gb18030") in data
    assert pension.order_no.encode() in data
    assert r.paid_at.utcoffset() == dt.timedelta(hours=8)  # the hall's wall time
    # the first receipt, not a reprint, carries no mark
    first = receipt_bytes(type(r)(**{**r.__dict__, "reprint": False}))
    assert "【补打】".encode("gb18030") not in first and CHINESE_OFF in first
