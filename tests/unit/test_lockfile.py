"""requirements.lock and pyproject.toml cannot drift: every direct pin is locked at its version.

pyproject.toml keeps the project's direct pins; requirements.lock (`make lock`) adds every
transitive package with its files' hashes, and setup installs only from the lock. A pin changed in
pyproject without `make lock` would install the old version silently: this test fails instead.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]

# One locked package: "name==version \" then its "--hash=sha256:..." lines.
_ENTRY = re.compile(
    r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+) \\$((?:\n {4}--hash=sha256:[0-9a-f]{64}.*)*)", re.M
)


def direct_pins(pyproject: str) -> dict[str, str]:
    """Name -> version of every `name==version` in [project] dependencies and all extras."""
    project = tomllib.loads(pyproject)["project"]
    lines = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        lines += extra
    pins: dict[str, str] = {}
    for line in lines:
        req = Requirement(line)
        (spec,) = req.specifier  # one specifier each: a pin, not a range
        assert spec.operator == "==", f"{line!r} is not pinned with =="
        pins[canonicalize_name(req.name)] = spec.version
    return pins


def locked(lock: str) -> dict[str, tuple[str, int]]:
    """Name -> (version, number of hashes) of every package in the lock."""
    return {canonicalize_name(m[1]): (m[2], m[3].count("--hash=")) for m in _ENTRY.finditer(lock)}


def drift(pins: dict[str, str], lock: dict[str, tuple[str, int]]) -> dict[str, tuple[str, str]]:
    """Name -> (pyproject's version, the lock's or "missing") of every pin the lock disagrees with."""
    return {
        name: (version, lock[name][0] if name in lock else "missing")
        for name, version in pins.items()
        if name not in lock or lock[name][0] != version
    }


def test_every_direct_pin_is_locked_at_the_same_version() -> None:
    pins = direct_pins((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    lock = locked((ROOT / "requirements.lock").read_text(encoding="utf-8"))
    assert {"pyscard", "pytest", "psycopg"} <= pins.keys()  # runtime, [dev] and [postgres] read
    assert not drift(pins, lock), f"pyproject pin vs lock (run `make lock`): {drift(pins, lock)}"


def test_every_locked_package_carries_a_hash() -> None:
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    lock = locked(text)
    # Each requirement line of the lock was parsed (none hidden from the check by its layout).
    assert len(lock) == len(re.findall(r"^[A-Za-z0-9]", text, re.M))
    assert not [n for n, (_, hashes) in lock.items() if hashes == 0]
    # The transitive ones are there too: psycopg[binary] brings psycopg-binary, fastapi starlette.
    assert {"psycopg-binary", "starlette", "pydantic"} <= lock.keys()


def test_the_drift_check_sees_a_changed_pin_and_a_missing_package() -> None:
    # pyproject moved requests on and added a package the lock has never seen.
    pins = direct_pins('[project]\ndependencies = ["requests==9.9.9", "psycopg[binary]==3.3.9"]\n')
    lock = locked(
        "psycopg==3.3.9 \\\n    --hash=sha256:" + "1" * 64 + "\n"
        "requests==2.34.2 \\\n    --hash=sha256:" + "0" * 64 + "\n"
    )
    assert lock == {"psycopg": ("3.3.9", 1), "requests": ("2.34.2", 1)}
    assert drift(pins, lock) == {"requests": ("9.9.9", "2.34.2")}
    assert drift({"zxing-cpp": "3.1.1"}, lock) == {"zxing-cpp": ("3.1.1", "missing")}
