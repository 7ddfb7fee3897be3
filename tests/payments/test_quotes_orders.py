"""Quotes and orders against the real back office over HTTP: prices, choices, idempotency."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
import requests

from backoffice.gateway.harness import PaymentsLab
from kiosk.domain import Money, Period, Scheme
from kiosk.domain.payments import Payer, PayMethod
from kiosk.payments.errors import NothingDue, QuoteChanged, QuoteRefused
from tests.helpers.payments import Kiosk

PAYER = Payer("0", "*三", "110***********0000")


def test_flexible_quote_is_base_times_rate_for_the_chosen_months(
    kiosk: Kiosk, lab: PaymentsLab
) -> None:
    member = kiosk.member(lab)
    months = lab.dues_months(member, kiosk.terminal, kiosk.key)
    dues = kiosk.bo.dues(member)
    due = next(d for d in dues if d.scheme is Scheme.PENSION)
    current = [p for p, line in zip(due.periods, due.lines, strict=True) if not line.back_payment]
    base = Money.of("8000.00")
    first_current = months.index(str(current[0]))
    chosen = [Period.parse(m) for m in months[: first_current + 2]]
    q = kiosk.service.quote(member, Scheme.PENSION, base=base, periods=chosen)
    assert q.periods == tuple(chosen)
    for line in q.lines:
        if not line.back_payment:
            assert line.base == base
            assert line.amount == Money.of(Decimal("8000.00") * Decimal("0.20"))
            assert line.to_account == Money.of("640.00")
    assert q.total == q.amount + q.late_fee
    assert q.check()


def test_a_base_outside_60_to_300_percent_is_refused(kiosk: Kiosk, lab: PaymentsLab) -> None:
    member = kiosk.member(lab)
    due = next(d for d in kiosk.bo.dues(member) if d.scheme is Scheme.PENSION)
    assert due.base_min is not None and due.base_max is not None
    with pytest.raises(QuoteRefused) as e:
        kiosk.service.quote(member, Scheme.PENSION, base=due.base_max + Money.of("0.01"))
    assert e.value.detail == "BASE_OUT_OF_RANGE"
    assert "缴费基数" in e.value.message_zh
    with pytest.raises(QuoteRefused):
        kiosk.service.quote(member, Scheme.PENSION, base=due.base_min - Money.of("0.01"))
    kiosk.service.quote(member, Scheme.PENSION, base=due.base_min, periods=due.periods[:1])


def test_months_must_be_paid_oldest_first(kiosk: Kiosk, lab: PaymentsLab) -> None:
    member = kiosk.member(lab)
    due = next(d for d in kiosk.bo.dues(member) if d.scheme is Scheme.PENSION)
    with pytest.raises(QuoteRefused) as e:
        kiosk.service.quote(member, Scheme.PENSION, periods=[due.periods[1]])
    assert e.value.detail == "PERIODS_NOT_IN_ORDER"


def test_residents_pension_tier_shows_the_subsidy(kiosk: Kiosk, lab: PaymentsLab) -> None:
    resident = lab.member_owing("resident_pension", kiosk.terminal, kiosk.key)
    q = kiosk.service.quote(resident, Scheme.RESIDENT_PENSION, tier=Money.of("500"))
    assert q.total == Money.of("500.00")
    assert q.subsidy == Money.of("60.00")
    q = kiosk.service.quote(resident, Scheme.RESIDENT_PENSION, tier=Money.of("300"))
    assert q.subsidy == Money.of("30.00")
    with pytest.raises(QuoteRefused):
        kiosk.service.quote(resident, Scheme.RESIDENT_PENSION, tier=Money.of("333"))


def test_residents_medical_is_the_years_fee(kiosk: Kiosk, lab: PaymentsLab) -> None:
    member = lab.member_owing("resident_medical", kiosk.terminal, kiosk.key)
    q = kiosk.service.quote(member, Scheme.RESIDENT_MEDICAL)
    assert q.total == Money.of("380.00") and len(q.lines) == 1 and q.late_fee == Money.zero()


def test_nothing_due_for_an_employee(kiosk: Kiosk, lab: PaymentsLab) -> None:
    employee = lab.svc.report.showcases[2].member_no  # type: ignore[union-attr]
    with pytest.raises(NothingDue):
        kiosk.service.quote(employee, Scheme.PENSION)


def test_a_shown_amount_that_differs_is_refused_and_nothing_is_created(
    kiosk: Kiosk, lab: PaymentsLab
) -> None:
    member = kiosk.member(lab)
    q = kiosk.service.quote(member, Scheme.PENSION, periods=None)
    with pytest.raises(QuoteChanged):
        kiosk.service.confirm(q, q.total + Money.of("1"), PAYER, PayMethod.CARD)
    # Straight to the back office with a wrong amount: 409, and the journal keeps FAILED.
    key = uuid.uuid4().hex
    r = requests.post(
        f"{lab.url}/v1/orders",
        headers={**lab.headers(kiosk.terminal, kiosk.key), "Idempotency-Key": key},
        json={"quote_id": q.quote_id, "member_no": member, "amount": "1.00"},
        timeout=10,
    )
    assert r.status_code == 409 and r.json()["code"] == "AMOUNT_MISMATCH"


def test_dues_changed_between_quote_and_confirm_requires_a_new_quote(
    kiosk: Kiosk, lab: PaymentsLab
) -> None:
    # Showcase 0 owes months of earlier years: their late fee grows each day.
    member = lab.svc.report.showcases[0].member_no  # type: ignore[union-attr]
    due = next(d for d in kiosk.bo.dues(member) if d.scheme is Scheme.PENSION)
    assert due.lines[0].back_payment and due.lines[0].late_fee
    q = kiosk.service.quote(member, Scheme.PENSION, periods=due.periods[:1])
    r = requests.post(f"{lab.url}/sim/clock", json={"today": "2026-06-21"}, timeout=10)
    assert r.status_code == 200
    try:
        with pytest.raises(QuoteChanged) as e:
            kiosk.service.confirm(q, q.total, PAYER, PayMethod.CARD)
        assert e.value.detail == "QUOTE_CHANGED"
        assert "重新核算" in e.value.message_zh
        row = kiosk.journal.entries()[-1]
        assert row.state.value == "FAILED" and row.reason == "QUOTE_CHANGED"
        again = kiosk.service.quote(member, Scheme.PENSION, periods=due.periods[:1])
        assert again.late_fee > q.late_fee
    finally:
        requests.post(f"{lab.url}/sim/clock", json={"today": "2026-06-20"}, timeout=10)


def test_same_key_same_parameters_gives_the_first_result_other_parameters_409(
    kiosk: Kiosk, lab: PaymentsLab
) -> None:
    member = kiosk.member(lab)
    due = next(d for d in kiosk.bo.dues(member) if d.scheme is Scheme.PENSION)
    q = kiosk.client.quote(member, Scheme.PENSION, periods=due.periods[:1])
    key = uuid.uuid4().hex
    first = kiosk.client.create_order(key, q.quote_id, member, q.total)
    again = kiosk.client.create_order(key, q.quote_id, member, q.total)
    assert again.order_no == first.order_no
    h = {**lab.headers(kiosk.terminal, kiosk.key), "Idempotency-Key": key}
    r = requests.post(
        f"{lab.url}/v1/orders",
        headers=h,
        json={"quote_id": q.quote_id, "member_no": member, "amount": "0.01"},
        timeout=10,
    )
    assert r.status_code == 409 and r.json()["code"] == "IDEMPOTENCY_CONFLICT"
    # The same pay request twice: one charge; the same pay key with another account: 409.
    pay_key = key + "-pay"
    a = kiosk.client.pay_card(first.order_no, pay_key, "X00000019")
    b = kiosk.client.pay_card(first.order_no, pay_key, "X00000019")
    assert a.state.value == b.state.value == "posted" and a.gateway_txn == b.gateway_txn
    r = requests.post(
        f"{lab.url}/v1/orders/{first.order_no}/pay",
        headers={**h, "Idempotency-Key": pay_key},
        json={"account": "X99999999"},
        timeout=10,
    )
    assert r.status_code == 409 and r.json()["code"] == "IDEMPOTENCY_CONFLICT"
    bill = [t for t in lab.bill(kiosk.terminal) if t["order_no"] == first.order_no]
    assert len(bill) == 1 and bill[0]["charges"] == 1
    # A second order for the same month is refused while... after posting: not due any more.
    with pytest.raises(Exception) as e:
        kiosk.client.create_order(uuid.uuid4().hex, q.quote_id, member, q.total)
    assert getattr(e.value, "code", "") == "QUOTE_CHANGED"


def test_an_open_order_blocks_a_second_order_for_the_same_months(
    kiosk: Kiosk, lab: PaymentsLab
) -> None:
    member = kiosk.member(lab)
    due = next(d for d in kiosk.bo.dues(member) if d.scheme is Scheme.PENSION)
    q = kiosk.client.quote(member, Scheme.PENSION, periods=due.periods[:1])
    kiosk.client.create_order(uuid.uuid4().hex, q.quote_id, member, q.total)
    with pytest.raises(Exception) as e:
        kiosk.client.create_order(uuid.uuid4().hex, q.quote_id, member, q.total)
    assert getattr(e.value, "code", "") == "ORDER_OPEN"


def test_cancel_by_key_before_the_order_exists_refuses_it_later(
    kiosk: Kiosk, lab: PaymentsLab
) -> None:
    member = kiosk.member(lab)
    due = next(d for d in kiosk.bo.dues(member) if d.scheme is Scheme.PENSION)
    q = kiosk.client.quote(member, Scheme.PENSION, periods=due.periods[:1])
    key = uuid.uuid4().hex
    gone = kiosk.client.cancel_by_key(key)
    assert gone.state.value == "none"
    with pytest.raises(Exception) as e:
        kiosk.client.create_order(key, q.quote_id, member, q.total)
    assert getattr(e.value, "code", "") == "KEY_CANCELLED"
