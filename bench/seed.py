"""Benchmark of the parallel seed: PostgreSQL, many members, ranges COPYed by forked workers.

Seeds --members members (default 20,000, the parallel path's threshold) into a fresh database
of a throwaway PostgreSQL, --runs times, each in a process of its own, and prints the seconds
of each seed_database call and their median. With --against TREE (another checkout, e.g. made by
`git archive <commit> | tar -x -C TREE`), that tree's code seeds too, in turn with this one's (the
machine's other load weighs on both alike), and the ratio of the medians is printed.

    .venv/bin/python bench/seed.py [--members 20000] [--runs 3] [--against TREE]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backoffice.harness import postgres_server

ROOT = Path(__file__).resolve().parent.parent

# Run in a process of its own, with the tree's packages first on the path.
_ONE_SEED = """
import datetime as dt, sys, time
sys.path.insert(0, sys.argv[1])
import backoffice.seed.run as run
assert run.__file__.startswith(sys.argv[1]), run.__file__
from backoffice.policy import load_policy
from backoffice.storage import Database
db = Database(sys.argv[2])
began = time.perf_counter()
run.seed_database(db, load_policy(), members=int(sys.argv[3]), seed=1, as_of=dt.date(2026, 6, 20))
print(time.perf_counter() - began)
db.dispose()
"""


def _fresh(server: str, name: str) -> str:
    import psycopg

    with psycopg.connect(server.replace("+psycopg", ""), autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {name}")
        c.execute(f"CREATE DATABASE {name}")
    return server.rsplit("/", 1)[0] + f"/{name}"


def _seed_seconds(tree: Path, url: str, members: int) -> float:
    out = subprocess.run(
        [sys.executable, "-c", _ONE_SEED, str(tree), url, str(members)],
        cwd=tree,
        check=True,
        capture_output=True,
        text=True,
    )
    return float(out.stdout.split()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--members", type=int, default=20_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--against", type=Path, help="another checkout to seed with, in turn")
    args = ap.parse_args()
    trees = {"this": ROOT} | ({"against": args.against.resolve()} if args.against else {})
    times: dict[str, list[float]] = {name: [] for name in trees}
    with postgres_server() as server:
        for run in range(args.runs):
            for name, tree in trees.items():
                url = _fresh(server, "bench_seed")
                took = _seed_seconds(tree, url, args.members)
                times[name].append(took)
                print(f"run {run + 1} {name}: {args.members} members in {took:.2f} s", flush=True)
    medians = {name: statistics.median(t) for name, t in times.items()}
    for name, m in medians.items():
        print(f"{name} ({trees[name]}): median {m:.2f} s ({args.members / m:.0f} members/s)")
    if args.against:
        print(f"this / against: x{medians['this'] / medians['against']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
