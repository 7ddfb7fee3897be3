"""UI tests run the real app under the display the test run provides (xvfb-run)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.paths import REPO


def _need_display() -> None:
    if not os.environ.get("DISPLAY"):
        pytest.skip("no display: run the UI tests through `make test` (it starts Xvfb)")


@pytest.fixture
def run_scenario(tmp_path):
    """Run a scenario in a fresh app process; return what it recorded."""
    _need_display()

    def run(ref: str, *args: str, env: dict[str, str] | None = None, timeout: float = 90) -> dict:
        out = tmp_path / "scenario.json"
        proc = subprocess.run(
            [sys.executable, "-m", "tests.ui.driver", ref, str(out), *args],
            cwd=REPO,
            env={**os.environ, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        data = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
        assert proc.returncode == 0 and "error" not in data, (
            f"scenario {ref} failed (exit {proc.returncode}):\n{data.get('error', '')}\n"
            f"recorded: {str({k: v for k, v in data.items() if k != 'error'})[:1500]}\n"
            f"{proc.stderr[-3000:]}"
        )
        return data

    return run


@pytest.fixture
def kiosk_cli():
    _need_display()

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
