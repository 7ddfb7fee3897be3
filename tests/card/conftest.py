"""Fixtures for the card tests.

`stack` starts the real stack once per test session (pcscd if none runs, the card + PSAM
emulator on the vpcd ports, a temp run dir) and stops what it started. Every test using it
starts with no card inserted and a clean emulator state file.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from cardio.emulator import EmulatedPsam
from cardio.harness import CardStack, pcscd_pid
from cardio.reader import CardReader
from cardio.security import PsamSecurityModule, SecurityModule, SoftwareSecurityModule
from cardio.transport import InProcessLink, PcscLink
from common import card_crypto


def _pcsc_installed() -> bool:
    return (
        bool(shutil.which("pcscd") or Path("/usr/sbin/pcscd").exists())
        and Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so").exists()
    )


@pytest.fixture(scope="session")
def _stack_session(card_lab: CardStack) -> Iterator[CardStack]:
    if not _pcsc_installed():
        pytest.fail("pcscd and vsmartcard-vpcd are required: run `make setup`")
    yield card_lab


@pytest.fixture
def stack(_stack_session: CardStack) -> Iterator[CardStack]:
    cs = _stack_session
    if cs.proc is None or cs.proc.poll() is not None or pcscd_pid() is None:
        cs.stop_emulator()
        cs.start_emulator()
    with contextlib.suppress(Exception):
        if cs.status().get("card"):
            cs.remove()
    cs.reset_state()
    yield cs
    with contextlib.suppress(Exception):
        cs.remove()


@pytest.fixture
def reader(stack: CardStack) -> Iterator[CardReader]:
    r = CardReader(stack.reader, SoftwareSecurityModule(), use_pinpad=True)
    yield r
    r.stop()


@pytest.fixture(params=["software", "psam"])
def security(request: pytest.FixtureRequest, stack: CardStack) -> Iterator[SecurityModule]:
    """Both security modules, the PSAM one through pcscd to the emulated PSAM in slot 1."""
    module: SecurityModule
    if request.param == "software":
        module = SoftwareSecurityModule()
    else:
        module = PsamSecurityModule(lambda: PcscLink(stack.psam_reader))
    yield module
    module.close()


# ---- in-process (no pcscd) ----
@pytest.fixture(params=["software", "psam-in-process"])
def any_module(request: pytest.FixtureRequest):
    """Both module kinds without pcscd: the PSAM one talks APDUs to an in-process PSAM."""
    if request.param == "software":
        return SoftwareSecurityModule()
    psam = EmulatedPsam(card_crypto.TEST_KEYS)
    return PsamSecurityModule(lambda: InProcessLink(psam))
