"""`make audit` (scripts/audit.py): pip-audit over requirements.lock.

Without the network: the lock the audit reads names every pinned and every installed package;
an advisory planted in a local copy of OSV data for a locked version is reported (exit 1), one
for another version is not (exit 0); unreachable vulnerability data is said plainly (exit 2).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import socket
import subprocess
import sysconfig
import zipfile
from pathlib import Path

from packaging.utils import canonicalize_name

from tests.unit.test_lockfile import direct_pins

ROOT = Path(__file__).resolve().parents[2]


def _load_audit():
    spec = importlib.util.spec_from_file_location("audit_script", ROOT / "scripts" / "audit.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


audit = _load_audit()


def test_make_audit_reads_the_lock_as_it_is() -> None:
    dry = subprocess.run(
        ["make", "-n", "audit", "OSV_DUMP=x.zip"], cwd=ROOT, capture_output=True, text=True
    )
    recipe = " ".join(dry.stdout.replace("\\\n", " ").split())
    assert 'scripts/audit.py --osv-dump "x.zip"' in recipe, dry.stdout
    cmd = audit.audit_command()
    assert cmd[cmd.index("-r") + 1] == str(ROOT / "requirements.lock")
    assert {"--disable-pip", "--strict"} <= set(cmd)  # no re-resolving; unknown = failure


def test_the_audited_lock_names_every_pinned_and_every_installed_package() -> None:
    lock = audit.locked()
    pins = direct_pins((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert {"pip-audit", "fastapi", "psycopg"} <= pins.keys()  # [dev], runtime, [postgres]
    assert {n: v for n, v in pins.items() if lock.get(n) != v} == {}
    # What pip installed into the venv's site-packages: not the copies a package vendors inside
    # itself (setuptools puts its _vendor folder on sys.path once pkg_resources is imported, as
    # face_recognition_models does; those come with the pinned setuptools).
    paths = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
    installed = {
        canonicalize_name(d.metadata["Name"]): d.version
        for d in importlib.metadata.distributions(path=paths)
    }
    installed.pop(canonicalize_name("shebao-kiosk"))  # the project itself
    assert {"starlette", "pydantic", "urllib3"} <= installed.keys()  # transitive ones too
    assert {n: v for n, v in installed.items() if lock.get(n) != v} == {}


def test_osv_ranges_and_versions() -> None:
    fixed = {"ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.35"}]}]}
    assert audit._affects(fixed, "2.34.2")
    assert not audit._affects(fixed, "2.35.0")
    later = {"ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "2.35"}]}]}
    assert not audit._affects(later, "2.34.2")
    upto = {
        "ranges": [
            {"type": "ECOSYSTEM", "events": [{"introduced": "1.0"}, {"last_affected": "2.34.2"}]}
        ]
    }
    assert audit._affects(upto, "2.34.2") and not audit._affects(upto, "2.34.3")
    assert audit._affects({"versions": ["2.34.2"]}, "2.34.2")


def _dump(path: Path, name: str, events: list[dict[str, str]]) -> Path:
    record = {
        "schema_version": "1.6.0",
        "id": "PYSEC-0000-TEST",
        "summary": "planted by the test",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": name},
                "ranges": [{"type": "ECOSYSTEM", "events": events}],
            }
        ],
    }
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("PYSEC-0000-TEST.json", json.dumps(record))
    return path


def test_an_advisory_for_a_locked_version_fails_the_audit(tmp_path, capfd) -> None:
    version = audit.locked()["requests"]
    dump = _dump(tmp_path / "all.zip", "Requests", [{"introduced": "0"}, {"fixed": version + ".1"}])
    assert audit.main(["--osv-dump", str(dump)]) == 1
    out = capfd.readouterr().out
    assert "PYSEC-0000-TEST" in out and "requests" in out


def test_an_advisory_for_another_version_passes(tmp_path, capfd) -> None:
    version = audit.locked()["requests"]
    dump = _dump(tmp_path / "all.zip", "requests", [{"introduced": version + ".1"}])
    assert audit.main(["--osv-dump", str(dump)]) == 0
    assert "No known vulnerabilities found" in capfd.readouterr().err


def test_unreachable_vulnerability_data_is_said_plainly(capfd) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nothing listens there
    assert audit.main(["--osv-url", f"http://127.0.0.1:{port}/v1/query"]) == 2
    err = capfd.readouterr().err
    assert "not reachable from here" in err and "OSV_DUMP=" in err
