"""Seeding: draw lives, bulk-insert them, write card profiles and a members index.

Rows go in with the driver's bulk path (executemany on SQLite, COPY on PostgreSQL) in batches,
so 20,000 members take about a minute or two rather than an hour."""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
import logging
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection

from backoffice.errors import BackOfficeServerError
from backoffice.policy import Policy
from backoffice.seed.cards import profile_file_name, write_profile
from backoffice.seed.finance import ACCOUNT_COLUMNS, account_rows, insert_demo_acquirer
from backoffice.seed.lives import INITIAL_PIN, SHOWCASES, LifeMaker, employers
from backoffice.seed.rows import (
    BenefitPayment,
    CardRecord,
    Contribution,
    Enrolment,
    MedicalYear,
    MemberRecord,
    PensionYear,
)
from backoffice.storage import Database
from backoffice.storage.members import MEMBER_TABLES, EmployerRow, MemberRow
from backoffice.storage.terminals import AdminCardRow, TerminalRow

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger("backoffice.seed")

DEMO_TERMINALS = {"KIOSK-0001": "demo-key-KIOSK-0001", "KIOSK-0002": "demo-key-KIOSK-0002"}
# The demo's administrator card: cardio/profiles/card-admin.toml.
DEMO_ADMIN_CARDS = [("110100D15600000511010000000001FF", "A00000001", "大厅管理员")]
BATCH = 500


class SeedError(BackOfficeServerError):
    pass


@dataclass
class SeededMember:
    index: int
    member_no: str
    name: str
    archetype: str
    note: str
    card_identifier: str
    card_number: str
    card_status: str
    pin: str
    card_file: str | None


@dataclass
class SeedReport:
    members: int
    seed: int
    as_of: dt.date
    rows: dict[str, int] = field(default_factory=dict)
    showcases: list[SeededMember] = field(default_factory=list)
    changed_pins: int = 0
    cards_dir: Path | None = None

    def text(self) -> str:
        out = [
            f"seeded {self.members} members (seed {self.seed}, records up to {self.as_of})",
            "rows: " + ", ".join(f"{k} {v}" for k, v in self.rows.items()),
            f"terminals: {', '.join(f'{t} key {k!r}' for t, k in DEMO_TERMINALS.items())}",
            f"PINs: {INITIAL_PIN} on every card except {self.changed_pins} "
            "(see members.json in the cards folder for each member's PIN)",
            "bank: every card's [finance] (金融密码, opening balance) has its account at the "
            "reference acquirer (terminals KS000001, KS000002)",
            "showcase members:",
        ]
        for m in self.showcases:
            out.append(
                f"  #{m.index} {m.member_no} card {m.card_number} status {m.card_status} "
                f"PIN {m.pin} {m.archetype}: {m.note}"
                + (f" -> {m.card_file}" if m.card_file else "")
            )
        if self.cards_dir:
            out.append(f"card profiles: {self.cards_dir}")
        return "\n".join(out)


def seed_database(
    db: Database,
    policy: Policy,
    *,
    members: int,
    seed: int,
    as_of: dt.date | None = None,
    cards_dir: Path | None = None,
    reset: bool = False,
) -> SeedReport:
    # The city's date, not the host's (docs/rules.md, Time).
    as_of = as_of or dt.datetime.now(zoneinfo.ZoneInfo(policy.timezone)).date()
    if reset:
        db.drop_schema()
    db.create_schema()
    with db.engine.connect() as conn:
        if conn.execute(select(func.count()).select_from(MemberRow)).scalar_one():
            raise SeedError("the database already holds members: seed an empty one (or --reset)")
    if cards_dir is not None:
        cards_dir.mkdir(parents=True, exist_ok=True)
    maker = LifeMaker(policy, seed, as_of)
    report = SeedReport(members=members, seed=seed, as_of=as_of, cards_dir=cards_dir)
    counts = dict.fromkeys(MEMBER_TABLES, 0)
    index_rows: list[dict[str, Any]] = []
    with db.engine.connect() as conn:
        if db.is_sqlite:
            # Seeding writes consistent rows in bulk: skip the per-row foreign key look-ups
            # (set outside a transaction, and set back before the connection goes to the pool).
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
        # The rows are NamedTuples, which the collector never untracks (it does plain tuples of
        # plain values): with it on, every collection walks the batch's million rows again,
        # a fifth of the seeding time. The rows hold no cycles.
        collecting = gc.isenabled()
        gc.disable()
        try:
            with conn.begin():
                _insert_all(
                    conn, db, policy, maker, members, seed, cards_dir, report, counts, index_rows
                )
        finally:
            if collecting:
                gc.enable()
            if db.is_sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()
    with db.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    report.rows = counts
    if cards_dir is not None:
        (cards_dir / "members.json").write_text(
            json.dumps(
                {
                    "seed": seed,
                    "as_of": as_of.isoformat(),
                    "initial_pin": INITIAL_PIN,
                    "members": index_rows,
                },
                ensure_ascii=False,
                indent=1,
            ),
            encoding="utf-8",
        )
    return report


def insert_demo_access(conn: Connection, policy: Policy) -> None:
    """The demo terminals (with their keys), the demo administrator card, and the acquirer's
    demo terminals and shipped cards' accounts: what a kiosk needs to talk to a database that
    holds no seeded members (the importer's tests)."""
    conn.execute(
        insert(TerminalRow),
        [
            {
                "terminal_id": t,
                "key_sha256": hashlib.sha256(k.encode()).hexdigest(),
                "hall": policy.city_name,
                "active": True,
            }
            for t, k in DEMO_TERMINALS.items()
        ],
    )
    conn.execute(
        insert(AdminCardRow),
        [
            {"card_identifier": ci, "card_number": no, "holder": who, "active": True}
            for ci, no, who in DEMO_ADMIN_CARDS
        ],
    )
    insert_demo_acquirer(conn)


def _insert_all(
    conn: Connection,
    db: Database,
    policy: Policy,
    maker: LifeMaker,
    members: int,
    seed: int,
    cards_dir: Path | None,
    report: SeedReport,
    counts: dict[str, int],
    index_rows: list[dict[str, Any]],
) -> None:
    conn.execute(insert(EmployerRow), [{"id": i, "name": n} for i, n in employers(seed)])
    insert_demo_access(conn, policy)
    for lo in range(0, members, BATCH):
        lives = [maker.make(i) for i in range(lo, min(members, lo + BATCH))]
        _bulk(conn, db, "member", MemberRecord._fields, [x.member for x in lives])
        _bulk(conn, db, "card", CardRecord._fields, [x.card for x in lives])
        _bulk(conn, db, "acq_account", ACCOUNT_COLUMNS, account_rows(lives))  # the bank's side
        histories = [x.history for x in lives]
        for table, cols, attr in _HISTORY_TABLES:
            # As plain tuples: the sort's and the driver's fast paths take exact tuples only
            # (a third of the seeding time on a million NamedTuple rows).
            rows = sorted([tuple(r) for h in histories for r in getattr(h, attr)])
            _bulk(conn, db, table, cols, rows)
            counts[table] += len(rows)
        counts["member"] += len(lives)
        counts["card"] += len(lives)
        for x in lives:
            card_file = None
            if cards_dir is not None:
                write_profile(cards_dir, x.index, x.profile, note=f"#{x.index} {x.note}")
                card_file = profile_file_name(x.index)
            sm = SeededMember(
                index=x.index,
                member_no=x.member.member_no,
                name=x.member.name,
                archetype=x.archetype,
                note=x.note,
                card_identifier=x.profile.card_identifier,
                card_number=x.profile.card_number,
                card_status=x.card.status,
                pin=x.profile.pin,
                card_file=card_file,
            )
            if x.profile.pin != INITIAL_PIN:
                report.changed_pins += 1
            if x.index < len(SHOWCASES):
                report.showcases.append(sm)
            if cards_dir is not None:
                index_rows.append(sm.__dict__)
        log.info("seeded %d/%d members", min(members, lo + BATCH), members)


# table, its columns (the fields of its record in backoffice.seed.rows), History's list of them
_HISTORY_TABLES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("enrolment", Enrolment._fields, "enrolments"),
    ("contribution", Contribution._fields, "contributions"),
    ("pension_account_year", PensionYear._fields, "account_years"),
    ("medical_account_year", MedicalYear._fields, "medical_years"),
    ("benefit_payment", BenefitPayment._fields, "benefits"),
)


def _bulk(
    conn: Connection, db: Database, table: str, cols: Sequence[str], rows: Iterable[tuple[Any, ...]]
) -> None:
    rows = list(rows)
    if not rows:
        return
    names = ", ".join(cols)
    if db.is_sqlite:
        marks = ", ".join("?" for _ in cols)
        conn.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
        return
    # Not SQLite: PostgreSQL, whose driver is psycopg 3 (backoffice.storage.db).
    raw = cast("psycopg.Connection[Any]", conn.connection.dbapi_connection)
    with raw.cursor() as cur, cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for r in rows:
            copy.write_row(r)
