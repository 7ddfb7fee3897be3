"""Under umask 022 the kiosk's journal (with its WAL and SHM side files) and its logs (with the
rotated ones) are 0600, in folders it creates 0700: stat what the real kiosk code writes."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# Run in a child process: the umask is per process, and pytest's own files must not change.
WRITE = """
import logging, os, sys
from pathlib import Path
os.umask(0o022)
from kiosk.config import LoggingConfig
from kiosk.payments.journal import Journal
from kiosk.logging_setup import configure_logging
from kiosk.domain.payments import PayMethod

base = Path(sys.argv[1])
path = configure_logging(
    LoggingConfig(dir=base / "log" / "kiosk", level="INFO", max_bytes=2_000, backups=2),
    console=False,
)
for i in range(100):  # past max_bytes twice: kiosk.log.1 and kiosk.log.2 exist
    logging.getLogger("kiosk.modes").info("line %d of a message long enough to rotate", i)
journal = Journal(base / "lib" / "payments" / "journal.sqlite3")
journal.prepare(
    intent_id="i1",
    terminal_id="KIOSK-0001",
    member_no="110100000001",
    payer={"member_no": "110100000001", "name_masked": "*三", "id_masked": "110***1234"},
    scheme="pension",
    method=PayMethod.CARD,
    quote={"lines": []},
    amount_fen=133070,
)
from kiosk.audit import AuditLog
audit = AuditLog(base / "audit" / "kiosk", terminal_id="KIOSK-0001", key_file=base / "keys" / "audit.key")
audit.record("session.start", session="s1")
print("wal", (base / "lib" / "payments" / "journal.sqlite3-wal").exists())
print("shm", (base / "lib" / "payments" / "journal.sqlite3-shm").exists())
os._exit(0)  # leave the WAL and SHM files in place, as a running kiosk has them
"""


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def written(tmp_path) -> Path:
    base = tmp_path / "var"
    r = subprocess.run(
        [sys.executable, "-c", WRITE, str(base)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["wal", "True", "shm", "True"], r.stdout
    return base


def test_the_journal_and_its_side_files_are_private(written):
    folder = written / "lib" / "payments"
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["journal.sqlite3", "journal.sqlite3-shm", "journal.sqlite3-wal"]
    assert {n: oct(mode(folder / n)) for n in names} == {n: "0o600" for n in names}
    # Every folder the code created, not only the last one.
    for d in (written, written / "lib", folder):
        assert oct(mode(d)) == "0o700", d


def test_the_logs_and_rotated_logs_are_private(written):
    folder = written / "log" / "kiosk"
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["kiosk.log", "kiosk.log.1", "kiosk.log.2"]
    assert {n: oct(mode(folder / n)) for n in names} == {n: "0o600" for n in names}
    for d in (written / "log", folder):
        assert oct(mode(d)) == "0o700", d


def test_the_audit_log_and_its_key_are_private(written):
    folder = written / "audit" / "kiosk"
    files = [p for p in folder.iterdir()] + [written / "keys" / "audit.key"]
    assert len(files) >= 2  # this month's file and the key
    assert {p.name: oct(mode(p)) for p in files} == {p.name: "0o600" for p in files}
    # Every folder the audit log created, its parents too (mkdir's mode left them 0755).
    for d in (written / "audit", folder, written / "keys"):
        assert oct(mode(d)) == "0o700", d


def test_an_existing_wider_file_is_narrowed(tmp_path):
    """A journal or log left 0644 by an older version becomes 0600 at the next start."""
    from kiosk.config import LoggingConfig
    from kiosk.logging_setup import configure_logging
    from kiosk.payments.journal import Journal

    old = os.umask(0o022)
    try:
        (tmp_path / "kiosk.log").write_text("old\n")
        (tmp_path / "kiosk.log.1").write_text("older\n")
        Journal(tmp_path / "j.sqlite3").close()
        os.chmod(tmp_path / "j.sqlite3", 0o644)
        Journal(tmp_path / "j.sqlite3").close()
        configure_logging(LoggingConfig(dir=tmp_path, level="INFO"), console=False)
    finally:
        os.umask(old)
        root = logging.getLogger()
        for h in list(root.handlers):
            if getattr(h, "_kiosk_handler", False):
                root.removeHandler(h)
                h.close()
    for name in ("kiosk.log", "kiosk.log.1", "j.sqlite3"):
        assert oct(mode(tmp_path / name)) == "0o600", name
