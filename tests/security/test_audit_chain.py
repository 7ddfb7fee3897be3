"""Attacks on the audit log, each performed on the files the kiosk writes and checked the way an
operator checks them (`python -m kiosk.audit verify`) or the way the back office sees them
(heartbeats to the real back office over HTTP): removing the last records, a month file or
everything; forging a record with a recomputed SHA-256; re-chaining the whole log without the
key; replaying an older head; forking one. Each passed unnoticed before the chain was keyed and
the back office kept the heads."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests

from backoffice.harness import running_service
from kiosk.audit import AuditLog, Head, load_key, month_files, verify
from kiosk.backoffice.client import BackOfficeClient
from kiosk.backoffice.errors import Rejected
from kiosk.backoffice.heartbeat import Heartbeat
from kiosk.config import BackOfficeConfig

REPO = Path(__file__).resolve().parents[2]


class Clock:
    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now


class Kiosk:
    """The kiosk's audit log as the kiosk writes it: its folder, its key file."""

    def __init__(self, tmp: Path, clock: Any = None) -> None:
        self.folder, self.key_file = tmp / "audit", tmp / "audit.key"
        self.clock = clock

    def log(self) -> AuditLog:  # opened as at kiosk start
        kw = {"clock": self.clock} if self.clock else {}
        return AuditLog(self.folder, terminal_id="KIOSK-0001", key_file=self.key_file, **kw)

    def session(self, log: AuditLog, n: int = 1) -> None:
        for _ in range(n):
            log.record("session.start", session="s")
            log.record("pin.wrong", session="s", tries_left=2)
            log.record("session.end", session="s", ended_by="exit")

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(x) for p in month_files(self.folder) for x in p.read_text().splitlines()]

    def verify_cli(self, *extra: str) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "kiosk.audit", "verify", str(self.folder)]
        cmd += ["--key-file", str(self.key_file), *extra]
        return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=60)


def _sha256(rec: dict[str, Any]) -> str:
    """What an attacker computes from the format described in docs: plain SHA-256."""
    body = {k: v for k, v in rec.items() if k != "hash"}
    return hashlib.sha256(
        json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    ).hexdigest()


def _write(path: Path, records: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))


@pytest.fixture
def kiosk(tmp_path: Path) -> Kiosk:
    k = Kiosk(tmp_path)
    k.session(k.log(), 2)  # records 1 to 6, in this month's file
    return k


# --- on the kiosk's disk, checked by verify ------------------------------------------------


def test_deleting_the_last_records_fails_against_the_head_the_back_office_saw(kiosk):
    head = kiosk.log().head()  # what the last heartbeat carried: record 6
    (path,) = month_files(kiosk.folder)
    path.write_text("".join(path.read_text().splitlines(keepends=True)[:4]))  # 5 and 6 gone
    done = kiosk.verify_cli("--expect-head", str(head))
    assert done.returncode == 1
    assert "the log ends at record 4, before record 6" in done.stderr
    # The chain alone cannot tell a shortened log: the back office's head is what shows it.
    assert kiosk.verify_cli().returncode == 0


def test_deleting_every_record_fails(kiosk):
    for path in month_files(kiosk.folder):
        path.unlink()
    done = kiosk.verify_cli()
    assert done.returncode == 1
    assert "no audit records: the log is empty or was deleted" in done.stderr
    kiosk.folder.rmdir()
    gone = kiosk.verify_cli()
    assert gone.returncode == 2 and "no such folder" in gone.stderr


def test_a_forged_record_with_a_recomputed_sha256_fails(kiosk):
    (path,) = month_files(kiosk.folder)
    records = kiosk.records()
    records[-1]["ended_by"] = "timeout"  # the last record: no later one chains to it
    records[-1]["hash"] = _sha256(records[-1])
    _write(path, records)
    done = kiosk.verify_cli()
    assert done.returncode == 1
    assert f"{path}:6: record 6 was edited or forged" in done.stderr


@pytest.mark.parametrize("attacker_key", [None, "own"], ids=["sha256", "hmac-own-key"])
def test_rechaining_the_whole_log_without_the_key_fails(kiosk, attacker_key):
    """The attacker rewrites every record and re-chains from the first: with plain SHA-256, or
    with an HMAC under a key of their own."""
    own = secrets.token_bytes(32)
    (path,) = month_files(kiosk.folder)
    records = kiosk.records()
    prev = "0" * 64
    for rec in records:
        rec["tries_left"] = 1 if "tries_left" in rec else None
        rec["prev"] = prev
        body = {k: v for k, v in rec.items() if k != "hash"}
        text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        rec["hash"] = prev = (
            hmac.new(own, text.encode(), "sha256").hexdigest() if attacker_key else _sha256(rec)
        )
    _write(path, records)
    done = kiosk.verify_cli()
    assert done.returncode == 1
    assert done.stderr.count("was edited or forged") == 6  # every record: none holds the MAC


# The months of a log from March to September 2026, two sessions a month, checked on the 20th
# of September with 183 days' retention. 183 days before 20 September: 20 back to 31 August,
# +31 = 31 July (51), +31 = 30 June (82), +30 = 31 May (112), +31 = 30 April (143), +30 = 31
# March (173), +10 = 21 March. March ends 1 April, after 21 March: every month from March on is
# inside the window and cannot have been purged.
SEPT_20 = dt.datetime(2026, 9, 20, 12, tzinfo=dt.UTC)


@pytest.fixture
def months(tmp_path: Path) -> Kiosk:
    k = Kiosk(tmp_path, Clock(dt.datetime(2026, 3, 25, tzinfo=dt.UTC)))
    log = k.log()
    for month in range(3, 10):  # 6 records a month: March 1-6, April 7-12 ... September 37-42
        k.clock.now = dt.datetime(2026, month, 2 if month == 9 else 25, tzinfo=dt.UTC)
        k.session(log, 2)
    return k


def _check(k: Kiosk, **kw: Any):
    return verify(k.folder, load_key(k.key_file), now=SEPT_20, retention_days=183, **kw)


def test_the_whole_log_from_march_to_september_verifies(months):
    report = _check(months)
    assert report.problems == [] and report.count == 42  # 7 months x 6 records


def test_deleting_the_oldest_month_file_inside_the_window_fails(months):
    (months.folder / "audit-2026-03.jsonl").unlink()
    (problem,) = _check(months).problems
    assert problem.file.name == "audit-2026-04.jsonl" and problem.line == 1
    assert "records 1 to 6 are missing and no purge recorded their removal" in problem.what
    assert "audit-2026-03.jsonl missing inside the 183-day retention window" in problem.what


def test_deleting_the_two_newest_month_files_fails(months):
    (months.folder / "audit-2026-09.jsonl").unlink()
    (months.folder / "audit-2026-08.jsonl").unlink()
    (problem,) = _check(months).problems
    assert "audit-2026-08.jsonl is missing: a whole month without records" in problem.what


def test_deleting_this_months_file_fails_against_the_back_office_head(months):
    head = months.log().head()
    assert (head.seq, head.month) == (42, "2026-09")
    (months.folder / "audit-2026-09.jsonl").unlink()
    problems = _check(months, expect_head=Head(head.seq, head.hash)).problems
    assert [p.what for p in problems] == [
        "the log ends at record 36, before record 42, the last head the back office saw: "
        "records were removed"
    ]


def test_a_month_without_records_after_the_back_office_head_is_only_noted(months):
    """A kiosk switched off since its last heartbeat in July: August has no file, and the back
    office's last head is the log's last record, so nothing can have been lost."""
    for name in ("audit-2026-08.jsonl", "audit-2026-09.jsonl"):
        (months.folder / name).unlink()
    last = months.records()[-1]
    report = _check(months, expect_head=Head(last["seq"], last["hash"]))
    assert report.problems == []
    assert "no records in 2026-08 (after the back office's head)" in report.notes


def test_a_month_outside_the_window_deleted_by_hand_is_not_a_purge(months):
    """Deleting March after 1 October (it is then older than the window) still needs the
    purge's own record: without it the log starting at record 7 is a problem."""
    (months.folder / "audit-2026-03.jsonl").unlink()
    problems = verify(
        months.folder, load_key(months.key_file), now=dt.datetime(2026, 10, 5, tzinfo=dt.UTC)
    ).problems
    assert any("no purge recorded their removal: month files deleted" in p.what for p in problems)


# --- strict heads on the command line ---------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["abc:1", "9:", "6:", "6:abc", "0:" + "0" * 64, "6:" + "a" * 63, "6:" + "g" * 64, ""]
)
@pytest.mark.parametrize("option", ["--anchor", "--expect-head"])
def test_a_malformed_head_is_refused_with_a_clear_message(kiosk, option, text):
    done = kiosk.verify_cli(option, text)
    assert done.returncode == 2
    assert f"{text!r} is not SEQ:HASH" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_anchor_must_match_its_whole_hash(kiosk):
    rec = kiosk.records()[2]
    assert kiosk.verify_cli("--anchor", f"3:{rec['hash']}").returncode == 0
    other = "0" if rec["hash"][-1] != "0" else "1"
    wrong = kiosk.verify_cli("--anchor", f"3:{rec['hash'][:-1]}{other}")
    assert wrong.returncode == 1
    assert "record 3 differs from a head the back office saw" in wrong.stderr
    assert kiosk.verify_cli("--anchor", f"3:{rec['hash'].upper()}").returncode == 0


# --- the back office keeps the heads: over HTTP to the real service --------------------------


@pytest.fixture(scope="module")
def service():
    with running_service(members=0) as svc:
        yield svc


def _client(svc, terminal: str = "KIOSK-0001") -> BackOfficeClient:
    return BackOfficeClient(BackOfficeConfig(url=svc.url, api_key=f"demo-key-{terminal}"), terminal)


def _fleet(svc, terminal: str) -> dict[str, Any]:
    kiosks = requests.get(svc.url + "/fleet.json", timeout=10).json()["kiosks"]
    return next(k for k in kiosks if k["terminal_id"] == terminal)


def _fresh_terminal(svc) -> str:
    """The module's service is shared: each test starts from a terminal without a head by
    clearing its row (as an operator does after a deliberate reset, docs/security.md)."""
    from sqlalchemy import delete

    from backoffice.storage import Database
    from backoffice.storage.terminals import AuditHeadRow

    db = Database(svc.database)
    try:
        with db.sessions() as s:
            s.execute(delete(AuditHeadRow).where(AuditHeadRow.terminal_id == "KIOSK-0001"))
            s.commit()
    finally:
        db.dispose()
    return "KIOSK-0001"


def test_a_kiosk_whose_last_records_were_deleted_is_refused_and_flagged(service, tmp_path):
    _fresh_terminal(service)
    k = Kiosk(tmp_path)
    log = k.log()
    k.session(log, 2)
    client = _client(service)
    try:
        beat = Heartbeat(client, {}, audit_head=log.head)
        assert beat.beat()  # head 6 accepted
        assert _fleet(service, "KIOSK-0001")["audit_head"]["seq"] == 6
        accepted = log.head()
        # Attack: records 4 to 6 removed on disk; the kiosk restarts on the shortened log.
        (path,) = month_files(k.folder)
        path.write_text("".join(path.read_text().splitlines(keepends=True)[:3]))
        restarted = k.log()
        assert restarted.head().seq == 3
        beat = Heartbeat(client, {}, audit_head=restarted.head)
        assert not beat.beat()
    finally:
        client.close()
    row = _fleet(service, "KIOSK-0001")
    assert row["audit_alarm"] == "backwards" and row["level"] == "bad"
    assert row["audit_head"] == accepted.as_json()  # the refused head is not kept
    assert row["devices"]["audit_chain"] == {"state": "AUDIT HEAD WENT BACK", "level": "bad"}
    page = requests.get(service.url + "/fleet", timeout=10).text
    kiosk_row = page.split('data-terminal="KIOSK-0001"', 1)[1].split("</tr>", 1)[0]
    assert "审计链回退" in kiosk_row and "AUDIT HEAD WENT BACK" in kiosk_row
    # The operator's check with the head from /fleet.json names what was removed.
    done = k.verify_cli("--expect-head", f"{row['audit_head']['seq']}:{row['audit_head']['hash']}")
    assert done.returncode == 1 and "ends at record 3, before record 6" in done.stderr


def test_replaying_an_older_head_is_refused(service, tmp_path):
    _fresh_terminal(service)
    k = Kiosk(tmp_path)
    log = k.log()
    k.session(log)
    old = log.head()  # record 3
    k.session(log)
    client = _client(service)
    try:
        client.heartbeat({}, audit_head=log.head().as_json())  # record 6
        with pytest.raises(Rejected) as refused:
            client.heartbeat({}, audit_head=old.as_json())
        assert (refused.value.status, refused.value.code) == (409, "AUDIT_HEAD_BACKWARDS")
        assert "审计链回退" in refused.value.message_zh
        assert _fleet(service, "KIOSK-0001")["audit_head"]["seq"] == 6
    finally:
        client.close()


def test_a_forked_head_is_refused_and_the_alarm_stays(service, tmp_path):
    _fresh_terminal(service)
    k = Kiosk(tmp_path)
    log = k.log()
    k.session(log)
    head = log.head()
    forked = {**head.as_json(), "hash": hashlib.sha256(b"another record 3").hexdigest()}
    client = _client(service)
    try:
        client.heartbeat({}, audit_head=head.as_json())
        client.heartbeat({}, audit_head=head.as_json())  # the same head again: fine
        with pytest.raises(Rejected) as refused:
            client.heartbeat({}, audit_head=forked)
        assert (refused.value.status, refused.value.code) == (409, "AUDIT_HEAD_FORKED")
        k.session(log)
        client.heartbeat({}, audit_head=log.head().as_json())  # later heads are accepted...
    finally:
        client.close()
    row = _fleet(service, "KIOSK-0001")
    assert row["audit_head"]["seq"] == 6
    assert row["audit_alarm"] == "forked"  # ...and the alarm stays until an operator clears it


def test_a_log_rewritten_past_the_old_head_passes_the_back_office_but_not_verify(service, tmp_path):
    """The back office cannot recompute HMACs: a head with a higher seq is accepted. The kiosk
    rolled back to record 3 and went on to record 9; verify with the back office's earlier head
    finds record 6 is another one."""
    _fresh_terminal(service)
    k = Kiosk(tmp_path)
    log = k.log()
    k.session(log, 2)
    seen = log.head()  # record 6
    client = _client(service)
    try:
        client.heartbeat({}, audit_head=seen.as_json())
        (path,) = month_files(k.folder)
        path.write_text("".join(path.read_text().splitlines(keepends=True)[:3]))
        log = k.log()
        log.record("session.start", session="other")  # a different record 4, then 5 to 9
        log.record("pin.blocked", session="other")
        log.record("session.end", session="other", ended_by="problem")
        k.session(log)
        client.heartbeat({}, audit_head=log.head().as_json())  # 9 > 6: accepted
    finally:
        client.close()
    assert _fleet(service, "KIOSK-0001")["audit_alarm"] == ""
    assert k.verify_cli().returncode == 0  # the chain itself holds
    done = k.verify_cli("--anchor", str(seen))
    assert done.returncode == 1
    assert "record 6 differs from a head the back office saw" in done.stderr


@pytest.mark.parametrize(
    "head",
    [
        {"seq": -1, "hash": "0" * 64, "month": ""},
        {"seq": 3, "hash": "9", "month": "2026-05"},
        {"seq": 3, "hash": "0" * 64, "month": "2026-13"},
    ],
)
def test_a_malformed_head_is_refused_by_the_back_office(service, head):
    r = requests.post(
        service.url + "/v1/terminals/heartbeat",
        json={"devices": {}, "audit_head": head},
        headers={
            "X-Terminal-Id": "KIOSK-0002",
            "Authorization": "Bearer demo-key-KIOSK-0002",
            "Idempotency-Key": secrets.token_hex(8),
        },
        timeout=10,
    )
    assert r.status_code == 422, r.text
