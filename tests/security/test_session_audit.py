"""The controller's listener writes one audit record per business event of a session."""

from __future__ import annotations

import json

from kiosk.audit import AuditLog, load_key, month_files, verify
from kiosk.config import TimeoutConfig
from kiosk.session.auditor import SessionAuditor
from kiosk.session.controller import Controller
from kiosk.session.machine import (
    CardInserted,
    ExitPressed,
    Loaded,
    PinSubmitted,
    Request,
    Session,
)
from tests.unit.test_controller import HOLDER, FakeCard, SlowData, wait_for


def test_a_session_leaves_its_trail_without_pin_or_id(tmp_path):
    card = FakeCard(pin=b"135790")
    c = Controller(Session(TimeoutConfig()), card, SlowData(), tick_interval=0.05)
    folder, key_file = tmp_path / "audit", tmp_path / "audit.key"
    c.listen(SessionAuditor(AuditLog(folder, terminal_id="KIOSK-0001", key_file=key_file)))
    page = lambda: c.session.state.page.value  # noqa: E731
    c.start()
    try:
        c.post(CardInserted())
        assert wait_for(lambda: page() == "pin")
        c.post(PinSubmitted(bytearray(b"111111")))
        assert wait_for(lambda: c.session.state.pin_tries_left == 2)
        c.post(PinSubmitted(bytearray(b"135790")))
        assert wait_for(lambda: page() == "menu")
        c.post(Request("print_submit", {"kind": "rights_record"}))
        c.post(Loaded("print_submit", {"state": "completed", "pages": 2}))
        c.post(ExitPressed())
        assert wait_for(lambda: page() == "goodbye")
    finally:
        c.stop()
    (path,) = month_files(folder)
    text = path.read_text()
    events = [json.loads(line) for line in text.splitlines()]
    assert [e["event"] for e in events] == [
        "session.start",
        "card.accepted",
        "pin.wrong",
        "pin.ok",
        "request",
        "request.done",
        "session.end",
    ]
    assert len({e["session"] for e in events}) == 1
    assert events[1]["id_number"] == "110***********1234"
    assert events[2]["tries_left"] == 2
    assert events[5]["state"] == "completed" and events[5]["pages"] == 2
    assert events[6]["ended_by"] == "exit"
    for secret in ("135790", "111111", HOLDER.id_number, HOLDER.card_number):
        assert secret not in text
    assert verify(folder, load_key(key_file)).problems == []


def test_payment_results_are_recorded_by_their_state_not_their_member():
    from dataclasses import dataclass
    from decimal import Decimal

    from kiosk.domain.payments import Outcome, PaymentOutcome
    from kiosk.payments.service import ReceiptState
    from kiosk.session.auditor import _outcome

    @dataclass(frozen=True)
    class PayResult:  # the shape of kiosk.payments.flow's result: an outcome and receipt words
        outcome: PaymentOutcome
        receipt_key: str
        receipt_url: str

    receipt = next(iter(ReceiptState))
    paid = PaymentOutcome("intent-1", Outcome.PAID, "ORD-9", Decimal("330.00"), "k", receipt)
    facts = _outcome(PayResult(paid, "payments.receipt_printed", ""))
    assert facts == {
        "outcome": "paid",
        "order_no": "ORD-9",
        "intent_id": "intent-1",
        "total": "330.00",
        "receipt": receipt.value,
    }


def test_every_outcome_fact_is_a_field_the_log_accepts(tmp_path):
    """The facts _outcome picks for request.done are exactly what the log's allow-list takes:
    a fact added to one and not the other would lose the record (a failure is only logged)."""
    from kiosk.audit import EVENT_FIELDS
    from kiosk.session.auditor import _FACTS

    assert set(_FACTS) | {"session", "key"} == EVENT_FIELDS["request.done"]
    log = AuditLog(tmp_path / "audit", terminal_id="KIOSK-0001", key_file=tmp_path / "k")
    facts = {name: "x" for name in _FACTS}
    assert log.record("request.done", session="s", key="pay", **facts)["seq"] == 1
