"""Benchmark of loading members: the importer (`python -m backoffice import`, checks every field
of every record, one transaction) against the seeder's bulk path (baseline, same process, same
members).

It seeds N synthetic members into one SQLite file, exports them in the import format, then, in
turn for several rounds, seeds N into a fresh file (baseline) and imports the export into another
fresh file. Prints members/s of each (median of the rounds), the ratio importer / seeder, and the
share of the import's time spent checking the file (read_import) before writing.

    .venv/bin/python bench/importer.py [--members 500] [--rounds 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backoffice.exporter import export_file
from backoffice.importer import import_file, load_json, read_import
from backoffice.policy import load_policy
from backoffice.seed import seed_database
from backoffice.storage import Database

TODAY = dt.date(2026, 6, 20)


def _seed(path: Path, members: int) -> float:
    db = Database(str(path))
    try:
        t = time.perf_counter()
        seed_database(db, load_policy(), members=members, seed=1, as_of=TODAY)
        return time.perf_counter() - t
    finally:
        db.dispose()


def _import(path: Path, source: Path) -> float:
    db = Database(str(path))
    try:
        db.create_schema()
        t = time.perf_counter()
        import_file(db, load_policy(), source, today=TODAY)
        return time.perf_counter() - t
    finally:
        db.dispose()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--members", type=int, default=500)
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    n = args.members
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        work = Path(tmp)
        _seed(work / "source.sqlite3", n)
        export = work / "members.json"
        db = Database(str(work / "source.sqlite3"))
        try:
            export_file(db, export)
        finally:
            db.dispose()
        size = export.stat().st_size
        t = time.perf_counter()
        read_import(load_json(export), str(export))
        check = time.perf_counter() - t
        seeds, imports = [], []
        for r in range(args.rounds):
            seeds.append(_seed(work / f"seed-{r}.sqlite3", n))
            imports.append(_import(work / f"import-{r}.sqlite3", export))
    seed_s, import_s = statistics.median(seeds), statistics.median(imports)
    print(f"members: {n}; export file {size / 1e6:.1f} MB; rounds: {args.rounds}")
    print(f"seeder (baseline):  {n / seed_s:8.0f} members/s  (median {seed_s:.2f} s)")
    print(f"importer:           {n / import_s:8.0f} members/s  (median {import_s:.2f} s)")
    print(f"ratio importer/seeder time: {import_s / seed_s:.2f}")
    print(f"checking the file (read_import): {check:.2f} s = {check / import_s:.0%} of the import")
    return 0


if __name__ == "__main__":
    sys.exit(main())
