"""The PIN pads: the emulated one, and the serial one against a pty peer playing the device.
The block they give decrypts (under the PIK) to the ISO 9564 format 0 block of the PIN typed;
the PIN itself shows in no repr."""

from __future__ import annotations

import os
from collections.abc import Iterator

import psec
import pytest

import common.pos8583 as p
from kiosk.devices.epp import EmulatedEpp, EppKeyError, PinEntryError
from kiosk.devices.epp_serial import EppDevicePeer, SerialEpp

TMK = p.lab_tmk("KS000001")
PIK = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
MAK = bytes.fromhex("1C2D3E4F5A6B7C8DD8C7B6A5F4E3D2C1")
PAN = "6212340000000012347"


def _keys(tmk: bytes = TMK) -> p.WorkingKeys:
    return p.WorkingKeys(p.wrap(tmk, PIK), p.check_value(PIK), p.wrap(tmk, MAK), p.check_value(MAK))


def _clear(block: bytes) -> str:
    return psec.pinblock.decode_pinblock_iso_0(psec.des.decrypt_tdes_ecb(PIK, block), PAN)


def test_emulated_pad_gives_the_format_0_block_under_the_pik() -> None:
    epp = EmulatedEpp(TMK)
    epp.load_working_keys(_keys())
    epp.start_pin_entry(PAN)
    for k in "2468":
        epp.press(k)
    epp.press("back")  # 246
    for k in "810":
        epp.press(k)
    assert epp.press("enter").done
    block = epp.pin_block()
    assert _clear(block) == "246810"
    # the entry is closed and wiped: no second block
    with pytest.raises(PinEntryError):
        epp.pin_block()
    assert "246810" not in repr(epp) and "246810" not in repr(epp.__dict__)


def test_emulated_pad_refuses_a_short_pin_and_a_cancelled_entry() -> None:
    epp = EmulatedEpp(TMK)
    epp.load_working_keys(_keys())
    epp.start_pin_entry(PAN)
    for k in "123":
        epp.press(k)
    assert not epp.press("enter").done  # 3 digits < 4
    with pytest.raises(PinEntryError):
        epp.pin_block()
    epp.start_pin_entry(PAN)
    epp.press("1")
    assert epp.press("cancel").cancelled
    with pytest.raises(PinEntryError):
        epp.pin_block()


def test_keys_under_another_tmk_are_refused() -> None:
    epp = EmulatedEpp(TMK)
    with pytest.raises(EppKeyError):
        epp.load_working_keys(_keys(p.lab_tmk("OTHER001")))
    assert not epp.signed_on


@pytest.fixture
def serial_pad() -> Iterator[tuple[SerialEpp, EppDevicePeer]]:
    master, slave = os.openpty()
    peer = EppDevicePeer(master, TMK).start()
    pad = SerialEpp(os.ttyname(slave), timeout=2.0)
    yield pad, peer
    pad.close()
    peer.stop()
    os.close(slave)
    os.close(master)


def test_serial_pad_over_a_pty(serial_pad: tuple[SerialEpp, EppDevicePeer]) -> None:
    pad, device = serial_pad
    assert pad.identify().startswith("SHEBAO-EPP")
    pad.load_working_keys(_keys())
    assert pad.signed_on
    data = b"0200 message bytes to MAC"
    assert pad.mac(data) == p.retail_mac(MAK, data)
    pad.start_pin_entry(PAN, min_digits=6, max_digits=6)
    for k in "13579":
        device.press(k)  # the member presses the pad's own keys
    assert pad.state().digits == 5
    with pytest.raises(PinEntryError):
        pad.press("0")  # the screen's keypad cannot type into a real pad
    device.press("0")
    device.press("enter")
    state = pad.state()
    assert state.digits == 6 and state.done
    assert _clear(pad.pin_block()) == "135790"


def test_serial_pad_refuses_a_key_with_a_wrong_check_value(
    serial_pad: tuple[SerialEpp, EppDevicePeer],
) -> None:
    pad, _device = serial_pad
    bad = p.WorkingKeys(p.wrap(TMK, PIK), b"\0\0\0\0", p.wrap(TMK, MAK), p.check_value(MAK))
    with pytest.raises(EppKeyError):
        pad.load_working_keys(bad)
    assert not pad.signed_on
    with pytest.raises(EppKeyError):
        pad.mac(b"x")  # no MAK loaded
