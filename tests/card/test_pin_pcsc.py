"""VERIFY / CHANGE PIN through the real stack, and the retry counter's persistence."""

from __future__ import annotations

import pytest

from cardio import transport
from cardio.errors import (
    CardRemovedError,
    InitialPinForbidden,
    PinBlockedError,
    PinPadUnavailable,
    PinUnchanged,
    WrongPin,
)
from cardio.pin import PinPad, ScreenPin

pytestmark = pytest.mark.pcsc


def test_right_pin(stack, reader):
    stack.insert("card-3.00")
    reader.read_card()
    assert reader.verify_pin(ScreenPin("246810")).initial_pin is False


def test_initial_pin_is_reported(stack, reader):
    stack.insert("card-initial-pin")
    reader.read_card()
    assert reader.verify_pin(ScreenPin("123456")).initial_pin is True


def test_wrong_pin_counts_down_to_blocked_and_stays_blocked(stack, reader):
    stack.insert("card-2.00")
    reader.read_card()
    tries = []
    for _ in range(2):
        with pytest.raises(WrongPin) as err:
            reader.verify_pin(ScreenPin("000000"))
        tries.append(err.value.tries_left)
    assert tries == [2, 1]
    with pytest.raises(PinBlockedError) as blocked:
        reader.verify_pin(ScreenPin("000000"))
    assert blocked.value.sw == 0x6983
    # Even the right PIN is refused now, after re-insertion ...
    stack.swap("card-2.00")
    reader.read_card()
    with pytest.raises(PinBlockedError):
        reader.verify_pin(ScreenPin("135790"))
    # ... and after an emulator restart.
    stack.restart_emulator("card-2.00")
    reader.read_card()
    assert reader.pin_tries_left() == 0
    with pytest.raises(PinBlockedError):
        reader.verify_pin(ScreenPin("135790"))


def test_right_pin_resets_the_counter(stack, reader):
    stack.insert("card-2.00")
    reader.read_card()
    with pytest.raises(WrongPin):
        reader.verify_pin(ScreenPin("000000"))
    reader.verify_pin(ScreenPin("135790"))
    assert reader.pin_tries_left() == 3


def test_blocked_card_profile(stack, reader):
    stack.insert("card-blocked")
    reader.read_card()
    with pytest.raises(PinBlockedError) as err:
        reader.verify_pin(ScreenPin("975310"))
    assert "锁定" in str(err.value) and "blocked" in str(err.value)


def test_change_pin(stack, reader):
    stack.insert("card-initial-pin")
    reader.read_card()
    with pytest.raises(InitialPinForbidden):
        reader.change_pin(ScreenPin("123456"), ScreenPin("123456"))
    with pytest.raises(PinUnchanged):
        reader.change_pin(ScreenPin("654321"), ScreenPin("654321"))
    with pytest.raises(WrongPin):
        reader.change_pin(ScreenPin("111111"), ScreenPin("654321"))
    reader.change_pin(ScreenPin("123456"), ScreenPin("654321"))
    stack.swap("card-initial-pin")  # the new PIN is on the card, not in our session
    reader.read_card()
    with pytest.raises(WrongPin):
        reader.verify_pin(ScreenPin("123456"))
    assert reader.verify_pin(ScreenPin("654321")).initial_pin is False


def test_screen_pin_is_wiped_after_verify(stack, reader):
    stack.insert("card-3.00")
    reader.read_card()
    ok, bad = ScreenPin("246810"), ScreenPin("000001")
    buffers = (ok.digits, bad.digits)
    reader.verify_pin(ok)
    with pytest.raises(WrongPin):
        reader.verify_pin(bad)
    assert all(not any(b) for b in buffers), "PIN digits left in memory"
    assert ok.wiped and bad.wiped


def test_pin_never_in_trace_or_error(stack, reader, caplog):
    stack.insert("card-3.00")
    reader.read_card()
    with caplog.at_level("DEBUG", logger="cardio"), pytest.raises(WrongPin) as err:
        reader.verify_pin(ScreenPin("975312"))
    text = caplog.text + str(err.value) + repr(err.value)
    assert "VERIFY" in caplog.text and "**" in caplog.text
    assert "975312" not in text and b"975312".hex() not in text.lower() and "97 53 12" not in text
    assert "975312" not in text.replace(" ", "")


def test_vpcd_has_no_pinpad_so_the_screen_is_used(stack, reader):
    stack.insert("card-3.00")
    reader.read_card()
    assert reader.pinpad_available() is False
    with pytest.raises(PinPadUnavailable):
        reader.verify_pin(PinPad())
    assert reader.verify_pin(ScreenPin("246810")).initial_pin is False  # the session lives on


def test_a_reader_without_features_is_not_taken_for_a_pulled_card(stack, reader, monkeypatch):
    """vpcd (like many plain readers) answers the part 10 feature request with "feature not
    supported". That says nothing about the card: asking pcscd whether it left (a poll that
    lasts up to a second while the card stays) kept every member a second longer on the
    screen before the PIN page."""
    stack.insert("card-3.00")
    reader.read_card()
    asked: list[bool] = []
    real = transport.PcscLink._card_gone

    def counted(self, wait: float = 1.0) -> bool:
        asked.append(True)
        return real(self, wait)

    monkeypatch.setattr(transport.PcscLink, "_card_gone", counted)
    assert reader.pinpad_available() is False
    assert asked == []


def test_swapped_card_is_never_pin_verified(stack, reader):
    stack.insert("card-3.00")
    reader.read_card()
    stack.swap("card-rare-name")
    with pytest.raises(CardRemovedError):
        reader.verify_pin(ScreenPin("802214"))
