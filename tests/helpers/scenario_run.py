"""A UI scenario run in a fresh app process (tests/ui/driver.py: Kivy runs once per process)
and what it recorded. tests/ui/conftest.py's `run_scenario` runs one per test;
`module_scenario` makes a module-scoped fixture that runs one for every test of a file (one
app start, many checks):

    seen = module_scenario("tests.ui.scenarios_pictures:views", timeout=240)

    def test_something(seen):
        assert seen["problems"] == {}
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.paths import REPO

DRIVER = "tests.ui.driver"


def need_display() -> None:
    if not os.environ.get("DISPLAY"):
        pytest.skip("no display: run the UI tests through `make test` (it starts Xvfb)")


def run_driver(
    work: Path,
    ref: str | None,
    *args: str,
    env: dict[str, str] | None = None,
    timeout: float = 90,
    module: str = DRIVER,
) -> dict:
    """`python -m module [ref] work/scenario.json args...` from the repository; what the run
    wrote, asserted to have ended well (exit 0, no "error" recorded). `ref` None: a module
    of its own that takes only the output path (tests/ui/design_probe.py)."""
    out = work / "scenario.json"
    out.unlink(missing_ok=True)  # a second run in one test reads its own record, not the first's
    head = [ref] if ref is not None else []
    proc = subprocess.run(
        [sys.executable, "-m", module, *head, str(out), *args],
        cwd=REPO,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    data = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    assert proc.returncode == 0 and "error" not in data, (
        f"scenario {ref or module} failed (exit {proc.returncode}):\n{data.get('error', '')}\n"
        f"recorded: {str({k: v for k, v in data.items() if k != 'error'})[:1500]}\n"
        f"{proc.stderr[-3000:]}"
    )
    return data


def module_scenario(
    ref: str | None, *args: str, timeout: float = 120, module: str = DRIVER
):  # -> a pytest fixture
    """A module-scoped fixture: the scenario run once for the file, its record shared by its
    tests (skipped without a display). Assign it to the fixture's name in the test module."""

    @pytest.fixture(scope="module")
    def recorded(tmp_path_factory) -> dict:
        need_display()
        work = tmp_path_factory.mktemp("scenario")
        return run_driver(work, ref, *args, timeout=timeout, module=module)

    return recorded
