"""Seeding: draw lives, bulk-insert them, write card profiles and a members index.

Rows go in with the driver's bulk path in batches: executemany on SQLite; on PostgreSQL COPY,
with the member tables' keys, indexes and foreign keys built once at the end
(backoffice.seed.copy). The same seed gives the same rows on both.

On PostgreSQL with many members, ranges of members are drawn and COPYed by forked worker
processes (backoffice.seed.workers: a pipe per worker, nothing shared). When a range fails, or
its worker dies, the other workers are stopped within a bounded time (SIGTERM, a short grace,
SIGKILL, each reaped), every table is dropped and SeedError names the range's members."""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
import logging
import os
import time
import zoneinfo
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import func, insert, make_url, select
from sqlalchemy.engine import Connection

from backoffice.face.enrolment import enrol_showcases
from backoffice.policy import Policy
from backoffice.seed.cards import profile_file_name, write_profile
from backoffice.seed.copy import SetAside, bulk_load, copy_rows
from backoffice.seed.errors import SeedError, WorkerFailed
from backoffice.seed.finance import (
    ACCOUNT_COLUMNS,
    account_rows,
    insert_demo_acquirer,
    seeded_pan,
)
from backoffice.seed.flexible import seed_flexible_and_reductions
from backoffice.seed.lives import INITIAL_PIN, SHOWCASES, Life, LifeMaker, employers
from backoffice.seed.medical import SettlementRecord
from backoffice.seed.rows import (
    BenefitPayment,
    CardRecord,
    CertificationRecord,
    ClaimRecord,
    Contribution,
    Enrolment,
    MedicalYear,
    MemberRecord,
    PensionYear,
    RegistrationRecord,
    SeparationRecord,
    VocationalCertificateRecord,
)
from backoffice.seed.transfer import TransferRequestRecord
from backoffice.seed.workers import ForkedWorkers
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
# PostgreSQL without card files: from this many members, processes draw and COPY ranges of
# members at once (drawing a life is most of the seeding's CPU).
PARALLEL_FROM = 20_000
CHUNK = 5_000


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
    processes = min(os.cpu_count() or 1, -(-members // CHUNK))
    if not db.is_sqlite and cards_dir is None and members >= PARALLEL_FROM and processes > 1:
        _copy_in_parallel(db, policy, seed, as_of, members, processes, report, counts)
        return _finish(db, report, counts, cards_dir, index_rows)
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
            with conn.begin(), _bulk_loading(conn, db):
                _insert_all(
                    conn, db, policy, maker, members, seed, cards_dir, report, counts, index_rows
                )
        finally:
            if collecting:
                gc.enable()
            if db.is_sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()
    return _finish(db, report, counts, cards_dir, index_rows)


def _finish(
    db: Database,
    report: SeedReport,
    counts: dict[str, int],
    cards_dir: Path | None,
    index_rows: list[dict[str, Any]],
) -> SeedReport:
    with db.engine.begin() as conn:
        # The showcase members' faces (backoffice.seed.lives: member id = index + 1): one
        # encoding of the lab's photo, computed once per process, for each of them.
        showcases = list(range(1, min(report.members, len(SHOWCASES)) + 1))
        counts["face_enrolment"] = enrol_showcases(
            conn, showcases, at=dt.datetime.combine(report.as_of, dt.time(0, 0))
        )
        # Flexible workers who stopped, and fee-reduction categories (issue 17: seed/flexible.py).
        counts.update(seed_flexible_and_reductions(conn, report.seed, report.as_of))
        conn.exec_driver_sql("ANALYZE")
    report.rows = counts
    seed, as_of = report.seed, report.as_of
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


def _copy_in_parallel(
    db: Database,
    policy: Policy,
    seed: int,
    as_of: dt.date,
    members: int,
    processes: int,
    report: SeedReport,
    counts: dict[str, int],
) -> None:
    """PostgreSQL, many members: the keys and indexes are set aside and committed, then
    `processes` processes each draw and COPY ranges of CHUNK members (a transaction per range),
    then the keys are built and checked. Not one transaction: if anything fails, the workers
    are stopped (backoffice.seed.workers), every table is dropped (the next seed makes them
    again) and SeedError raised. Each life depends only on (seed, index): the rows are those
    of one process."""
    with db.engine.connect() as conn, conn.begin():
        conn.execute(insert(EmployerRow), [{"id": i, "name": n} for i, n in employers(seed)])
        insert_demo_access(conn, policy)
        aside = SetAside.of(_psycopg(conn), MEMBER_TABLES)
        aside.drop(_psycopg(conn))
    url = make_url(db.url).set(drivername="postgresql").render_as_string(hide_password=False)
    ranges = [(lo, min(members, lo + CHUNK)) for lo in range(0, members, CHUNK)]
    done = 0
    changed_pins: set[int] = set()
    try:
        # Forked, with no connection of this process's pool to inherit (spawn would run the
        # caller's main module again in each process).
        db.engine.dispose()
        jobs = [(url, policy, seed, as_of, lo, hi) for lo, hi in ranges]
        with ForkedWorkers(_copy_range, processes) as workers:
            for _job, (got, changed, showcases) in workers.unordered(jobs):
                for table, n in got.items():
                    counts[table] += n
                changed_pins |= changed
                report.showcases.extend(showcases)
                done += got["member"]
                log.info("seeded %d/%d members", done, members)
        log.info("rows of %d members copied; building the keys and indexes", members)
        began = time.perf_counter()
        with db.engine.connect() as conn, conn.begin():
            raw = _psycopg(conn)
            aside.restore_primary_keys(raw)  # a member's rows found by key, not by a scan
            _redraw_across_ranges(raw, LifeMaker(policy, seed, as_of), counts, changed_pins)
            aside.restore_rest(raw)
        log.info("keys, indexes and foreign keys built in %.0f s", time.perf_counter() - began)
    except Exception as e:
        # The workers are gone (ForkedWorkers stops them before the exception leaves): their
        # transactions are over, and nothing holds the tables.
        db.drop_schema()
        raise SeedError(f"seeding failed, every table dropped: {_failure(e)}") from e
    report.showcases.sort(key=lambda m: m.index)
    report.changed_pins = len(changed_pins)


def _failure(e: Exception) -> str:
    """What failed: a range names its members (a job is _copy_range's tuple)."""
    if isinstance(e, WorkerFailed):
        lo, hi = cast("tuple[Any, ...]", e.job)[4:6]
        return f"members {lo}-{hi - 1}: {e.reason}"
    return str(e)


def _redraw_across_ranges(
    raw: psycopg.Connection[Any], maker: LifeMaker, counts: dict[str, int], changed: set[int]
) -> None:
    """Make the rows those of one process. A life depends on its (seed, index) and on one thing
    more: its ID number is drawn again while it is one an earlier member holds. A range's
    process knows only its own range's numbers; a member whose number an earlier range holds
    (a few in 100,000) is drawn again here, in member order, against every earlier number, and
    its rows replaced. (A number no earlier member holds is what one process drew too: every
    number the range's process refused was an earlier member's.)"""
    with raw.cursor() as cur:
        cur.execute("SELECT id, id_number FROM member ORDER BY id")
        given = cur.fetchall()
    earlier: set[str] = set()
    maker.take_id_numbers(earlier)
    for member_id, id_number in given:
        if id_number not in earlier:
            earlier.add(id_number)
            continue
        index = member_id - 1  # backoffice.seed.lives: member id = index + 1
        with raw.cursor() as cur:
            # The simulated bank's account of the member's card (written by _write_lives too):
            # its PAN is the member's index's.
            cur.execute(
                "DELETE FROM acq_account WHERE pan = %s OR card_identifier IN "
                "(SELECT card_identifier FROM card WHERE member_id = %s)",
                (seeded_pan(index), member_id),
            )
            for table in reversed(MEMBER_TABLES):
                column = "id" if table == "member" else "member_id"
                cur.execute(f"DELETE FROM {table} WHERE {column} = %s", (member_id,))
                counts[table] -= cur.rowcount
        life = maker.make(index)  # adds its new number to `earlier`
        _write_lives(lambda t, c, r: copy_rows(raw, t, c, r), False, [life], counts)
        changed.discard(index)
        if life.profile.pin != INITIAL_PIN:
            changed.add(index)
        log.info("member #%d drawn again: its ID number was an earlier range's", index)


def _copy_range(
    job: tuple[str, Policy, int, dt.date, int, int],
) -> tuple[dict[str, int], set[int], list[SeededMember]]:
    """One process's range of members, in its own connection and transaction: (rows per
    table, the members whose PIN is not the initial one, the range's showcase members)."""
    import psycopg

    url, policy, seed, as_of, lo, hi = job
    gc.disable()  # as in seed_database: the NamedTuple rows hold no cycles
    maker = LifeMaker(policy, seed, as_of)
    counts = dict.fromkeys(MEMBER_TABLES, 0)
    changed: set[int] = set()
    showcases: list[SeededMember] = []
    with psycopg.connect(url) as raw:
        for b in range(lo, hi, BATCH):
            lives = [maker.make(i) for i in range(b, min(hi, b + BATCH))]
            _write_lives(lambda t, c, r: copy_rows(raw, t, c, r), False, lives, counts)
            changed.update(x.index for x in lives if x.profile.pin != INITIAL_PIN)
            showcases += [_seeded(x, None) for x in lives if x.index < len(SHOWCASES)]
        raw.commit()
    return counts, changed, showcases


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
        _write_lives(lambda t, c, r: _bulk(conn, db, t, c, r), db.is_sqlite, lives, counts)
        for x in lives:
            _account(x, cards_dir, report, index_rows)
        log.info("seeded %d/%d members", min(members, lo + BATCH), members)


Write = Callable[[str, Sequence[str], list[Any]], object]


def _write_lives(
    write: Write, in_key_order: bool, lives: list[Life], counts: dict[str, int]
) -> None:
    """A batch of lives into every member table."""
    write("member", MemberRecord._fields, [x.member for x in lives])
    write("card", CardRecord._fields, [x.card for x in lives])
    write("acq_account", ACCOUNT_COLUMNS, account_rows(lives))  # the simulated bank's side
    histories = [x.history for x in lives]
    for table, cols, attr in _HISTORY_TABLES:
        if in_key_order:
            # SQLite: in key order, for the tables clustered on their key. As plain tuples: the
            # sort's and the driver's fast paths take exact tuples only (a third of the
            # seeding time on a million NamedTuple rows).
            rows = sorted([tuple(r) for h in histories for r in getattr(h, attr)])
        else:
            # PostgreSQL: a heap; a member's rows are already together, and the keys are built
            # at the end by sorting (COPY's write_row takes any sequence).
            rows = [r for h in histories for r in getattr(h, attr)]
        write(table, cols, rows)
        counts[table] += len(rows)
    counts["member"] += len(lives)
    counts["card"] += len(lives)


def _account(
    x: Life, cards_dir: Path | None, report: SeedReport, index_rows: list[dict[str, Any]]
) -> None:
    """The report's and the cards folder's part of a seeded life."""
    card_file = None
    if cards_dir is not None:
        write_profile(cards_dir, x.index, x.profile, note=f"#{x.index} {x.note}")
        card_file = profile_file_name(x.index)
    if x.profile.pin != INITIAL_PIN:
        report.changed_pins += 1
    if x.index < len(SHOWCASES) or cards_dir is not None:
        sm = _seeded(x, card_file)
        if x.index < len(SHOWCASES):
            report.showcases.append(sm)
        if cards_dir is not None:
            index_rows.append(sm.__dict__)


def _seeded(x: Life, card_file: str | None) -> SeededMember:
    return SeededMember(
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


# table, its columns (the fields of its record in backoffice.seed.rows), History's list of them
_HISTORY_TABLES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("enrolment", Enrolment._fields, "enrolments"),
    ("contribution", Contribution._fields, "contributions"),
    ("pension_account_year", PensionYear._fields, "account_years"),
    ("medical_account_year", MedicalYear._fields, "medical_years"),
    ("benefit_payment", BenefitPayment._fields, "benefits"),
    ("certification", CertificationRecord._fields, "certifications"),
    ("unemployment_separation", SeparationRecord._fields, "separations"),
    ("unemployment_registration", RegistrationRecord._fields, "registrations"),
    ("unemployment_claim", ClaimRecord._fields, "claims"),
    ("vocational_certificate", VocationalCertificateRecord._fields, "vocational_certificates"),
    ("transfer_request", TransferRequestRecord._fields, "transfer_requests"),  # issue 17
    ("medical_settlement", SettlementRecord._fields, "medical_settlements"),  # issue 17
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
    copy_rows(_psycopg(conn), table, cols, rows)


def _psycopg(conn: Connection) -> psycopg.Connection[Any]:
    """Not SQLite: PostgreSQL, whose driver is psycopg 3 (backoffice.storage.db)."""
    return cast("psycopg.Connection[Any]", conn.connection.dbapi_connection)


@contextmanager
def _bulk_loading(conn: Connection, db: Database) -> Iterator[None]:
    if db.is_sqlite:
        yield
        return
    with bulk_load(_psycopg(conn), MEMBER_TABLES):
        yield
