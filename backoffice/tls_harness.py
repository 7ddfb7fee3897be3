"""Start and stop the production service `python -m backoffice.tls` for tests and demos.

    with running_tls_service(db_file, pki=Path("var/pki")) as svc:
        svc.url                       # https://127.0.0.1:<free port>
        svc.api_key("KIOSK-0001")     # the kiosk's own API key (pki/kiosks/<ID>/api.key)

`pki` is a folder made by scripts/make_test_ca.py. Before starting, the harness does what an
operator does: each kiosk of the PKI gets its own API key in the database (`python -m
backoffice terminal-key`), replacing the seed's public demo keys, which the service refuses;
the card master keys are the PKI's `card-keys.toml`, not the public test keys (a card emulator
that must pass the card-session proof runs with the same file: `--keys-file`). The service
then requires a client certificate of the PKI's CA, checks revoked.txt and (signed=True)
requires requests signed with signing-keys.json; card sessions are required unless
require_card_session=False (--no-card-session). simulated_payments=True: card payments go to
the simulated bank (--simulated-payments), otherwise payments are refused.

Scaling out: `workers=N` runs N processes on the port (--workers); a second host is a second
`running_tls_service` on the same database with provision=False (the keys are there already).
`extra_args` are added to the command line; `expect_exit` returns the exit code and stderr of a
service that refuses to start (see tests/security/test_production_app.py).
The database must exist and be seeded (backoffice.seed.seed_database). Binds 127.0.0.1 only.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict, Unpack

import requests

from backoffice.harness import REPO, HarnessError, _stop, free_port
from backoffice.terminal_keys import read_api_key, set_terminal_key


@dataclass
class RunningTlsService:
    url: str
    pki: Path
    log_file: Path
    process: subprocess.Popen[bytes]

    def log_text(self) -> str:
        return self.log_file.read_text(encoding="utf-8", errors="replace")

    def api_key(self, terminal: str) -> str:
        return kiosk_api_key(self.pki, terminal)


def kiosk_api_key(pki: Path, terminal: str) -> str:
    return read_api_key(pki / "kiosks" / terminal / "api.key")


def provision_kiosks(database: str | Path, pki: Path) -> list[str]:
    """Give every kiosk of the PKI its own API key in the database; the terminal ids."""
    terminals = sorted(p.name for p in (pki / "kiosks").iterdir() if (p / "api.key").exists())
    for t in terminals:
        set_terminal_key(str(database), t, kiosk_api_key(pki, t))
    return terminals


def tls_command(
    database: str | Path,
    pki: Path,
    port: int,
    *,
    today: dt.date | None = None,
    signed: bool = True,
    access_log: bool = False,
    require_card_session: bool = True,
    simulated_payments: bool = False,
    workers: int = 1,
    extra_args: Sequence[str] = (),
) -> list[str]:
    cmd = [
        sys.executable, "-m", "backoffice.tls", "--db", str(database), "--port", str(port),
        "--cert", str(pki / "server.pem"),
        "--key", str(pki / "server.key"),
        "--ca", str(pki / "ca.pem"),
        "--revoked", str(pki / "revoked.txt"),
        "--card-keys", str(pki / "card-keys.toml"),
    ]  # fmt: skip
    if today:
        cmd += ["--today", today.isoformat()]
    if access_log:
        cmd.append("--access-log")
    if not require_card_session:
        cmd.append("--no-card-session")
    if simulated_payments:
        cmd.append("--simulated-payments")
    if signed:
        cmd += ["--signing-keys", str(pki / "signing-keys.json")]
    if workers != 1:
        cmd += ["--workers", str(workers)]
    return cmd + list(extra_args)


@contextmanager
def running_tls_service(
    database: str | Path,
    *,
    pki: Path,
    today: dt.date | None = None,
    signed: bool = True,
    health_cert: str = "KIOSK-0001",
    access_log: bool = False,
    require_card_session: bool = True,
    simulated_payments: bool = False,
    provision: bool = True,
    workers: int = 1,
    extra_args: Sequence[str] = (),
    startup_timeout: float = 30.0,
) -> Iterator[RunningTlsService]:
    """provision=False: the kiosks' keys are in the database already (a second host on it)."""
    if provision:
        provision_kiosks(database, pki)
    port = free_port()
    cmd = tls_command(
        database,
        pki,
        port,
        today=today,
        signed=signed,
        access_log=access_log,
        require_card_session=require_card_session,
        simulated_payments=simulated_payments,
        workers=workers,
        extra_args=extra_args,
    )
    verify = str(pki / "ca.pem")
    kiosk = pki / "kiosks" / health_cert
    cert = (str(kiosk / "cert.pem"), str(kiosk / "key.pem"))
    url = f"https://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="backoffice-tls-") as work:
        log_file = Path(work) / "service.log"
        with log_file.open("wb") as log:
            proc = subprocess.Popen(cmd, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
            try:
                _wait(url, proc, log_file, startup_timeout, verify, cert)
                yield RunningTlsService(url, pki, log_file, proc)
            finally:
                _stop(proc)


class TlsOptions(TypedDict, total=False):
    """tls_command's keyword options."""

    today: dt.date | None
    signed: bool
    access_log: bool
    require_card_session: bool
    simulated_payments: bool
    workers: int
    extra_args: Sequence[str]


def refused_start(
    database: str | Path, pki: Path, *, timeout: float = 60.0, **options: Unpack[TlsOptions]
) -> tuple[int | None, str]:
    """Run the service expecting it to refuse to start: (exit code, its output). None: it was
    still running after `timeout` seconds (then it is stopped)."""
    cmd = tls_command(database, pki, free_port(), **options)
    try:
        done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        out = e.stderr or b""
        return None, out.decode() if isinstance(out, bytes) else out
    return done.returncode, done.stderr


def _wait(
    url: str,
    proc: subprocess.Popen[bytes],
    log: Path,
    timeout: float,
    verify: bool | str,
    cert: tuple[str, str] | None,
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise HarnessError(f"backoffice.tls exited with {proc.returncode}:\n{log.read_text()}")
        try:
            r = requests.get(url + "/v1/health", timeout=1, verify=verify, cert=cert)
            if r.status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise HarnessError(f"backoffice.tls did not answer on {url} within {timeout:.0f} s")
