"""The PostgreSQL seeding path (COPY, keys built at the end; many members: in parallel ranges)
gives the members the SQLite path gives: the same figures over the API, the same row counts,
the same report, and the tables keep every key, index and foreign key."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import text

from backoffice.harness import RunningService, running_service
from backoffice.policy import load_policy
from backoffice.seed import run as seed_run
from backoffice.seed import seed_database
from backoffice.seed.lives import LifeMaker
from backoffice.storage import Database
from backoffice.storage.members import MEMBER_TABLES
from tests.helpers.backoffice import TODAY, fresh_pg_database

pytestmark = pytest.mark.postgres

MEMBERS = 240
SEED = 11
SAMPLE = 20


def _catalogue(url: str) -> list[tuple[str, str]]:
    """Every constraint and index of the member tables, by table and definition."""
    db = Database(url)
    try:
        with db.engine.connect() as c:
            cons = c.execute(
                text(
                    "SELECT conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid::regclass::text = ANY(:t)"
                ),
                {"t": list(MEMBER_TABLES)},
            ).all()
            idx = c.execute(
                text("SELECT tablename, indexdef FROM pg_indexes WHERE tablename = ANY(:t)"),
                {"t": list(MEMBER_TABLES)},
            ).all()
    finally:
        db.dispose()
    return sorted((str(a), str(b)) for a, b in [*cons, *idx])


@pytest.fixture(scope="module")
def sqlite_seeded() -> Iterator[RunningService]:
    with running_service(members=MEMBERS, seed=SEED, today=TODAY) as svc:
        yield svc


@pytest.fixture(scope="module")
def copy_seeded(postgres_url: str) -> Iterator[RunningService]:
    """One transaction, COPY per batch (fewer members than the parallel path's threshold)."""
    assert MEMBERS < seed_run.PARALLEL_FROM
    url = fresh_pg_database(postgres_url, "seed_copy")
    with running_service(members=MEMBERS, seed=SEED, today=TODAY, database=url) as svc:
        yield svc


@pytest.fixture(scope="module")
def parallel_seeded(postgres_url: str) -> Iterator[RunningService]:
    """The many-members path, made to run at this size: ranges of 50 members in 2 processes
    (the last range short)."""
    url = fresh_pg_database(postgres_url, "seed_parallel")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(seed_run, "PARALLEL_FROM", 100)
        mp.setattr(seed_run, "CHUNK", 50)
        mp.setattr(seed_run.os, "cpu_count", lambda: 2)
        with running_service(members=MEMBERS, seed=SEED, today=TODAY, database=url) as svc:
            yield svc


def _members(svc: RunningService) -> list[str]:
    db = Database(svc.database)
    try:
        with db.engine.connect() as c:
            return [r[0] for r in c.execute(text("SELECT member_no FROM member ORDER BY id"))]
    finally:
        db.dispose()


def _figures(svc: RunningService, member_no: str) -> dict[str, object]:
    headers = {"X-Terminal-Id": svc.terminal_id, "Authorization": f"Bearer {svc.api_key}"}
    out: dict[str, object] = {}
    for name, path in (
        ("summary", "summary"),
        ("history", "contributions"),
        ("dues", "dues"),
        ("accounts", "accounts"),
    ):
        r = requests.get(f"{svc.url}/v1/members/{member_no}/{path}", headers=headers, timeout=30)
        assert r.status_code == 200, (name, r.status_code, r.text[:200])
        out[name] = r.json()
    return out


@pytest.mark.parametrize("path", ["copy_seeded", "parallel_seeded"])
def test_copy_gives_the_members_the_sqlite_path_gives(
    path: str, sqlite_seeded: RunningService, request: pytest.FixtureRequest
) -> None:
    pg: RunningService = request.getfixturevalue(path)
    everyone = _members(sqlite_seeded)
    assert _members(pg) == everyone
    # The showcases (the first members), members from every range, the last one.
    sample = everyone[:8] + random.Random(5).sample(everyone[8:-1], SAMPLE - 9) + everyone[-1:]
    for no in sample:
        assert _figures(pg, no) == _figures(sqlite_seeded, no), no
    assert sqlite_seeded.report is not None and pg.report is not None
    assert pg.report.rows == sqlite_seeded.report.rows
    assert sum(pg.report.rows.values()) > MEMBERS * 10  # histories, not just members
    assert pg.report.changed_pins == sqlite_seeded.report.changed_pins
    assert pg.report.showcases == sqlite_seeded.report.showcases


def _certifications(url: str) -> list[tuple[object, ...]]:
    """Every certification row but its id (the database's own: ranges COPY in any order)."""
    db = Database(url)
    try:
        with db.engine.connect() as c:
            rows = c.execute(
                text(
                    "SELECT m.member_no, c.at, c.day, c.method, c.result, c.terminal_id,"
                    " c.score_milli, c.evidence_ref, c.verification_id, c.idempotency_key,"
                    " c.request_hash, c.attempt_no FROM certification c"
                    " JOIN member m ON m.id = c.member_id ORDER BY m.member_no, c.at"
                )
            ).all()
    finally:
        db.dispose()
    # SQLite gives the instant and the day as text, PostgreSQL as datetime and date.
    return [
        (r[0], dt.datetime.fromisoformat(str(r[1])), dt.date.fromisoformat(str(r[2])), *r[3:])
        for r in rows
    ]


@pytest.mark.parametrize("path", ["copy_seeded", "parallel_seeded"])
def test_copy_writes_the_certifications_the_sqlite_path_writes(
    path: str, sqlite_seeded: RunningService, request: pytest.FixtureRequest
) -> None:
    pg: RunningService = request.getfixturevalue(path)
    want = _certifications(sqlite_seeded.database)
    assert len({r[0] for r in want}) > 10  # many retirees' histories
    assert _certifications(pg.database) == want
    # The retirees' states over the API are the same too.
    headers = {"X-Terminal-Id": pg.terminal_id, "Authorization": f"Bearer {pg.api_key}"}
    for no in sorted({str(r[0]) for r in want})[:8]:
        a, b = (
            requests.get(f"{s.url}/v1/members/{no}/certification", headers=headers, timeout=30)
            for s in (pg, sqlite_seeded)
        )
        assert (a.status_code, a.json()) == (b.status_code, b.json()), no


@pytest.mark.parametrize("path", ["copy_seeded", "parallel_seeded"])
def test_the_keys_indexes_and_foreign_keys_are_back_after_copy(
    path: str, postgres_url: str, request: pytest.FixtureRequest
) -> None:
    pg: RunningService = request.getfixturevalue(path)
    fresh = fresh_pg_database(postgres_url, "seed_schema_only")
    db = Database(fresh)
    try:
        db.create_schema()
    finally:
        db.dispose()
    want = _catalogue(fresh)
    assert any("FOREIGN KEY" in d for _t, d in want) and any("UNIQUE" in d for _t, d in want)
    assert _catalogue(pg.database) == want


def _few_id_numbers(self: LifeMaker, rng: random.Random, *_args: object) -> str:
    """ID numbers from a space of 600 for 240 members: many collide, within and across ranges
    (the real space is large, so a collision there is a few in 100,000)."""
    while True:
        number = f"110101198001{rng.randrange(0, 600):06d}"
        if number not in self._id_numbers:
            self._id_numbers.add(number)
            return number


def _id_numbers(url: str) -> list[str]:
    db = Database(url)
    try:
        with db.engine.connect() as c:
            return [r[0] for r in c.execute(text("SELECT id_number FROM member ORDER BY id"))]
    finally:
        db.dispose()


def test_id_numbers_that_collide_across_ranges_are_drawn_as_one_process_draws_them(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(LifeMaker, "_id_number", _few_id_numbers)
    one = Database(str(tmp_path / "one.sqlite3"))
    url = fresh_pg_database(postgres_url, "seed_collide")
    ranged = Database(url)
    monkeypatch.setattr(seed_run, "PARALLEL_FROM", 100)
    monkeypatch.setattr(seed_run, "CHUNK", 50)
    monkeypatch.setattr(seed_run.os, "cpu_count", lambda: 2)
    try:
        a = seed_database(one, load_policy(), members=MEMBERS, seed=SEED, as_of=TODAY)
        b = seed_database(ranged, load_policy(), members=MEMBERS, seed=SEED, as_of=TODAY)
        want, got = _id_numbers(one.url), _id_numbers(url)
        # Ranges of 50 from a space of 600: a later range meets an earlier range's numbers.
        ranges = [set(want[lo : lo + 50]) for lo in range(0, MEMBERS, 50)]
        first_draws = [set(_ranged_draws(lo)) for lo in range(0, MEMBERS, 50)]
        assert any(d != r for d, r in zip(first_draws, ranges, strict=True))
        assert got == want
        assert len(set(got)) == MEMBERS
        # The simulated bank's accounts follow the cards drawn again.
        assert _accounts(url) == _accounts(one.url)
        # and so do the retirees' certifications (keyed by member number, not drawn again)
        assert _certifications(url) == _certifications(one.url)
        assert b.rows == a.rows
        assert b.changed_pins == a.changed_pins
    finally:
        one.dispose()
        ranged.dispose()


def _accounts(url: str) -> list[tuple[str, str, int]]:
    db = Database(url)
    try:
        with db.engine.connect() as c:
            rows = c.execute(
                text("SELECT pan, card_identifier, balance_fen FROM acq_account ORDER BY pan")
            ).all()
    finally:
        db.dispose()
    return [(str(a), str(b), int(n)) for a, b, n in rows]


def _ranged_draws(lo: int) -> list[str]:
    """The numbers a range's process draws on its own (it knows no earlier range)."""
    maker = LifeMaker(load_policy(), SEED, TODAY)
    return [maker.make(i).member.id_number for i in range(lo, min(MEMBERS, lo + 50))]


def test_a_failed_parallel_seed_leaves_no_member_tables(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A range that fails (here: a process that cannot connect) drops every table rather than
    leaving tables without their keys."""
    url = fresh_pg_database(postgres_url, "seed_failed")
    monkeypatch.setattr(seed_run, "PARALLEL_FROM", 100)
    monkeypatch.setattr(seed_run, "CHUNK", 50)
    monkeypatch.setattr(seed_run.os, "cpu_count", lambda: 2)
    db = Database(url)
    real = seed_run.make_url

    def unreachable(value: str) -> object:
        return real(value).set(port=1)

    monkeypatch.setattr(seed_run, "make_url", unreachable)
    try:
        with pytest.raises(seed_run.SeedError):
            seed_database(db, load_policy(), members=MEMBERS, seed=SEED, as_of=TODAY)
        with db.engine.connect() as c:
            left = c.execute(
                text("SELECT tablename FROM pg_tables WHERE tablename = ANY(:t)"),
                {"t": list(MEMBER_TABLES)},
            ).all()
        assert left == []
    finally:
        db.dispose()
