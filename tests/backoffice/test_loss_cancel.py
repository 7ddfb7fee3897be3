"""解除临时挂失 (issue 20): POST /v1/cards/{card_identifier}/loss/cancel through the real back
office over HTTP, and the kiosk core's LossCancelService: the member's seeded card, read
in-process by cardio, verifies the PIN before the back office is asked."""

from __future__ import annotations

from pathlib import Path

import pytest

from backoffice.harness import RunningService
from cardio.emulator import EmulatedCard, load_profile
from cardio.emulator.state import StateStore
from cardio.reader import CardReader
from cardio.security import SoftwareSecurityModule
from cardio.transport import InProcessLink
from common import card_crypto
from kiosk.backoffice.errors import Rejected
from kiosk.domain.cards import CardStatus
from kiosk.session.card import holder_of
from kiosk.session.card_recovery import LossCancelService, RecoveryError
from tests.helpers.backoffice import make_client, members_index, showcase


def _unused_valid_member(svc: RunningService, offset: int) -> dict:
    # From the end of the index: the other card tests take theirs from the front.
    valid = [m for m in members_index(svc) if m["card_status"] == "valid"]
    return valid[-1 - offset]


def _reader(svc: RunningService, member: dict, tmp_path: Path) -> CardReader:
    profile = load_profile(Path(svc.cards_dir or "") / str(member["card_file"]))
    card = EmulatedCard(profile, StateStore(tmp_path / "state.json"), card_crypto.TEST_KEYS)
    return CardReader(
        "in-process", SoftwareSecurityModule(), link_factory=lambda: InProcessLink(card)
    )


def test_cancel_over_http_is_idempotent_and_refuses_a_void_card(
    sqlite_service: RunningService,
) -> None:
    m = _unused_valid_member(sqlite_service, 0)
    ident, number = str(m["card_identifier"]), str(m["card_number"])
    with make_client(sqlite_service) as client:
        assert client.cancel_loss(ident, number).status is CardStatus.VALID  # valid: no change
        assert client.report_loss(ident, number).status is CardStatus.LOST
        assert client.cancel_loss(ident, number).status is CardStatus.VALID
        assert client.card_status(ident, number).status is CardStatus.VALID
        assert client.cancel_loss(ident, number).status is CardStatus.VALID  # repeated
        with pytest.raises(Rejected) as e:  # a number not of this card: no such card
            client.cancel_loss(ident, "X99999999")
        assert e.value.status == 404
        void = showcase(sqlite_service, 6)
        assert void["card_status"] == "void"
        with pytest.raises(Rejected) as e:
            client.cancel_loss(str(void["card_identifier"]), str(void["card_number"]))
        assert (e.value.status, e.value.code) == (409, "CARD_VOID")
        assert e.value.message_zh and e.value.message_en
        assert (
            client.card_status(str(void["card_identifier"]), str(void["card_number"])).status
            is CardStatus.VOID
        )


def test_kiosk_cancels_with_card_and_pin(sqlite_service: RunningService, tmp_path: Path) -> None:
    m = _unused_valid_member(sqlite_service, 1)
    reader = _reader(sqlite_service, m, tmp_path)
    with make_client(sqlite_service) as client:
        holder = holder_of(reader.read_card())
        client.report_loss(holder.card_identifier, holder.card_number)
        service = LossCancelService(reader, client)
        wrong = bytearray(b"000000" if m["pin"] != "000000" else b"999999")
        with pytest.raises(RecoveryError) as e:
            service.cancel(holder, wrong)
        assert e.value.message_key == "pin.wrong" and e.value.tries_left == 2
        assert not any(wrong)
        # the wrong PIN lifted nothing
        assert (
            client.card_status(holder.card_identifier, holder.card_number).status is CardStatus.LOST
        )
        pin = bytearray(str(m["pin"]).encode())
        assert service.cancel(holder, pin).status is CardStatus.VALID
        assert not any(pin)
        assert (
            client.card_status(holder.card_identifier, holder.card_number).status
            is CardStatus.VALID
        )
    reader.stop()


def test_kiosk_cancel_of_a_void_card_says_so(sqlite_service: RunningService, tmp_path) -> None:
    void = showcase(sqlite_service, 6)
    reader = _reader(sqlite_service, void, tmp_path)
    with make_client(sqlite_service) as client:
        holder = holder_of(reader.read_card())
        with pytest.raises(RecoveryError) as e:
            LossCancelService(reader, client).cancel(holder, bytearray(str(void["pin"]).encode()))
        assert e.value.message_key == "loss.void"
        assert "注销" in e.value.message_zh
    reader.stop()
