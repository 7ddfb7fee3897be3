"""RELOAD PIN through the real stack: pcscd, vpcd, the emulated card in slot 0 and (for the PSAM
module) the emulated PSAM in slot 1. The stack holds /tmp/cardio-vpcd.lock (cardio.harness)."""

from __future__ import annotations

import pytest

from cardio.errors import InitialPinForbidden, PinBlockedError, PinReloadRefused, WrongPin
from cardio.pin import ScreenPin
from cardio.reader import CardReader
from common import card_crypto

pytestmark = pytest.mark.pcsc


def _block(reader: CardReader) -> None:
    for left in (2, 1):
        with pytest.raises(WrongPin) as err:
            reader.verify_pin(ScreenPin("000000"))
        assert err.value.tries_left == left
    with pytest.raises(PinBlockedError):
        reader.verify_pin(ScreenPin("000000"))


@pytest.mark.parametrize("profile", ["card-2.00", "card-3.00"])
def test_blocked_card_reloaded_then_the_new_pin_works(stack, security, profile):
    reader = CardReader(stack.reader, security)
    try:
        stack.insert(profile)
        reader.read_card()
        _block(reader)
        reader.reload_pin(ScreenPin("802417"), ScreenPin("802417"))
        assert reader.pin_tries_left() == 3
        # the new PIN holds after re-insertion (the emulator's state file)
        stack.swap(profile)
        reader.read_card()
        assert reader.verify_pin(ScreenPin("802417")).initial_pin is False
        assert reader.pin_tries_left() == 3
    finally:
        reader.stop()


class WrongKeyModule:
    """A security module computing the MAC under another master key (a forged reset)."""

    def __init__(self, inner) -> None:
        self.inner = inner

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def pin_reload_mac(self, algorithm, card_identifier, card_random, message) -> bytes:
        key = card_crypto.card_key(algorithm, bytes(16), card_identifier)
        return card_crypto.pin_reload_mac(algorithm, key, card_random, message)


def test_wrong_mac_is_refused_and_the_card_stays_blocked(stack, security):
    reader = CardReader(stack.reader, WrongKeyModule(security))
    try:
        stack.insert("card-blocked")
        reader.read_card()
        with pytest.raises(PinReloadRefused) as err:
            reader.reload_pin(ScreenPin("802417"), ScreenPin("802417"))
        assert err.value.sw == 0x6988
        assert "802417" not in str(err.value)
        assert reader.pin_tries_left() == 0
        with pytest.raises(PinBlockedError):
            reader.verify_pin(ScreenPin("802417"))
        with pytest.raises(PinBlockedError):
            reader.verify_pin(ScreenPin("975310"))  # the profile's PIN: still blocked too
    finally:
        reader.stop()


def test_initial_pin_refused_before_anything_is_sent(stack, security, caplog):
    reader = CardReader(stack.reader, security)
    try:
        stack.insert("card-blocked")
        reader.read_card()
        caplog.set_level("DEBUG", logger="cardio.apdu")
        caplog.clear()
        with pytest.raises(InitialPinForbidden):
            reader.reload_pin(ScreenPin("123456"), ScreenPin("123456"))
        assert not [r for r in caplog.records if r.name == "cardio.apdu"]
        assert reader.pin_tries_left() == 0
    finally:
        reader.stop()
