"""The seeded cards, read by cardio, match the back office's members: the card in the reader
and the record behind it are the same person. In-process (the emulated card without pcscd) for
every seeded card; once more through pcscd + vpcd + the emulator (marked pcsc)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from backoffice.harness import RunningService
from cardio.emulator import EmulatedCard, load_profile
from cardio.emulator.state import StateStore
from cardio.harness import CardStack
from cardio.pin import ScreenPin
from cardio.reader import CardReader
from cardio.security import SoftwareSecurityModule
from cardio.ssse import CardInfo
from cardio.transport import InProcessLink
from common import card_crypto
from kiosk.backoffice.client import BackOfficeClient
from kiosk.domain import mask_id
from kiosk.domain.cards import CardStatus
from tests.helpers.backoffice import make_client, members_index


def _read_in_process(profile: Path, state_dir: Path, pin: str | None = None) -> CardInfo:
    card = EmulatedCard(
        load_profile(profile), StateStore(state_dir / "state.json"), card_crypto.TEST_KEYS
    )
    reader = CardReader(
        "in-process", SoftwareSecurityModule(), link_factory=lambda: InProcessLink(card)
    )
    try:
        info = reader.read_card()
        if pin is not None:
            source = ScreenPin()
            for d in pin:
                source.append(d)
            reader.verify_pin(source)
        return info
    finally:
        reader.stop()


def _assert_same_person(client: BackOfficeClient, info: CardInfo, expected: dict) -> None:
    card = client.card_status(info.card_identifier, info.card_number)
    assert card.member_no == expected["member_no"]
    assert card.status.value == expected["card_status"]
    s = client.summary(card.member_no)
    assert s.name == info.name
    assert s.id_number_masked == mask_id(info.id_number)
    assert s.birth_date == info.birth_date
    assert s.sex.value == info.sex


def test_every_seeded_card_read_by_cardio_is_its_member(sqlite_service: RunningService) -> None:
    cards = Path(sqlite_service.cards_dir or "")
    with make_client(sqlite_service) as client, tempfile.TemporaryDirectory() as tmp:
        for m in members_index(sqlite_service):
            info = _read_in_process(cards / str(m["card_file"]), Path(tmp))
            assert info.genuine
            _assert_same_person(client, info, m)


def test_the_documented_pins_open_the_seeded_cards(sqlite_service: RunningService) -> None:
    cards = Path(sqlite_service.cards_dir or "")
    with tempfile.TemporaryDirectory() as tmp:
        for m in members_index(sqlite_service)[:8]:
            info = _read_in_process(cards / str(m["card_file"]), Path(tmp), pin=str(m["pin"]))
            assert info.card_number == m["card_number"]


@pytest.mark.pcsc
def test_a_seeded_card_through_pcscd_is_its_member(
    sqlite_service: RunningService, card_lab: CardStack
) -> None:
    m = members_index(sqlite_service)[0]
    profile = Path(sqlite_service.cards_dir or "") / str(m["card_file"])
    card_lab.insert(profile)
    reader = CardReader(card_lab.reader, SoftwareSecurityModule(), use_pinpad=True)
    try:
        info = reader.read_card()
    finally:
        reader.stop()
        card_lab.remove()
    with make_client(sqlite_service) as client:
        _assert_same_person(client, info, m)
        assert client.card_status(info.card_identifier, info.card_number).status is CardStatus.VALID
