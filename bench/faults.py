"""Randomized fault schedules against the real kiosk payment service and the real back office.

Each run: a fresh terminal and journal, a flexible worker who owes months; one payment by
`python -m kiosk.payments.worker` with a random fault; sometimes two at once:

- bank-card (the EMV card sale, issue 16; the emulated card in the worker's process, the
  emulated PIN pad, the reference acquirer over TCP; a fresh card account and acquirer terminal
  per run): an acquirer fault (no answer, answer then drop, duplicate answer, wrong MAC, slow
  past the read timeout, slow within it), SIGKILL at a card kill point (after_auth_sent,
  in flight = after_auth_sent with a random delay while the host is slow, after_approved,
  after_tc, during_card_posting, during_reversal), the card pulled after approval, a wrong PIN
  then the right one;
- card (the lab gateway's account debit) and QR: SIGKILL at a named point, a gateway decline /
  timeout before or after charging / slow answer, a 5xx before or after the work, a duplicate
  or lost QR notification, a QR left to time out, a card pulled.

Then the kiosk restarts (`recover`, which for card sales signs on and sends what is due) and
every intent is checked: one charge and one posting or none (lost / doubled), nothing
unresolved, the day's reconciliation clean. For bank-card runs the card account at the acquirer
must be debited by exactly the posted orders (per order: an approved, unreversed sale with the
order's key and amount, and no other). Recovery time is from the restart (process launch) until
every row is resolved.

One back office process (with its acquirer) serves every run (switches are scoped to each
run's terminal, so runs go in parallel). Goal: 0 lost, 0 doubled, 0 unresolved over 500 runs;
every in-doubt payment resolved within 10 s of restart (PaymentService's recheck_interval
while in doubt, the worker's --recheck 0.25 s, decides it after the first pass).

Run: .venv/bin/python bench/faults.py [--runs 500] [--jobs 4] [--seed 1] [--methods ...]
(default: 40 runs, quick enough for `make bench`)
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select

from backoffice.acquirer.accounts import add_account, add_terminal
from backoffice.gateway.harness import PaymentsLab
from backoffice.harness import RunningService, running_service
from backoffice.reconcile import sale_key
from backoffice.storage import Database
from backoffice.storage.acquirer import AcqAccountRow, AcqTxnRow
from kiosk.payments.card_lab import lab_finance
from printer.harness import virtual_receipt_printer

TODAY = dt.date(2026, 6, 20)
GOAL_SECONDS = 10.0

CARD_FAULTS = (
    "none",
    "kill:after_prepared",
    "kill:after_order",
    "kill:after_sent",
    "kill:in_flight",
    "kill:after_answer",
    "kill:during_posting",
    "kill:during_receipt",
    "gw:decline",
    "gw:timeout_before",
    "gw:timeout_after",
    "gw:slow",
    "api:5xx_before",
    "api:5xx_after",
    "card_pulled",
)
QR_FAULTS = (
    "none",
    "kill:after_prepared",
    "kill:after_sent",
    "kill:qr_shown+paid",
    "kill:qr_shown",
    "kill:during_posting",
    "qr:timeout",
    "qr:duplicate_notify",
    "qr:drop_notify",
    "api:5xx_after",
)
EXTRA = ("gw:timeout_after", "api:5xx_after", "gw:slow", "qr:duplicate_notify")
BANK_FAULTS = (
    "none",
    "acq:no_answer",
    "acq:answer_then_drop",
    "acq:duplicate_answer",
    "acq:wrong_mac",
    "acq:slow",  # past the read timeout: in doubt, reversed
    "acq:slow_in_time",  # slow, answered within the read timeout
    "kill:after_auth_sent",
    "kill:in_flight",  # after_auth_sent + a random delay: the 0200 on its way or being answered
    "kill:after_approved",
    "kill:after_tc",
    "kill:during_card_posting",
    "kill:during_reversal",
    "card_pulled",  # after approval, before the TC: reversed
    "wrong_pin",  # a wrong PIN (55), then the right one
)
BANK_EXTRA = ("wrong_pin", "acq:no_answer", "acq:duplicate_answer", "acq:slow_in_time")
PIN = "246810"
OPENING_FEN = 10_000_000  # each run's card account: 100,000.00 yuan, more than any order


@dataclass
class RunResult:
    schedule: str
    lost: int = 0
    doubled: int = 0
    unresolved: int = 0
    in_doubt: bool = False
    recovery_s: float = 0.0
    problems: list[str] = field(default_factory=list)


@dataclass
class Bench:
    lab: PaymentsLab
    svc: RunningService
    db: Database
    work: Path
    printer_port: int
    methods: tuple[str, ...]
    numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def acquirer_terminal(self) -> str:
        with self.lock:
            return f"F{next(self.numbers):07d}"  # field 41: 8 characters


def one_run(bench: Bench, rng: random.Random) -> RunResult:
    method = rng.choice(bench.methods)
    if method == "bank-card":
        return bank_card_run(bench, rng)
    return gateway_run(bench.lab, rng, bench.work, bench.printer_port, method)


def gateway_run(
    lab: PaymentsLab, rng: random.Random, work: Path, printer_port: int, method: str
) -> RunResult:
    fault = rng.choice(QR_FAULTS if method == "qr" else CARD_FAULTS)
    faults = [fault]
    if rng.random() < 0.25:
        faults.append(rng.choice([e for e in EXTRA if (e.startswith("qr:")) == (method == "qr")]))
    terminal, key = lab.new_terminal()
    member = lab.take_member(terminal, key)
    journal = work / f"{terminal}.sqlite3"
    args = ["--member", member, "--method", method, "--read-timeout", "1.5"]
    env: dict[str, str] = {}
    switches: dict[str, object] = {}
    phone_after_kill = False
    for f in faults:
        kind, _, what = f.partition(":")
        if kind == "kill":
            point = what.split("+")[0]
            if point == "in_flight":
                switches["slow_seconds"] = round(rng.uniform(0.3, 1.2), 2)
                env["KIOSK_KILL_POINT"] = "after_sent"
                env["KIOSK_KILL_DELAY"] = str(round(rng.uniform(0.05, 0.25), 2))
            else:
                env["KIOSK_KILL_POINT"] = point
            phone_after_kill = what.endswith("+paid")
            if point == "during_receipt":
                args += ["--printer", f"127.0.0.1:{printer_port}", "--print"]
        elif kind == "gw":
            if what == "slow":
                switches["slow_seconds"] = round(rng.uniform(1.6, 2.5), 2)  # > read timeout
            else:
                switches[what] = 1
        elif kind == "api":
            switches[f"api_{what}"] = rng.randint(1, 3) if what == "5xx_before" else 1
        elif kind == "qr":
            if what == "timeout":
                args += ["--qr-timeout", "0.6"]
            else:
                switches[what] = True
        elif kind == "card_pulled":
            args.append("--card-pulled")
    if method == "qr" and fault not in ("qr:timeout", "kill:qr_shown", "kill:qr_shown+paid"):
        args += ["--phone-pays", str(round(rng.uniform(0.05, 0.4), 2))]
    if method == "card" and "--print" not in args and rng.random() < 0.2:
        args += ["--printer", f"127.0.0.1:{printer_port}", "--print"]
    result = RunResult("+".join(faults) + f" ({method})")
    try:
        if switches:
            lab.switches(terminal=terminal, **switches)
        run = lab.worker("pay", journal, terminal, key, *args, env=env)
        if run.returncode not in (0, 2, -9):
            result.problems.append(f"worker exit {run.returncode}: {run.stderr[-300:]}")
        lab.reset(terminal)
        if phone_after_kill and run.event("confirmed"):
            lab.phone_pays(run.event("confirmed")["order_no"])  # type: ignore[index]
        pending = _unresolved(journal)
        result.in_doubt = pending > 0
        start = time.monotonic()
        rec = lab.worker("recover", journal, terminal, key, "--deadline", "30")
        result.recovery_s = time.monotonic() - start
        v = lab.check(journal, terminal, key)
        result.lost, result.doubled, result.unresolved = v.lost, v.doubled, v.unresolved
        result.problems += v.problems
        if rec.returncode != 0:
            result.problems.append(f"recover exit {rec.returncode}")
    finally:
        lab.release(member)
    return result


def bank_card_run(bench: Bench, rng: random.Random) -> RunResult:
    """One EMV card sale with its faults, a restart, and the checks against the acquirer."""
    lab = bench.lab
    fault = rng.choice(BANK_FAULTS)
    faults = [fault]
    if rng.random() < 0.25:
        faults.append(rng.choice([e for e in BANK_EXTRA if e != fault]))
    terminal, key = lab.new_terminal()
    member = lab.take_member(terminal, key)
    acq_terminal = bench.acquirer_terminal()
    add_terminal(bench.db, acq_terminal, kiosk_id=terminal)
    finance = lab_finance(pin=PIN, balance_fen=OPENING_FEN)
    add_account(bench.db, finance)
    journal = bench.work / f"{terminal}.sqlite3"
    typed = [PIN]
    switches: dict[str, object] = {}
    env: dict[str, str] = {}
    args = ["--member", member, "--method", "bank-card", "--settle-wait", "3"]
    for f in faults:
        kind, _, what = f.partition(":")
        if kind == "acq":
            if what == "slow":
                switches["slow_seconds"] = round(rng.uniform(1.6, 2.2), 2)  # > read timeout 1.5
            elif what == "slow_in_time":
                switches.setdefault("slow_seconds", round(rng.uniform(0.2, 0.9), 2))
            else:
                # Sometimes the reversals that follow are hit too (the counter: messages).
                switches[what] = 1 if rng.random() < 0.7 else rng.randint(2, 3)
        elif kind == "kill":
            if what == "in_flight":
                switches.setdefault("slow_seconds", round(rng.uniform(0.3, 1.0), 2))
                env["KIOSK_KILL_POINT"] = "after_auth_sent"
                env["KIOSK_KILL_DELAY"] = str(round(rng.uniform(0.01, 0.6), 3))
            else:
                env["KIOSK_KILL_POINT"] = what
                if what == "during_reversal" and "--pull-after-approval" not in args:
                    args.append("--pull-after-approval")  # a reversal to be killed in
        elif f == "card_pulled":
            if "--pull-after-approval" not in args:
                args.append("--pull-after-approval")
        elif f == "wrong_pin":
            typed = ["1" + PIN[1:] if PIN[0] != "1" else "2" + PIN[1:], PIN]
    card_file = bench.work / f"{terminal}.card.json"
    card_file.write_text(
        json.dumps(
            {
                "pan": finance.pan,
                "psn": finance.psn,
                "expiry": finance.expiry,
                "pin": PIN,
                "typed": typed,
                "state_file": str(bench.work / f"{terminal}.card-state.json"),
            }
        )
    )
    card_file.chmod(0o600)
    if switches:
        args += ["--acquirer-faults", json.dumps(switches)]
    acq = [
        "--acquirer",
        f"127.0.0.1:{bench.svc.acquirer_port}",
        "--acquirer-terminal",
        acq_terminal,
        "--today",
        TODAY.isoformat(),
    ]
    result = RunResult("+".join(faults) + " (bank-card)")
    try:
        run = lab.worker("pay", journal, terminal, key, *args, "--card-file", str(card_file), *acq,
                         env=env)  # fmt: skip
        if run.returncode not in (0, 2, -9):
            result.problems.append(f"worker exit {run.returncode}: {run.stderr[-300:]}")
        _reset_acquirer(lab, acq_terminal)
        result.in_doubt = _unresolved(journal) > 0
        start = time.monotonic()
        rec = lab.worker("recover", journal, terminal, key, "--deadline", "30", *acq)
        result.recovery_s = time.monotonic() - start
        if rec.returncode != 0:
            result.problems.append(f"recover exit {rec.returncode}: {rec.stderr[-300:]}")
        _check_card(bench, result, journal, terminal, key, acq_terminal, finance.pan)
    finally:
        lab.release(member)
    return result


def _reset_acquirer(lab: PaymentsLab, acq_terminal: str) -> None:
    lab.http.post(
        f"{lab.url}/sim/acquirer/reset", json={}, params={"terminal": acq_terminal}, timeout=10
    ).raise_for_status()


def _check_card(
    bench: Bench,
    result: RunResult,
    journal: Path,
    terminal: str,
    key: str,
    acq_terminal: str,
    pan: str,
) -> None:
    """Per order: posted <=> one approved, unreversed sale of its amount under its key; the card
    account debited by exactly the posted orders; nothing left open; reconciliation clean."""
    lab, bad = bench.lab, result.problems.append
    h = lab.headers(terminal, key)
    with bench.db.session() as s:
        sales = list(s.scalars(select(AcqTxnRow).where(AcqTxnRow.terminal_no == acq_terminal)))
        balance = s.scalars(select(AcqAccountRow.balance_fen).where(AcqAccountRow.pan == pan)).one()
    approved = {sale_key(t.terminal_no, t.txn_date, t.stan): t for t in sales
                if t.state == "approved"}  # fmt: skip
    result.doubled += sum(1 for t in sales if t.charges > 1)
    intents, steps = _journal(journal)
    posted_fen = 0
    claimed: set[str] = set()
    for intent_id, state in intents.items():
        if state not in ("POSTED", "FAILED", "REVERSED"):
            result.unresolved += 1
            bad(f"{intent_id}: journal {state}")
        open_steps = [st for st in steps.get(intent_id, []) if st in _OPEN_STEPS]
        if open_steps:
            result.unresolved += 1
            bad(f"{intent_id}: card steps {open_steps} left open")
        r = lab.http.get(f"{lab.url}/v1/orders/by-key/{intent_id}", headers=h, timeout=10)
        order = r.json() if r.status_code == 200 else None
        if order is None:
            continue
        if not order["final"]:
            result.unresolved += 1
            bad(f"{intent_id}: order {order['state']}")
        if order["state"] != "posted":
            if state == "POSTED":
                bad(f"{intent_id}: journal POSTED, order {order['state']}")
            continue
        total = _fen(order["total"])
        posted_fen += total
        txn = _order_txn(bench.db, order["order_no"])
        sale = approved.get(txn or "")
        if sale is None:
            bad(f"{intent_id}: order posted without an approved sale ({txn})")
        elif sale.amount_fen != total:
            bad(f"{intent_id}: sale {sale.amount_fen} fen != order {total} fen")
        else:
            claimed.add(txn or "")
        if state != "POSTED":
            bad(f"{intent_id}: order posted, journal {state}")
    for k, t in approved.items():
        if k not in claimed:
            result.lost += 1
            bad(f"{k}: {t.amount_fen} fen charged, no posted order")
    debited = OPENING_FEN - balance
    if debited > posted_fen:
        result.doubled += 1 if claimed else 0
        bad(f"account debited {debited} fen, posted orders {posted_fen} fen")
    elif debited < posted_fen:
        bad(f"account debited {debited} fen < posted orders {posted_fen} fen")
    r = lab.http.post(
        f"{lab.url}/v1/reconciliation", headers=h, json={"date": TODAY.isoformat()}, timeout=30
    )
    r.raise_for_status()
    for m in r.json()["mismatches"]:
        bad(f"reconciliation {m['kind']} {m['order_no']}: {m['detail']}")


_OPEN_STEPS = ("AUTH_SENT", "APPROVED", "REVERSAL_PENDING")


def _fen(amount: str) -> int:
    yuan, _, fen = amount.partition(".")
    return int(yuan) * 100 + int((fen + "00")[:2])


def _order_txn(db: Database, order_no: str) -> str | None:
    from backoffice.storage.payments import OrderRow

    with db.session() as s:
        return s.scalars(select(OrderRow.gateway_txn).where(OrderRow.order_no == order_no)).first()


def _journal(path: Path) -> tuple[dict[str, str], dict[str, list[str]]]:
    import sqlite3

    if not path.exists():
        return {}, {}
    con = sqlite3.connect(path)
    try:
        intents = dict(con.execute("SELECT intent_id, state FROM intent").fetchall())
        steps: dict[str, list[str]] = {}
        for iid, step in con.execute("SELECT intent_id, step FROM card_txn ORDER BY trace"):
            steps.setdefault(iid, []).append(step)
    finally:
        con.close()
    return intents, steps


def _unresolved(journal: Path) -> int:
    import sqlite3

    if not journal.exists():
        return 0
    con = sqlite3.connect(journal)
    try:
        return con.execute(
            "SELECT count(*) FROM intent WHERE state NOT IN ('POSTED','FAILED','REVERSED')"
        ).fetchone()[0]
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=40, help="500 for the issue's figure")
    ap.add_argument("--jobs", type=int, default=4, help="runs in parallel")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--members", type=int, default=600)
    ap.add_argument(
        "--methods",
        default="bank-card,bank-card,card,qr",
        help="drawn from at random (repeat one to weight it)",
    )
    args = ap.parse_args(argv)
    methods = tuple(m.strip() for m in args.methods.split(",") if m.strip())
    if not set(methods) <= {"bank-card", "card", "qr"}:
        ap.error("--methods: bank-card, card, qr")
    master = random.Random(args.seed)
    seeds = [master.randrange(2**32) for _ in range(args.runs)]
    results: list[RunResult] = []
    lock = threading.Lock()
    t0 = time.monotonic()
    with (
        tempfile.TemporaryDirectory(prefix="bench-faults-") as tmp,
        running_service(members=args.members, seed=3, today=TODAY, acquirer=True) as svc,
        virtual_receipt_printer() as vp,
    ):
        db = Database(svc.database)
        bench = Bench(PaymentsLab(svc), svc, db, Path(tmp), vp.port, methods)

        def task(seed: int) -> None:
            r = one_run(bench, random.Random(seed))
            with lock:
                results.append(r)
                if r.problems:
                    print(f"  run {len(results)} {r.schedule}: {r.problems[:3]}", flush=True)
                elif len(results) % 50 == 0:
                    print(f"  {len(results)} runs done", flush=True)

        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            list(pool.map(task, seeds))
        db.dispose()
    elapsed = time.monotonic() - t0
    lost = sum(r.lost for r in results)
    doubled = sum(r.doubled for r in results)
    unresolved = sum(r.unresolved for r in results)
    other = sum(1 for r in results if r.problems and not (r.lost or r.doubled or r.unresolved))
    doubt = [r.recovery_s for r in results if r.in_doubt]
    every = [r.recovery_s for r in results]
    kinds = Counter(r.schedule.split(" ")[0].split("+")[0] for r in results)
    print(f"fault kinds: {', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))}")
    print(f"runs: {len(results)}")
    print(f"lost: {lost}")
    print(f"doubled: {doubled}")
    print(f"unresolved: {unresolved}")
    print(f"other mismatches: {other}")
    print(f"in doubt at restart: {len(doubt)}")
    print(
        f"median recovery time: {statistics.median(doubt or [0]):.2f} s"
        f" (in-doubt runs; p95 {_p95(doubt):.2f} s, max {max(doubt or [0]):.2f} s; all runs"
        f" median {statistics.median(every or [0]):.2f} s)"
    )
    bank = [r for r in results if r.schedule.endswith("(bank-card)")]
    bank_doubt = [r.recovery_s for r in bank if r.in_doubt]
    print(
        f"bank-card runs: {len(bank)}; lost {sum(r.lost for r in bank)}, doubled"
        f" {sum(r.doubled for r in bank)}, unresolved {sum(r.unresolved for r in bank)};"
        f" in doubt at restart {len(bank_doubt)}: resolved in max {max(bank_doubt or [0]):.2f} s,"
        f" p95 {_p95(bank_doubt):.2f} s after restart"
    )
    if doubt:
        slowest = max((r for r in results if r.in_doubt), key=lambda r: r.recovery_s)
        print(f"slowest recovery: {slowest.recovery_s:.2f} s ({slowest.schedule})")
    print(f"wall time: {elapsed:.0f} s with {args.jobs} parallel runs")
    ok = not (lost or doubled or unresolved or other) and max(doubt or [0]) <= GOAL_SECONDS
    verdict = "PASS" if ok else "FAIL"
    print(
        f"verdict: {verdict}: {lost} lost, {doubled} doubled, {unresolved} unresolved over "
        f"{len(results)} runs; every in-doubt payment resolved within "
        f"{max(doubt or [0]):.1f} s of restart (goal {GOAL_SECONDS:.0f} s)"
    )
    return 0 if ok else 1


def _p95(xs: list[float]) -> float:
    if not xs:
        return 0.0
    ordered = sorted(xs)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


if __name__ == "__main__":
    sys.exit(main())
