"""PinResetService (issue 20, kiosk core): RELOAD PIN only with a fresh FaceVerified for the card
in the reader. The real cardio reader and the emulated card in-process; the identity proof is the
EMULATED stand-in (the face check comes in a later session)."""

from __future__ import annotations

import pytest

from cardio.errors import PinBlockedError, WrongPin
from cardio.pin import ScreenPin
from kiosk.session.card import holder_of
from kiosk.session.card_recovery import (
    EmulatedIdentityProof,
    FaceVerified,
    IdentityNotProven,
    PinResetService,
    RecoveryError,
)
from tests.helpers.card import emulated, in_process_reader


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def blocked(tmp_path):
    """A reader holding card-blocked (PIN 975310, no tries left), read, and the APDUs it sent."""
    card = emulated("card-blocked", tmp_path)
    reader = in_process_reader(card)
    sent: list[bytes] = []
    real = card.process

    def spy(apdu: bytes) -> bytes:
        sent.append(bytes(apdu))
        return real(apdu)

    card.process = spy
    info = reader.read_card()
    yield reader, holder_of(info), sent
    reader.stop()


def _reloads(sent: list[bytes]) -> int:
    return sum(1 for a in sent if a[:4] == bytes.fromhex("805E0000"))


def test_reset_refused_without_a_proof(blocked):
    reader, holder, sent = blocked
    clock = Clock()
    service = PinResetService(reader, clock)
    other = FaceVerified("00" * 16, score=0.3, at=clock.now)
    stale = EmulatedIdentityProof(clock=lambda: clock.now - 121).prove(holder)  # 120 s allowed
    for proof in (None, other, stale, object()):
        new, confirm = bytearray(b"802417"), bytearray(b"802417")
        with pytest.raises(IdentityNotProven) as e:
            service.reset(proof, new, confirm)
        assert e.value.message_key == "pin_reset.identity_required"
        assert not any(new) and not any(confirm)
    with pytest.raises(IdentityNotProven):
        EmulatedIdentityProof("someone_else").prove(holder)
    with pytest.raises(IdentityNotProven):
        EmulatedIdentityProof("no_face").prove(holder)
    assert _reloads(sent) == 0
    assert reader.pin_tries_left() == 0


def test_reset_with_the_members_face_unblocks_once(blocked):
    reader, holder, sent = blocked
    clock = Clock()
    service = PinResetService(reader, clock)
    proof = EmulatedIdentityProof(clock=clock).prove(holder)
    assert proof.emulated
    clock.now += 119  # still fresh
    with pytest.raises(RecoveryError) as e:  # the two entries differ: not sent, proof kept
        service.reset(proof, bytearray(b"802417"), bytearray(b"802471"))
    assert e.value.message_key == "pin.mismatch"
    with pytest.raises(RecoveryError) as e:
        service.reset(proof, bytearray(b"123456"), bytearray(b"123456"))
    assert e.value.message_key == "pin.initial_not_allowed"
    assert _reloads(sent) == 0
    service.reset(proof, bytearray(b"802417"), bytearray(b"802417"))
    assert _reloads(sent) == 1
    assert reader.pin_tries_left() == 3
    with pytest.raises(WrongPin):
        reader.verify_pin(ScreenPin("975310"))  # the forgotten PIN no longer opens it
    reader.verify_pin(ScreenPin("802417"))
    with pytest.raises(IdentityNotProven):  # one proof, one reset
        service.reset(proof, bytearray(b"802418"), bytearray(b"802418"))
    assert _reloads(sent) == 1


class Forger:
    """The reader's security module, but a MAC of zeros (not under the card's key)."""

    def __init__(self, inner) -> None:
        self.inner = inner

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def pin_reload_mac(self, *_args) -> bytes:
        return bytes(4)


def test_wrong_mac_is_a_refusal_and_the_card_stays_blocked(blocked):
    reader, holder, _sent = blocked
    reader.security = Forger(reader.security)
    service = PinResetService(reader)
    proof = EmulatedIdentityProof().prove(holder)
    with pytest.raises(RecoveryError) as e:
        service.reset(proof, bytearray(b"802417"), bytearray(b"802417"))
    assert e.value.message_key == "pin_reset.refused"
    assert not proof.spent
    with pytest.raises(PinBlockedError):
        reader.verify_pin(ScreenPin("802417"))
