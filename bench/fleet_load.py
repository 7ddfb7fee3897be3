"""Fleet load: simulated kiosks running the kiosk mix against the real back office.

One kiosk session is what a member does at a busy kiosk: the member summary, the contribution
history, the dues, then a quote (POST) for something due (the member's own due; a member with
nothing due is followed by the next one who has, so every session has its quote). Each simulated
kiosk runs sessions back to back on one keep-alive connection (a closed loop: the kiosk waits for
each answer), for 1, 8, 32 and 64 kiosks, against 1 and 2 uvicorn workers, on SQLite (a WAL
file) and on a throwaway PostgreSQL.

Per configuration it prints requests/s, sessions/s, errors, p50 / p95 latency, and CPU per
request: of the back office (the serving process and its worker children, utime + stime from
/proc/<pid>/stat before and after), of PostgreSQL (the postmaster and its backends) and of this
load generator itself. Then the ratio 2 workers / 1 worker at 32 kiosks on PostgreSQL
(goal >= 1.8) and the mix's CPU per session.

The load generator is lean on purpose (the machine has 2 cores that the server, PostgreSQL and
the client share): one asyncio loop (uvloop when installed), raw HTTP/1.1 over keep-alive
sockets, every request's bytes built before the clock starts; its own CPU per request is
printed so the reader can see what it took from the server.

    .venv/bin/python bench/fleet_load.py                     # the full matrix (~6 min + seeding)
    .venv/bin/python bench/fleet_load.py --quick             # 2,000 members, fewer, shorter runs
    .venv/bin/python bench/fleet_load.py --cpu-only          # CPU ms/request per route, 1 worker
    .venv/bin/python bench/fleet_load.py --db postgres --kiosks 32 --workers 1,2 --seconds 20

Figures taken while other work runs on the machine are noisy: CPU per request is the steadier
figure (it does not count time spent waiting for a core).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import inspect
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text

from backoffice.harness import RunningService, postgres_server, running_service
from backoffice.policy import load_policy
from backoffice.seed import seed_database
from backoffice.storage import Database

TODAY = dt.date(2026, 6, 20)
SEED = 1
ROUTES = ("summary", "history", "dues", "quote")
TICK = os.sysconf("SC_CLK_TCK")
SAMPLE = 600  # members a run cycles through
PROBE = 400  # members whose dues are asked before the runs (to find something to quote)


# --- CPU from /proc --------------------------------------------------------------------------


def _stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, CPU ticks) of a live process, None when it is gone. The ticks are utime +
    stime and cutime + cstime: the CPU of its children that ended (PostgreSQL's pool opens and
    closes backends under load; the postmaster reaps them), so a tree's sum never goes back."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name is in parentheses and may hold spaces: split after its last ')'.
    fields = raw[raw.rindex(")") + 2 :].split()
    return int(fields[1]), sum(int(x) for x in fields[11:15])


def _all_processes() -> dict[int, tuple[int, int]]:
    out: dict[int, tuple[int, int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            got = _stat(int(entry))
            if got is not None:
                out[int(entry)] = got
    return out


def tree_cpu_seconds(root: int) -> float:
    """CPU seconds of a process and all its live descendants (uvicorn's workers are children of
    the supervisor; PostgreSQL's backends are children of the postmaster)."""
    procs = _all_processes()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _ticks) in procs.items():
        children.setdefault(ppid, []).append(pid)
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        if pid in procs:
            total += procs[pid][1]
        todo.extend(children.get(pid, ()))
    return total / TICK


def postmaster_pid(pg_url: str) -> int | None:
    """The PostgreSQL server listening on the URL's port (its command line holds -p PORT)."""
    port = str(urlsplit(pg_url.replace("postgresql+psycopg", "postgresql")).port)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            args = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if args and args[0].endswith(b"/postgres") and b"-p" in args:
            i = args.index(b"-p")
            if i + 1 < len(args) and args[i + 1].decode() == port:
                return int(entry)
    return None


@dataclass
class CpuMeter:
    """CPU seconds of the server tree, PostgreSQL's tree and this process over a window."""

    server_pid: int
    pg_pid: int | None
    start: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def _now(self) -> tuple[float, float, float]:
        pg = tree_cpu_seconds(self.pg_pid) if self.pg_pid else 0.0
        return tree_cpu_seconds(self.server_pid), pg, time.process_time()

    def begin(self) -> None:
        self.start = self._now()

    def end(self) -> tuple[float, float, float]:
        now = self._now()
        return (now[0] - self.start[0], now[1] - self.start[1], now[2] - self.start[2])


# --- the load generator ------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    route: str
    raw: bytes  # the whole request, ready to send
    expect: int


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {r: [] for r in ROUTES})
    errors: int = 0
    sessions: int = 0
    first_error: str = ""

    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values()) + self.errors


def _request(host: str, svc: RunningService, method: str, path: str, body: Any = None) -> bytes:
    head = [
        f"{method} {path} HTTP/1.1",
        f"Host: {host}",
        f"X-Terminal-Id: {svc.terminal_id}",
        f"Authorization: Bearer {svc.api_key}",
        "Accept: application/json",
        "User-Agent: fleet-load/1",
    ]
    data = b""
    if body is not None:
        data = json.dumps(body).encode()
        head += [
            "Content-Type: application/json",
            f"Content-Length: {len(data)}",
            # The kiosk's transport keys every POST; a quote does not record it.
            f"Idempotency-Key: {uuid.uuid4().hex}",
        ]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + data


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes
) -> tuple[int, bytes]:
    writer.write(raw)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    lower = head.lower()
    i = lower.find(b"content-length:")
    if i < 0:
        raise ConnectionError("an answer without Content-Length")
    length = int(lower[i + 15 : lower.index(b"\r\n", i)])
    body = await reader.readexactly(length) if length else b""
    return status, body


async def _kiosk(
    addr: tuple[str, int], sessions: Sequence[Sequence[Call]], first: int, stop: float, t: Tally
) -> None:
    reader, writer = await asyncio.open_connection(*addr)
    n = first
    clock = time.perf_counter
    try:
        while clock() < stop:
            calls = sessions[n % len(sessions)]
            n += 1
            for call in calls:
                began = clock()
                try:
                    status, body = await _exchange(reader, writer, call.raw)
                except (OSError, asyncio.IncompleteReadError, ValueError) as e:
                    t.errors += 1
                    t.first_error = t.first_error or f"{call.route}: {e!r}"
                    writer.close()
                    reader, writer = await asyncio.open_connection(*addr)
                    break
                if status != call.expect:
                    t.errors += 1
                    t.first_error = t.first_error or f"{call.route}: {status} {body[:200]!r}"
                    continue
                t.latencies[call.route].append((clock() - began) * 1000)
            else:
                t.sessions += 1
    finally:
        writer.close()


def _new_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop

        return uvloop.new_event_loop()
    except ImportError:
        return asyncio.new_event_loop()


def drive(
    svc: RunningService, sessions: Sequence[Sequence[Call]], kiosks: int, seconds: float
) -> tuple[Tally, float]:
    """Run `kiosks` closed-loop kiosks for `seconds`; (tally, elapsed seconds)."""
    parts = urlsplit(svc.url)
    addr = (parts.hostname or "127.0.0.1", parts.port or 80)
    tally = Tally()
    loop = _new_loop()
    try:
        start = time.perf_counter()
        stop = start + seconds
        step = max(1, len(sessions) // kiosks)

        async def fleet() -> None:
            await asyncio.gather(
                *(_kiosk(addr, sessions, k * step, stop, tally) for k in range(kiosks))
            )

        loop.run_until_complete(fleet())
        return tally, time.perf_counter() - start
    finally:
        loop.close()


# --- the members a run asks about ----------------------------------------------------------------


def build_sessions(svc: RunningService, seed: int) -> list[list[Call]]:
    """The sessions a run cycles through: random members, each with a quote for a due."""
    db = Database(svc.database)
    try:
        with db.engine.connect() as c:
            everyone = [r[0] for r in c.execute(text("SELECT member_no FROM member ORDER BY id"))]
    finally:
        db.dispose()
    rng = random.Random(seed)
    chosen = rng.sample(everyone, min(len(everyone), max(SAMPLE, PROBE)))
    host = urlsplit(svc.url).netloc
    due_scheme = _dues_of(svc, chosen[:PROBE], host)
    payers = [no for no in chosen[:PROBE] if due_scheme.get(no)]
    if not payers:
        raise SystemExit("fleet_load: no sampled member has anything due to quote")
    out: list[list[Call]] = []
    for i, no in enumerate(chosen[:SAMPLE]):
        payer = no if due_scheme.get(no) else payers[i % len(payers)]
        out.append(
            [
                Call("summary", _request(host, svc, "GET", f"/v1/members/{no}/summary"), 200),
                Call("history", _request(host, svc, "GET", f"/v1/members/{no}/contributions"), 200),
                Call("dues", _request(host, svc, "GET", f"/v1/members/{no}/dues"), 200),
                Call(
                    "quote",
                    _request(
                        host,
                        svc,
                        "POST",
                        f"/v1/members/{payer}/quotes",
                        {"scheme": due_scheme[payer]},
                    ),
                    201,
                ),
            ]
        )
    return out


def _dues_of(svc: RunningService, members: Sequence[str], host: str) -> dict[str, str | None]:
    """Each member's first due scheme (None: nothing due), asked over HTTP before the runs."""
    parts = urlsplit(svc.url)

    async def ask() -> dict[str, str | None]:
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        out: dict[str, str | None] = {}
        try:
            for no in members:
                raw = _request(host, svc, "GET", f"/v1/members/{no}/dues")
                status, body = await _exchange(reader, writer, raw)
                if status != 200:
                    raise SystemExit(f"fleet_load: dues of a member -> {status} {body[:200]!r}")
                dues = json.loads(body)["dues"]
                out[no] = dues[0]["scheme"] if dues else None
        finally:
            writer.close()
        return out

    loop = _new_loop()
    try:
        return loop.run_until_complete(ask())
    finally:
        loop.close()


# --- services -----------------------------------------------------------------------------------


def workers_supported() -> bool:
    """running_service(workers=N) and `serve --workers N` (issue 15, another change)."""
    return "workers" in inspect.signature(running_service).parameters


@contextlib.contextmanager
def seeded_database(kind: str, members: int, pg: str | None) -> Iterator[str]:
    """A database seeded once for every service of a kind (SQLite file or PostgreSQL URL)."""
    with contextlib.ExitStack() as stack:
        if kind == "sqlite":
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="fleet-load-")))
            url = str(work / "backoffice.sqlite3")
        else:
            assert pg is not None
            url = pg
        db = Database(url)
        try:
            began = time.perf_counter()
            seed_database(
                db, load_policy(), members=members, seed=SEED, as_of=TODAY, reset=kind != "sqlite"
            )
            took = time.perf_counter() - began
            print(f"{kind}: {members} members seeded in {took:.1f} s", flush=True)
        finally:
            db.dispose()
        if kind == "postgres":
            _vacuum(url)
        yield url


def _vacuum(url: str) -> None:
    """What autovacuum would do after a load (set hint bits and the visibility map), done before
    the runs rather than during them, where it would count as PostgreSQL's CPU."""
    import psycopg

    began = time.perf_counter()
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as c:
        c.autocommit = True
        c.execute("VACUUM (ANALYZE)")
    print(f"postgres: VACUUM (ANALYZE) in {time.perf_counter() - began:.1f} s", flush=True)


@contextlib.contextmanager
def service(url: str, workers: int) -> Iterator[RunningService]:
    kwargs: dict[str, Any] = {"workers": workers} if workers != 1 else {}
    with running_service(database=url, seed_first=False, today=TODAY, **kwargs) as svc:
        yield svc


# --- runs --------------------------------------------------------------------------------------


@dataclass
class Figures:
    kind: str
    workers: int
    kiosks: int
    seconds: float
    tally: Tally
    server_cpu: float
    pg_cpu: float
    client_cpu: float

    @property
    def requests(self) -> int:
        return self.tally.requests()

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def per_request_ms(self, cpu: float) -> float:
        return cpu * 1000 / max(1, self.requests)

    def line(self) -> str:
        every = sorted(x for v in self.tally.latencies.values() for x in v)
        p50 = statistics.median(every) if every else float("nan")
        p95 = every[min(len(every) - 1, round(0.95 * len(every)) - 1)] if every else float("nan")
        pg = f"  pg {self.per_request_ms(self.pg_cpu):5.2f}" if self.kind == "postgres" else ""
        return (
            f"{self.kind:8s} w{self.workers} k{self.kiosks:<3d} {self.rps:7.1f} req/s "
            f"{self.tally.sessions / self.seconds:6.1f} sess/s  err {self.tally.errors:<3d} "
            f"p50 {p50:6.1f} ms p95 {p95:6.1f} ms  CPU ms/req: server "
            f"{self.per_request_ms(self.server_cpu):5.2f}{pg}  client "
            f"{self.per_request_ms(self.client_cpu):4.2f}"
            + (f"  first error: {self.tally.first_error}" if self.tally.first_error else "")
        )


def measure(
    kind: str,
    svc: RunningService,
    pg: str | None,
    sessions: Sequence[Sequence[Call]],
    workers: int,
    kiosks: int,
    seconds: float,
) -> Figures:
    meter = CpuMeter(svc.process.pid, postmaster_pid(pg) if pg else None)
    meter.begin()
    tally, elapsed = drive(svc, sessions, kiosks, seconds)
    server, pgc, client = meter.end()
    return Figures(kind, workers, kiosks, elapsed, tally, server, pgc, client)


def only(route: str, sessions: Sequence[Sequence[Call]]) -> list[list[Call]]:
    return [[c for c in s if c.route == route] for s in sessions]


def cpu_only(kind: str, url: str, pg: str | None, seconds: float, kiosks: int) -> None:
    """CPU ms per request of each route alone and of the mix, one worker."""
    with service(url, 1) as svc:
        sessions = build_sessions(svc, SEED)
        drive(svc, sessions, kiosks, min(2.0, seconds))  # warm: imports, caches, pool
        per_route: dict[str, float] = {}
        for route in ROUTES:
            f = measure(kind, svc, pg, only(route, sessions), 1, kiosks, seconds)
            per_route[route] = f.per_request_ms(f.server_cpu)
            pg_part = f", PostgreSQL {f.per_request_ms(f.pg_cpu):.2f}" if pg else ""
            print(
                f"{kind:8s} {route:8s} server {per_route[route]:5.2f} ms/req{pg_part}, "
                f"client {f.per_request_ms(f.client_cpu):.2f}  ({f.rps:.0f} req/s, "
                f"{f.tally.errors} errors)",
                flush=True,
            )
        mix = measure(kind, svc, pg, sessions, 1, kiosks, seconds)
        mean = statistics.fmean(per_route.values())
        pg_part = f", PostgreSQL {mix.per_request_ms(mix.pg_cpu):.2f}" if pg else ""
        print(
            f"{kind:8s} mix      server {mix.per_request_ms(mix.server_cpu):5.2f} ms/req"
            f"{pg_part} (mean of the routes alone {mean:.2f}; goal <= 2.5), "
            f"{mix.tally.errors} errors",
            flush=True,
        )


def matrix(
    kind: str,
    url: str,
    pg: str | None,
    workers: Sequence[int],
    kiosks: Sequence[int],
    seconds: float,
    report: Callable[[Figures], None],
) -> None:
    for w in workers:
        if w != 1 and not workers_supported():
            print(f"{kind}: {w} workers skipped (running_service has no workers= yet)")
            continue
        with service(url, w) as svc:
            sessions = build_sessions(svc, SEED)
            drive(svc, sessions, max(kiosks), min(3.0, seconds))  # warm every worker
            for k in kiosks:
                report(measure(kind, svc, pg, sessions, w, k, seconds))


def _ints(text_: str) -> list[int]:
    return [int(x) for x in text_.split(",") if x]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default="sqlite,postgres", help="sqlite, postgres or both")
    ap.add_argument("--kiosks", default=None, help="default 1,8,32,64 (quick: 1,32)")
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--members", type=int, default=None, help="default 20000 (quick: 2000)")
    ap.add_argument("--seconds", type=float, default=None, help="per run; default 15 (quick 5)")
    ap.add_argument("--quick", action="store_true", help="2,000 members, 1 and 32 kiosks, 5 s")
    ap.add_argument(
        "--cpu-only",
        action="store_true",
        help="CPU ms per request of each route and of the mix, one worker, 8 kiosks",
    )
    args = ap.parse_args()
    quick = args.quick or args.cpu_only
    members = args.members or (2000 if quick else 20000)
    seconds = args.seconds or (5.0 if quick else 15.0)
    kiosks = _ints(args.kiosks or ("1,32" if args.quick else "1,8,32,64"))
    kinds = [k for k in args.db.split(",") if k]
    print(
        f"fleet_load {dt.datetime.now().isoformat(timespec='minutes')}: {members} members, "
        f"{seconds:.0f} s a run, {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.2f}",
        flush=True,
    )
    results: list[Figures] = []

    def report(f: Figures) -> None:
        results.append(f)
        print(f.line(), flush=True)

    for kind in kinds:
        with (
            postgres_server() if kind == "postgres" else contextlib.nullcontext() as pg,
            seeded_database(kind, members, pg) as url,
        ):
            if args.cpu_only:
                cpu_only(kind, url, pg, seconds, kiosks=_ints(args.kiosks or "8")[0])
            else:
                matrix(kind, url, pg, _ints(args.workers), kiosks, seconds, report)
    _summary(results)
    return 0


def _summary(results: list[Figures]) -> None:
    if not results:
        return
    by = {(f.kind, f.workers, f.kiosks): f for f in results}
    for kind in ("postgres", "sqlite"):
        one, two = by.get((kind, 1, 32)), by.get((kind, 2, 32))
        if one and two:
            ratio = two.rps / one.rps
            goal = " (goal >= 1.8)" if kind == "postgres" else ""
            print(f"{kind}: 2 workers / 1 worker at 32 kiosks: x{ratio:.2f}{goal}")
    for f in results:
        if f.kiosks == 32 and f.workers == 1:
            session = f.per_request_ms(f.server_cpu + f.pg_cpu) * len(ROUTES)
            print(
                f"{f.kind}: CPU per kiosk session (4 requests, server + database) "
                f"{session:.1f} ms at 32 kiosks, 1 worker"
            )


if __name__ == "__main__":
    sys.exit(main())
