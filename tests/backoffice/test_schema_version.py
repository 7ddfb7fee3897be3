"""An older database is named, not half-used: `serve` refuses it with the columns it lacks, and
the demo (which owns its file) rebuilds it."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from backoffice.harness import REPO


def _old_database(path: Path) -> None:
    # The contribution table as it was before the account / subsidy / paid_on columns.
    with sqlite3.connect(path) as c:
        c.execute(
            "CREATE TABLE contribution (member_id INTEGER, scheme VARCHAR(20), period INTEGER,"
            " base_fen BIGINT, employer_fen BIGINT, personal_fen BIGINT, status VARCHAR(16),"
            " payer_id INTEGER, PRIMARY KEY (member_id, scheme, period))"
        )


def test_serve_refuses_an_older_database_naming_what_it_lacks(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite3"
    _old_database(db)
    r = subprocess.run(
        [sys.executable, "-m", "backoffice", "serve", "--db", str(db), "--port", "1"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2
    assert "older version" in r.stderr and "contribution.account_fen" in r.stderr


def test_seed_for_the_demo_rebuilds_an_older_database(tmp_path: Path) -> None:
    from backoffice.__main__ import _seed
    from backoffice.storage import Database

    db = tmp_path / "old.sqlite3"
    _old_database(db)

    class Args:
        pass

    args = Args()
    args.db, args.policy, args.today = str(db), None, None  # type: ignore[attr-defined]
    args.members, args.seed, args.cards_dir = 3, 1, None  # type: ignore[attr-defined]
    assert _seed(args, only_if_empty=True) is not None  # type: ignore[arg-type]
    d = Database(str(db))
    try:
        assert d.missing_columns() == []
    finally:
        d.dispose()
