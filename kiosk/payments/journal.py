"""The payment journal: one SQLite row per payment intent, written before each outside call.

    PREPARED --(order created, pay request about to go)--> SENT
    SENT --> SUCCESS | FAILED | UNKNOWN | REVERSED
    UNKNOWN --> SUCCESS | FAILED | REVERSED
    SUCCESS --> POSTED
    PREPARED --> FAILED                       (abandoned or cancelled before any pay request)

FAILED, POSTED and REVERSED are final. A card sale (kiosk/payments/card_sale.py) also keeps one
`card_txn` row per authorization it sends (CardStep: AUTH_SENT -> APPROVED -> TC, or
REVERSAL_PENDING -> REVERSED, or DECLINED / NOT_SENT), with the trace number, the local date,
the amount and the masked PAN only: never the PAN, track 2 or a PIN block. Every commit is durable before the call it guards: WAL
with synchronous=FULL (NORMAL may lose the last commit on power loss). Each change also appends
an event row, the intent's audit trail. Rows keep masked names and ID numbers only.

Thread-safe (one connection, one lock); each call is short and local, but still call it from a
worker thread, not the UI thread."""

from __future__ import annotations

import datetime as dt
import enum
import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.domain.payments import IntentState, PayMethod, ReceiptState
from kiosk.errors import KioskError
from kiosk.private_files import narrow, private_dir, private_file

S = IntentState
TRANSITIONS: dict[IntentState, frozenset[IntentState]] = {
    S.PREPARED: frozenset({S.SENT, S.FAILED}),
    S.SENT: frozenset({S.SUCCESS, S.FAILED, S.UNKNOWN, S.REVERSED}),
    S.UNKNOWN: frozenset({S.SUCCESS, S.FAILED, S.REVERSED}),
    S.SUCCESS: frozenset({S.POSTED}),
    S.FAILED: frozenset(),
    S.POSTED: frozenset(),
    S.REVERSED: frozenset(),
}

SCHEMA = """
CREATE TABLE IF NOT EXISTS intent (
    intent_id      TEXT PRIMARY KEY,      -- also the order's idempotency key
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    terminal_id    TEXT NOT NULL,
    member_no      TEXT NOT NULL,
    payer_json     TEXT NOT NULL,         -- masked name and ID number, for the receipt
    scheme         TEXT NOT NULL,
    method         TEXT NOT NULL,
    quote_json     TEXT NOT NULL,         -- the lines the member confirmed
    amount_fen     INTEGER NOT NULL,
    state          TEXT NOT NULL,
    order_no       TEXT,
    pay_key        TEXT,
    qr_url         TEXT,
    gateway_txn    TEXT,
    reason         TEXT,
    paid_at        TEXT,
    receipt_state  TEXT NOT NULL,
    receipts       INTEGER NOT NULL DEFAULT 0,
    checks         INTEGER NOT NULL DEFAULT 0,
    resolved_at    TEXT
);
CREATE INDEX IF NOT EXISTS ix_intent_state ON intent(state);
CREATE TABLE IF NOT EXISTS card_txn (
    intent_id       TEXT NOT NULL,
    trace           INTEGER NOT NULL,     -- field 11: with the terminal and date, the sale's key
    terminal_no     TEXT NOT NULL,        -- the acquirer's terminal number (field 41)
    txn_date        TEXT NOT NULL,        -- the kiosk's local date of the 0200 (field 13)
    amount_fen      INTEGER NOT NULL,
    pan_masked      TEXT NOT NULL,        -- first 6, last 4: never the PAN itself
    step            TEXT NOT NULL,
    response_code   TEXT,
    rrn             TEXT,
    auth_code       TEXT,
    reversal_reason TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (intent_id, trace)
);
CREATE INDEX IF NOT EXISTS ix_card_txn_step ON card_txn(step);
CREATE TABLE IF NOT EXISTS trace_counter (
    terminal_no TEXT PRIMARY KEY,
    last_trace  INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS event (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    intent_id  TEXT NOT NULL,
    at         TEXT NOT NULL,
    from_state TEXT,
    to_state   TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT ''
);
"""


class CardStep(enum.StrEnum):
    """A card authorization's step, each written before the outside call it guards."""

    AUTH_SENT = "AUTH_SENT"  # the 0200 may be on its way: without a final answer, reverse
    APPROVED = "APPROVED"  # the host approved (00); the card's TC not yet given
    TC = "TC"  # the card accepted the host's answer: charged; post the order
    REVERSAL_PENDING = "REVERSAL_PENDING"  # a 0400 is due (repeated until answered)
    REVERSED = "REVERSED"  # the host answered the 0400 (00 undone, 25 never charged)
    DECLINED = "DECLINED"  # the host declined: nothing taken
    NOT_SENT = "NOT_SENT"  # no connection: the 0200 never left

    @property
    def final(self) -> bool:
        return self in (CardStep.TC, CardStep.REVERSED, CardStep.DECLINED, CardStep.NOT_SENT)

    @property
    def must_reverse(self) -> bool:
        """An authorization the host may have approved and the card never completed."""
        return self in (CardStep.AUTH_SENT, CardStep.APPROVED, CardStep.REVERSAL_PENDING)


C = CardStep
CARD_TRANSITIONS: dict[CardStep, frozenset[CardStep]] = {
    C.AUTH_SENT: frozenset({C.APPROVED, C.DECLINED, C.NOT_SENT, C.REVERSAL_PENDING}),
    C.APPROVED: frozenset({C.TC, C.REVERSAL_PENDING}),
    C.REVERSAL_PENDING: frozenset({C.REVERSED}),
    C.TC: frozenset(),
    C.REVERSED: frozenset(),
    C.DECLINED: frozenset(),
    C.NOT_SENT: frozenset(),
}


@dataclass(frozen=True)
class CardTxn:
    """One authorization of a card sale (no card data beyond the masked PAN)."""

    intent_id: str
    trace: int
    terminal_no: str
    txn_date: dt.date
    amount_fen: int
    pan_masked: str
    step: CardStep
    response_code: str | None
    rrn: str | None
    auth_code: str | None
    reversal_reason: str | None


class JournalError(KioskError):
    """A journal operation that would break its rules (unknown intent, illegal transition)."""


@dataclass(frozen=True)
class JournalEntry:
    intent_id: str
    created_at: dt.datetime
    updated_at: dt.datetime
    terminal_id: str
    member_no: str
    payer: dict[str, str]
    scheme: str
    method: PayMethod
    quote: dict[str, Any]
    amount_fen: int
    state: IntentState
    order_no: str | None
    pay_key: str | None
    qr_url: str | None
    gateway_txn: str | None
    reason: str | None
    paid_at: dt.datetime | None
    receipt_state: ReceiptState
    receipts: int
    checks: int
    resolved_at: dt.datetime | None

    @property
    def final(self) -> bool:
        return self.state.final


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(timespec="milliseconds")


def _dt(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text)


class Journal:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        # 0600 in a 0700 folder whatever the umask; SQLite gives the -wal and -shm files the
        # database file's mode, and side files an older version left wider are narrowed.
        private_dir(self.path.parent)
        private_file(self.path)
        for side in ("-wal", "-shm", "-journal"):
            narrow(self.path.with_name(self.path.name + side))
        self._lock = threading.RLock()
        self._con = sqlite3.connect(
            str(self.path), timeout=30, isolation_level=None, check_same_thread=False
        )
        self._con.row_factory = sqlite3.Row
        mode = self._con.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise JournalError(f"{self.path}: the journal needs WAL mode, got {mode}")
        # FULL: a committed state survives power loss; the recovery relies on it.
        self._con.execute("PRAGMA synchronous=FULL")
        self._con.execute("PRAGMA busy_timeout=30000")
        self._con.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._con.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._con.execute("BEGIN IMMEDIATE")
            try:
                yield self._con
            except BaseException:
                self._con.execute("ROLLBACK")
                raise
            self._con.execute("COMMIT")

    # --- writing -------------------------------------------------------------------------

    def prepare(
        self,
        *,
        intent_id: str,
        terminal_id: str,
        member_no: str,
        payer: dict[str, str],
        scheme: str,
        method: PayMethod,
        quote: dict[str, Any],
        amount_fen: int,
    ) -> JournalEntry:
        """The PREPARED row of a new intent, committed before anything is sent."""
        now = _now()
        with self._tx() as c:
            c.execute(
                "INSERT INTO intent (intent_id, created_at, updated_at, terminal_id, member_no,"
                " payer_json, scheme, method, quote_json, amount_fen, state, receipt_state)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    intent_id,
                    now,
                    now,
                    terminal_id,
                    member_no,
                    json.dumps(payer, ensure_ascii=False),
                    scheme,
                    method.value,
                    json.dumps(quote, ensure_ascii=False),
                    amount_fen,
                    S.PREPARED.value,
                    ReceiptState.NONE.value,
                ),
            )
            self._event(c, intent_id, None, S.PREPARED, "")
        return self.get(intent_id)

    def update(self, intent_id: str, **fields: Any) -> JournalEntry:
        """Record facts (order_no, qr_url...) without a state change."""
        allowed = {"order_no", "pay_key", "qr_url", "gateway_txn", "reason", "paid_at"}
        bad = set(fields) - allowed
        if bad:
            raise JournalError(f"not a journal field: {sorted(bad)}")
        with self._tx() as c:
            self._set(c, intent_id, fields)
        return self.get(intent_id)

    def move(
        self, intent_id: str, to: IntentState, detail: str = "", **fields: Any
    ) -> JournalEntry:
        """Change an intent's state (and facts) in one commit; illegal transitions raise."""
        with self._tx() as c:
            row = c.execute("SELECT state FROM intent WHERE intent_id=?", (intent_id,)).fetchone()
            if row is None:
                raise JournalError(f"no intent {intent_id}")
            current = IntentState(row["state"])
            if to not in TRANSITIONS[current]:
                raise JournalError(f"intent {intent_id}: {current} -> {to} is not allowed")
            values = dict(fields, state=to.value)
            if to.final:
                values["resolved_at"] = _now()
            if to is S.POSTED:
                values.setdefault("receipt_state", ReceiptState.PENDING.value)
            self._set(c, intent_id, values)
            self._event(c, intent_id, current, to, detail)
        return self.get(intent_id)

    def set_receipt(self, intent_id: str, state: ReceiptState, *, printed: bool = False) -> None:
        with self._tx() as c:
            self._set(c, intent_id, {"receipt_state": state.value})
            if printed:
                c.execute(
                    "UPDATE intent SET receipts = receipts + 1 WHERE intent_id=?", (intent_id,)
                )
            c.execute(
                "INSERT INTO event (intent_id, at, from_state, to_state, detail)"
                " VALUES (?,?,NULL,?,?)",
                (intent_id, _now(), "receipt", state.value),
            )

    def count_check(self, intent_id: str) -> None:
        with self._tx() as c:
            c.execute("UPDATE intent SET checks = checks + 1 WHERE intent_id=?", (intent_id,))

    def _set(self, c: sqlite3.Connection, intent_id: str, values: dict[str, Any]) -> None:
        values = {
            k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in values.items()
        }
        values["updated_at"] = _now()
        cols = ", ".join(f"{k}=?" for k in values)
        cur = c.execute(
            f"UPDATE intent SET {cols} WHERE intent_id=?", (*values.values(), intent_id)
        )
        if cur.rowcount != 1:
            raise JournalError(f"no intent {intent_id}")

    def _event(
        self,
        c: sqlite3.Connection,
        intent_id: str,
        old: IntentState | None,
        new: IntentState,
        detail: str,
    ) -> None:
        c.execute(
            "INSERT INTO event (intent_id, at, from_state, to_state, detail) VALUES (?,?,?,?,?)",
            (intent_id, _now(), None if old is None else old.value, new.value, detail[:200]),
        )

    # --- card authorizations -------------------------------------------------------------

    def next_trace(self, terminal_no: str) -> int:
        """The next trace number (field 11) of an acquirer terminal, 1..999999 then 1 again;
        committed before it is used, so a restart never sends one twice in a day."""
        with self._tx() as c:
            row = c.execute(
                "SELECT last_trace FROM trace_counter WHERE terminal_no=?", (terminal_no,)
            ).fetchone()
            trace = 1 if row is None else row[0] % 999999 + 1
            c.execute(
                "INSERT INTO trace_counter (terminal_no, last_trace) VALUES (?, ?)"
                " ON CONFLICT(terminal_no) DO UPDATE SET last_trace=excluded.last_trace",
                (terminal_no, trace),
            )
        return trace

    def auth_sent(
        self,
        intent_id: str,
        *,
        trace: int,
        terminal_no: str,
        txn_date: dt.date,
        amount_fen: int,
        pan_masked: str,
    ) -> CardTxn:
        """AUTH_SENT of a new authorization, and the intent SENT (if it was PREPARED), in one
        commit before the 0200 goes."""
        now = _now()
        with self._tx() as c:
            row = c.execute("SELECT state FROM intent WHERE intent_id=?", (intent_id,)).fetchone()
            if row is None:
                raise JournalError(f"no intent {intent_id}")
            current = IntentState(row["state"])
            if current is S.PREPARED:
                self._set(c, intent_id, {"state": S.SENT.value, "pay_key": f"{intent_id}-sale"})
                self._event(c, intent_id, current, S.SENT, f"card sale {trace:06d} {pan_masked}")
            elif current is not S.SENT:
                raise JournalError(f"intent {intent_id} is {current}: no authorization now")
            c.execute(
                "INSERT INTO card_txn (intent_id, trace, terminal_no, txn_date, amount_fen,"
                " pan_masked, step, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    intent_id,
                    trace,
                    terminal_no,
                    txn_date.isoformat(),
                    amount_fen,
                    pan_masked,
                    C.AUTH_SENT.value,
                    now,
                    now,
                ),
            )
            self._card_event(c, intent_id, trace, None, C.AUTH_SENT, f"{amount_fen} fen")
        return self.card_txn(intent_id, trace)

    def card_step(
        self,
        intent_id: str,
        trace: int,
        to: CardStep,
        detail: str = "",
        *,
        intent_to: IntentState | None = None,
        **fields: Any,
    ) -> CardTxn:
        """Move an authorization to `to` (and, in the same commit, the intent to `intent_to`);
        illegal transitions raise."""
        allowed = {"response_code", "rrn", "auth_code", "reversal_reason"}
        bad = set(fields) - allowed
        if bad:
            raise JournalError(f"not a card_txn field: {sorted(bad)}")
        with self._tx() as c:
            row = c.execute(
                "SELECT step FROM card_txn WHERE intent_id=? AND trace=?", (intent_id, trace)
            ).fetchone()
            if row is None:
                raise JournalError(f"no authorization {trace} of {intent_id}")
            current = CardStep(row["step"])
            if to not in CARD_TRANSITIONS[current]:
                raise JournalError(f"authorization {trace}: {current} -> {to} is not allowed")
            values = dict(fields, step=to.value, updated_at=_now())
            cols = ", ".join(f"{k}=?" for k in values)
            c.execute(
                f"UPDATE card_txn SET {cols} WHERE intent_id=? AND trace=?",
                (*values.values(), intent_id, trace),
            )
            self._card_event(c, intent_id, trace, current, to, detail)
            if intent_to is not None:
                st = IntentState(
                    c.execute(
                        "SELECT state FROM intent WHERE intent_id=?", (intent_id,)
                    ).fetchone()[0]
                )
                if st is not intent_to:
                    if intent_to not in TRANSITIONS[st]:
                        raise JournalError(f"intent {intent_id}: {st} -> {intent_to} not allowed")
                    self._set(c, intent_id, {"state": intent_to.value})
                    self._event(c, intent_id, st, intent_to, detail)
        return self.card_txn(intent_id, trace)

    def card_txn(self, intent_id: str, trace: int) -> CardTxn:
        with self._lock:
            row = self._con.execute(
                "SELECT * FROM card_txn WHERE intent_id=? AND trace=?", (intent_id, trace)
            ).fetchone()
        if row is None:
            raise JournalError(f"no authorization {trace} of {intent_id}")
        return _card(row)

    def card_txns(self, intent_id: str) -> list[CardTxn]:
        """An intent's authorizations, oldest first."""
        with self._lock:
            rows = self._con.execute(
                "SELECT * FROM card_txn WHERE intent_id=? ORDER BY created_at, trace",
                (intent_id,),
            ).fetchall()
        return [_card(r) for r in rows]

    def card_txns_on(self, day: dt.date) -> list[CardTxn]:
        """Every authorization of a local day (the settlement's and reconciliation's)."""
        with self._lock:
            rows = self._con.execute(
                "SELECT * FROM card_txn WHERE txn_date=? ORDER BY trace", (day.isoformat(),)
            ).fetchall()
        return [_card(r) for r in rows]

    def _card_event(
        self,
        c: sqlite3.Connection,
        intent_id: str,
        trace: int,
        old: CardStep | None,
        new: CardStep,
        detail: str,
    ) -> None:
        c.execute(
            "INSERT INTO event (intent_id, at, from_state, to_state, detail) VALUES (?,?,?,?,?)",
            (
                intent_id,
                _now(),
                None if old is None else f"card:{old.value}",
                f"card:{new.value}",
                f"trace {trace:06d} {detail}"[:200],
            ),
        )

    # --- reading -------------------------------------------------------------------------

    def get(self, intent_id: str) -> JournalEntry:
        with self._lock:
            row = self._con.execute(
                "SELECT * FROM intent WHERE intent_id=?", (intent_id,)
            ).fetchone()
        if row is None:
            raise JournalError(f"no intent {intent_id}")
        return _entry(row)

    def unresolved(self) -> list[JournalEntry]:
        finals = tuple(s.value for s in IntentState if s.final)
        with self._lock:
            rows = self._con.execute(
                f"SELECT * FROM intent WHERE state NOT IN ({','.join('?' * len(finals))})"
                " ORDER BY created_at",
                finals,
            ).fetchall()
        return [_entry(r) for r in rows]

    def entries(self, day: dt.date | None = None, zone: dt.tzinfo = dt.UTC) -> list[JournalEntry]:
        """Every intent (created on `day` in `zone`, when given: the hall's business day, as
        the back office's business_date), oldest first."""
        with self._lock:
            if day is None:
                rows = self._con.execute("SELECT * FROM intent ORDER BY created_at").fetchall()
            else:
                # created_at is naive UTC ISO text: the local day is a UTC range of it.
                start, end = (
                    dt.datetime.combine(d, dt.time(), tzinfo=zone)
                    .astimezone(dt.UTC)
                    .replace(tzinfo=None)
                    .isoformat(timespec="milliseconds")
                    for d in (day, day + dt.timedelta(days=1))
                )
                rows = self._con.execute(
                    "SELECT * FROM intent WHERE created_at >= ? AND created_at < ?"
                    " ORDER BY created_at",
                    (start, end),
                ).fetchall()
        return [_entry(r) for r in rows]

    def entries_with_receipt(self, state: ReceiptState) -> list[JournalEntry]:
        with self._lock:
            rows = self._con.execute(
                "SELECT * FROM intent WHERE receipt_state=? ORDER BY created_at", (state.value,)
            ).fetchall()
        return [_entry(r) for r in rows]

    def last_paid(self) -> JournalEntry | None:
        with self._lock:
            row = self._con.execute(
                "SELECT * FROM intent WHERE state=? ORDER BY paid_at DESC, updated_at DESC LIMIT 1",
                (S.POSTED.value,),
            ).fetchone()
        return None if row is None else _entry(row)

    def events(self, intent_id: str) -> list[tuple[str | None, str, str]]:
        with self._lock:
            rows = self._con.execute(
                "SELECT from_state, to_state, detail FROM event WHERE intent_id=? ORDER BY id",
                (intent_id,),
            ).fetchall()
        return [(r[0], r[1], r[2]) for r in rows]


def _entry(r: sqlite3.Row) -> JournalEntry:
    return JournalEntry(
        intent_id=r["intent_id"],
        created_at=dt.datetime.fromisoformat(r["created_at"]),
        updated_at=dt.datetime.fromisoformat(r["updated_at"]),
        terminal_id=r["terminal_id"],
        member_no=r["member_no"],
        payer=json.loads(r["payer_json"]),
        scheme=r["scheme"],
        method=PayMethod(r["method"]),
        quote=json.loads(r["quote_json"]),
        amount_fen=r["amount_fen"],
        state=IntentState(r["state"]),
        order_no=r["order_no"],
        pay_key=r["pay_key"],
        qr_url=r["qr_url"],
        gateway_txn=r["gateway_txn"],
        reason=r["reason"],
        paid_at=_dt(r["paid_at"]),
        receipt_state=ReceiptState(r["receipt_state"]),
        receipts=r["receipts"],
        checks=r["checks"],
        resolved_at=_dt(r["resolved_at"]),
    )


def _card(r: sqlite3.Row) -> CardTxn:
    return CardTxn(
        intent_id=r["intent_id"],
        trace=r["trace"],
        terminal_no=r["terminal_no"],
        txn_date=dt.date.fromisoformat(r["txn_date"]),
        amount_fen=r["amount_fen"],
        pan_masked=r["pan_masked"],
        step=CardStep(r["step"]),
        response_code=r["response_code"],
        rrn=r["rrn"],
        auth_code=r["auth_code"],
        reversal_reason=r["reversal_reason"],
    )
