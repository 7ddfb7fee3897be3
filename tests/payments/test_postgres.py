"""The payments area on PostgreSQL (a city's fleet): the same flows, the same guarantees."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from backoffice.gateway.harness import PaymentsLab
from backoffice.harness import postgres_server, running_service
from kiosk.domain import Scheme
from kiosk.domain.payments import CardAuthorization, Outcome, Payer, PayMethod
from kiosk.payments.service import PendingPayment
from tests.helpers.payments import make_kiosk

pytestmark = pytest.mark.postgres
CARD = CardAuthorization("X00000019", pin_verified=True, initial_pin=False)


@pytest.fixture(scope="module")
def pg_lab() -> Iterator[PaymentsLab]:
    with (
        postgres_server() as url,
        running_service(members=120, seed=13, today=dt.date(2026, 6, 20), database=url) as svc,
    ):
        lab = PaymentsLab(svc)
        lab.switches(in_doubt_after=1.0)
        yield lab


def test_card_qr_reversal_and_races_on_postgresql(pg_lab: PaymentsLab, tmp_path: Path) -> None:
    lab = pg_lab
    kiosk = make_kiosk(lab, tmp_path / "j.sqlite3")
    payer = Payer("0", "*三", "110***********0000")

    def confirm(method: PayMethod) -> PendingPayment:
        member = kiosk.member(lab)
        due = next(d for d in kiosk.bo.dues(member) if d.scheme is Scheme.PENSION)
        q = kiosk.service.quote(member, Scheme.PENSION, periods=due.periods[:1])
        return kiosk.service.confirm(q, q.total, payer, method)

    assert kiosk.service.pay_by_card(confirm(PayMethod.CARD), CARD).paid
    lab.switches(terminal=kiosk.terminal, timeout_after=1)
    assert kiosk.service.pay_by_card(confirm(PayMethod.CARD), CARD).outcome is Outcome.REVERSED
    lab.switches(terminal=kiosk.terminal, duplicate_notify=True)
    pending = confirm(PayMethod.QR)
    qr = kiosk.service.start_qr(pending)
    assert lab.phone_pays(pending.order_no) == 200
    assert kiosk.service.wait_qr(qr).paid

    # The same create and the same debit, twice at once: one order, one charge.
    member = kiosk.member(lab)
    due = next(d for d in kiosk.bo.dues(member) if d.scheme is Scheme.PENSION)
    q = kiosk.client.quote(member, Scheme.PENSION, periods=due.periods[:1])
    key = uuid.uuid4().hex
    orders: list[str] = []
    lab.switches(terminal=kiosk.terminal, slow_seconds=0.3)
    threads = [
        threading.Thread(
            target=lambda: orders.append(
                kiosk.client.create_order(key, q.quote_id, member, q.total).order_no
            )
        )
        for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(orders)) == 1
    threads = [
        threading.Thread(target=kiosk.client.pay_card, args=(orders[0], key + "-pay", "X00000019"))
        for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    bill = [t for t in lab.bill(kiosk.terminal) if t["order_no"] == orders[0]]
    assert len(bill) == 1 and bill[0]["charges"] == 1
    assert kiosk.client.order(orders[0]).state.value == "posted"
    kiosk.journal.close()
    v = lab.check(kiosk.journal_path, kiosk.terminal, kiosk.key)
    # The raw client order is not in the kiosk's journal; everything else must match.
    assert v.lost == v.doubled == v.unresolved == 0
    assert all("NOT_IN_JOURNAL" in p for p in v.problems), v.problems
