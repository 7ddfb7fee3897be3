"""The audit log: append-only, hash-chained JSON lines, one line per business event.

Each record holds `seq` (1, 2, 3... across the whole log), `prev` (the hash of the record before;
64 zeros for the very first one) and `hash` = SHA-256 of the record's canonical JSON without
`hash`. Editing a record changes its hash; removing or reordering records breaks `seq` or `prev`.
`python -m kiosk.audit verify [PATH]` checks a folder (or one file) and names the first bad line.

Records go to one file per month (`audit-YYYY-MM.jsonl` in the folder [audit] path) so retention
removes whole months: a month file is deleted only when every record in it is older than
[audit] retention_days (at least 183, six months). The oldest kept file then starts with a
`prev` that points into a deleted file; verify accepts that and says so.

Records never hold a PIN, and IDs and card numbers only masked: the recorder masks the fields
named in MASKED_FIELDS and refuses any field named like a PIN.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import re
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.domain.identity import mask_card_number, mask_id

GENESIS = "0" * 64
FILE_PATTERN = re.compile(r"audit-(\d{4})-(\d{2})\.jsonl")
# Fields that carry an identity: masked before they are written, whatever the caller passes.
MASKED_FIELDS: dict[str, Callable[[str], str]] = {
    "id_number": mask_id,
    "card_number": mask_card_number,
}
_FORBIDDEN = re.compile(r"pin(_?code|_?digits)?$|password|secret", re.IGNORECASE)


class AuditError(Exception):
    """Base of the audit log's errors."""


class AuditFieldRefused(AuditError):
    """A caller tried to record a field that must never be recorded (a PIN, a secret)."""


@dataclass(frozen=True)
class Problem:
    """One thing verify found wrong: the file, its line (1-based) and what is wrong."""

    file: Path
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.what}"


def record_hash(record: dict[str, Any]) -> str:
    """SHA-256 of the record's canonical JSON (sorted keys, no spaces), `hash` left out."""
    body = {k: v for k, v in record.items() if k != "hash"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


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
        retention_days: int = 183,
        clock: Callable[[], dt.datetime] = _utcnow,
    ) -> None:
        self.folder = Path(folder)
        self.terminal_id = terminal_id
        self.retention_days = retention_days
        self._clock = clock
        self._lock = threading.Lock()
        self.folder.mkdir(parents=True, exist_ok=True)
        self._seq, self._prev = self._tail()

    def _tail(self) -> tuple[int, str]:
        """The last record's seq and hash, from the newest file that holds one."""
        for path in reversed(month_files(self.folder)):
            last = _last_line(path)
            if last:
                try:
                    rec = json.loads(last)
                    return int(rec["seq"]), str(rec["hash"])
                except (ValueError, KeyError, TypeError) as e:
                    raise AuditError(f"{path}: the last record is unreadable ({e})") from None
        return 0, GENESIS

    def record(self, event: str, **fields: Any) -> dict[str, Any]:
        """Append one record for `event` (e.g. "session.start") and return it."""
        for name in fields:
            if _FORBIDDEN.search(name):
                raise AuditFieldRefused(f"the audit log never records a field named {name!r}")
        clean = {
            k: (MASKED_FIELDS[k](str(v)) if k in MASKED_FIELDS and v is not None else v)
            for k, v in fields.items()
        }
        with self._lock:
            now = self._clock().astimezone(dt.UTC)
            rec: dict[str, Any] = {
                "seq": self._seq + 1,
                "at": now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "terminal": self.terminal_id,
                "event": event,
                **clean,
                "prev": self._prev,
            }
            rec["hash"] = record_hash(rec)
            line = json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n"
            path = self.folder / f"audit-{now:%Y-%m}.jsonl"
            # O_APPEND: the kernel puts every write at the end, never over older records.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
            try:
                os.write(fd, line.encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)
            self._seq, self._prev = rec["seq"], rec["hash"]
        return rec

    def head(self) -> str:
        """ "seq:hash" of the last record: sent with the heartbeat, the back office keeps a trail
        of these, so a rewritten tail (records re-hashed after some seq) no longer matches."""
        with self._lock:
            return f"{self._seq}:{self._prev}"

    def purge(self) -> list[Path]:
        """Delete month files whose every record is older than retention_days; return them.
        The current month is always kept."""
        cutoff = self._clock().astimezone(dt.UTC) - dt.timedelta(days=self.retention_days)
        removed: list[Path] = []
        with self._lock:
            for path in month_files(self.folder)[:-1]:
                y, m = (int(g) for g in FILE_PATTERN.fullmatch(path.name).groups())  # type: ignore[union-attr]
                month_end = dt.datetime(y + m // 12, m % 12 + 1, 1, tzinfo=dt.UTC)
                if month_end <= cutoff:
                    path.unlink()
                    removed.append(path)
        return removed


def month_files(folder: Path) -> list[Path]:
    """The folder's audit files, oldest month first."""
    return sorted(p for p in Path(folder).iterdir() if FILE_PATTERN.fullmatch(p.name))


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


def verify(path: Path) -> tuple[list[Problem], int, str]:
    """Check a folder of month files (or one file). Returns (problems, records, note).

    The first record may point into a file that retention deleted (its seq > 1); that is
    noted, not a problem. Everything after it must chain exactly."""
    path = Path(path)
    files = month_files(path) if path.is_dir() else [path]
    problems: list[Problem] = []
    count = 0
    note = ""
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
        count += 1
        if record_hash(rec) != rec_hash:
            problems.append(Problem(file, n, f"record {rec_seq} was edited (its hash differs)"))
        if seq is None and prev is None and count == 1:
            if rec_seq != 1 or rec_prev != GENESIS:
                note = f"the log starts at record {rec_seq}: older months were purged"
        elif seq is not None and rec_seq != seq + 1:
            what = "missing" if rec_seq > seq + 1 else "out of order or repeated"
            problems.append(
                Problem(file, n, f"record {rec_seq} follows record {seq}: records {what}")
            )
        elif prev is not None and rec_prev != prev:
            problems.append(Problem(file, n, f"record {rec_seq} does not chain to the one before"))
        prev, seq = rec_hash, rec_seq
    return problems, count, note


def check_anchors(path: Path, anchors: list[str]) -> list[str]:
    """Each anchor "SEQ:HASH" (from the back office's heartbeats) must match the record with
    that seq: its hash must start with HASH. Returns what does not match."""
    wanted: dict[int, str] = {}
    for a in anchors:
        seq, _, digest = a.partition(":")
        wanted[int(seq)] = digest.lower()
    path = Path(path)
    files = month_files(path) if path.is_dir() else [path]
    found: dict[int, str] = {}
    for _file, _n, line in _lines(files):
        try:
            rec = json.loads(line)
            seq = int(rec["seq"])
        except (ValueError, KeyError, TypeError):
            continue
        if seq in wanted:
            found[seq] = str(rec.get("hash", ""))
    bad = []
    for seq, digest in sorted(wanted.items()):
        if seq not in found:
            bad.append(f"record {seq} (anchored by the back office) is not in the log")
        elif not found[seq].startswith(digest):
            bad.append(f"record {seq} differs from the one the back office was told of")
    return bad


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m kiosk.audit", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    v = sub.add_parser("verify", help="check the hash chain; exit 1 naming the first bad line")
    v.add_argument("path", nargs="?", type=Path, default=None, help="folder or file")
    v.add_argument(
        "--anchor",
        action="append",
        default=[],
        metavar="SEQ:HASH",
        help="a chain head the back office received with a heartbeat (repeatable)",
    )
    args = ap.parse_args(argv)
    path = args.path
    if path is None:
        from kiosk.config import load_config

        path = load_config().audit.path
    if not path.exists():
        print(f"audit: {path}: no such file or folder", file=sys.stderr)
        return 2
    problems, count, note = verify(path)
    if note:
        print(f"audit: note: {note}")
    for p in problems:
        print(f"audit: {p}", file=sys.stderr)
    mismatched = check_anchors(path, args.anchor)
    for m in mismatched:
        print(f"audit: {path}: {m}", file=sys.stderr)
    if mismatched and not problems:
        print(f"audit: {path}: the chain holds but was rewritten after an anchor", file=sys.stderr)
        return 1
    if problems:
        print(f"audit: {path}: {len(problems)} problem(s) in {count} record(s)", file=sys.stderr)
        return 1
    print(f"audit: {path}: {count} record(s), chain intact")
    return 0


if __name__ == "__main__":
    sys.exit(main())
