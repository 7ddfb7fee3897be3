"""The audit log: records chain under the kiosk's key, verify names the line of any edit, removal
or reordering, retention deletes whole months only after retention_days (and says so in the
chain), each event records its own fields only, the key stays the kiosk's."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.audit import (
    GENESIS,
    AuditFieldRefused,
    AuditKeyError,
    AuditLog,
    load_key,
    month_files,
    record_mac,
    verify,
)

REPO = Path(__file__).resolve().parents[2]
ID = "110101199003071234"
MAY = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)


class Clock:
    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now


def _folder(tmp_path: Path) -> Path:
    return tmp_path / "audit"


def _key_file(tmp_path: Path) -> Path:
    return tmp_path / "audit.key"


def _log(tmp_path: Path, n: int = 5, clock: Clock | None = None) -> AuditLog:
    log = AuditLog(
        _folder(tmp_path),
        terminal_id="KIOSK-0001",
        key_file=_key_file(tmp_path),
        clock=clock or Clock(MAY),
    )
    for i in range(n):
        log.record("card.accepted", id_number=ID, admin=False, session=f"s{i}")
    return log


def _verify(tmp_path: Path, now: dt.datetime = MAY, **kw):
    return verify(_folder(tmp_path), load_key(_key_file(tmp_path)), now=now, **kw)


def _file(tmp_path: Path) -> Path:
    (path,) = month_files(_folder(tmp_path))
    return path


def test_records_chain_under_the_key_and_mask_ids(tmp_path):
    _log(tmp_path, 3)
    lines = [json.loads(x) for x in _file(tmp_path).read_text().splitlines()]
    assert [r["seq"] for r in lines] == [1, 2, 3]
    assert lines[0]["prev"] == GENESIS
    assert lines[1]["prev"] == lines[0]["hash"] and lines[2]["prev"] == lines[1]["hash"]
    key = load_key(_key_file(tmp_path))
    assert all(r["hash"] == record_mac(key, r) for r in lines)
    assert all(r["id_number"] == "110***********1234" for r in lines)
    assert ID not in _file(tmp_path).read_text()
    report = _verify(tmp_path)
    assert report.problems == [] and report.count == 3 and report.head.seq == 3


def test_a_reopened_log_continues_the_chain(tmp_path):
    _log(tmp_path, 2)
    _log(tmp_path, 2)  # a restart of the kiosk: the same key, the chain goes on
    report = _verify(tmp_path)
    assert report.problems == [] and report.count == 4


def test_the_key_file_is_created_0600_outside_the_folder_and_never_written_in_a_record(tmp_path):
    _log(tmp_path, 2)
    key_file = _key_file(tmp_path)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(_file(tmp_path).stat().st_mode) == 0o600
    assert stat.S_IMODE(_folder(tmp_path).stat().st_mode) == 0o700
    key_hex = key_file.read_text().strip()
    assert len(key_hex) == 64  # 32 bytes, hex
    assert key_hex not in _file(tmp_path).read_text()
    assert key_hex not in repr(_log(tmp_path, 0))


def test_a_log_with_records_and_no_key_is_refused_not_rekeyed(tmp_path):
    _log(tmp_path, 2)
    _key_file(tmp_path).unlink()
    with pytest.raises(AuditKeyError, match="no audit key file"):
        _log(tmp_path, 0)
    assert not _key_file(tmp_path).exists()


def test_a_key_others_can_read_or_one_inside_the_folder_is_refused(tmp_path):
    _log(tmp_path, 1)
    os.chmod(_key_file(tmp_path), 0o644)
    with pytest.raises(AuditKeyError, match="chmod 600"):
        _log(tmp_path, 0)
    with pytest.raises(AuditKeyError, match="must not be in the audit folder"):
        AuditLog(tmp_path / "a", terminal_id="K", key_file=tmp_path / "a" / "k.key")


@pytest.mark.parametrize(
    ("event", "fields", "named"),
    [
        ("pin.ok", {"pin_value": "135790"}, "pin_value"),
        ("pin.ok", {"pin": "135790"}, "pin"),
        ("request", {"key": "pay", "token": "f3a9c2"}, "token"),
        ("request", {"api_key": "demo-key-KIOSK-0001"}, "api_key"),
        ("session.start", {"secret": "x"}, "secret"),
        ("session.start", {"seq": 1}, "seq"),
        ("session.start", {"terminal": "KIOSK-0002"}, "terminal"),
        ("session.start", {"at": "2020-01-01T00:00:00.000Z"}, "at"),
        ("session.start", {"prev": GENESIS}, "prev"),
        ("session.start", {"hash": GENESIS}, "hash"),
        ("request", {"key": {"pin": "135790"}}, "key"),  # a nested value hides fields
        ("card.accepted", {"card_number": ["X00000019"]}, "card_number"),
        ("pin.sniffed", {}, "pin.sniffed"),  # no such event
    ],
)
def test_only_the_events_own_fields_are_recorded(tmp_path, event, fields, named):
    log = _log(tmp_path, 0)
    with pytest.raises(AuditFieldRefused, match=repr(named)):
        log.record(event, **fields)
    assert month_files(_folder(tmp_path)) == []


def _rewrite(path: Path, change) -> None:
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(change(lines)))


def _edit(lines):
    rec = json.loads(lines[2])
    rec["admin"] = True
    lines[2] = json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n"
    return lines


@pytest.mark.parametrize(
    ("change", "line", "words"),
    [
        (_edit, 3, "edited or forged"),
        (lambda ls: ls[:2] + ls[3:], 3, "missing"),
        (lambda ls: [ls[0], ls[2], ls[1], *ls[3:]], 2, "missing"),
        (lambda ls: [*ls[:4], ls[3]], 5, "out of order or repeated"),
    ],
    ids=["edited", "removed", "reordered", "repeated"],
)
def test_verify_names_the_tampered_line(tmp_path, change, line, words):
    _log(tmp_path, 5)
    _rewrite(_file(tmp_path), change)
    problems = _verify(tmp_path).problems
    assert problems, "tampering went unnoticed"
    assert problems[0].line == line and words in problems[0].what


def _cli(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "kiosk.audit", "verify", str(_folder(tmp_path))]
    cmd += ["--key-file", str(_key_file(tmp_path)), *extra]
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=60)


def test_cli_verify_exit_codes(tmp_path):
    # Records written now (the CLI verifies against today's months).
    _log(tmp_path, 3, clock=Clock(dt.datetime.now(dt.UTC)))
    ok = _cli(tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert "3 record(s), chain intact" in ok.stdout
    _rewrite(_file(tmp_path), _edit)
    bad = _cli(tmp_path)
    assert bad.returncode == 1
    assert f"{_file(tmp_path)}:3: record 3 was edited or forged" in bad.stderr


def test_retention_keeps_six_months_and_records_its_purge(tmp_path):
    clock = Clock(dt.datetime(2026, 1, 10, tzinfo=dt.UTC))
    log = AuditLog(
        _folder(tmp_path),
        terminal_id="K",
        key_file=_key_file(tmp_path),
        retention_days=183,
        clock=clock,
    )
    for month in range(1, 10):  # January to September: records 1 to 18
        clock.now = dt.datetime(2026, month, 10, tzinfo=dt.UTC)
        log.record("session.start")
        log.record("session.end", ended_by="exit")
    clock.now = dt.datetime(2026, 9, 15, tzinfo=dt.UTC)
    removed = log.purge()
    # 183 days before 15 September: 15 back to 31 August, +31 = 31 July (46), +31 = 30 June
    # (77), +30 = 31 May (107), +31 = 30 April (138), +30 = 31 March (168), +15 = 16 March.
    # January (ends 1 February) and February (ends 1 March) are wholly older; March is not.
    assert [p.name for p in removed] == ["audit-2026-01.jsonl", "audit-2026-02.jsonl"]
    assert month_files(_folder(tmp_path))[0].name == "audit-2026-03.jsonl"
    purge = json.loads(month_files(_folder(tmp_path))[-1].read_text().splitlines()[-1])
    # Two records a month: January and February held records 1 to 4; the purge is record 19.
    assert (purge["event"], purge["through_seq"], purge["seq"]) == ("audit.purged", 4, 19)
    report = _verify(tmp_path, now=clock.now, retention_days=183)
    # March to September: 7 months x 2 records = 14, and the purge record: 15.
    assert report.problems == [] and report.count == 15
    assert any("starts at record 5" in n for n in report.notes)
