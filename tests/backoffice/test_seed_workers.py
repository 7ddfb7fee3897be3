"""The parallel seed's worker processes (PostgreSQL, many members): when a range fails, the seed
ends within a bounded time with the failed range's error, every worker gone and every member
table dropped, even if a worker will not die of SIGTERM or a worker itself dies; when it
succeeds, every worker has exited and been reaped.

The ranges' stand-ins below replace backoffice.seed.run._copy_range in the test only; they run
in the forked workers and note each worker's pid in a folder, so the test can look for them."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from backoffice.policy import load_policy
from backoffice.seed import run as seed_run
from backoffice.seed import seed_database
from backoffice.storage import Database
from backoffice.storage.members import MEMBER_TABLES
from tests.helpers.backoffice import TODAY, fresh_pg_database

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(60)]

MEMBERS = 240
SEED = 11
_REAL_RANGE = seed_run._copy_range
# Where the workers note their pids: set (before the workers are forked) by the `pids` fixture.
PID_DIR: Path | None = None


def _note_pid() -> None:
    assert PID_DIR is not None
    (PID_DIR / str(os.getpid())).touch()


def _after_the_other_worker_noted() -> None:
    """Members 0-49 fail only once the other worker has its range (and, for the deaf one, its
    SIGTERM ignored): under load the other worker may otherwise be stopped before it starts,
    and the test would not test what it names."""
    assert PID_DIR is not None
    deadline = time.monotonic() + 20
    while len(list(PID_DIR.iterdir())) < 2:
        assert time.monotonic() < deadline, "the other worker never started its range"
        time.sleep(0.01)


def _failing_and_sigterm_deaf_range(job: tuple) -> object:
    """Members 0-49 fail as soon as the other range has begun; every other range ignores SIGTERM
    and never ends."""
    if job[4] == 0:
        _note_pid()
        _after_the_other_worker_noted()
        raise RuntimeError("range 0 failed")
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _note_pid()
    time.sleep(600)
    raise AssertionError("a worker of an abandoned seed was left running")


def _failing_and_slow_range(job: tuple) -> object:
    """Members 0-49 fail as soon as the other range has begun; every other range sleeps,
    touching no signal."""
    _note_pid()
    if job[4] == 0:
        _after_the_other_worker_noted()
        raise RuntimeError("range 0 failed")
    time.sleep(600)
    raise AssertionError("a worker of an abandoned seed was left running")


def _dying_range(job: tuple) -> object:
    """The worker of members 50-99 dies mid-range (as if killed by the OOM killer); the others
    seed as usual."""
    _note_pid()
    if job[4] == 50:
        os.kill(os.getpid(), signal.SIGKILL)
    return _REAL_RANGE(job)


def _noting_range(job: tuple) -> object:
    _note_pid()
    return _REAL_RANGE(job)


@pytest.fixture
def pids(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The parallel path at this size (ranges of 50 in 2 processes), and a folder for pids."""
    folder = tmp_path / "pids"
    folder.mkdir()
    monkeypatch.setattr(seed_run, "PARALLEL_FROM", 100)
    monkeypatch.setattr(seed_run, "CHUNK", 50)
    monkeypatch.setattr(seed_run.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(sys.modules[__name__], "PID_DIR", folder)
    return folder


def _left(folder: Path) -> list[tuple[int, str]]:
    """The noted workers still in the process table (running, or zombies not yet reaped)."""
    noted = [int(p.name) for p in folder.iterdir()]
    assert noted, "no worker noted its pid"
    out = []
    for pid in noted:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except FileNotFoundError:
            continue
        out.append((pid, stat.rsplit(")", 1)[1].split()[0]))  # the state: R, S, Z, ...
    return out


def _member_tables(db: Database) -> list[str]:
    with db.engine.connect() as c:
        rows = c.execute(
            text("SELECT tablename FROM pg_tables WHERE tablename = ANY(:t)"),
            {"t": list(MEMBER_TABLES)},
        ).all()
    return [str(r[0]) for r in rows]


@contextlib.contextmanager
def _seeding_with(
    monkeypatch: pytest.MonkeyPatch, range_fn: object, postgres_url: str, name: str
) -> Iterator[Database]:
    """A fresh database `name` to seed, each range copied by `range_fn` (in the workers)."""
    monkeypatch.setattr(seed_run, "_copy_range", range_fn)
    db = Database(fresh_pg_database(postgres_url, name))
    try:
        yield db
    finally:
        db.dispose()


def _failed_seed(db: Database, pids: Path) -> str:
    """Seed with the patched range function: it must fail, leaving no worker process and no
    member table behind. Returns the error's text."""
    with pytest.raises(seed_run.SeedError) as failed:
        seed_database(db, load_policy(), members=MEMBERS, seed=SEED, as_of=TODAY)
    assert _left(pids) == []
    assert _member_tables(db) == []
    return str(failed.value)


def test_a_failed_range_ends_the_seed_though_a_worker_ignores_sigterm(
    postgres_url: str, pids: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _seeding_with(
        monkeypatch, _failing_and_sigterm_deaf_range, postgres_url, "seed_deaf_worker"
    ) as db:
        message = _failed_seed(db, pids)
        assert "members 0-49" in message and "range 0 failed" in message, message
        assert "every table dropped" in message
        assert len(list(pids.iterdir())) == 2  # both workers had a range


def test_a_worker_dies_of_sigterm_whatever_the_seeding_process_does_with_it(
    postgres_url: str, pids: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The seeding process ignores SIGTERM (as one that had SDL's handler caught it): its
    forked workers do not, so SIGTERM alone stops them, without the SIGKILL that follows."""
    with _seeding_with(
        monkeypatch, _failing_and_slow_range, postgres_url, "seed_sigterm_default"
    ) as db:
        before = signal.signal(signal.SIGTERM, signal.SIG_IGN)
        try:
            with (
                caplog.at_level("WARNING", logger="backoffice.seed"),
                pytest.raises(seed_run.SeedError, match="range 0 failed"),
            ):
                seed_database(db, load_policy(), members=MEMBERS, seed=SEED, as_of=TODAY)
            assert not [r for r in caplog.records if "did not stop on SIGTERM" in r.getMessage()]
            assert _left(pids) == []
        finally:
            signal.signal(signal.SIGTERM, before)


def test_a_worker_that_dies_mid_range_fails_the_seed(
    postgres_url: str, pids: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _seeding_with(monkeypatch, _dying_range, postgres_url, "seed_dead_worker") as db:
        message = _failed_seed(db, pids)
        assert "members 50-99" in message and f"signal {int(signal.SIGKILL)}" in message, message


def test_a_parallel_seed_leaves_no_worker_behind(
    postgres_url: str, pids: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _seeding_with(monkeypatch, _noting_range, postgres_url, "seed_workers_exit") as db:
        report = seed_database(db, load_policy(), members=MEMBERS, seed=SEED, as_of=TODAY)
        assert report.rows["member"] == MEMBERS
        assert len(list(pids.iterdir())) == 2
        assert _left(pids) == []
        assert sorted(_member_tables(db)) == sorted(MEMBER_TABLES)
