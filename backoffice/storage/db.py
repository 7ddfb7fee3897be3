"""The database: an engine for a SQLite file (WAL, synchronous=FULL) or a PostgreSQL URL, and
sessions. The same code runs on both."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from backoffice.storage.base import Base


def database_url(value: str) -> str:
    """Accept a SQLAlchemy URL or a plain file path (a SQLite file)."""
    if "://" in value:
        if value.startswith("postgresql://"):
            # psycopg 3 is the driver we ship; SQLAlchemy's bare postgresql:// means psycopg2.
            return "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value
    return "sqlite:///" + str(Path(value).resolve())


class Database:
    def __init__(self, url: str, *, pool_size: int = 16) -> None:
        self.url = database_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        kwargs: dict[str, Any] = {}
        memory = self.url in ("sqlite://", "sqlite:///:memory:")
        if self.is_sqlite:
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
            if not memory:
                kwargs["pool_size"] = pool_size
                kwargs["max_overflow"] = pool_size
        else:
            kwargs["pool_size"] = pool_size
            kwargs["max_overflow"] = pool_size
            kwargs["pool_pre_ping"] = True
        self.engine: Engine = create_engine(self.url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def create_schema(self) -> None:
        from backoffice.storage import all_tables

        all_tables()
        Base.metadata.create_all(self.engine)

    def missing_columns(self) -> list[str]:
        """Columns this version's tables have that the database lacks ("table.column"): an
        older database that needs migrating or re-seeding. Tables not there yet are not listed
        (create_schema makes them)."""
        from sqlalchemy import inspect

        from backoffice.storage import all_tables

        all_tables()
        found = inspect(self.engine)
        have = set(found.get_table_names())
        out: list[str] = []
        for table in Base.metadata.sorted_tables:
            if table.name not in have:
                continue
            cols = {c["name"] for c in found.get_columns(table.name)}
            out.extend(f"{table.name}.{c.name}" for c in table.columns if c.name not in cols)
        return out

    def drop_schema(self) -> None:
        from backoffice.storage import all_tables

        all_tables()
        Base.metadata.drop_all(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.sessions() as s:
            yield s

    def dispose(self) -> None:
        self.engine.dispose()


MMAP_BYTES = 1 << 31


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets readers run while one writer commits; FULL keeps a committed payment on power loss.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    # Reads in place from the mapped file (the OS page cache, shared by every connection)
    # instead of a read() and a copy per page into the connection's own 2 MB cache, where a
    # random member's pages are rarely found again. SQLite caps it at its build's limit (2 GB
    # by default); writes still go through the WAL.
    cur.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
    cur.close()
