"""The audit log: records chain, verify names the line of any edit, removal or reordering,
retention deletes whole months only after retention_days, no PIN field is accepted."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.audit import GENESIS, AuditFieldRefused, AuditLog, month_files, verify

REPO = Path(__file__).resolve().parents[2]
ID = "110101199003071234"


class Clock:
    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now


def _log(tmp_path: Path, n: int = 5) -> AuditLog:
    log = AuditLog(
        tmp_path, terminal_id="KIOSK-0001", clock=Clock(dt.datetime(2026, 5, 1, tzinfo=dt.UTC))
    )
    for i in range(n):
        log.record("pin.wrong", tries_left=i, id_number=ID)
    return log


def _file(tmp_path: Path) -> Path:
    (path,) = month_files(tmp_path)
    return path


def test_records_chain_and_mask_ids(tmp_path):
    _log(tmp_path, 3)
    lines = [json.loads(x) for x in _file(tmp_path).read_text().splitlines()]
    assert [r["seq"] for r in lines] == [1, 2, 3]
    assert lines[0]["prev"] == GENESIS
    assert lines[1]["prev"] == lines[0]["hash"] and lines[2]["prev"] == lines[1]["hash"]
    assert all(r["id_number"] == "110***********1234" for r in lines)
    assert ID not in _file(tmp_path).read_text()
    assert verify(tmp_path)[0] == []


def test_a_reopened_log_continues_the_chain(tmp_path):
    _log(tmp_path, 2)
    _log(tmp_path, 2)  # a restart of the kiosk
    problems, count, _ = verify(tmp_path)
    assert problems == [] and count == 4


def test_no_pin_field_is_ever_recorded(tmp_path):
    log = _log(tmp_path, 0)
    for name in ("pin", "PIN", "pin_code", "new_pin_digits", "secret"):
        with pytest.raises(AuditFieldRefused):
            log.record("pin.ok", **{name: "135790"})
    assert month_files(tmp_path) == []


def _rewrite(path: Path, change) -> None:
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(change(lines)))


def _edit(lines):
    rec = json.loads(lines[2])
    rec["tries_left"] = 9
    lines[2] = json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n"
    return lines


@pytest.mark.parametrize(
    ("change", "line", "words"),
    [
        (_edit, 3, "edited"),
        (lambda ls: ls[:2] + ls[3:], 3, "missing"),
        (lambda ls: [ls[0], ls[2], ls[1], *ls[3:]], 2, "missing"),
        (lambda ls: [*ls[:4], ls[3]], 5, "out of order or repeated"),
    ],
    ids=["edited", "removed", "reordered", "repeated"],
)
def test_verify_names_the_tampered_line(tmp_path, change, line, words):
    _log(tmp_path, 5)
    _rewrite(_file(tmp_path), change)
    problems, _, _ = verify(tmp_path)
    assert problems, "tampering went unnoticed"
    assert problems[0].line == line and words in problems[0].what


def test_an_edit_that_recomputes_the_hash_still_breaks_the_chain(tmp_path):
    from kiosk.audit import record_hash

    _log(tmp_path, 4)

    def forge(lines):
        rec = json.loads(lines[1])
        rec["tries_left"] = 3
        rec["hash"] = record_hash(rec)
        lines[1] = json.dumps(rec) + "\n"
        return lines

    _rewrite(_file(tmp_path), forge)
    problems, _, _ = verify(tmp_path)
    assert [(p.line, "does not chain" in p.what) for p in problems] == [(3, True)]


def test_cli_verify_exit_codes(tmp_path):
    _log(tmp_path, 3)
    cmd = [sys.executable, "-m", "kiosk.audit", "verify", str(tmp_path)]
    ok = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "3 record(s), chain intact" in ok.stdout
    _rewrite(_file(tmp_path), _edit)
    bad = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    assert bad.returncode == 1
    assert f"{_file(tmp_path)}:3: record 3 was edited" in bad.stderr


def test_retention_keeps_six_months_and_the_chain_stays_verifiable(tmp_path):
    clock = Clock(dt.datetime(2026, 1, 10, tzinfo=dt.UTC))
    log = AuditLog(tmp_path, terminal_id="K", retention_days=183, clock=clock)
    for month in range(1, 10):  # January to September
        clock.now = dt.datetime(2026, month, 10, tzinfo=dt.UTC)
        log.record("session.start")
        log.record("session.end", ended_by="exit")
    clock.now = dt.datetime(2026, 9, 15, tzinfo=dt.UTC)
    removed = log.purge()
    # 183 days before 15 September is 15 March: January and February are wholly older.
    assert [p.name for p in removed] == ["audit-2026-01.jsonl", "audit-2026-02.jsonl"]
    assert month_files(tmp_path)[0].name == "audit-2026-03.jsonl"
    problems, count, note = verify(tmp_path)
    assert problems == [] and count == 14
    assert "starts at record 5" in note


def test_a_rewritten_tail_is_caught_by_an_anchor_the_back_office_kept(tmp_path):
    from kiosk.audit import record_hash

    log = _log(tmp_path, 5)
    anchor = log.head()  # what the heartbeat sent
    assert anchor.startswith("5:")
    # Rewrite record 3 and re-hash everything after it: the chain alone cannot tell.
    lines = [json.loads(x) for x in _file(tmp_path).read_text().splitlines()]
    lines[2]["tries_left"] = 7
    prev = lines[1]["hash"]
    for rec in lines[2:]:
        rec["prev"] = prev
        rec["hash"] = prev = record_hash(rec)
    _file(tmp_path).write_text("".join(json.dumps(r) + "\n" for r in lines))
    assert verify(tmp_path)[0] == []
    cmd = [sys.executable, "-m", "kiosk.audit", "verify", str(tmp_path)]
    done = subprocess.run([*cmd, "--anchor", anchor[:20]], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 1
    assert "record 5 differs from the one the back office was told of" in done.stderr
    good = f"2:{lines[1]['hash'][:16]}"  # an anchor before the rewrite still matches
    assert subprocess.run([*cmd, "--anchor", good], cwd=REPO, capture_output=True).returncode == 0
