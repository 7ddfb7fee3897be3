"""The kiosk payment service as a process of its own, for fault injection and benchmarks.

    python -m kiosk.payments.worker pay --journal J --url U --member M \
        [--method bank-card|card|qr] ...
    python -m kiosk.payments.worker recover --journal J --url U [--deadline 30]

`pay` runs one payment as the pay screens would (dues -> quote -> confirm -> card sale, card
debit or QR -> receipt) and prints JSON lines ({"event": "qr", ...}, then {"event": "outcome",
...}). `recover` runs recovery passes until no journal row is unresolved (or the deadline) and
prints {"event": "recovered", "seconds": ..., "unresolved": [...]}.

`--method bank-card` is the EMV card sale (kiosk/payments/card_sale.py) with the lab's parts
(kiosk/payments/card_lab.py): the emulated card's bank application in this process (no pcscd),
the emulated PIN pad, a simulated member typing the PINs of `--card-file` (a JSON the lab
writes: pan, psn, expiry, pin, typed, state_file), and the acquirer at `--acquirer HOST:PORT`
as terminal `--acquirer-terminal`. The worker signs on first (as a kiosk does at start), then
applies `--acquirer-faults` (JSON for /sim/acquirer/switches of its terminal), so the faults
hit the sale and not the sign-on. `--pull-after-approval`: the member takes the card while the
host answers. `recover` with `--acquirer` also finishes card sales (0400s, postings).

`--method card` is the old account debit through the lab gateway (PaymentSettings.account_debit).

Fault injection: KIOSK_KILL_POINT=<name> (kiosk.payments.service.KILL_POINTS) SIGKILLs this process
when the flow reaches that point; with KIOSK_KILL_DELAY=<seconds> the kill comes that long
after the point is reached, while the flow goes on (e.g. inside the HTTP call that follows)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from kiosk.backoffice.client import BackOfficeClient
from kiosk.config import BackOfficeConfig
from kiosk.domain import Scheme
from kiosk.domain.payments import CardAuthorization, Payer, PayMethod
from kiosk.payments.card_sale import BankCard, CardSale
from kiosk.payments.client import PaymentClient
from kiosk.payments.errors import PaymentError
from kiosk.payments.journal import Journal
from kiosk.payments.service import KILL_POINTS, PaymentService, PaymentSettings, dumps_outcome


def kill_switch() -> Any:
    """The checkpoint hook: SIGKILL at the point named in KIOSK_KILL_POINT."""
    point = os.environ.get("KIOSK_KILL_POINT", "")
    if point and point not in KILL_POINTS:
        raise SystemExit(f"unknown kill point {point!r}; known: {', '.join(KILL_POINTS)}")
    delay = float(os.environ.get("KIOSK_KILL_DELAY", "0") or 0)

    def die() -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    def checkpoint(name: str) -> None:
        if name != point:
            return
        if delay > 0:
            threading.Timer(delay, die).start()
        else:
            die()

    return checkpoint


def emit(event: str, **fields: Any) -> None:
    print(json.dumps({"event": event, **fields}, ensure_ascii=False), flush=True)


def build(args: argparse.Namespace) -> tuple[PaymentService, BackOfficeClient]:
    config = BackOfficeConfig(
        url=args.url,
        api_key=args.api_key,
        connect_timeout=args.connect_timeout,
        read_timeout=args.read_timeout,
    )
    bo = BackOfficeClient(config, args.terminal, retries=1, backoff=0.1)
    client = PaymentClient(bo, attempts=args.attempts, backoff=0.1)
    printer = None
    if getattr(args, "printer", None):
        from printer.receipt_printer import EscposReceiptPrinter, ReceiptPrinterSettings

        host, port = args.printer.rsplit(":", 1)
        printer = EscposReceiptPrinter(ReceiptPrinterSettings(host=host, port=int(port)))
    settings = PaymentSettings(
        terminal_id=args.terminal,
        hall_name="市社会保险服务大厅",
        qr_poll_interval=args.qr_poll,
        qr_timeout=args.qr_timeout,
        settle_wait=args.settle_wait,
        recheck_interval=args.recheck,
        account_debit=True,  # `--method card` is the lab gateway's account debit
    )
    checkpoint = kill_switch()
    journal = Journal(args.journal)
    svc = PaymentService(client, journal, settings, printer=printer, checkpoint=checkpoint)
    if args.acquirer:
        svc.card_sale = _card_sale(args, journal, client, checkpoint)
    return svc, bo


def _card_sale(
    args: argparse.Namespace, journal: Journal, client: PaymentClient, checkpoint: Any
) -> CardSale:
    """The lab's card sale (emulated pad, acquirer client), signed on as a kiosk at start."""
    from kiosk.payments.card_lab import lab_card_sale

    host, port = args.acquirer.rsplit(":", 1)
    today = dt.date.fromisoformat(args.today) if args.today else None

    def local_now() -> dt.datetime:
        # The lab back office's business day (its --today) with the wall clock's time: the
        # acquirer dates the sale (field 13) by its own day.
        now = dt.datetime.now()
        return now if today is None else dt.datetime.combine(today, now.time())

    sale = lab_card_sale(
        journal,
        client,
        host=host,
        port=int(port),
        terminal_no=args.acquirer_terminal,
        read_timeout=args.acquirer_timeout,
        checkpoint=checkpoint,
        reversal_pause=0.2,
        local_now=local_now,
    )
    try:
        sale.acquirer.sign_on()
    except Exception as e:  # the sale signs on again itself; say why it failed here
        emit("sign_on_error", error=type(e).__name__)
    return sale


def _bank_card(args: argparse.Namespace) -> BankCard:
    """The emulated card of --card-file in this process, and the member who types its PINs."""
    from common import emv_profile
    from kiosk.payments.card_lab import emulated_bank_card, lab_bank_card

    with open(args.card_file, encoding="utf-8") as f:
        spec = json.load(f)
    finance = emv_profile.FinanceProfile(
        pan=spec["pan"],
        psn=spec.get("psn", "01"),
        expiry=spec.get("expiry", "301231"),
        pin=spec["pin"],
        apps=("debit",),
        oda=spec.get("oda", "sda"),
        oda_broken=False,
        balance_fen=int(spec.get("balance_fen", 0)),
        issuer_keys=emv_profile.TEST_ISSUER_KEYS,
    )
    card = emulated_bank_card(finance, Path(spec["state_file"]))
    typed = list(spec.get("typed") or [spec["pin"]])
    bank, _runner = lab_bank_card(card, typed, pull_after_approval=args.pull_after_approval)
    return bank


def _apply_faults(args: argparse.Namespace, bo: BackOfficeClient) -> None:
    """The lab's acquirer switches of this terminal, set after the sign-on."""
    if not args.acquirer_faults:
        return
    r = bo.session.post(
        f"{args.url.rstrip('/')}/sim/acquirer/switches",
        json=json.loads(args.acquirer_faults),
        params={"terminal": args.acquirer_terminal},
        timeout=5,
    )
    r.raise_for_status()


def pay(args: argparse.Namespace) -> int:
    svc, bo = build(args)
    scheme = Scheme(args.scheme)
    due = next((d for d in bo.dues(args.member) if d.scheme is scheme), None)
    if due is None:
        emit("error", error="nothing_due")
        return 3
    periods = list(due.periods[: args.months]) if due.kind == "flexible" else None
    try:
        quote = svc.quote(args.member, scheme, periods=periods)
        payer = Payer(args.member, "*某某", "110***********0000")
        method = PayMethod.CARD if args.method == "bank-card" else PayMethod(args.method)
        pending = svc.confirm(quote, quote.total, payer, method)
    except PaymentError as e:
        emit("error", error=e.message_key, detail=e.detail)
        return 2
    emit("confirmed", intent_id=pending.intent_id, order_no=pending.order_no)
    if args.method == "bank-card":
        bank = _bank_card(args)
        _apply_faults(args, bo)
        outcome = svc.pay_by_card(pending, bank)
    elif args.method == "card":
        card = CardAuthorization(args.account, pin_verified=True, initial_pin=False)
        outcome = svc.pay_by_card(pending, card, card_present=lambda: not args.card_pulled)
    else:
        qr = svc.start_qr(pending)
        emit("qr", url=qr.url, order_no=qr.order_no)
        if args.phone_pays is not None:
            threading.Timer(args.phone_pays, _phone, (bo, qr.url)).start()
        outcome = svc.wait_qr(qr)
    if outcome.paid and args.print:
        svc.print_receipt(outcome.intent_id)
        outcome = svc.outcome_of(outcome.intent_id)
    emit("outcome", **json.loads(dumps_outcome(outcome)))
    return 0


def _phone(bo: BackOfficeClient, url: str) -> None:
    """The member's phone pays the QR code (the gateway simulator's pay page)."""
    try:
        bo.session.post(url, json={}, timeout=5)  # the simulator's controls take JSON only
    except Exception as e:  # the phone's trouble is not the kiosk's: just say so
        emit("phone_error", error=str(e))


def recover(args: argparse.Namespace) -> int:
    svc, _bo = build(args)
    start = time.monotonic()
    report = svc.recover()
    while report.unresolved and time.monotonic() - start < args.deadline:
        time.sleep(args.recheck)
        report = svc.recover()
    emit(
        "recovered",
        seconds=round(time.monotonic() - start, 3),
        resolved=[[i, s.value] for i, s in report.resolved],
        unresolved=report.unresolved,
        errors=report.errors[:5],
    )
    return 0 if not report.unresolved else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m kiosk.payments.worker")
    sub = ap.add_subparsers(dest="command", required=True)
    for name in ("pay", "recover"):
        sp = sub.add_parser(name)
        sp.add_argument("--journal", required=True)
        sp.add_argument("--url", required=True)
        sp.add_argument("--terminal", default="KIOSK-0001")
        sp.add_argument("--api-key", default="demo-key-KIOSK-0001")
        sp.add_argument("--connect-timeout", type=float, default=1.0)
        sp.add_argument("--read-timeout", type=float, default=5.0)
        sp.add_argument("--attempts", type=int, default=3)
        sp.add_argument("--qr-poll", type=float, default=0.2)
        sp.add_argument("--qr-timeout", type=float, default=10.0)
        sp.add_argument("--settle-wait", type=float, default=10.0)
        sp.add_argument("--recheck", type=float, default=0.25)
        sp.add_argument("--deadline", type=float, default=30.0)
        sp.add_argument("--acquirer", default=None, help="the acquirer's HOST:PORT (card sales)")
        sp.add_argument("--acquirer-terminal", default="KS000001", help="field 41")
        sp.add_argument("--acquirer-timeout", type=float, default=1.5, help="read timeout (s)")
        sp.add_argument("--today", default=None, help="the card sale's local date (YYYY-MM-DD)")
    sp = sub.choices["pay"]
    sp.add_argument("--member", required=True)
    sp.add_argument("--scheme", default="pension")
    sp.add_argument("--months", type=int, default=1)
    sp.add_argument("--method", choices=("bank-card", "card", "qr"), default="card")
    sp.add_argument("--account", default="X00000019")
    sp.add_argument("--card-pulled", action="store_true", help="the card is gone before paying")
    sp.add_argument("--card-file", default=None, help="bank-card: the emulated card (JSON)")
    sp.add_argument(
        "--pull-after-approval", action="store_true", help="bank-card: pulled before the TC"
    )
    sp.add_argument("--acquirer-faults", default=None, help="bank-card: acquirer switches JSON")
    sp.add_argument("--phone-pays", type=float, default=None, help="the phone pays after N s")
    sp.add_argument("--printer", default=None, help="receipt printer HOST:PORT")
    sp.add_argument("--print", action="store_true", help="print the receipt when paid")
    args = ap.parse_args(argv)
    bank = args.command == "pay" and args.method == "bank-card"
    if bank and not (args.acquirer and args.card_file):
        ap.error("--method bank-card needs --acquirer and --card-file")
    return pay(args) if args.command == "pay" else recover(args)


if __name__ == "__main__":
    sys.exit(main())
