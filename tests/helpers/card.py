"""An emulated card and a CardReader talking to it in this process (no pcscd): for card tests
that need no reader."""

from __future__ import annotations

from pathlib import Path

from cardio.emulator import EmulatedCard, find_profile, load_profile
from cardio.emulator.state import StateStore
from cardio.reader import CardReader
from cardio.security import SoftwareSecurityModule
from cardio.transport import InProcessLink
from common import card_crypto


def emulated(profile: str, tmp_path: Path) -> EmulatedCard:
    return EmulatedCard(
        load_profile(find_profile(profile)),
        StateStore(tmp_path / "state.json"),
        card_crypto.TEST_KEYS,
    )


def in_process_reader(card: EmulatedCard, security=None, **kw) -> CardReader:
    return CardReader(
        "in-process",
        security or SoftwareSecurityModule(),
        link_factory=lambda: InProcessLink(card, **kw),
    )
