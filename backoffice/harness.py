"""Start and stop the real back office for tests, benchmarks and the demo.

    from backoffice.harness import running_service, postgres_server

    with running_service(members=30, seed=1, today=dt.date(2026, 6, 20)) as svc:
        svc.url            # http://127.0.0.1:<free port>
        svc.terminal_id    # "KIOSK-0001"
        svc.api_key        # "demo-key-KIOSK-0001"
        svc.report         # SeedReport: showcase members (member_no, card, PIN), row counts
        svc.cards_dir      # card profiles (docs/card-profiles.md) + members.json

    with postgres_server() as url:                     # a throwaway PostgreSQL 127.0.0.1:<port>
        with running_service(database=url) as svc: ...

    # Scaling out: two worker processes on one port; a second host on the same database.
    with running_service(database=url, workers=2, access_log=True) as a:
        with running_service(database=url, seed_first=False) as b: ...
        a.answering_pids()  # the workers that wrote access-log lines

    # No synthetic members: the schema, the demo terminals and keys, then the members of
    # "kiosk-members/1" files (docs/import-format.md) loaded by the importer with `today`.
    with running_service(members=0, import_files=[path], today=dt.date(2024, 4, 20)) as svc:
        svc.imported       # [ImportReport] one per file

`running_service` seeds a database (a temp SQLite file unless `database` is given) in this
process (members=0: no synthetic members, only the schema and the demo terminals; then each of
`import_files` is imported; seed_first=False: the database is used as it is), then runs `python -m backoffice serve` as a subprocess on 127.0.0.1 and a free port,
waits until /v1/health answers, and on exit stops the process and removes what it created.
`postgres_server` runs initdb + pg_ctl from Debian's postgresql in a temp folder (as the
`postgres` user when we are root: PostgreSQL refuses to run as root) and stops it on exit.

The demo (`make demo`) runs the service on 127.0.0.1:8750 with 200 members:
    python -m backoffice demo --db var/backoffice.sqlite3 --cards-dir var/cards --members 200
"""

from __future__ import annotations

import datetime as dt
import glob
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

from backoffice.errors import BackOfficeServerError
from backoffice.importer import ImportReport, import_file
from backoffice.policy import load_policy
from backoffice.seed import SeedReport, seed_database
from backoffice.seed.run import DEMO_TERMINALS, insert_demo_access
from backoffice.settings import Settings
from backoffice.storage import Database

REPO = Path(__file__).resolve().parent.parent
DEMO_TERMINAL = "KIOSK-0001"


class HarnessError(BackOfficeServerError, RuntimeError):
    pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RunningService:
    url: str
    database: str
    terminal_id: str
    api_key: str
    report: SeedReport | None
    cards_dir: Path | None
    log_file: Path
    process: subprocess.Popen[bytes]
    imported: list[ImportReport] = field(default_factory=list)
    acquirer_port: int | None = None  # the reference acquirer's TCP port (acquirer=True)

    def log_text(self) -> str:
        return self.log_file.read_text(encoding="utf-8", errors="replace")

    def answering_pids(self, since: int = 0) -> set[int]:
        """The processes that wrote access-log lines (access_log=True) after character `since`
        of the log: with workers=N, which workers answered."""
        return answering_pids(self.log_text()[since:])


def answering_pids(log_text: str) -> set[int]:
    """Process ids of the access-log lines in a service's log (backoffice.logs.FORMAT)."""
    return {int(m.group(1)) for m in _ACCESS_LINE.finditer(log_text)}


_ACCESS_LINE = re.compile(r" backoffice\.access \[(\d+)\] ")


@contextmanager
def running_service(
    *,
    members: int = 30,
    seed: int = 1,
    today: dt.date | None = None,
    database: str | None = None,
    cards_dir: Path | None = None,
    port: int | None = None,
    policy_file: str | None = None,
    seed_first: bool = True,
    import_files: Sequence[Path] = (),
    access_log: bool = False,
    startup_timeout: float = 30.0,
    now: dt.datetime | None = None,
    env: dict[str, str] | None = None,
    workers: int = 1,
    acquirer: bool = False,
    card_sessions: bool = False,
) -> Iterator[RunningService]:
    """`now` freezes the service's clock at an aware instant (--now); `env` is the
    subprocess's environment (e.g. TZ=UTC: no rule may depend on the host's zone); `workers`
    processes serve the port (--workers; the lab's /sim switches are per worker); `acquirer`
    also runs the reference acquirer on a free port (--acquirer-port; one worker);
    `card_sessions` requires a card or ID-card session for member data (--card-sessions)."""
    with ExitStack() as stack:
        work = Path(tempfile.mkdtemp(prefix="backoffice-"))
        stack.callback(shutil.rmtree, work, True)
        db_url = database or str(work / "backoffice.sqlite3")
        report = None
        imported: list[ImportReport] = []
        if seed_first or import_files:
            db = Database(db_url)
            try:
                policy = load_policy(policy_file)
                if seed_first and members > 0:
                    report = seed_database(
                        db,
                        policy,
                        members=members,
                        seed=seed,
                        as_of=today,
                        cards_dir=cards_dir,
                        reset=database is not None,
                    )
                elif seed_first:
                    if database is not None:
                        db.drop_schema()
                    db.create_schema()
                    with db.engine.begin() as conn:
                        insert_demo_access(conn, policy)
                # The importer's "today" (the year the pension account is computed up to) is
                # the service's: the date in the city's zone.
                import_today = Settings(
                    database=db_url, policy_file=policy_file, today=today, fixed_now=now
                ).current_date()
                for path in import_files:
                    imported.append(import_file(db, policy, Path(path), today=import_today))
            finally:
                db.dispose()
        port = port or free_port()
        log_file = work / "service.log"
        cmd = [
            sys.executable,
            "-m",
            "backoffice",
            "serve",
            "--lab",  # the gateway simulator and its /sim controls: tests drive them
            "--db",
            db_url,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ]
        if workers != 1:
            cmd += ["--workers", str(workers)]
        if today:
            cmd += ["--today", today.isoformat()]
        if now:
            cmd += ["--now", now.isoformat()]
        if policy_file:
            cmd += ["--policy", policy_file]
        if access_log:
            cmd.append("--access-log")
        if card_sessions:
            cmd.append("--card-sessions")
        acquirer_port = free_port() if acquirer else None
        if acquirer_port is not None:
            cmd += ["--acquirer-port", str(acquirer_port)]
        log = log_file.open("wb")
        stack.callback(log.close)
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, env=env)
        stack.callback(_stop, proc)
        url = f"http://127.0.0.1:{port}"
        _wait_healthy(url, proc, log_file, startup_timeout)
        yield RunningService(
            url=url,
            database=db_url,
            terminal_id=DEMO_TERMINAL,
            api_key=DEMO_TERMINALS[DEMO_TERMINAL],
            report=report,
            cards_dir=cards_dir,
            log_file=log_file,
            process=proc,
            imported=imported,
            acquirer_port=acquirer_port,
        )


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise HarnessError(
                f"the back office exited with {proc.returncode}:\n{log.read_text(errors='replace')}"
            )
        try:
            if requests.get(url + "/v1/health", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise HarnessError(f"the back office did not answer on {url} within {timeout:.0f} s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


# --- PostgreSQL -------------------------------------------------------------------------------


def postgres_bin() -> Path:
    """Debian's PostgreSQL binaries (the newest installed version)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not found:
        exe = shutil.which("pg_ctl")
        if exe:
            return Path(exe).parent
        raise HarnessError("PostgreSQL is not installed (Debian package postgresql)")
    return Path(found[-1]).parent


def _as_postgres(cmd: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run it as the `postgres` user when we are root."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


@contextmanager
def postgres_server(*, timeout: float = 60.0) -> Iterator[str]:
    """A throwaway PostgreSQL on 127.0.0.1 and a free port; yields its SQLAlchemy URL."""
    bindir = postgres_bin()
    work = Path(tempfile.mkdtemp(prefix="backoffice-pg-"))
    data = work / "data"
    if os.geteuid() == 0:
        shutil.chown(work, "postgres", "postgres")
    port = free_port()
    try:
        subprocess.run(
            _as_postgres(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--locale=C",
                    "--no-sync",
                ]
            ),
            check=True,
            capture_output=True,
            timeout=timeout,
        )
        # Throwaway data: no fsync, so tests and benchmarks do not wait on the disk.
        options = f"-h 127.0.0.1 -p {port} -k {work} -c fsync=off -c max_connections=100"
        subprocess.run(
            _as_postgres(
                [
                    str(bindir / "pg_ctl"),
                    "-D",
                    str(data),
                    "-l",
                    str(work / "postgres.log"),
                    "-o",
                    options,
                    "-w",
                    "-t",
                    str(int(timeout)),
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
            timeout=timeout + 5,
        )
        try:
            yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
        finally:
            subprocess.run(
                _as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
                capture_output=True,
                timeout=60,
            )
    except subprocess.CalledProcessError as e:
        log = work / "postgres.log"
        detail = log.read_text(errors="replace") if log.exists() else ""
        raise HarnessError(
            f"PostgreSQL failed to start: {e.stderr.decode(errors='replace')}\n{detail}"
        ) from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
