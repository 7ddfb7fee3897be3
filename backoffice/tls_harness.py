"""Start and stop `python -m backoffice.tls` for tests and demos.

    with running_tls_service(db_file, pki=Path("var/pki")) as svc:     # mutual TLS + signatures
        svc.url                       # https://127.0.0.1:<free port>
    with running_tls_service(db_file) as svc:                          # plain HTTP (+ /fleet)
        svc.url                       # http://127.0.0.1:<free port>

`pki` is a folder made by scripts/make_test_ca.py; the service then requires a client
certificate of its CA, checks revoked.txt and requires requests signed with signing-keys.json.
The database must exist and be seeded (backoffice.seed.seed_database). Binds 127.0.0.1 only.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from backoffice.harness import REPO, HarnessError, _stop, free_port


@dataclass
class RunningTlsService:
    url: str
    pki: Path | None
    log_file: Path
    process: subprocess.Popen[bytes]

    def log_text(self) -> str:
        return self.log_file.read_text(encoding="utf-8", errors="replace")


@contextmanager
def running_tls_service(
    database: str | Path,
    *,
    pki: Path | None = None,
    today: dt.date | None = None,
    signed: bool = True,
    health_cert: str = "KIOSK-0001",
    access_log: bool = False,
    require_card_session: bool = False,
    startup_timeout: float = 30.0,
) -> Iterator[RunningTlsService]:
    port = free_port()
    cmd = [sys.executable, "-m", "backoffice.tls", "--db", str(database), "--port", str(port)]
    if today:
        cmd += ["--today", today.isoformat()]
    if access_log:
        cmd.append("--access-log")
    if require_card_session:
        cmd.append("--require-card-session")
    verify: bool | str = True
    cert: tuple[str, str] | None = None
    if pki is not None:
        cmd += [
            "--cert", str(pki / "server.pem"),
            "--key", str(pki / "server.key"),
            "--ca", str(pki / "ca.pem"),
            "--revoked", str(pki / "revoked.txt"),
        ]  # fmt: skip
        if signed:
            cmd += ["--signing-keys", str(pki / "signing-keys.json")]
        verify = str(pki / "ca.pem")
        kiosk = pki / "kiosks" / health_cert
        cert = (str(kiosk / "cert.pem"), str(kiosk / "key.pem"))
    url = f"{'https' if pki else 'http'}://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="backoffice-tls-") as work:
        log_file = Path(work) / "service.log"
        with log_file.open("wb") as log:
            proc = subprocess.Popen(cmd, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
            try:
                _wait(url, proc, log_file, startup_timeout, verify, cert)
                yield RunningTlsService(url, pki, log_file, proc)
            finally:
                _stop(proc)


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
