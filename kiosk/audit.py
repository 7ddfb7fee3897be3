"""The audit log: append-only JSON lines chained by HMAC-SHA256, one line per business event.

Each record holds `seq` (1, 2, 3... across the whole log), `prev` (the `hash` of the record
before; 64 zeros for the very first one) and `hash` = hex HMAC-SHA256(audit key, the record's
canonical JSON without `hash`). The key is the kiosk's own ([audit] key_file, 0600, never in the
audit folder, never logged): without it nobody can forge a record or re-chain the log, and
editing, removing or reordering records breaks `hash`, `seq` or `prev`.
`python -m kiosk.audit verify [PATH]` checks a folder and names the first bad line.

Records go to one file per month (`audit-YYYY-MM.jsonl` in the folder [audit] path) so retention
removes whole months: a month file is deleted only when every record in it is older than
[audit] retention_days (at least 183, six months), and the purge first writes an
`audit.purged` record naming the last record it removes. Verify accepts a log that starts later
only when such a record explains it; a missing month inside the retention window, an empty log
or a log that ends before the head the back office last saw (--expect-head) fail.

Records never hold a PIN, and IDs and card numbers only masked: each event has an explicit set
of fields (EVENT_FIELDS); any other field, and the chain's own fields, are refused.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import hmac
import json
import os
import re
import secrets
import stat
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.domain.identity import mask_card_number, mask_id
from kiosk.errors import KioskError
from kiosk.private_files import private_dir

GENESIS = "0" * 64
FILE_PATTERN = re.compile(r"audit-(\d{4})-(\d{2})\.jsonl")
HEAD_PATTERN = re.compile(r"([0-9]{1,15}):([0-9a-fA-F]{64})")
KEY_BYTES = 32
MIN_RETENTION_DAYS = 183  # docs/product.md: audit records are kept at least six months
# Fields that carry an identity: masked before they are written, whatever the caller passes.
MASKED_FIELDS: dict[str, Callable[[str], str]] = {
    "id_number": mask_id,
    "card_number": mask_card_number,
}
# What the log itself writes in every record: never a caller's.
CHAIN_FIELDS = frozenset({"seq", "at", "terminal", "event", "prev", "hash"})
# A request's outcome: a few non-personal facts (kiosk.session.auditor._outcome picks them).
OUTCOME_FIELDS = (
    "outcome",
    "state",
    "status",
    "order_no",
    "intent_id",
    "quote_id",
    "scheme",
    "total",
    "amount",
    "receipt",
    "job_id",
    "pages",
    "code",
)
# Every event the log records and the only fields it accepts with it.
EVENT_FIELDS: dict[str, frozenset[str]] = {
    name: frozenset(names)
    for name, names in {
        "session.start": ("session",),
        "session.end": ("session", "ended_by"),
        "card.accepted": ("session", "id_number", "card_number", "admin"),
        "card.refused": ("session", "problem"),
        # issue 20: ID-card entry (the back office's ID session opened or widened: its scope)
        "idcard.accepted": ("session", "id_number", "scope"),
        "pin.ok": ("session", "initial"),
        "admin.login": ("session", "initial"),
        "pin.wrong": ("session", "tries_left"),
        "pin.blocked": ("session",),
        "pin.changed": ("session",),
        "pin.change_refused": ("session", "reason"),
        "request": ("session", "key", "admin"),
        "request.done": ("session", "key", *OUTCOME_FIELDS),
        "request.failed": ("session", "key", "reason"),
        # issue 20: the face check, the certification it opens, the card's recovery
        "face.passed": ("session", "purpose"),
        "face.failed": ("session", "purpose", "reason", "attempts_left"),
        "certification.recorded": ("session", "status", "slip"),
        "pin.reset": ("session",),
        "pin.reset_refused": ("session", "reason"),
        "loss.cancelled": ("session",),
        "loss.cancel_refused": ("session", "reason", "tries_left"),
        "audit.purged": ("files", "through_seq", "through_hash"),
    }.items()
}
_MAX_TEXT = 200


class AuditError(KioskError):
    """Base of the audit log's errors (under the kiosk core's root)."""


class AuditFieldRefused(AuditError):
    """A caller tried to record an unknown event, a field its event does not have (a PIN, a
    token, an API key...), a chain field, or a value that is not plain text, number or bool."""


class AuditKeyError(AuditError):
    """The audit key file is missing, unreadable, open to others or not a 256-bit hex key."""


@dataclass(frozen=True)
class Head:
    """The chain head: the last record's seq and hash, and the month file holding it."""

    seq: int
    hash: str
    month: str = ""  # "YYYY-MM"; "" for an empty log

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"

    def as_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "hash": self.hash, "month": self.month}


def parse_head(text: str) -> Head:
    """ "SEQ:HASH" as the back office shows it: a record number from 1 and all 64 hex digits
    of its hash. Anything else is refused (a prefix would match forged records too)."""
    m = HEAD_PATTERN.fullmatch(text.strip())
    if m is None or int(m.group(1)) < 1:
        raise ValueError(
            f"{text!r} is not SEQ:HASH (a record number from 1, a colon and the record's 64 "
            "hex digits, e.g. 18230:9f3c…, as /fleet.json shows it)"
        )
    return Head(int(m.group(1)), m.group(2).lower())


@dataclass(frozen=True)
class Problem:
    """One thing verify found wrong: the file, its line (1-based; 0 = the file or folder as a
    whole) and what is wrong."""

    file: Path
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.what}" if self.line else f"{self.file}: {self.what}"


@dataclass
class Report:
    """What verify found: problems (none = the log holds), records read, notes, the head."""

    problems: list[Problem] = field(default_factory=list)
    count: int = 0
    notes: list[str] = field(default_factory=list)
    head: Head = Head(0, GENESIS)


def canonical(record: dict[str, Any]) -> bytes:
    """The record's canonical JSON (sorted keys, no spaces), `hash` left out."""
    body = {k: v for k, v in record.items() if k != "hash"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def record_mac(key: bytes, record: dict[str, Any]) -> str:
    """Hex HMAC-SHA256 of the record's canonical JSON under the audit key."""
    return hmac.new(key, canonical(record), hashlib.sha256).hexdigest()


def load_key(path: Path, *, create: bool = False) -> bytes:
    """The audit key (hex, 256 bits) from `path`. `create`: write a new random one (0600) when
    the file is missing. A key file others may read or write is refused."""
    path = Path(path)
    if create and not path.exists():
        private_dir(path.parent)
        # Written whole under another name, then linked: a kiosk starting at the same moment
        # finds either no key or the whole key, and one key wins.
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, (secrets.token_hex(KEY_BYTES) + "\n").encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise AuditKeyError(f"{path}: no audit key file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise AuditKeyError(f"{path}: the audit key is unreadable ({type(e).__name__})") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise AuditKeyError(
            f"{path}: others may read or write the audit key (mode {stat.S_IMODE(mode):04o}); "
            f"chmod 600 {path}"
        )
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise AuditKeyError(f"{path}: not a hex key") from None
    if len(key) < KEY_BYTES:
        raise AuditKeyError(f"{path}: the audit key is shorter than 256 bits")
    return key


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class AuditLog:
    """Appends records to the month's file; safe from any thread. Every append is fsynced:
    an audit record that a power cut can lose is no record."""

    def __init__(
        self,
        folder: Path,
        *,
        terminal_id: str,
        key_file: Path,
        retention_days: int = MIN_RETENTION_DAYS,
        clock: Callable[[], dt.datetime] = _utcnow,
    ) -> None:
        """`key_file` is created (0600) only for a log that holds no record yet: a log with
        records and no key is an alarm, not something to paper over with a new key."""
        self.folder = Path(folder)
        key_file = Path(key_file)
        if key_file.resolve().parent == self.folder.resolve():
            raise AuditKeyError(
                f"{key_file}: the audit key must not be in the audit folder (it is exported)"
            )
        self.terminal_id = terminal_id
        self.retention_days = retention_days
        self._clock = clock
        self._lock = threading.Lock()
        private_dir(self.folder)  # every missing level 0700 (mkdir's mode is the umask's)
        self._head = self._tail()
        empty = self._head.seq == 0 and not month_files(folder)
        if not empty and not key_file.exists():
            raise AuditKeyError(
                f"{key_file}: no audit key file, and {self.folder} holds records: restore the "
                "key from its backup (a new key would start a second chain the back office flags)"
            )
        self._key = load_key(key_file, create=empty)

    def __repr__(self) -> str:  # never the key
        return f"AuditLog({str(self.folder)!r}, terminal_id={self.terminal_id!r})"

    def _tail(self) -> Head:
        """The last record's head, from the newest file that holds one."""
        for path in reversed(month_files(self.folder)):
            last = _last_line(path)
            if last:
                try:
                    rec = json.loads(last)
                    return Head(int(rec["seq"]), str(rec["hash"]), _month_of(path))
                except (ValueError, KeyError, TypeError) as e:
                    raise AuditError(f"{path}: the last record is unreadable ({e})") from None
        return Head(0, GENESIS)

    def record(self, event: str, **fields: Any) -> dict[str, Any]:
        """Append one record for `event` (e.g. "session.start") and return it."""
        clean = _checked(event, fields)
        with self._lock:
            now = self._clock().astimezone(dt.UTC)
            rec: dict[str, Any] = {
                "seq": self._head.seq + 1,
                "at": now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "terminal": self.terminal_id,
                "event": event,
                **clean,
                "prev": self._head.hash,
            }
            rec["hash"] = record_mac(self._key, rec)
            line = json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n"
            month = f"{now:%Y-%m}"
            path = self.folder / f"audit-{month}.jsonl"
            # O_APPEND: the kernel puts every write at the end, never over older records.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                os.write(fd, line.encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)
            self._head = Head(rec["seq"], rec["hash"], month)
        return rec

    def head(self) -> Head:
        """The chain head, sent with every heartbeat: the back office refuses one that goes
        back or forks, and verify --expect-head checks the log still holds it."""
        with self._lock:
            return self._head

    def purge(self) -> list[Path]:
        """Delete month files whose every record is older than retention_days; return them.
        The current month is always kept. An `audit.purged` record naming the last record
        removed is written first, so verify can tell a purge from a deletion."""
        cutoff = self._clock().astimezone(dt.UTC) - dt.timedelta(days=self.retention_days)
        old = [p for p in month_files(self.folder)[:-1] if _month_end(p) <= cutoff]
        if not old:
            return []
        last = next((ln for ln in map(_last_line, reversed(old)) if ln), "")
        try:
            through: dict[str, Any] = json.loads(last) if last else {"seq": 0, "hash": GENESIS}
            seq, digest = int(through["seq"]), str(through["hash"])
        except (ValueError, KeyError, TypeError) as e:
            raise AuditError(
                f"cannot purge: the last record to remove is unreadable ({e})"
            ) from None
        self.record(
            "audit.purged",
            files=",".join(p.name for p in old),
            through_seq=seq,
            through_hash=digest,
        )
        for path in old:
            path.unlink()
        return old


def _checked(event: str, fields: dict[str, Any]) -> dict[str, Any]:
    allowed = EVENT_FIELDS.get(event)
    if allowed is None:
        raise AuditFieldRefused(f"the audit log has no event {event!r}")
    for name, value in fields.items():
        if name in CHAIN_FIELDS:
            raise AuditFieldRefused(f"the field {name!r} is set by the audit log itself")
        if name not in allowed:
            raise AuditFieldRefused(f"the audit log does not record a field {name!r} ({event})")
        if value is not None and not isinstance(value, str | int | float | bool):
            raise AuditFieldRefused(
                f"the field {name!r} must be text, a number or true/false, not "
                f"{type(value).__name__}"
            )
        if isinstance(value, str) and len(value) > _MAX_TEXT:
            raise AuditFieldRefused(f"the field {name!r} is longer than {_MAX_TEXT} characters")
    return {
        k: (MASKED_FIELDS[k](str(v)) if k in MASKED_FIELDS and v is not None else v)
        for k, v in fields.items()
    }


def month_files(folder: Path) -> list[Path]:
    """The folder's audit files, oldest month first."""
    return sorted(p for p in Path(folder).iterdir() if FILE_PATTERN.fullmatch(p.name))


def _month_of(path: Path) -> str:
    m = FILE_PATTERN.fullmatch(path.name)
    return f"{m.group(1)}-{m.group(2)}" if m else ""


def _month_index(month: str) -> int:
    y, m = month.split("-")
    return int(y) * 12 + int(m) - 1


def _month_name(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _month_start(index: int) -> dt.datetime:
    return dt.datetime(index // 12, index % 12 + 1, 1, tzinfo=dt.UTC)


def _month_end(path: Path) -> dt.datetime:
    return _month_start(_month_index(_month_of(path)) + 1)


def _last_line(path: Path) -> str:
    with path.open("rb") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        block = min(size, 65536)
        f.seek(size - block)
        lines = f.read(block).decode("utf-8", errors="replace").splitlines()
    return next((ln for ln in reversed(lines) if ln.strip()), "")


def _lines(paths: list[Path]) -> Iterator[tuple[Path, int, str]]:
    for path in paths:
        with path.open(encoding="utf-8", errors="replace") as f:
            for n, line in enumerate(f, 1):
                yield path, n, line.rstrip("\n")


def verify(
    folder: Path,
    key: bytes,
    *,
    now: dt.datetime | None = None,
    retention_days: int = MIN_RETENTION_DAYS,
    expect_head: Head | None = None,
    anchors: tuple[Head, ...] = (),
) -> Report:
    """Check a folder of month files under the audit key.

    Fails on: a record whose MAC does not match (edited, or forged without the key); a gap,
    repeat or reorder in seq; a broken `prev`; no record at all; a log that starts after
    record 1 without an `audit.purged` record explaining it; a month missing inside the
    retention window (before the first file, or a whole month after the last one unless the
    back office's last head is the log's last record); and, with `expect_head` (the last head
    the back office saw) or `anchors` (older ones), a log without that exact record."""
    folder = Path(folder)
    now = (now or _utcnow()).astimezone(dt.UTC)
    files = month_files(folder)
    report = Report()
    problems = report.problems
    hashes: dict[int, str] = {}
    purges: set[tuple[int, str]] = set()
    first: tuple[Path, int, str] | None = None  # file, seq, prev
    prev: str | None = None
    seq: int | None = None
    for file, n, line in _lines(files):
        if not line.strip():
            problems.append(Problem(file, n, "an empty line"))
            continue
        try:
            rec = json.loads(line)
            if not isinstance(rec, dict):
                raise ValueError("not a JSON object")
            rec_seq, rec_prev, rec_hash = int(rec["seq"]), str(rec["prev"]), str(rec["hash"])
        except (ValueError, KeyError, TypeError) as e:
            problems.append(Problem(file, n, f"not an audit record ({e})"))
            prev = seq = None
            continue
        report.count += 1
        if not hmac.compare_digest(record_mac(key, rec), rec_hash):
            problems.append(
                Problem(file, n, f"record {rec_seq} was edited or forged (its MAC is wrong)")
            )
        if first is None:
            first = (file, rec_seq, rec_prev)
        elif seq is not None and rec_seq != seq + 1:
            what = "missing" if rec_seq > seq + 1 else "out of order or repeated"
            problems.append(
                Problem(file, n, f"record {rec_seq} follows record {seq}: records {what}")
            )
        elif prev is not None and rec_prev != prev:
            problems.append(Problem(file, n, f"record {rec_seq} does not chain to the one before"))
        if rec.get("event") == "audit.purged":
            try:
                purges.add((int(rec["through_seq"]), str(rec["through_hash"])))
            except (KeyError, TypeError, ValueError):
                problems.append(Problem(file, n, f"record {rec_seq}: a purge naming no record"))
        hashes[rec_seq] = rec_hash
        prev, seq = rec_hash, rec_seq
        report.head = Head(rec_seq, rec_hash, _month_of(file))
    if first is None:
        problems.append(Problem(folder, 0, "no audit records: the log is empty or was deleted"))
        return report
    cutoff = now - dt.timedelta(days=retention_days)
    # A month file inside the window cannot have been purged: its end is after the cutoff.
    in_window = _month_index(f"{cutoff:%Y-%m}")
    first_file, first_seq, first_prev = first
    first_month = _month_index(_month_of(first_file))
    if first_seq != 1 or first_prev != GENESIS:
        if (first_seq - 1, first_prev) in purges:
            report.notes.append(
                f"the log starts at record {first_seq}: older months were purged (recorded)"
            )
        else:
            gone = [_month_name(i) for i in range(in_window, first_month)]
            where = (
                "audit-" + ".jsonl, audit-".join(gone) + ".jsonl missing inside the "
                f"{retention_days}-day retention window"
                if gone
                else "month files deleted"
            )
            problems.append(
                Problem(
                    first_file,
                    1,
                    f"records 1 to {first_seq - 1} are missing and no purge recorded their "
                    f"removal: {where}",
                )
            )
    last_month = _month_index(report.head.month)
    current = _month_index(f"{now:%Y-%m}")
    told = expect_head is not None and expect_head == Head(report.head.seq, report.head.hash)
    for i in range(max(last_month + 1, in_window), current):
        if told:
            report.notes.append(f"no records in {_month_name(i)} (after the back office's head)")
        else:
            problems.append(
                Problem(
                    folder,
                    0,
                    f"audit-{_month_name(i)}.jsonl is missing: a whole month without records "
                    f"inside the {retention_days}-day retention window (the kiosk off all "
                    "month? give the back office's last head: --expect-head)",
                )
            )
    if last_month < current:
        report.notes.append(f"no records yet in {_month_name(current)}")
    for head, what in [(expect_head, "the last head")] + [(a, "a head") for a in anchors]:
        if head is None:
            continue
        if head.seq > report.head.seq:
            problems.append(
                Problem(
                    folder,
                    0,
                    f"the log ends at record {report.head.seq}, before record {head.seq}, "
                    f"{what} the back office saw: records were removed",
                )
            )
        elif head.seq not in hashes:
            problems.append(
                Problem(
                    folder, 0, f"record {head.seq}, {what} the back office saw, is not in the log"
                )
            )
        elif not hmac.compare_digest(hashes[head.seq], head.hash):
            problems.append(
                Problem(
                    folder,
                    0,
                    f"record {head.seq} differs from {what} the back office saw: the log was "
                    "rewritten or forked",
                )
            )
    return report


def _retention_default() -> int:
    try:
        from kiosk.config import load_config

        return load_config().audit.retention_days
    except Exception:
        return MIN_RETENTION_DAYS


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m kiosk.audit", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    v = sub.add_parser("verify", help="check the chain; exit 1 naming the first bad line")
    v.add_argument("path", nargs="?", type=Path, default=None, help="the audit folder")
    v.add_argument("--key-file", type=Path, default=None, help="default: [audit] key_file")
    v.add_argument(
        "--retention-days", type=int, default=None, help="default: [audit] retention_days"
    )
    v.add_argument(
        "--expect-head",
        default=None,
        metavar="SEQ:HASH",
        help="the last chain head the back office accepted (/fleet.json audit_head)",
    )
    v.add_argument(
        "--anchor",
        action="append",
        default=[],
        metavar="SEQ:HASH",
        help="an older chain head the back office accepted (repeatable)",
    )
    args = ap.parse_args(argv)
    try:
        expect = parse_head(args.expect_head) if args.expect_head is not None else None
        anchors = tuple(parse_head(a) for a in args.anchor)
    except ValueError as e:
        print(f"audit: {e}", file=sys.stderr)
        return 2
    path, key_file = args.path, args.key_file
    if path is None or key_file is None:
        from kiosk.config import load_config

        cfg = load_config().audit
        path, key_file = path or cfg.path, key_file or cfg.key_file
    if not path.is_dir():
        print(f"audit: {path}: no such folder (the audit log is gone)", file=sys.stderr)
        return 2
    try:
        key = load_key(key_file)
    except AuditKeyError as e:
        print(f"audit: cannot verify without the audit key: {e}", file=sys.stderr)
        return 2
    retention = args.retention_days or _retention_default()
    report = verify(path, key, retention_days=retention, expect_head=expect, anchors=anchors)
    for note in report.notes:
        print(f"audit: note: {note}")
    for p in report.problems:
        print(f"audit: {p}", file=sys.stderr)
    if report.problems:
        print(
            f"audit: {path}: {len(report.problems)} problem(s) in {report.count} record(s)",
            file=sys.stderr,
        )
        return 1
    print(f"audit: {path}: {report.count} record(s), chain intact, head {report.head}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
