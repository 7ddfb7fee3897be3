"""Daily reconciliation: a clean day is clean, and every kind of difference is listed."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import requests

from backoffice.gateway.harness import PaymentsLab
from kiosk.domain import Scheme
from kiosk.domain.payments import CardAuthorization, Payer, PayMethod
from tests.helpers.payments import Kiosk

TODAY = dt.date(2026, 6, 20)


def _recon(lab: PaymentsLab, kiosk: Kiosk, journal: list[dict[str, str | None]]) -> dict[str, Any]:
    r = requests.post(
        f"{lab.url}/v1/reconciliation",
        headers=lab.headers(kiosk.terminal, kiosk.key),
        json={"date": TODAY.isoformat(), "journal": journal},
        timeout=10,
    )
    assert r.status_code == 200
    return r.json()


def test_reconciliation_matches_and_lists_every_mismatch(kiosk: Kiosk, lab: PaymentsLab) -> None:
    member = kiosk.member(lab)
    due = next(d for d in kiosk.bo.dues(member) if d.scheme is Scheme.PENSION)
    q = kiosk.service.quote(member, Scheme.PENSION, periods=due.periods[:1])
    pending = kiosk.service.confirm(q, q.total, Payer(member, "*三", "1***"), PayMethod.CARD)
    outcome = kiosk.service.pay_by_card(
        pending, CardAuthorization("X00000019", pin_verified=True, initial_pin=False)
    )
    assert outcome.paid
    row: dict[str, str | None] = {
        "intent_id": pending.intent_id,
        "order_no": pending.order_no,
        "state": "POSTED",
        "amount": f"{q.total.yuan:.2f}",
    }
    clean = _recon(lab, kiosk, [row])
    assert clean["ok"] and clean["orders_posted_fen"] == clean["gateway_net_fen"] == q.total.fen
    assert clean["journal_posted_fen"] == q.total.fen

    # An order the journal does not know, a journal that says FAILED for a paid order, and a
    # row left unresolved: each one listed.
    other = kiosk.client.quote(member, Scheme.PENSION, periods=due.periods[1:2])
    extra = kiosk.client.create_order(uuid.uuid4().hex, other.quote_id, member, other.total)
    report = _recon(
        lab,
        kiosk,
        [
            {**row, "state": "FAILED"},
            {"intent_id": "x", "order_no": None, "state": "SENT", "amount": "1.00"},
        ],
    )
    kinds = {(m["kind"], m["order_no"]) for m in report["mismatches"]}
    assert ("ORDER_PAID_JOURNAL_NOT", pending.order_no) in kinds
    assert ("NOT_IN_JOURNAL", extra.order_no) in kinds
    assert ("ORDER_UNRESOLVED", extra.order_no) in kinds
    assert ("JOURNAL_UNRESOLVED", None) in kinds
    assert not report["ok"]
    kiosk.client.cancel(extra.order_no)
