"""Daily reconciliation (对账) of one terminal: the kiosk's journal, the back office's orders and
the gateway's bill, matched order by order; every difference is listed.

Orders paid by a card sale (issue 16: gateway_txn `card:<terminal>:<YYYYMMDD>:<trace>`) are
matched against the acquirer's sales and its settlement totals (what its 0510 answers in field
62: the day's approved, unreversed sales of the kiosk's acquirer terminals), never against the
QR gateway's bill: an approved sale without a posted order, a posted order without an approved
sale, a reversed sale posted, an amount that differs, totals that differ are each listed. When
the journal rows carry their TC's sale key, the kiosk's TCs are matched too.

    report = reconcile(db, gateway, "KIOSK-0001", day, journal_rows)
    report.ok, report.mismatches, report.card

Also `python -m backoffice.reconcile --db FILE --terminal T --date D [--journal journal.sqlite3]`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sqlite3
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from sqlalchemy import select

from backoffice.gateway.seam import PaymentGateway
from backoffice.gateway.simulator import GatewaySimulator, GatewayTxn
from backoffice.storage import Database
from backoffice.storage.acquirer import AcqTerminalRow, AcqTxnRow
from backoffice.storage.members import ContributionRow
from backoffice.storage.payments import OrderRow, PostingRow
from kiosk.domain.payments import IntentState, OrderState

# States are stored as the enums' values (strings); a str compares equal to its member.
JOURNAL_FINAL = frozenset(s for s in IntentState if s.final)
ORDER_FINAL = frozenset(s for s in OrderState if s.final)
CARD_PREFIX = "card:"  # an order's gateway_txn when a card sale paid it (backoffice.card_sales)


@dataclass(frozen=True)
class JournalRecord:
    """One payment intent as the kiosk's journal has it."""

    intent_id: str
    order_no: str | None
    state: str
    amount_fen: int
    # the key of its card sale's TC; "" none; None: the rows do not say (the API's rows)
    card_sale: str | None = None


def sale_key(terminal_no: str, txn_date: dt.date, trace: int) -> str:
    """A card sale's key as orders keep it (backoffice.card_sales.CardSaleClaim.sale_id)."""
    return f"{CARD_PREFIX}{terminal_no}:{txn_date:%Y%m%d}:{trace:06d}"


@dataclass(frozen=True)
class AcquirerSale:
    """One sale (or reversal without a sale) as the acquirer has it: no card data."""

    key: str
    state: str  # approved / declined / reversed / tombstone
    amount_fen: int
    charges: int


@dataclass(frozen=True)
class SettlementTotals:
    """The acquirer's totals of a day (count and fen of approved, unreversed sales)."""

    count: int
    amount_fen: int


class AcquirerSales(Protocol):
    """The acquirer's side of a kiosk's card sales (the seam: the lab reads the reference
    acquirer's tables; a real acquirer answers through its reports)."""

    def sales(self, kiosk_id: str, day: dt.date) -> list[AcquirerSale]: ...

    def find(self, key: str) -> AcquirerSale | None: ...

    def settlement(self, kiosk_id: str, day: dt.date) -> SettlementTotals: ...


class ReferenceAcquirerSales:
    """The reference acquirer's records (backoffice/storage/acquirer.py) of the acquirer
    terminals registered to a kiosk (acq_terminal.kiosk_id)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def _terminals(self, kiosk_id: str) -> list[str]:
        with self.db.session() as s:
            return list(
                s.scalars(
                    select(AcqTerminalRow.terminal_no).where(AcqTerminalRow.kiosk_id == kiosk_id)
                )
            )

    def sales(self, kiosk_id: str, day: dt.date) -> list[AcquirerSale]:
        terminals = self._terminals(kiosk_id)
        if not terminals:
            return []
        with self.db.session() as s:
            rows = s.scalars(
                select(AcqTxnRow).where(
                    AcqTxnRow.terminal_no.in_(terminals), AcqTxnRow.txn_date == day
                )
            )
            return [_sale(r) for r in rows]

    def find(self, key: str) -> AcquirerSale | None:
        try:
            _card, terminal_no, date, trace = key.split(":")
            at = (terminal_no, int(trace), dt.datetime.strptime(date, "%Y%m%d").date())
        except ValueError:
            return None
        with self.db.session() as s:
            row = s.get(AcqTxnRow, at)
            return None if row is None else _sale(row)

    def settlement(self, kiosk_id: str, day: dt.date) -> SettlementTotals:
        """What the host answers a 0500 of each of the kiosk's terminals with (its totals,
        AcquirerHost.totals), added up."""
        from backoffice.acquirer.host import AcquirerHost

        host = AcquirerHost(self.db, now=dt.datetime.now, today=lambda: day)
        count = amount = 0
        for terminal_no in self._terminals(kiosk_id):
            t = host.totals(terminal_no, day)
            count, amount = count + t.count, amount + t.amount_fen
        return SettlementTotals(count, amount)


def _sale(r: AcqTxnRow) -> AcquirerSale:
    return AcquirerSale(
        sale_key(r.terminal_no, r.txn_date, r.stan), r.state, r.amount_fen, r.charges
    )


@dataclass
class CardRecon:
    """The day's card sales: the acquirer's and the back office's figures (fen)."""

    sales: int = 0  # approved, unreversed sales at the acquirer
    sales_fen: int = 0
    posted: int = 0  # posted orders paid by a card sale of the day
    posted_fen: int = 0
    settlement_count: int = 0  # the acquirer's settlement totals (0510 field 62)
    settlement_fen: int = 0
    journal_tc: int | None = None  # the journal's TCs (None: the journal did not say)
    journal_tc_fen: int | None = None


@dataclass(frozen=True)
class Mismatch:
    kind: str
    order_no: str | None
    detail: str


@dataclass
class ReconReport:
    terminal_id: str
    day: dt.date
    orders: int = 0
    orders_posted_fen: int = 0
    gateway_net_fen: int = 0
    journal_posted_fen: int | None = None
    mismatches: list[Mismatch] = field(default_factory=list)
    card: CardRecon = field(default_factory=CardRecon)

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def as_json(self) -> dict[str, Any]:
        return {
            "terminal_id": self.terminal_id,
            "date": self.day.isoformat(),
            "orders": self.orders,
            "orders_posted_fen": self.orders_posted_fen,
            "gateway_net_fen": self.gateway_net_fen,
            "journal_posted_fen": self.journal_posted_fen,
            "ok": self.ok,
            "mismatches": [asdict(m) for m in self.mismatches],
            "card": asdict(self.card),
        }


def reconcile(
    db: Database,
    gateway: PaymentGateway,
    terminal_id: str,
    day: dt.date,
    journal: Sequence[JournalRecord] | None,
    acquirer: AcquirerSales | None = None,
) -> ReconReport:
    """`acquirer`: the card sales' records (default: the reference acquirer's, in `db`)."""
    report = ReconReport(terminal_id, day)
    bad = report.mismatches.append
    bill = {t.order_no: t for t in gateway.bill(terminal_id, day)}
    with db.session() as s:
        orders = {
            o.order_no: o
            for o in s.scalars(
                select(OrderRow).where(
                    OrderRow.terminal_id == terminal_id, OrderRow.business_date == day
                )
            )
        }
        posted_sum: dict[str, int] = {}
        for p in s.scalars(select(PostingRow).where(PostingRow.order_no.in_(list(orders)))):
            posted_sum[p.order_no] = posted_sum.get(p.order_no, 0) + p.amount_fen + p.late_fee_fen
            month = s.get(ContributionRow, (p.member_id, p.scheme, p.period))
            if month is None or month.status not in ("paid", "back_paid"):
                bad(Mismatch("RECORD_NOT_PAID", p.order_no, f"month {p.period} not paid"))
    report.orders = len(orders)
    card_orders = {no: o for no, o in orders.items() if _is_card(o.gateway_txn)}
    _card_sales(report, db, acquirer or ReferenceAcquirerSales(db), card_orders, journal)
    for no, o in orders.items():
        if no in card_orders:  # matched against the acquirer above, never the gateway's bill
            if o.state == OrderState.POSTED:
                report.orders_posted_fen += o.total_fen
                if posted_sum.get(no) != o.total_fen:
                    bad(Mismatch("POSTING_DIFFERS", no, f"posted {posted_sum.get(no, 0)} fen"))
            if o.state not in ORDER_FINAL:
                bad(Mismatch("ORDER_UNRESOLVED", no, f"order is {o.state}"))
            continue
        t: GatewayTxn | None = bill.get(no)
        charged = t is not None and t.state == "charged"
        if t is not None and t.charges > 1:
            bad(Mismatch("DOUBLE_CHARGE", no, f"the gateway charged {t.charges} times"))
        if o.state == OrderState.POSTED:
            report.orders_posted_fen += o.total_fen
            if not charged:
                bad(Mismatch("POSTED_NOT_CHARGED", no, f"gateway: {t.state if t else 'none'}"))
            elif t is not None and t.amount_fen != o.total_fen:
                bad(Mismatch("AMOUNT_DIFFERS", no, f"{o.total_fen} != {t.amount_fen}"))
            if posted_sum.get(no) != o.total_fen:
                bad(Mismatch("POSTING_DIFFERS", no, f"posted {posted_sum.get(no, 0)} fen"))
        elif charged:
            bad(Mismatch("CHARGED_NOT_POSTED", no, f"order is {o.state}"))
        if o.state not in ORDER_FINAL:
            bad(Mismatch("ORDER_UNRESOLVED", no, f"order is {o.state}"))
    for no, t in bill.items():
        report.gateway_net_fen += t.net_fen
        if no not in orders:
            bad(Mismatch("GATEWAY_ONLY", no, f"a {t.state} transaction without an order"))
    if journal is not None:
        report.journal_posted_fen = 0
        seen: set[str] = set()
        for r in journal:
            if r.state not in JOURNAL_FINAL:
                bad(Mismatch("JOURNAL_UNRESOLVED", r.order_no, f"{r.intent_id} is {r.state}"))
            if r.order_no is None:
                continue
            if r.order_no not in orders:
                continue  # another day's order
            seen.add(r.order_no)
            o = orders[r.order_no]
            if r.state == IntentState.POSTED:
                report.journal_posted_fen += r.amount_fen
                if o.state != OrderState.POSTED:
                    bad(Mismatch("JOURNAL_PAID_ORDER_NOT", r.order_no, f"order is {o.state}"))
            elif o.state == OrderState.POSTED:
                bad(Mismatch("ORDER_PAID_JOURNAL_NOT", r.order_no, f"journal says {r.state}"))
        for no, o in orders.items():
            if no not in seen:
                bad(Mismatch("NOT_IN_JOURNAL", no, f"order {o.state} is not in the journal"))
    return report


def _is_card(gateway_txn: str | None) -> bool:
    return gateway_txn is not None and gateway_txn.startswith(CARD_PREFIX)


def _card_sales(
    report: ReconReport,
    db: Database,
    acquirer: AcquirerSales,
    card_orders: dict[str, OrderRow],
    journal: Sequence[JournalRecord] | None,
) -> None:
    """Card orders x the acquirer's sales x its settlement totals (x the journal's TCs)."""
    bad = report.mismatches.append
    card, day = report.card, report.day
    sales = {x.key: x for x in acquirer.sales(report.terminal_id, day)}
    approved = {k for k, x in sales.items() if x.state == "approved"}
    own: dict[str, list[str]] = {}  # sale key -> this day's posted orders carrying it
    for no, o in card_orders.items():
        if o.state == OrderState.POSTED:
            own.setdefault(o.gateway_txn or "", []).append(no)
    # Every posted order of any day that carries one of these keys (an order created before
    # midnight whose sale went after it is still this day's sale).
    posted = _posted_orders(db, set(own) | approved)
    for key, nos in own.items():
        sale = sales.get(key) or acquirer.find(key)  # a sale of another day: found by its key
        for no in nos:
            order = card_orders[no]
            if sale is None or sale.state in ("declined", "tombstone"):
                what = "no such sale" if sale is None else f"the sale is {sale.state}"
                bad(Mismatch("CARD_POSTED_NO_SALE", no, f"{key}: {what}"))
            elif sale.state == "reversed":
                bad(Mismatch("CARD_REVERSED_POSTED", no, f"{key} was reversed"))
            elif sale.amount_fen != order.total_fen:
                bad(Mismatch("AMOUNT_DIFFERS", no, f"{order.total_fen} != {sale.amount_fen}"))
    for key, sale in sorted(sales.items()):
        if sale.charges > 1:
            bad(Mismatch("DOUBLE_CHARGE", None, f"{key}: the acquirer charged {sale.charges}"))
        if sale.state != "approved":
            continue
        card.sales += 1
        card.sales_fen += sale.amount_fen
        paid = posted.get(key, [])
        if not paid:
            bad(Mismatch("CARD_SALE_NOT_POSTED", None, f"{key}: {sale.amount_fen} fen approved"))
        if len(paid) > 1:
            listed = ", ".join(no for no, _fen in paid)
            bad(Mismatch("CARD_SALE_POSTED_TWICE", paid[1][0], f"{key} paid {listed}"))
        card.posted += len(paid)
        card.posted_fen += sum(fen for _no, fen in paid)
    totals = acquirer.settlement(report.terminal_id, day)
    card.settlement_count, card.settlement_fen = totals.count, totals.amount_fen
    if (totals.count, totals.amount_fen) != (card.posted, card.posted_fen):
        bad(
            Mismatch(
                "SETTLEMENT_DIFFERS",
                None,
                f"acquirer settles {totals.count} sales {totals.amount_fen} fen, posted orders "
                f"{card.posted} {card.posted_fen} fen",
            )
        )
    if journal is None or all(r.card_sale is None for r in journal):
        return  # the journal's rows do not say which sale gave their TC
    tcs = [r for r in journal if r.card_sale]
    day_tcs = [r for r in tcs if r.card_sale in sales]
    card.journal_tc = len(day_tcs)
    card.journal_tc_fen = sum(r.amount_fen for r in day_tcs)
    for r in tcs:
        key = r.card_sale or ""
        sale = sales.get(key) or acquirer.find(key)
        if sale is None or sale.state != "approved":
            state = "none" if sale is None else sale.state
            bad(Mismatch("JOURNAL_TC_NOT_APPROVED", r.order_no, f"{key}: {state}"))
        paid_order = card_orders.get(r.order_no or "")
        if paid_order is not None and paid_order.gateway_txn != key:
            got = paid_order.gateway_txn
            bad(Mismatch("JOURNAL_TC_DIFFERS", r.order_no, f"{key} != {got}"))
    if (card.journal_tc, card.journal_tc_fen) != (totals.count, totals.amount_fen):
        bad(
            Mismatch(
                "JOURNAL_TC_SETTLEMENT_DIFFERS",
                None,
                f"journal {card.journal_tc} TCs {card.journal_tc_fen} fen, acquirer "
                f"{totals.count} {totals.amount_fen} fen",
            )
        )


def _posted_orders(db: Database, keys: set[str]) -> dict[str, list[tuple[str, int]]]:
    """Sale key -> the posted orders (order number, total fen) it paid, of any day."""
    out: dict[str, list[tuple[str, int]]] = {}
    if not keys:
        return out
    with db.session() as s:
        rows = s.execute(
            select(OrderRow.gateway_txn, OrderRow.order_no, OrderRow.total_fen)
            .where(OrderRow.gateway_txn.in_(sorted(keys)), OrderRow.state == OrderState.POSTED)
            .order_by(OrderRow.order_no)
        )
        for key, no, fen in rows:
            out.setdefault(key or "", []).append((no, fen))
    return out


def journal_records(path: str) -> list[JournalRecord]:
    """Read the kiosk's journal file (kiosk/payments/journal.py) without importing the kiosk:
    its intents, each with the key of its card sale's TC if it has one."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = con.execute("SELECT intent_id, order_no, state, amount_fen FROM intent").fetchall()
        has_card = con.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='card_txn'"
        ).fetchone()
        tcs: dict[str, str] = {}
        if has_card:
            for iid, terminal_no, txn_date, trace in con.execute(
                "SELECT intent_id, terminal_no, txn_date, trace FROM card_txn WHERE step='TC'"
            ):
                tcs[iid] = sale_key(terminal_no, dt.date.fromisoformat(txn_date), trace)
    finally:
        con.close()
    # "" : the journal knows the intent has no TC; None: a journal without card sales at all
    return [
        JournalRecord(iid, no, state, fen, tcs.get(iid, "") if has_card else None)
        for iid, no, state, fen in rows
    ]


def _utc_now() -> dt.datetime:
    """Naive UTC, as the back office stores instants (never the host's local time)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m backoffice.reconcile", description=__doc__)
    ap.add_argument("--db", required=True)
    ap.add_argument("--terminal", required=True)
    ap.add_argument("--date", type=dt.date.fromisoformat, required=True)
    ap.add_argument("--journal", default=None, help="the kiosk's journal.sqlite3")
    args = ap.parse_args(argv)
    from backoffice.gateway.switches import Switches

    db = Database(args.db)
    gw = GatewaySimulator(db, Switches(), now=_utc_now, today=lambda: args.date)
    journal = None if args.journal is None else journal_records(args.journal)
    report = reconcile(db, gw, args.terminal, args.date, journal)
    print(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
