"""What every worker and every host must see alike, kept in the database with an expiry:
replay nonces of signed requests, card-session challenges and open card sessions.

In one process's memory a replay sent to another worker passed, and a card session opened on
one worker was unknown to the next. Here:

- a nonce is used up by inserting its digest as a primary key: the insert is refused on
  conflict (unless the row has expired), atomically across processes on SQLite and PostgreSQL;
- a challenge is taken by DELETE ... RETURNING: exactly one taker gets it;
- a card session is a row keyed by the token's SHA-256 (the token itself is never stored),
  read by one small SELECT per use; its sliding expiry is written only when it has moved by
  more than `extend_after` seconds, so most uses write nothing.

Expired rows are deleted by whichever process writes after `purge_every` seconds since its last
purge (an index on `expires` keeps that cheap): no table grows without bound.

These rows need not survive a power loss (a lost nonce is older than the signature's skew
window soon enough; a lost card session costs a re-insert of the card), so they go through an
engine of their own whose commits do not wait for the disk: SQLite synchronous=NORMAL,
PostgreSQL synchronous_commit=off. Payments keep their durable engine. Instants are wall-clock
seconds (time.time) from the caller: hosts must keep their clocks in step (NTP), as the
signatures' timestamps already require.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from sqlalchemy import Float, String, Table, create_engine, delete, event, insert, select
from sqlalchemy.engine import CursorResult, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.storage.base import Base
from backoffice.storage.db import Database

SHARED_POOL_SIZE = 4  # connections of the shared state's engine per process (and 4 at a peak)
PURGE_SECONDS = 60.0

T = TypeVar("T")


class ReplayNonceRow(Base):
    __tablename__ = "replay_nonce"

    # SHA-256 of key id and nonce: a fixed size whatever the headers held (NUL bytes too).
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires: Mapped[float] = mapped_column(Float, index=True)  # wall-clock seconds


class CardChallengeRow(Base):
    __tablename__ = "card_challenge"

    challenge_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    terminal_id: Mapped[str] = mapped_column(String(32))
    card_identifier: Mapped[str] = mapped_column(String(32))
    challenge: Mapped[str] = mapped_column(String(32))  # 16 bytes, hex
    expires: Mapped[float] = mapped_column(Float, index=True)


class CardSessionRow(Base):
    __tablename__ = "card_session"

    token_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    terminal_id: Mapped[str] = mapped_column(String(32), index=True)
    member_no: Mapped[str] = mapped_column(String(16))
    card_identifier: Mapped[str] = mapped_column(String(32))  # "" for an ID-card session
    expires: Mapped[float] = mapped_column(Float, index=True)
    # What the session may read (backoffice.card_sessions.SCOPES): "full" (a card + PIN, or an
    # ID card with a face match) or "limited" (an ID card alone: dues, payment, certification).
    scope: Mapped[str] = mapped_column(String(8), default="full", server_default="full")


TABLES = (ReplayNonceRow, CardChallengeRow, CardSessionRow)

# The same text on SQLite (3.35+) and PostgreSQL; %s becomes ? for sqlite3.
_NONCE_SQL = (
    "INSERT INTO replay_nonce (digest, expires) VALUES (%s, %s) ON CONFLICT (digest) "
    "DO UPDATE SET expires = excluded.expires WHERE replay_nonce.expires <= %s RETURNING digest"
)
_SESSION_SQL = (
    "SELECT terminal_id, member_no, card_identifier, expires, scope FROM card_session "
    "WHERE token_digest = %s"
)
_EXTEND_SQL = "UPDATE card_session SET expires = %s WHERE token_digest = %s"


@dataclass(frozen=True)
class Challenge:
    terminal_id: str
    card_identifier: str
    challenge: bytes
    expires: float


@dataclass(frozen=True)
class OpenSession:
    terminal_id: str
    member_no: str
    card_identifier: str
    expires: float
    scope: str = "full"


def create_tables(db: Database) -> None:
    """These tables, when missing (checkfirst; create_schema makes them too)."""
    Base.metadata.create_all(db.engine, tables=[cast(Table, t.__table__) for t in TABLES])


def nonce_digest(key_id: str, nonce: str) -> str:
    raw = f"{key_id}\n{nonce}".encode("utf-8", "surrogatepass")
    return hashlib.sha256(raw).hexdigest()


class SharedState:
    """The rows above, on a light engine beside `db`'s (the same database)."""

    def __init__(
        self,
        db: Database,
        *,
        purge_every: float = PURGE_SECONDS,
        pool_size: int = SHARED_POOL_SIZE,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = _light_engine(db, pool_size)
        create_tables(db)
        self._dialect = self.engine.dialect.name
        dbapi = self.engine.dialect.loaded_dbapi
        self._operational: type[Exception] = dbapi.OperationalError
        self.purge_every = purge_every
        self._monotonic = monotonic
        self._next_purge = 0.0  # this process's: each process purges now and then

    # --- nonces ---

    def first_use(self, key_id: str, nonce: str, *, now: float, ttl: float) -> bool:
        """True (and the nonce used up for `ttl` seconds) if no process has seen it yet."""
        # An expired row of the same digest is taken over; a live one refuses the insert. A
        # row comes back only when one was written (psycopg gives no rowcount for an upsert).
        rows = self._raw(_NONCE_SQL, (nonce_digest(key_id, nonce), now + ttl, now))
        self._maybe_purge(now)
        return bool(rows)

    # --- challenges ---

    def put_challenge(self, challenge_id: str, ch: Challenge, *, now: float) -> None:
        row = {
            "challenge_id": challenge_id,
            "terminal_id": ch.terminal_id,
            "card_identifier": ch.card_identifier,
            "challenge": ch.challenge.hex(),
            "expires": ch.expires,
        }
        self._write(lambda c: c.execute(insert(CardChallengeRow), row))
        self._maybe_purge(now)

    def take_challenge(self, challenge_id: str) -> Challenge | None:
        """The challenge, deleted: of two processes taking it at once only one gets it."""
        t = CardChallengeRow
        stmt = (
            delete(t)
            .where(t.challenge_id == challenge_id)
            .returning(t.terminal_id, t.card_identifier, t.challenge, t.expires)
        )
        row = self._write(lambda c: c.execute(stmt).first())
        if row is None:
            return None
        return Challenge(
            row.terminal_id, row.card_identifier, bytes.fromhex(row.challenge), row.expires
        )

    # --- card sessions ---

    def open_session(self, token_digest: str, s: OpenSession, *, now: float) -> None:
        """A new session; the terminal's previous one (another card's) ends with it."""

        def run(c: Any) -> None:
            c.execute(delete(CardSessionRow).where(CardSessionRow.terminal_id == s.terminal_id))
            c.execute(
                insert(CardSessionRow),
                {
                    "token_digest": token_digest,
                    "terminal_id": s.terminal_id,
                    "member_no": s.member_no,
                    "card_identifier": s.card_identifier,
                    "expires": s.expires,
                    "scope": s.scope,
                },
            )

        self._write(run)
        self._maybe_purge(now)

    def session(self, token_digest: str) -> OpenSession | None:
        """One small read (primary key)."""
        rows = self._raw(_SESSION_SQL, (token_digest,))
        return OpenSession(*rows[0]) if rows else None

    def extend_session(self, token_digest: str, expires: float) -> None:
        self._raw(_EXTEND_SQL, (expires, token_digest))

    def close_session(self, token_digest: str, terminal_id: str) -> bool:
        t = CardSessionRow
        stmt = delete(t).where(t.token_digest == token_digest, t.terminal_id == terminal_id)
        return self._write(lambda c: _rowcount(c.execute(stmt))) == 1

    # --- upkeep ---

    def purge(self, now: float) -> int:
        """Delete every expired row; how many."""

        def run(c: Any) -> int:
            return sum(_rowcount(c.execute(delete(t).where(t.expires < now))) for t in TABLES)

        return self._write(run)

    def counts(self) -> dict[str, int]:
        """Rows per table (tests, the operator's curiosity)."""
        from sqlalchemy import func

        def run(c: Any) -> dict[str, int]:
            return {
                t.__tablename__: int(c.execute(select(func.count()).select_from(t)).scalar_one())
                for t in TABLES
            }

        return self._read(run)

    def dispose(self) -> None:
        self.engine.dispose()

    def _maybe_purge(self, now: float) -> None:
        tick = self._monotonic()
        if tick >= self._next_purge:
            self._next_purge = tick + self.purge_every
            self.purge(now)

    def _raw(self, sql: str, params: tuple[object, ...]) -> list[tuple[Any, ...]]:
        """A statement on a pooled DBAPI connection, without SQLAlchemy's statement layer:
        for the two queries of every signed request or card-session use (a third of the
        client CPU of the same through Core on PostgreSQL). Retried once on a connection the
        server dropped (no pre-ping: it would cost a query per use)."""
        if self._dialect == "sqlite":
            sql = sql.replace("%s", "?")
        for attempt in (1, 2):
            conn = self.engine.raw_connection()
            try:
                cur = conn.cursor()
                cur.execute(sql, params)
                rows = [tuple(r) for r in cur.fetchall()] if cur.description else []
                cur.close()
                conn.commit()  # nothing to do in AUTOCOMMIT; the in-memory test engine needs it
                return rows
            except self._operational as e:
                gone = self.engine.dialect.is_disconnect(cast(Any, e), conn.dbapi_connection, None)
                if attempt == 2 or not gone:
                    raise
                conn.invalidate()
            finally:
                conn.close()
        raise AssertionError("unreachable")

    def _write(self, fn: Callable[[Any], T]) -> T:
        def run() -> T:
            with self.engine.begin() as c:  # AUTOCOMMIT: each statement commits on its own
                return fn(c)

        return _retry_once(run)

    def _read(self, fn: Callable[[Any], T]) -> T:
        def run() -> T:
            with self.engine.connect() as c:
                return fn(c)

        return _retry_once(run)


def _retry_once(fn: Callable[[], T]) -> T:
    """No pre-ping (it would cost a query per use): a connection the server dropped fails its
    statement, SQLAlchemy drops it from the pool, and the call runs once more on a new one."""
    try:
        return fn()
    except DBAPIError as e:
        if not e.connection_invalidated:
            raise
    return fn()


def _rowcount(result: Any) -> int:
    return int(cast(CursorResult[Any], result).rowcount)


def _light_engine(db: Database, pool_size: int) -> Engine:
    if db.url in ("sqlite://", "sqlite:///:memory:"):
        return db.engine  # an in-memory database exists in its own engine only
    if db.is_sqlite:
        engine = create_engine(
            db.url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=pool_size,
            max_overflow=pool_size,
            isolation_level="AUTOCOMMIT",
        )
        event.listen(engine, "connect", _sqlite_light)
        return engine
    return create_engine(
        db.url,
        pool_size=pool_size,
        max_overflow=pool_size,
        connect_args={"options": "-c synchronous_commit=off"},
        isolation_level="AUTOCOMMIT",
    )


def _sqlite_light(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    # WAL + NORMAL: a commit does not wait for fsync (the last commits may be lost on power
    # loss, never corrupted); the payments' engine keeps FULL.
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def for_app(app: Any) -> SharedState:
    """The app's one SharedState (app.state.shared_state), made on first use on the database
    of its context (backoffice.context): the signature guard and the card sessions share it."""
    state = getattr(app.state, "shared_state", None)
    if state is None:
        state = SharedState(app.state.context.db)
        app.state.shared_state = state
    return cast(SharedState, state)
