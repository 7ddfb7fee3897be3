"""Fixtures shared by every test area."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.paths import ARTIFACTS, REPO


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture
def artifacts() -> Path:
    """Where tests leave screenshots and files for a person to look at (not committed)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def card_lab(tmp_path_factory):
    """The one card stack of the test run: pcscd + vpcd + the card/PSAM emulator. vpcd's ports
    are fixed, so every area shares this one (a second stack in this process is refused)."""
    from cardio.harness import card_stack

    with card_stack(run_dir=tmp_path_factory.mktemp("emulator")) as cs:
        yield cs


@pytest.fixture
def card_stack_ready(card_lab):
    """The session's card stack, alive (restarted if a test or the machine stopped it), no card
    inserted, PIN counters reset."""
    from cardio.harness import pcscd_pid

    if card_lab.proc is None or card_lab.proc.poll() is not None or pcscd_pid() is None:
        card_lab.stop_emulator()
        card_lab.start_emulator()
    card_lab.reset_state()
    return card_lab
