"""A lab around a running back office for payment tests and the fault benchmark.

    with running_service(members=120, today=...) as svc:
        lab = PaymentsLab(svc)
        terminal, key = lab.new_terminal()            # its own terminal: its own bill and day
        member = lab.take_member()                    # a flexible worker with months to pay
        run = lab.worker("pay", journal, terminal, key, "--member", member,
                         env={"KIOSK_KILL_POINT": "after_answer"})
        lab.worker("recover", journal, terminal, key)
        verdict = lab.check(journal, terminal, key)   # lost / doubled / unresolved, reasons

The worker is `python -m kiosk.payments.worker` (the real kiosk payment service) in a
subprocess; `check` compares, for every intent of the journal, the kiosk's journal, the back
office's order and the gateway's bill, and runs the day's reconciliation."""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import sqlite3
import subprocess
import sys
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import select

from backoffice.harness import REPO, RunningService
from backoffice.storage import Database
from backoffice.storage.members import EnrolmentRow, MemberRow
from backoffice.storage.terminals import TerminalRow
from kiosk.domain.payments import IntentState, OrderState

JOURNAL_FINAL = frozenset(s for s in IntentState if s.final)


@dataclass
class WorkerRun:
    returncode: int
    events: list[dict[str, Any]]
    stderr: str

    @property
    def killed(self) -> bool:
        return self.returncode == -9

    def event(self, name: str) -> dict[str, Any] | None:
        return next((e for e in reversed(self.events) if e.get("event") == name), None)


@dataclass
class Verdict:
    intents: int = 0
    charged: int = 0
    posted: int = 0
    lost: int = 0
    doubled: int = 0
    unresolved: int = 0
    problems: list[str] = field(default_factory=list)
    reconciliation: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not (self.lost or self.doubled or self.unresolved or self.problems)


class PaymentsLab:
    def __init__(self, svc: RunningService) -> None:
        self.svc = svc
        self.url = svc.url
        self.http = requests.Session()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._members: list[str] | None = None
        self._used: set[str] = set()

    # --- the simulated world -------------------------------------------------------------

    def switches(self, terminal: str | None = None, **values: Any) -> dict[str, Any]:
        params = {} if terminal is None else {"terminal": terminal}
        r = self.http.post(
            f"{self.url}/sim/gateway/switches", json=values, params=params, timeout=10
        )
        r.raise_for_status()
        return r.json()

    def reset(self, terminal: str | None = None) -> None:
        params = {} if terminal is None else {"terminal": terminal}
        self.http.post(
            f"{self.url}/sim/gateway/reset", json={}, params=params, timeout=10
        ).raise_for_status()

    def bill(self, terminal: str) -> list[dict[str, Any]]:
        r = self.http.get(f"{self.url}/sim/gateway/bill", params={"terminal": terminal}, timeout=10)
        r.raise_for_status()
        return r.json()["transactions"]

    def phone_pays(self, order_no: str) -> int:
        # JSON: the simulator's controls refuse a form post (a cross-site page could send one).
        return self.http.post(
            f"{self.url}/sim/gateway/qr/{order_no}", json={}, timeout=10
        ).status_code

    def new_terminal(self) -> tuple[str, str]:
        """Register a fresh terminal (its own bill and reconciliation) in the database."""
        with self._lock:
            n = next(self._ids)
        terminal = f"LAB-{os.getpid() % 10000:04d}-{n:05d}-{uuid.uuid4().hex[:4]}"
        key = f"lab-key-{uuid.uuid4().hex}"
        db = Database(self.svc.database)
        try:
            with db.session() as s:
                s.add(
                    TerminalRow(
                        terminal_id=terminal,
                        key_sha256=hashlib.sha256(key.encode()).hexdigest(),
                        hall="lab",
                        active=True,
                    )
                )
                s.commit()
        finally:
            db.dispose()
        return terminal, key

    def headers(self, terminal: str, key: str) -> dict[str, str]:
        return {"X-Terminal-Id": terminal, "Authorization": f"Bearer {key}"}

    def flexible_members(self) -> list[str]:
        """Members with an active flexible-employment pension (they have months to pay)."""
        if self._members is None:
            db = Database(self.svc.database)
            try:
                with db.session() as s:
                    q = (
                        select(MemberRow.member_no)
                        .join(EnrolmentRow, EnrolmentRow.member_id == MemberRow.id)
                        .where(
                            EnrolmentRow.scheme == "pension",
                            EnrolmentRow.status == "active",
                            EnrolmentRow.employer_id.is_(None),
                            MemberRow.retired.is_(False),
                        )
                        .order_by(MemberRow.id)
                    )
                    self._members = list(s.scalars(q))
            finally:
                db.dispose()
        return self._members

    def member_owing(self, scheme: str, terminal: str, key: str) -> str:
        """Some member who owes `scheme` now (e.g. resident_pension), by asking the dues API."""
        db = Database(self.svc.database)
        try:
            with db.session() as s:
                q = (
                    select(MemberRow.member_no)
                    .join(EnrolmentRow, EnrolmentRow.member_id == MemberRow.id)
                    .where(EnrolmentRow.scheme == scheme, EnrolmentRow.status == "active")
                    .order_by(MemberRow.id)
                )
                candidates = list(s.scalars(q))
        finally:
            db.dispose()
        for m in candidates:
            r = self.http.get(
                f"{self.url}/v1/members/{m}/dues", headers=self.headers(terminal, key), timeout=10
            )
            if any(d["scheme"] == scheme for d in r.json()["dues"]) and m not in self._used:
                with self._lock:
                    self._used.add(m)
                return m
        raise RuntimeError(f"nobody owes {scheme}: seed more members")

    def dues_months(self, member: str, terminal: str, key: str) -> list[str]:
        r = self.http.get(
            f"{self.url}/v1/members/{member}/dues", headers=self.headers(terminal, key), timeout=10
        )
        r.raise_for_status()
        due = next((d for d in r.json()["dues"] if d["scheme"] == "pension"), None)
        return [] if due is None else list(due["periods"])

    def take_member(self, terminal: str, key: str, *, exclusive: bool = True) -> str:
        """A flexible worker with at least one month to pay (not handed out before, when
        exclusive)."""
        for m in self.flexible_members():
            if exclusive and m in self._used:
                continue
            if self.dues_months(m, terminal, key):
                with self._lock:
                    if exclusive and m in self._used:
                        continue
                    self._used.add(m)
                return m
        raise RuntimeError("no member with months left to pay: seed more members")

    def release(self, member: str) -> None:
        with self._lock:
            self._used.discard(member)

    # --- the kiosk payment service as a process ------------------------------------------

    def worker(
        self,
        command: str,
        journal: Path,
        terminal: str,
        key: str,
        *args: str,
        env: dict[str, str] | None = None,
        timeout: float = 120.0,
        url: str | None = None,
    ) -> WorkerRun:
        cmd = [
            sys.executable,
            "-m",
            "kiosk.payments.worker",
            command,
            "--journal",
            str(journal),
            "--url",
            url or self.url,
            "--terminal",
            terminal,
            "--api-key",
            key,
            *args,
        ]
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_KILL")}
        full_env.update(env or {})
        p = subprocess.run(
            cmd, cwd=REPO, capture_output=True, text=True, env=full_env, timeout=timeout
        )
        events = []
        for line in p.stdout.splitlines():
            with contextlib.suppress(ValueError):  # not a JSON line: a stray print
                events.append(json.loads(line))
        return WorkerRun(p.returncode, events, p.stderr)

    # --- the invariants ------------------------------------------------------------------

    def check(self, journal: Path, terminal: str, key: str) -> Verdict:
        """For every intent: exactly one charge and one posting, or none; the journal says
        which; nothing unresolved; and the day's reconciliation finds no mismatch."""
        v = Verdict()
        h = self.headers(terminal, key)
        bill = {t["order_no"]: t for t in self.bill(terminal)}
        rows = _journal_rows(journal)
        for intent_id, order_no, state, amount_fen in rows:
            v.intents += 1
            if state not in JOURNAL_FINAL:
                v.unresolved += 1
                v.problems.append(f"{intent_id}: journal {state}")
            r = self.http.get(f"{self.url}/v1/orders/by-key/{intent_id}", headers=h, timeout=10)
            order = r.json() if r.status_code == 200 else None
            ostate = None if order is None else order["state"]
            ono = None if order is None else order["order_no"]
            if order is not None and not order["final"]:
                v.unresolved += 1
                v.problems.append(f"{intent_id}: order {ostate}")
            if order_no is not None and ono is not None and order_no != ono:
                v.problems.append(f"{intent_id}: journal order {order_no} != {ono}")
            t = bill.get(ono) if ono else None
            charges = 0 if t is None else t["charges"]
            net = t is not None and t["state"] == "charged"
            if charges > 1:
                v.doubled += 1
                v.problems.append(f"{intent_id}: charged {charges} times")
            if net:
                v.charged += 1
            if ostate == OrderState.POSTED:
                v.posted += 1
            if net and ostate != OrderState.POSTED:
                v.lost += 1
                v.problems.append(f"{intent_id}: charged, order {ostate}")
            if ostate == OrderState.POSTED and not net:
                v.problems.append(f"{intent_id}: posted without a charge")
            if net and state in (IntentState.FAILED, IntentState.REVERSED):
                v.lost += 1
                v.problems.append(f"{intent_id}: charged, journal {state}")
            if state == IntentState.POSTED and ostate != OrderState.POSTED:
                v.problems.append(f"{intent_id}: journal POSTED, order {ostate}")
            if net and t is not None and amount_fen != t["amount_fen"]:
                v.problems.append(f"{intent_id}: amount {amount_fen} != {t['amount_fen']}")
        days = sorted({t["business_date"] for t in bill.values()})
        journal_json = [
            {"intent_id": i, "order_no": o, "state": s, "amount": f"{a // 100}.{a % 100:02d}"}
            for i, o, s, a in rows
        ]
        for day in days:
            r = self.http.post(
                f"{self.url}/v1/reconciliation",
                headers=h,
                json={"date": day, "journal": journal_json},
                timeout=30,
            )
            r.raise_for_status()
            rep = r.json()
            v.reconciliation = rep
            for m in rep["mismatches"]:
                v.problems.append(f"reconciliation {m['kind']} {m['order_no']}: {m['detail']}")
        return v


def _journal_rows(path: Path) -> list[tuple[str, str | None, str, int]]:
    if not Path(path).exists():
        return []
    con = sqlite3.connect(str(path))
    try:
        return [
            (r[0], r[1], r[2], r[3])
            for r in con.execute(
                "SELECT intent_id, order_no, state, amount_fen FROM intent ORDER BY created_at"
            )
        ]
    finally:
        con.close()
