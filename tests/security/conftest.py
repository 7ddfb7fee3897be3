"""Shared by the security tests: a test PKI, a seeded back office database."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from tests.helpers.pki import make_pki

REPO = Path(__file__).resolve().parents[2]
TODAY = dt.date(2026, 6, 20)
__all__ = ["REPO", "TODAY", "make_pki"]  # imported by the older security tests


@pytest.fixture(scope="session")
def pki(tmp_path_factory) -> Path:
    return make_pki(tmp_path_factory.mktemp("pki"), "KIOSK-0001", "KIOSK-0002")


@pytest.fixture(scope="session")
def rogue_pki(tmp_path_factory) -> Path:
    """Another CA that issued a certificate named KIOSK-0001: not ours."""
    return make_pki(tmp_path_factory.mktemp("rogue"), "KIOSK-0001")


@pytest.fixture(scope="session")
def seeded_db(tmp_path_factory) -> Path:
    from backoffice.policy import load_policy
    from backoffice.seed import seed_database
    from backoffice.storage import Database

    path = tmp_path_factory.mktemp("db") / "seeded.sqlite3"
    db = Database(str(path))
    try:
        seed_database(db, load_policy(None), members=8, seed=1, as_of=TODAY)
    finally:
        db.dispose()
    return path


@pytest.fixture
def db_copy(seeded_db, tmp_path) -> Path:
    """A database of the test's own (heartbeats written by one test stay there)."""
    path = tmp_path / "backoffice.sqlite3"
    shutil.copy(seeded_db, path)
    return path
