"""`make audit`: known vulnerabilities in every package requirements.lock pins (what setup
installs, transitive ones included), with pip-audit.

    python scripts/audit.py                       # PyPI's vulnerability data (its JSON API)
    python scripts/audit.py --osv-url URL         # an OSV API: https://api.osv.dev/v1/query
                                                  # or a mirror of it
    python scripts/audit.py --osv-dump FILE|DIR   # offline: a copy of OSV's PyPI data (the
                                                  # ecosystem's all.zip, or its JSON files),
                                                  # served to pip-audit on 127.0.0.1

Exit 0: no known vulnerability; 1: some, listed by pip-audit (or a package it could not
audit); 2: the vulnerability data cannot be reached from here, said plainly with what to do
instead. It needs the network (unless --osv-dump), so it is not part of `make test`.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
PIP_AUDIT = [sys.executable, "-m", "pip_audit"]
UNREACHABLE = 2
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", re.M)


def locked(lock: Path = LOCK) -> dict[str, str]:
    """Name -> version of every package in the lock."""
    return {canonicalize_name(m[1]): m[2] for m in _PIN.finditer(lock.read_text("utf-8"))}


def audit_command(lock: Path = LOCK, osv_url: str | None = None) -> list[str]:
    """pip-audit over the lock as it is: no resolving (--disable-pip: the lock has every package
    with its hashes), and a package it cannot look up fails the audit (--strict)."""
    cmd = [*PIP_AUDIT, "-r", str(lock), "--disable-pip", "--strict", "--progress-spinner", "off"]
    if osv_url:
        cmd += ["--vulnerability-service", "osv", "--osv-url", osv_url]
    return cmd


def unreachable(osv_url: str | None, name: str, version: str, timeout: float = 60.0) -> str | None:
    """Why the vulnerability data cannot be read, or None if it can: pip-audit asked about one
    locked package through the same service as the audit (a package it "could not find"
    there means the service does not answer, not that the package is safe)."""
    with tempfile.TemporaryDirectory(prefix="audit-probe-") as tmp:
        one = Path(tmp) / "one.txt"
        one.write_text(f"{name}=={version}\n", encoding="utf-8")
        try:
            r = subprocess.run(
                [*audit_command(one, osv_url), "--no-deps", "--timeout", "15"],
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            return f"no answer about {name} {version} within {timeout:.0f} s"
    if r.returncode == 0 or "known vulnerabilit" in r.stdout + r.stderr:
        return None
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    return lines[-1].strip() if lines else f"pip-audit exited with {r.returncode}"


# --- an OSV API on 127.0.0.1 over a local copy of OSV's PyPI data -----------------------------


def _records(dump: Path) -> Iterator[dict[str, Any]]:
    if dump.is_dir():
        for p in sorted(dump.rglob("*.json")):
            yield json.loads(p.read_text("utf-8"))
    else:
        with zipfile.ZipFile(dump) as z:
            for n in z.namelist():
                if n.endswith(".json"):
                    yield json.loads(z.read(n))


def _affects(affected: dict[str, Any], version: str) -> bool:
    if version in affected.get("versions", []):
        return True
    try:
        v = Version(version)
        for r in affected.get("ranges", []):
            if r.get("type") != "ECOSYSTEM":
                continue
            inside = False
            for e in r.get("events", []):  # in order: introduced, then fixed / last_affected
                if "introduced" in e and (e["introduced"] == "0" or v >= Version(e["introduced"])):
                    inside = True
                elif ("fixed" in e and v >= Version(e["fixed"])) or (
                    "last_affected" in e and v > Version(e["last_affected"])
                ):
                    inside = False
            if inside:
                return True
    except InvalidVersion:
        return False
    return False


class OsvDump:
    """OSV records by package; `query` answers as POST /v1/query does."""

    def __init__(self, dump: Path) -> None:
        self.by_name: dict[str, list[dict[str, Any]]] = {}
        for rec in _records(dump):
            for a in rec.get("affected", []):
                pkg = a.get("package", {})
                if pkg.get("ecosystem") == "PyPI":
                    self.by_name.setdefault(canonicalize_name(pkg["name"]), []).append(rec)

    def query(self, name: str, version: str) -> dict[str, Any]:
        name = canonicalize_name(name)
        vulns = [
            rec
            for rec in self.by_name.get(name, [])
            if any(
                canonicalize_name(a["package"]["name"]) == name and _affects(a, version)
                for a in rec["affected"]
                if a.get("package", {}).get("ecosystem") == "PyPI"
            )
        ]
        return {"vulns": vulns} if vulns else {}


@contextmanager
def serving(dump: OsvDump) -> Iterator[str]:
    """An OSV query endpoint on a free port of 127.0.0.1: yields its URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            q = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            body = json.dumps(dump.query(q["package"]["name"], q["version"])).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:  # quiet: pip-audit reports
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1/query"
    finally:
        server.shutdown()
        server.server_close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="make audit", description=__doc__.splitlines()[0])
    where = ap.add_mutually_exclusive_group()
    where.add_argument("--osv-url", help="an OSV query API (default: PyPI's JSON API)")
    where.add_argument("--osv-dump", type=Path, help="OSV's PyPI data, all.zip or a folder")
    ap.add_argument("--lock", type=Path, default=LOCK)
    args = ap.parse_args(argv)
    pins = locked(args.lock)
    # pip is on every index: "not found" for it means the service does not answer.
    name = "pip" if "pip" in pins else min(pins)
    version = pins[name]
    with serving(OsvDump(args.osv_dump)) if args.osv_dump else _nothing() as local_url:
        url = local_url or args.osv_url
        why = unreachable(url, name, version)
        if why:
            print(
                f"make audit: the vulnerability data is not reachable from here ({why}).\n"
                "  Run it where it is: where PyPI's JSON API (/pypi/NAME/VERSION/json) answers, or\n"
                "  make audit OSV_URL=https://api.osv.dev/v1/query (or a mirror), or offline\n"
                "  with a copy of OSV's PyPI data: make audit OSV_DUMP=path/to/all.zip\n"
                "  (docs/security.md, 'Dependency audit').",
                file=sys.stderr,
            )
            return UNREACHABLE
        print(f"make audit: {len(pins)} packages of {args.lock.name} against {url or 'PyPI'}")
        return subprocess.run(audit_command(args.lock, url), cwd=ROOT).returncode


@contextmanager
def _nothing() -> Iterator[None]:
    yield None


if __name__ == "__main__":
    sys.exit(main())
