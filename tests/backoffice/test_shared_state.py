"""The shared state's rules on their own (backoffice.storage.shared_state, card_sessions'
store): two stores on one SQLite file stand for two worker processes; the clocks are ours."""

from __future__ import annotations

from pathlib import Path

import pytest

from backoffice.card_sessions import EXTEND_AFTER, IDLE_SECONDS, CardSessionStore
from backoffice.storage import Database
from backoffice.storage.shared_state import CardSessionRow, SharedState


@pytest.fixture
def db(tmp_path: Path):
    d = Database(str(tmp_path / "shared.sqlite3"))
    d.create_schema()
    yield d
    d.dispose()


def expiry(db: Database) -> float:
    with db.session() as s:
        return float(s.query(CardSessionRow.expires).one()[0])


def test_a_session_is_extended_only_when_that_moves_it_enough(db: Database) -> None:
    now = [10_000.0]
    a = CardSessionStore(SharedState(db), clock=lambda: now[0])
    b = CardSessionStore(SharedState(db), clock=lambda: now[0])
    token = a.open("KIOSK-0001", "M1", "AB" * 16)
    assert expiry(db) == 10_000.0 + IDLE_SECONDS  # 10,000 + 360 = 10,360
    now[0] += EXTEND_AFTER - 1  # 14 s later: a read, no write
    assert b.use(token, "KIOSK-0001", "M1") is None
    assert expiry(db) == 10_360.0
    now[0] += 2  # 16 s after opening: moved by more than 15 s, written
    assert b.use(token, "KIOSK-0001", "M1") is None
    assert expiry(db) == 10_016.0 + IDLE_SECONDS  # 10,016 + 360 = 10,376
    assert a.use(token, "KIOSK-0002", "M1") == "another terminal's"
    assert a.use(token, "KIOSK-0001", "M2") == "another member's"
    now[0] = 10_376.0 + 1  # idle past its expiry
    assert a.use(token, "KIOSK-0001", "M1") == "expired or unknown"


def test_a_new_card_ends_the_terminals_previous_session_on_every_worker(db: Database) -> None:
    a, b = CardSessionStore(SharedState(db)), CardSessionStore(SharedState(db))
    first = a.open("KIOSK-0001", "M1", "AB" * 16)
    second = b.open("KIOSK-0001", "M2", "CD" * 16)
    assert a.use(first, "KIOSK-0001", "M1") == "expired or unknown"
    assert a.use(second, "KIOSK-0001", "M2") is None
    assert b.close(second, "KIOSK-0001") and not a.close(second, "KIOSK-0001")


def test_a_challenge_is_taken_once_and_only_by_its_terminal_in_time(db: Database) -> None:
    now = [500.0]
    a = CardSessionStore(SharedState(db), clock=lambda: now[0])
    b = CardSessionStore(SharedState(db), clock=lambda: now[0])
    cid, value = a.challenge("KIOSK-0001", "AB" * 16)
    ch = b.take_challenge("KIOSK-0001", cid)
    assert ch is not None and ch.challenge == value
    assert a.take_challenge("KIOSK-0001", cid) is None  # used up
    cid, _ = a.challenge("KIOSK-0001", "AB" * 16)
    assert b.take_challenge("KIOSK-0002", cid) is None  # another terminal's: and now gone
    cid, _ = a.challenge("KIOSK-0001", "AB" * 16)
    now[0] += 31  # CHALLENGE_SECONDS is 30
    assert b.take_challenge("KIOSK-0001", cid) is None


def test_expired_rows_are_purged_at_most_once_a_period(db: Database) -> None:
    tick = [0.0]
    state = SharedState(db, purge_every=60.0, monotonic=lambda: tick[0])
    assert state.first_use("K", "n1", now=1_000.0, ttl=600.0)  # purges (the first write)
    assert state.first_use("K", "n2", now=1_700.0, ttl=600.0)  # n1 expired at 1,600: kept...
    assert state.counts()["replay_nonce"] == 2  # ...because the last purge was 0 s ago
    tick[0] = 61.0
    assert state.first_use("K", "n3", now=1_700.0, ttl=600.0)  # 61 s on: purged
    assert state.counts()["replay_nonce"] == 2  # n2 and n3
    state.dispose()
