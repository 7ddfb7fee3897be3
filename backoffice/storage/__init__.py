"""Storage: one SQLAlchemy metadata, tables grouped in a module per area.

A new area (payments, for instance) adds its own module of tables on `Base` and imports it in
`all_tables()` below; `create_schema` then creates them too. Money is stored as integer fen,
months as integer YYYYMM: exact, small and the same on SQLite and PostgreSQL."""

from backoffice.storage.base import Base
from backoffice.storage.db import Database


def all_tables() -> None:
    """Import every area's table module, so Base.metadata knows them all."""
    from backoffice.storage import (  # noqa: F401
        acquirer,
        certificates,
        certification,
        face,
        fee_reductions,
        flexible,
        medical,
        members,
        payments,
        shared_state,
        terminals,
        transfer,
        unemployment,
    )


__all__ = ["Base", "Database", "all_tables"]
