"""Daily reconciliation (对账) of one terminal: the kiosk's journal, the back office's orders and
the gateway's bill, matched order by order; every difference is listed.

    report = reconcile(db, gateway, "KIOSK-0001", day, journal_rows)
    report.ok, report.mismatches

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
from typing import Any

from sqlalchemy import select

from backoffice.gateway.seam import PaymentGateway
from backoffice.gateway.simulator import GatewaySimulator, GatewayTxn
from backoffice.storage import Database
from backoffice.storage.members import ContributionRow
from backoffice.storage.payments import OrderRow, PostingRow
from kiosk.domain.payments import IntentState, OrderState

# States are stored as the enums' values (strings); a str compares equal to its member.
JOURNAL_FINAL = frozenset(s for s in IntentState if s.final)
ORDER_FINAL = frozenset(s for s in OrderState if s.final)


@dataclass(frozen=True)
class JournalRecord:
    """One payment intent as the kiosk's journal has it."""

    intent_id: str
    order_no: str | None
    state: str
    amount_fen: int


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
        }


def reconcile(
    db: Database,
    gateway: PaymentGateway,
    terminal_id: str,
    day: dt.date,
    journal: Sequence[JournalRecord] | None,
) -> ReconReport:
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
    for no, o in orders.items():
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


def journal_records(path: str) -> list[JournalRecord]:
    """Read the kiosk's journal file (kiosk/payments/journal.py) without importing the kiosk."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = con.execute("SELECT intent_id, order_no, state, amount_fen FROM intent").fetchall()
    finally:
        con.close()
    return [JournalRecord(*r) for r in rows]


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
