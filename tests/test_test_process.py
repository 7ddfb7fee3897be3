"""The test process still dies of SIGTERM once every test module is imported.

Importing the UI's widgets (screens.widgets) starts SDL, and SDL catches SIGTERM to post a quit
event. A test module importing them at collection gave the whole pytest process that handler;
the back office's seed workers, forked from it, inherited it, and Pool.terminate() (SIGTERM,
then an unlimited wait) hung a CI run for 300 s. UI code runs in its own driver process."""

from __future__ import annotations

import signal
from pathlib import Path


def _caught() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("SigCgt:"):
            return int(line.split()[1], 16)
    raise AssertionError("no SigCgt in /proc/self/status")


def test_sigterm_is_not_caught_in_the_test_process():
    assert not _caught() & (1 << (signal.SIGTERM - 1)), (
        "a test module imports something that catches SIGTERM (screens.widgets starts SDL)"
    )
