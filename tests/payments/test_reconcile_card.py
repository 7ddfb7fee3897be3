"""Reconciliation of card sales (issue 16): the back office's card orders matched against the
acquirer's sales and its settlement totals, not the QR gateway's bill; the kiosk journal's TCs
matched too. Real card sales first (the emulated card in this process, the emulated PIN pad,
the reference acquirer over TCP, the back office over HTTP), then the acquirer's records made
to disagree, one difference at a time, each named."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import update

from backoffice.acquirer.accounts import add_account, add_terminal
from backoffice.gateway.harness import PaymentsLab
from backoffice.gateway.simulator import GatewaySimulator
from backoffice.gateway.switches import Switches
from backoffice.harness import RunningService, running_service
from backoffice.reconcile import (
    AcquirerSale,
    JournalRecord,
    ReconReport,
    SettlementTotals,
    journal_records,
    reconcile,
    sale_key,
)
from backoffice.storage import Database
from backoffice.storage.acquirer import AcqTxnRow
from backoffice.storage.payments import OrderRow
from kiosk.domain import Money, Scheme
from kiosk.domain.payments import Outcome, Payer, PayMethod
from kiosk.payments.card_lab import emulated_bank_card, lab_bank_card, lab_card_sale, lab_finance
from kiosk.payments.service import PendingPayment
from tests.helpers.payments import TODAY, Kiosk, make_kiosk

PIN = "246810"
PAYER = Payer("", "*某某", "110***********0000")


@pytest.fixture(scope="module")
def backoffice() -> Iterator[RunningService]:
    with running_service(members=80, seed=29, today=TODAY, acquirer=True) as svc:
        yield svc


@pytest.fixture(scope="module")
def lab(backoffice: RunningService) -> PaymentsLab:
    return PaymentsLab(backoffice)


@pytest.fixture
def db(backoffice: RunningService) -> Iterator[Database]:
    d = Database(backoffice.database)
    yield d
    d.dispose()


def _kiosk(lab: PaymentsLab, svc: RunningService, db: Database, tmp: Path, no: str) -> Kiosk:
    k = make_kiosk(lab, tmp / "journal.sqlite3", settle_wait=4.0)
    add_terminal(db, no, kiosk_id=k.terminal)
    assert svc.acquirer_port is not None
    k.service.card_sale = lab_card_sale(
        k.journal, k.client, host="127.0.0.1", port=svc.acquirer_port, terminal_no=no,
        read_timeout=1.5, reversal_pause=0.1,
        local_now=lambda: dt.datetime.combine(TODAY, dt.datetime.now().time()),
    )  # fmt: skip
    return k


def _pay(k: Kiosk, lab: PaymentsLab, card: Any, pins: list[str], **kw: bool) -> PendingPayment:
    member = k.member(lab)
    due = next(d for d in k.bo.dues(member) if d.scheme is Scheme.PENSION)
    quote = k.service.quote(member, Scheme.PENSION, periods=due.periods[:1])
    pending = k.service.confirm(quote, quote.total, PAYER, PayMethod.CARD)
    bank, _runner = lab_bank_card(card, pins, **kw)
    k.service.pay_by_card(pending, bank)
    return pending


def _over_api(lab: PaymentsLab, k: Kiosk) -> dict[str, Any]:
    """What the kiosk's administrator asks for (kiosk/admin.py: the journal's rows)."""
    rows = [
        {
            "intent_id": e.intent_id,
            "order_no": e.order_no,
            "state": e.state.value,
            "amount": str(Money.from_fen(e.amount_fen).yuan),
        }
        for e in k.journal.entries()
    ]
    r = requests.post(
        f"{lab.url}/v1/reconciliation",
        headers=lab.headers(k.terminal, k.key),
        json={"date": TODAY.isoformat(), "journal": rows},
        timeout=10,
    )
    assert r.status_code == 200, r.text
    return r.json()


def _offline(db: Database, k: Kiosk) -> ReconReport:
    """`python -m backoffice.reconcile --journal`: the journal file read, TCs and all."""
    gw = GatewaySimulator(db, Switches(), now=dt.datetime.now, today=lambda: TODAY)
    return reconcile(db, gw, k.terminal, TODAY, journal_records(str(k.journal_path)))


def _kinds(report: ReconReport) -> set[tuple[str, str | None]]:
    return {(m.kind, m.order_no) for m in report.mismatches}


def test_card_orders_match_the_acquirers_sales_and_settlement(
    lab: PaymentsLab, backoffice: RunningService, db: Database, tmp_path: Path
) -> None:
    k = _kiosk(lab, backoffice, db, tmp_path, "RC000001")
    fin = lab_finance(pin=PIN, balance_fen=10_000_000)
    add_account(db, fin)
    card = emulated_bank_card(fin, tmp_path / "card.json")
    one = _pay(k, lab, card, [PIN])  # approved, TC, posted
    pulled = _pay(k, lab, card, [PIN], pull_after_approval=True)  # approved, then reversed
    two = _pay(k, lab, card, ["135790", PIN])  # 55 declined, then approved and posted
    assert [k.service.outcome_of(p.intent_id).outcome for p in (one, pulled, two)] == [
        Outcome.PAID,
        Outcome.REVERSED,
        Outcome.PAID,
    ]
    a, b = one.quote.total.fen, two.quote.total.fen

    # A clean day. The acquirer: 4 authorizations (approved, reversed, declined, approved);
    # settled: the 2 approved, unreversed ones, a + b fen (e.g. 150,856 + 128,206 = 279,062);
    # the back office: the same 2 orders posted, a + b fen; the journal: 2 TCs, a + b fen.
    # None of it is looked for in the QR gateway's bill (it has nothing of this terminal).
    api = _over_api(lab, k)
    assert api["ok"], api["mismatches"]
    assert api["card"]["sales"] == 2 and api["card"]["sales_fen"] == a + b
    assert api["card"]["posted"] == 2 and api["card"]["posted_fen"] == a + b
    assert (api["card"]["settlement_count"], api["card"]["settlement_fen"]) == (2, a + b)
    assert api["card"]["journal_tc"] is None  # the API's rows do not carry TCs
    assert api["orders_posted_fen"] == a + b and api["gateway_net_fen"] == 0
    off = _offline(db, k)
    assert off.ok, off.mismatches
    assert (off.card.journal_tc, off.card.journal_tc_fen) == (2, a + b)

    # 1. An approved sale nobody posted (12,345 fen, trace 900001): named, and the settlement
    #    (3 sales, a + b + 12,345 fen) no longer equals the posted orders (2, a + b).
    with db.session() as s:
        s.add(
            AcqTxnRow(
                terminal_no="RC000001", stan=900001, txn_date=TODAY, state="approved",
                amount_fen=12_345, charges=1, response_code="00", business_date=TODAY,
                created_at=dt.datetime(2026, 6, 20, 2, 0),
            )
        )  # fmt: skip
        s.commit()
    stray = sale_key("RC000001", TODAY, 900001)
    off = _offline(db, k)
    assert ("CARD_SALE_NOT_POSTED", None) in _kinds(off)
    assert any(stray in m.detail for m in off.mismatches if m.kind == "CARD_SALE_NOT_POSTED")
    assert (off.card.settlement_count, off.card.settlement_fen) == (3, a + b + 12_345)
    assert (off.card.posted, off.card.posted_fen) == (2, a + b)
    assert {m.kind for m in off.mismatches} == {
        "CARD_SALE_NOT_POSTED",
        "SETTLEMENT_DIFFERS",
        "JOURNAL_TC_SETTLEMENT_DIFFERS",  # the journal's 2 TCs against the acquirer's 3
    }
    with db.session() as s:
        s.execute(update(AcqTxnRow).where(AcqTxnRow.stan == 900001).values(state="tombstone"))
        s.commit()
    assert _offline(db, k).ok

    # 2. The first order's sale reversed at the acquirer after it was posted: a reversed sale
    #    posted; the acquirer settles 1 sale of b fen, the journal still has 2 TCs (a + b).
    (tc_one,) = [t for t in k.journal.card_txns(one.intent_id) if t.step.value == "TC"]
    with db.session() as s:
        s.execute(
            update(AcqTxnRow)
            .where(AcqTxnRow.terminal_no == "RC000001", AcqTxnRow.stan == tc_one.trace)
            .values(state="reversed")
        )
        s.commit()
    off = _offline(db, k)
    assert ("CARD_REVERSED_POSTED", one.order_no) in _kinds(off)
    assert ("JOURNAL_TC_NOT_APPROVED", one.order_no) in _kinds(off)
    assert (off.card.settlement_count, off.card.settlement_fen) == (1, b)
    assert (off.card.posted, off.card.posted_fen) == (1, b)  # the posted orders of approved sales
    api = _over_api(lab, k)
    assert ("CARD_REVERSED_POSTED", one.order_no) in {
        (m["kind"], m["order_no"]) for m in api["mismatches"]
    }
    with db.session() as s:
        s.execute(
            update(AcqTxnRow)
            .where(AcqTxnRow.terminal_no == "RC000001", AcqTxnRow.stan == tc_one.trace)
            .values(state="approved")
        )
        s.commit()

    # 3. The second order posted under a sale the acquirer never had: a posted order without
    #    an approved sale, and its real sale (b fen) approved but not posted; the journal's TC
    #    names another sale than the order.
    with db.session() as s:
        s.execute(
            update(OrderRow)
            .where(OrderRow.order_no == two.order_no)
            .values(gateway_txn=sale_key("RC000001", TODAY, 999999))
        )
        s.commit()
    off = _offline(db, k)
    kinds = _kinds(off)
    assert ("CARD_POSTED_NO_SALE", two.order_no) in kinds
    assert ("CARD_SALE_NOT_POSTED", None) in kinds
    assert ("JOURNAL_TC_DIFFERS", two.order_no) in kinds
    # settled: 2 sales, a + b; posted under an approved sale: 1 order, a fen
    assert (off.card.settlement_count, off.card.settlement_fen) == (2, a + b)
    assert (off.card.posted, off.card.posted_fen) == (1, a)
    assert ("POSTED_NOT_CHARGED", two.order_no) not in kinds  # never the gateway's bill
    k.service.stop()
    k.journal.close()
    k.bo.close()


class _Acquirer:
    """The acquirer's side as a table (a unit test of the matching rules alone)."""

    def __init__(self, sales: list[AcquirerSale], totals: SettlementTotals) -> None:
        self._sales = {x.key: x for x in sales}
        self._totals = totals

    def sales(self, kiosk_id: str, day: dt.date) -> list[AcquirerSale]:
        return list(self._sales.values())

    def find(self, key: str) -> AcquirerSale | None:
        return self._sales.get(key)

    def settlement(self, kiosk_id: str, day: dt.date) -> SettlementTotals:
        return self._totals


def test_a_sale_charged_twice_and_totals_that_differ_are_named(
    lab: PaymentsLab, backoffice: RunningService, db: Database
) -> None:
    """No orders on a fresh terminal; the acquirer reports one approved sale charged twice
    (charges = 2) of 5,000 fen and settles 1 sale of 5,000 fen: double charge, a sale not
    posted, and settlement 1 / 5,000 against posted 0 / 0."""
    terminal, _key = lab.new_terminal()
    key = sale_key("UT000001", TODAY, 7)
    acq = _Acquirer([AcquirerSale(key, "approved", 5_000, 2)], SettlementTotals(1, 5_000))
    gw = GatewaySimulator(db, Switches(), now=dt.datetime.now, today=lambda: TODAY)
    report = reconcile(db, gw, terminal, TODAY, [JournalRecord("i", None, "FAILED", 0)], acq)
    assert {m.kind for m in report.mismatches} == {
        "DOUBLE_CHARGE",
        "CARD_SALE_NOT_POSTED",
        "SETTLEMENT_DIFFERS",
    }
    assert (report.card.sales, report.card.sales_fen) == (1, 5_000)
    assert (report.card.posted, report.card.posted_fen) == (0, 0)
    assert report.card.journal_tc is None  # the rows did not say which sale gave a TC


def test_the_kiosks_tcs_against_the_acquirers_settlement(
    lab: PaymentsLab, backoffice: RunningService, db: Database, tmp_path: Path
) -> None:
    """kiosk/payments/settlement.py: one sale posted and one reversed -> the journal's 1 TC of
    t fen is what the acquirer settles (00); the sale then reversed at the acquirer -> 95, the
    host's totals 0 sales, 0 fen, against the journal's 1 and t."""
    from kiosk.payments.settlement import settle_card_day

    k = _kiosk(lab, backoffice, db, tmp_path, "RC000002")
    fin = lab_finance(pin=PIN, balance_fen=10_000_000)
    add_account(db, fin)
    card = emulated_bank_card(fin, tmp_path / "card.json")
    paid = _pay(k, lab, card, [PIN])
    _pay(k, lab, card, [PIN], pull_after_approval=True)
    t = paid.quote.total.fen
    sale = k.service.card_sale
    assert sale is not None
    report = settle_card_day(k.journal, sale.acquirer, TODAY)
    assert report.ok, report.as_json()
    assert report.as_json()["journal_tc"] == 1 and report.as_json()["journal_tc_fen"] == t
    assert (report.host and (report.host.count, report.host.amount_fen)) == (1, t)
    (tc,) = [x for x in k.journal.card_txns(paid.intent_id) if x.step.value == "TC"]
    with db.session() as s:
        s.execute(
            update(AcqTxnRow)
            .where(AcqTxnRow.terminal_no == "RC000002", AcqTxnRow.stan == tc.trace)
            .values(state="reversed")
        )
        s.commit()
    report = settle_card_day(k.journal, sale.acquirer, TODAY)
    assert not report.ok and report.code == "95"
    assert report.host is not None and (report.host.count, report.host.amount_fen) == (0, 0)
    k.service.stop()
    k.journal.close()
    k.bo.close()
