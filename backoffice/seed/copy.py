"""The seeder's PostgreSQL path: COPY the rows in, with the member tables' keys, indexes and
foreign keys set aside during the load and built once at the end.

Row by row, PostgreSQL checks each foreign key (a look-up in member per contribution row) and
inserts into every index; a 200,000-member seed is close to 190 million rows. Built afterwards,
an index is one sort and a foreign key one join, several times faster. It all happens in the
seeding transaction (PostgreSQL's DDL is transactional): a failed seed leaves the tables and
their constraints as they were.

    with bulk_load(raw, MEMBER_TABLES):
        copy_rows(raw, "contribution", Contribution._fields, rows)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import psycopg

# Sorting for the index builds at the end: more memory, fewer passes over disk.
INDEX_BUILD_MEMORY = "512MB"


@dataclass(frozen=True)
class _Constraint:
    table: str
    name: str
    definition: str  # pg_get_constraintdef: "PRIMARY KEY (member_id, scheme, period)", ...
    kind: str  # p primary key, u unique, f foreign key

    def drop(self) -> str:
        return f'ALTER TABLE {self.table} DROP CONSTRAINT "{self.name}"'

    def add(self) -> str:
        return f'ALTER TABLE {self.table} ADD CONSTRAINT "{self.name}" {self.definition}'


@dataclass(frozen=True)
class _Index:
    name: str
    definition: str  # pg_get_indexdef: "CREATE INDEX ix_... ON public.card USING btree (...)"


def copy_rows(
    raw: psycopg.Connection[Any], table: str, cols: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """COPY rows (tuples in the order of cols) into table; returns how many."""
    n = 0
    names = ", ".join(cols)
    with raw.cursor() as cur, cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for r in rows:
            copy.write_row(r)
            n += 1
    return n


@dataclass(frozen=True)
class SetAside:
    """The keys, indexes and foreign keys of some tables, read from the catalogue, to drop before
    a load and make again after it."""

    constraints: tuple[_Constraint, ...]
    indexes: tuple[_Index, ...]

    @classmethod
    def of(cls, raw: psycopg.Connection[Any], tables: Sequence[str]) -> SetAside:
        """Theirs, and the foreign keys of other tables that point at them."""
        with raw.cursor() as cur:
            cur.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype "
                "FROM pg_constraint WHERE contype IN ('p', 'u', 'f') AND "
                "(conrelid::regclass::text = ANY(%(t)s) OR confrelid::regclass::text = ANY(%(t)s)) "
                "ORDER BY 1, 2",
                {"t": list(tables)},
            )
            constraints = tuple(_Constraint(*row) for row in cur.fetchall())
            # Indexes that no constraint owns (those go and come back with their constraint).
            cur.execute(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
                "FROM pg_index i WHERE i.indrelid::regclass::text = ANY(%(t)s) AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1",
                {"t": list(tables)},
            )
            indexes = tuple(_Index(*row) for row in cur.fetchall())
        return cls(constraints, indexes)

    def drop(self, raw: psycopg.Connection[Any]) -> None:
        with raw.cursor() as cur:
            for c in sorted(self.constraints, key=lambda c: c.kind != "f"):  # foreign keys first
                cur.execute(c.drop())
            for i in self.indexes:
                cur.execute(f'DROP INDEX "{i.name}"')

    def restore(self, raw: psycopg.Connection[Any]) -> None:
        """Make them again, each checked as it is made: a duplicate key or a dangling reference
        raises."""
        self.restore_primary_keys(raw)
        self.restore_rest(raw)

    def restore_primary_keys(self, raw: psycopg.Connection[Any]) -> None:
        """The primary keys alone (a member's rows can be found again by its key)."""
        self._add(raw, [c.add() for c in self.constraints if c.kind == "p"])

    def restore_rest(self, raw: psycopg.Connection[Any]) -> None:
        """Unique constraints, indexes, then foreign keys (which need the keys they point at)."""
        self._add(
            raw,
            [c.add() for c in self.constraints if c.kind == "u"]
            + [i.definition for i in self.indexes]
            + [c.add() for c in self.constraints if c.kind == "f"],
        )

    @staticmethod
    def _add(raw: psycopg.Connection[Any], statements: list[str]) -> None:
        with raw.cursor() as cur:
            cur.execute(f"SET LOCAL maintenance_work_mem = '{INDEX_BUILD_MEMORY}'")
            for statement in statements:
                cur.execute(statement)


@contextmanager
def bulk_load(raw: psycopg.Connection[Any], tables: Sequence[str]) -> Iterator[None]:
    """Inside (one transaction): the tables without primary keys, unique constraints, indexes
    and foreign keys; on the way out all are made again."""
    aside = SetAside.of(raw, tables)
    aside.drop(raw)
    yield
    aside.restore(raw)
