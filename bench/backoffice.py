"""Benchmark of the back office over HTTP: does the cost of a request grow with the members?

For 2,000 and 20,000 seeded members (SQLite file, WAL), or with --postgres 20,000 and 200,000
(seeded by COPY; both services run at once and are asked in turn, so the machine's other load
weighs on both alike) it prints the seeding time and members/s; p50 / p95 of
the member summary, the full contribution history of 30-year members and the dues of random
members; payments-sized POSTs per second (certificate issue with an Idempotency-Key: one insert
and the member's records read) with 8 concurrent clients; and, last, the p95 growth ratio
20k / 2k (200k / 20k). Goals: history p95 <= 20 ms at the larger size (20k on SQLite, 200k on
PostgreSQL); growth ratio <= 1.5.

    .venv/bin/python bench/backoffice.py [--members 2000,20000] [--requests 300] [--postgres]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import random
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

import requests
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backoffice.harness import RunningService, postgres_server, running_service
from backoffice.storage import Database

TODAY = dt.date(2026, 6, 20)
CONCURRENT = 8
# SQLite: 2k and 20k; PostgreSQL (seeded by COPY, backoffice.seed.copy): 20k and 200k.
DEFAULT_SIZES = {False: "2000,20000", True: "20000,200000"}
POST_SECONDS = 5.0


def _headers(svc: RunningService) -> dict[str, str]:
    return {"X-Terminal-Id": svc.terminal_id, "Authorization": f"Bearer {svc.api_key}"}


def _percentiles(samples: list[float]) -> tuple[float, float]:
    s = sorted(samples)
    return statistics.median(s), s[min(len(s) - 1, round(0.95 * len(s)) - 1)]


def _time_interleaved(
    services: list[RunningService], paths: list[list[str]], warmup: int = 30
) -> list[list[float]]:
    """Request i of every service before request i+1 of any: whatever else the machine does
    weighs on every size alike, so the growth ratio compares like with like."""
    sessions = []
    for svc in services:
        session = requests.Session()
        session.headers.update(_headers(svc))
        sessions.append(session)
    out: list[list[float]] = [[] for _ in services]
    for i in range(len(paths[0])):
        for k, (svc, session) in enumerate(zip(services, sessions, strict=True)):
            path = paths[k][i]
            t = time.perf_counter()
            r = session.get(svc.url + path, timeout=30)
            elapsed = (time.perf_counter() - t) * 1000
            if r.status_code != 200:
                raise SystemExit(f"bench: GET {path} -> {r.status_code} {r.text[:200]}")
            if i >= warmup:
                out[k].append(elapsed)
    return out


def _posts_per_second(svc: RunningService, members: list[str]) -> tuple[float, int]:
    stop = time.monotonic() + POST_SECONDS
    counts = [0] * CONCURRENT
    errors = [0] * CONCURRENT

    def worker(n: int) -> None:
        session = requests.Session()
        session.headers.update(_headers(svc))
        rng = random.Random(n)
        while time.monotonic() < stop:
            no = rng.choice(members)
            r = session.post(
                f"{svc.url}/v1/members/{no}/certificates",
                json={"kind": "participation", "months": 12},
                headers={"Idempotency-Key": uuid.uuid4().hex},
                timeout=30,
            )
            if r.status_code == 201:
                counts[n] += 1
            else:
                errors[n] += 1

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(CONCURRENT)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.monotonic() - start), sum(errors)


def _sample_members(db_url: str, rng: random.Random, n: int) -> tuple[list[str], list[str]]:
    db = Database(db_url)
    try:
        with db.engine.connect() as c:
            everyone = [r[0] for r in c.execute(text("SELECT member_no FROM member"))]
            # 30-year members: pension months from at least 30 calendar years.
            long_ids = c.execute(
                text(
                    "SELECT m.member_no FROM member m JOIN pension_account_year a "
                    "ON a.member_id = m.id GROUP BY m.member_no "
                    "HAVING MAX(a.year) - MIN(a.year) >= 29"
                )
            ).all()
    finally:
        db.dispose()
    long_members = [r[0] for r in long_ids]
    return [rng.choice(everyone) for _ in range(n)], [rng.choice(long_members) for _ in range(n)]


def _database_for(pg: str | None, members: int) -> str | None:
    """One PostgreSQL database per size on the throwaway server (None: a temp SQLite file)."""
    if pg is None:
        return None
    import psycopg

    with psycopg.connect(
        pg.replace("postgresql+psycopg://", "postgresql://"), autocommit=True
    ) as c:
        c.execute(f"CREATE DATABASE bench_{members}")
    return pg.rsplit("/", 1)[0] + f"/bench_{members}"


def run_all(
    sizes: list[int], requests_n: int, pg: str | None
) -> dict[int, dict[str, tuple[float, float]]]:
    kind = "PostgreSQL" if pg else "SQLite"
    with contextlib.ExitStack() as stack:
        services: list[RunningService] = []
        for n in sizes:
            t = time.perf_counter()
            svc = stack.enter_context(
                running_service(members=n, seed=1, today=TODAY, database=_database_for(pg, n))
            )
            took = time.perf_counter() - t
            print(
                f"{n} members on {kind}: seeded and started in {took:.1f} s "
                f"({n / took:.0f} members/s)",
                flush=True,
            )
            services.append(svc)
        samples = [
            _sample_members(svc.database, random.Random(n), requests_n + 30)
            for svc, n in zip(services, sizes, strict=True)
        ]
        got: dict[str, list[list[float]]] = {
            "summary": _time_interleaved(
                services, [[f"/v1/members/{m}/summary" for m in r] for r, _t in samples]
            ),
            "history": _time_interleaved(
                services, [[f"/v1/members/{m}/contributions" for m in t] for _r, t in samples]
            ),
            "dues": _time_interleaved(
                services, [[f"/v1/members/{m}/dues" for m in r] for r, _t in samples]
            ),
        }
        results: dict[int, dict[str, tuple[float, float]]] = {}
        for k, (svc, n) in enumerate(zip(services, sizes, strict=True)):
            rows = requests.get(
                f"{svc.url}/v1/members/{samples[k][1][0]}/contributions",
                headers=_headers(svc),
                timeout=30,
            ).json()["count"]
            posts, errors = _posts_per_second(svc, samples[k][0])
            print(f"{n} members on {kind}:")
            results[n] = {}
            for name, per_service in got.items():
                p50, p95 = _percentiles(per_service[k])
                results[n][name] = (p50, p95)
                extra = f" ({rows} rows for a 30-year member)" if name == "history" else ""
                print(
                    f"  {name:8s} p50 {p50:6.2f} ms  p95 {p95:6.2f} ms  "
                    f"n={len(per_service[k])}{extra}"
                )
            print(f"  POST certificates: {posts:.0f}/s with {CONCURRENT} clients ({errors} errors)")
    return results


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--members", default=None, help="default 2000,20000 (--postgres: 20000,200000)")
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--postgres", action="store_true", help="on a throwaway PostgreSQL")
    args = ap.parse_args()
    sizes = [int(x) for x in (args.members or DEFAULT_SIZES[args.postgres]).split(",")]
    with postgres_server() if args.postgres else contextlib.nullcontext() as pg:
        results = run_all(sizes, args.requests, pg)
    small, large = results[sizes[0]], results[sizes[-1]]
    history_p95 = large["history"][1]
    goal = "met" if history_p95 <= 20 else "NOT met"
    print(f"history p95 at {sizes[-1]}: {history_p95:.2f} ms (goal <= 20 ms: {goal})")
    ratios = {k: large[k][1] / small[k][1] for k in small}
    worst = max(ratios.values())
    print(
        f"p95 growth ratio {sizes[-1] // 1000}k/{sizes[0] // 1000}k: "
        + ", ".join(f"{k} x{v:.2f}" for k, v in ratios.items())
        + f"; worst x{worst:.2f} (goal <= 1.5: {'met' if worst <= 1.5 else 'NOT met'})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
