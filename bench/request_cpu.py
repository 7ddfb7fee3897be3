"""CPU time the back office spends per request, per route of the kiosk mix (issue 15).

One service process (one worker) over real HTTP on a seeded database; one client asks its
routes one after another, so the server's CPU (utime + stime of its /proc/<pid>/stat, all
threads) between two readings is the cost of the requests asked in between. Each route is
asked in batches; a batch's CPU / its requests is one sample, and the median of the samples
is printed (the clock ticks every 10 ms: a batch of 100 requests resolves 0.1 ms). The kiosk
mix is one session = member summary + contribution history + dues + a quote of what the
dues offer (members with something payable; the history of random members); its average is
the mean of the four routes' figures, and it is also measured directly, sessions one after
another. Goal: <= 2.5 ms CPU per request averaged over the mix.

    .venv/bin/python bench/request_cpu.py [--members 2000] [--batches 7] [--batch 100] [--postgres]

CPU time is what this machine's other load disturbs least, but a busy machine still slows
caches; compare figures taken in one sitting. bench/fleet_load.py --cpu-only measures the same
per route; this script adds the 30-year members' history and the sessions' mix.

Figures (issue 15), one sitting, 7 batches of 160, before = the tree at 90cc31d, after = at
b579d22 (the read routes on the driver's cursor, JSON written without the response_model's
thread-pool hop, dues from the rows they need, a quote's plain INSERT, no session dependency,
the history without its join), server CPU ms per request:

                     SQLite 2k      SQLite 20k     PostgreSQL 2k   PostgreSQL 20k
                   before  after  before  after   before  after    before  after
    summary         1.94   0.94    2.06   0.87     2.44   1.06      2.44   1.06
    history         2.81   2.31    2.56   2.19     2.25   2.00      2.25   1.94
    history 30y     4.44   3.63    4.31   3.44     3.00   2.87      3.06   2.75
    dues            2.87   1.19    3.06   1.06     2.94   1.38      3.19   1.19
    quote           4.19   2.44    4.94   1.81     3.75   1.88      3.81   1.81
    mix (sessions)  2.94   1.69    3.06   1.37     2.75   1.62      2.94   1.62
    mix (mean of 4) 2.95   1.72    3.16   1.48     2.84   1.58      2.92   1.50

With the access log on (--access-log) every request costs about 0.1 ms more.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import random
import statistics
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backoffice.harness import RunningService, postgres_server, running_service
from backoffice.storage import Database

TODAY = dt.date(2026, 6, 20)
TICK = os.sysconf("SC_CLK_TCK")
GOAL_MS = 2.5


def cpu_seconds(pid: int) -> float:
    """utime + stime of the process (every thread), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        # The command name (field 2) may hold spaces: count fields after its closing ')'.
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


@dataclass(frozen=True)
class Ask:
    """One request of the mix: method, path, JSON body (None for a GET)."""

    method: str
    path: str
    body: dict[str, Any] | None = None


def _members(db_url: str) -> tuple[list[str], list[str]]:
    """Every member number, and those of 30-year members (pension months from 30+ years)."""
    db = Database(db_url)
    try:
        with db.engine.connect() as c:
            everyone = [r[0] for r in c.execute(text("SELECT member_no FROM member"))]
            long_members = [
                r[0]
                for r in c.execute(
                    text(
                        "SELECT m.member_no FROM member m JOIN pension_account_year a "
                        "ON a.member_id = m.id GROUP BY m.member_no "
                        "HAVING MAX(a.year) - MIN(a.year) >= 29"
                    )
                )
            ]
    finally:
        db.dispose()
    return everyone, long_members


def _quote_body(dues: list[dict[str, Any]]) -> dict[str, Any] | None:
    """What a kiosk would quote from this dues answer: the first payable scheme, its default
    base (flexible) or its first tier (residents' pension); None when nothing is payable."""
    for d in dues:
        if not d["lines"]:
            continue
        body: dict[str, Any] = {"scheme": d["scheme"]}
        if d["kind"] == "flexible":
            body["base"] = d["base_default"]
        elif d["tiers"]:
            body["tier"] = d["tiers"][0]["amount"]
        return body
    return None


class Client:
    def __init__(self, svc: RunningService) -> None:
        self.svc = svc
        self.http = requests.Session()
        self.http.headers.update(
            {"X-Terminal-Id": svc.terminal_id, "Authorization": f"Bearer {svc.api_key}"}
        )

    def ask(self, a: Ask) -> Any:
        url = self.svc.url + a.path
        r = (
            self.http.get(url, timeout=60)
            if a.body is None
            else self.http.post(url, json=a.body, timeout=60)
        )
        if r.status_code not in (200, 201):
            raise SystemExit(f"bench: {a.method} {a.path} -> {r.status_code} {r.text[:200]}")
        return r

    def cpu_per_request(self, asks: Iterator[Ask], batches: int, batch: int) -> float:
        """Median over batches of the server's CPU ms per request."""
        pid = self.svc.process.pid
        samples = []
        for _ in range(batches):
            before = cpu_seconds(pid)
            for _ in range(batch):
                self.ask(next(asks))
            samples.append((cpu_seconds(pid) - before) * 1000 / batch)
        return statistics.median(samples)


def _cycle(make: Callable[[random.Random], Ask], seed: int) -> Iterator[Ask]:
    rng = random.Random(seed)
    while True:
        yield make(rng)


def run(svc: RunningService, label: str, batches: int, batch: int) -> dict[str, float]:
    client = Client(svc)
    everyone, long_members = _members(svc.database)
    # Members with something payable, and the quote a kiosk would ask for each.
    rng = random.Random(7)
    payable: list[tuple[str, dict[str, Any]]] = []
    for no in rng.sample(everyone, min(len(everyone), 400)):
        body = _quote_body(client.ask(Ask("GET", f"/v1/members/{no}/dues")).json()["dues"])
        if body is not None:
            payable.append((no, body))
    if not payable or not long_members:
        raise SystemExit("bench: no member with dues, or no 30-year member, in this seed")
    routes: dict[str, Callable[[random.Random], Ask]] = {
        "summary": lambda r: Ask("GET", f"/v1/members/{r.choice(everyone)}/summary"),
        "history": lambda r: Ask("GET", f"/v1/members/{r.choice(everyone)}/contributions"),
        "history 30y": lambda r: Ask("GET", f"/v1/members/{r.choice(long_members)}/contributions"),
        "dues": lambda r: Ask("GET", f"/v1/members/{r.choice(everyone)}/dues"),
        "quote": lambda r: _quote(r.choice(payable)),
    }
    for k, make in enumerate(routes.values()):  # warm every route's code and caches
        client.cpu_per_request(_cycle(make, 100 + k), 1, 30)
    figures = {
        name: client.cpu_per_request(_cycle(make, k), batches, batch)
        for k, (name, make) in enumerate(routes.items())
    }

    def sessions() -> Iterator[Ask]:
        r = random.Random(99)
        while True:
            no, body = r.choice(payable)
            yield Ask("GET", f"/v1/members/{no}/summary")
            yield Ask("GET", f"/v1/members/{no}/contributions")
            yield Ask("GET", f"/v1/members/{no}/dues")
            yield _quote((no, body))

    figures["mix (sessions)"] = client.cpu_per_request(sessions(), batches, batch)
    mix = ("summary", "history", "dues", "quote")
    figures["mix (mean of 4)"] = statistics.mean(figures[k] for k in mix)
    print(f"{label}: server CPU ms per request (median of {batches} batches of {batch})")
    for name, ms in figures.items():
        print(f"  {name:16s} {ms:6.2f} ms")
    verdict = "met" if figures["mix (sessions)"] <= GOAL_MS else "NOT met"
    print(f"  goal <= {GOAL_MS} ms over the mix: {verdict}")
    return figures


def _quote(member: tuple[str, dict[str, Any]]) -> Ask:
    no, body = member
    return Ask("POST", f"/v1/members/{no}/quotes", body)


def _pg_database(pg: str, members: int) -> str:
    import psycopg

    with psycopg.connect(
        pg.replace("postgresql+psycopg://", "postgresql://"), autocommit=True
    ) as c:
        c.execute(f"CREATE DATABASE cpu_{members}")
    return pg.rsplit("/", 1)[0] + f"/cpu_{members}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--members", type=int, default=2000)
    ap.add_argument("--batches", type=int, default=7)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--postgres", action="store_true", help="on a throwaway PostgreSQL")
    args = ap.parse_args()
    with contextlib.ExitStack() as stack:
        database = None
        kind = "SQLite"
        if args.postgres:
            database = _pg_database(stack.enter_context(postgres_server()), args.members)
            kind = "PostgreSQL"
        svc = stack.enter_context(
            running_service(members=args.members, seed=1, today=TODAY, database=database)
        )
        run(svc, f"{args.members} members on {kind}", args.batches, args.batch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
