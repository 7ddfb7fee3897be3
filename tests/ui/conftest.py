"""UI tests run the real app under the display the test run provides (xvfb-run)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.paths import REPO
from tests.helpers.scenario_run import need_display, run_driver


@pytest.fixture
def run_scenario(tmp_path):
    """Run a scenario in a fresh app process; return what it recorded (one app start per
    call; tests.helpers.scenario_run.module_scenario: one for a whole file)."""
    need_display()

    def run(ref: str, *args: str, env: dict[str, str] | None = None, timeout: float = 90) -> dict:
        return run_driver(tmp_path, ref, *args, env=env, timeout=timeout)

    return run


@pytest.fixture
def kiosk_cli():
    need_display()

    def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(Path(sys.executable).with_name("kiosk")), *args],
            cwd=REPO,
            env={**os.environ, **(env or {})},
            capture_output=True,
            text=True,
            timeout=90,
        )

    return run
