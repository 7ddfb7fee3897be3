"""RELOAD PIN (80 5E 00 00) against the emulated card in-process (no pcscd): the MAC, both
security modules, refusals before anything is sent, a wrong or replayed MAC."""

from __future__ import annotations

import pytest

from cardio.apdu import ApduChannel, Command
from cardio.emulator import EmulatedCard, EmulatedPsam, find_profile, load_profile
from cardio.emulator.state import StateStore
from cardio.errors import (
    CardStatusError,
    InitialPinForbidden,
    NoPinReloadKey,
    PinBlockedError,
    PinMismatch,
    PinResetFormatError,
    WrongPin,
)
from cardio.pin import ScreenPin
from cardio.security import PsamSecurityModule, SoftwareSecurityModule
from cardio.ssse import SsseCard
from cardio.transport import InProcessLink
from common import card_crypto
from tests.helpers.card import emulated, in_process_reader

PINS = {"card-2.00": "135790", "card-3.00": "246810"}


def _block(reader, profile: str) -> None:
    for _ in range(2):
        with pytest.raises(WrongPin):
            reader.verify_pin(ScreenPin("000000"))
    with pytest.raises(PinBlockedError):
        reader.verify_pin(ScreenPin("000000"))
    assert reader.pin_tries_left() == 0


def test_mac_is_cbc_mac_with_padding_method_2():
    key = bytes(range(16))
    rnd = bytes.fromhex("0102030405060708")
    message = bytes.fromhex("805E0000072468108F")  # header + Lc 07 + a 3-byte PIN block (9 bytes)
    # 3DES, 8-byte blocks: 9 bytes + 80 + 00*6 = two blocks; IV = the random.
    b1, b2 = message[:8], message[8:] + b"\x80" + bytes(6)
    c1 = card_crypto.ecb_encrypt("des3", key, bytes(a ^ b for a, b in zip(rnd, b1, strict=True)))
    c2 = card_crypto.ecb_encrypt("des3", key, bytes(a ^ b for a, b in zip(c1, b2, strict=True)))
    assert card_crypto.pin_reload_mac("des3", key, rnd, message) == c2[:4]
    # SM4, 16-byte blocks: 9 bytes + 80 + 00*6 = one block; IV = the random + 00*8.
    one = message + b"\x80" + bytes(6)
    iv = rnd + bytes(8)
    expect = card_crypto.ecb_encrypt("sm4", key, bytes(a ^ b for a, b in zip(iv, one, strict=True)))
    assert card_crypto.pin_reload_mac("sm4", key, rnd, message) == expect[:4]


def test_psam_and_software_module_agree():
    psam = PsamSecurityModule(lambda: InProcessLink(EmulatedPsam(card_crypto.TEST_KEYS)))
    soft = SoftwareSecurityModule()
    cid = bytes.fromhex("440300D156000005" + "0123456789ABCDEF")
    message = bytes.fromhex("805E0000071357908F")
    for alg in ("des3", "sm4"):
        mac = soft.pin_reload_mac(alg, cid, bytes(8), message)
        assert len(mac) == 4
        assert psam.pin_reload_mac(alg, cid, bytes(8), message) == mac
        assert soft.pin_reload_mac(alg, cid, b"\x01" + bytes(7), message) != mac


@pytest.mark.parametrize("profile", ["card-2.00", "card-3.00"])
def test_reload_unblocks_a_blocked_card(profile, tmp_path, any_module):
    reader = in_process_reader(emulated(profile, tmp_path), any_module)
    reader.read_card()
    _block(reader, profile)
    reader.reload_pin(ScreenPin("802417"), ScreenPin("802417"))
    assert reader.pin_tries_left() == 3
    with pytest.raises(WrongPin):  # the old PIN is gone
        reader.verify_pin(ScreenPin(PINS[profile]))
    assert reader.verify_pin(ScreenPin("802417")).initial_pin is False
    assert reader.pin_tries_left() == 3


def test_reload_persists_across_a_new_card_object(tmp_path):
    reader = in_process_reader(emulated("card-2.00", tmp_path))
    reader.read_card()
    _block(reader, "card-2.00")
    reader.reload_pin(ScreenPin("802417"), ScreenPin("802417"))
    again = in_process_reader(emulated("card-2.00", tmp_path))  # same state file
    again.read_card()
    assert again.pin_tries_left() == 3
    again.verify_pin(ScreenPin("802417"))


def _selected(card: EmulatedCard) -> tuple[ApduChannel, SsseCard]:
    ch = ApduChannel(InProcessLink(card))
    app = SsseCard(ch)
    app.select()
    return ch, app


def test_wrong_mac_is_6988_and_changes_nothing(tmp_path):
    card = emulated("card-blocked", tmp_path)
    ch, app = _selected(card)
    rnd = ch.send(Command("GET CHALLENGE", 0, 0x84, 0, 0, le=8)).data
    # the right computation under the wrong key: another card's (identifier all zero)
    assert card_crypto.TEST_KEYS.pin_reload is not None
    key = card_crypto.card_key("des3", card_crypto.TEST_KEYS.pin_reload, bytes(16))
    block = bytes.fromhex("802417")
    bad = card_crypto.pin_reload_mac("des3", key, rnd, bytes.fromhex("805E000007") + block)
    resp = ch.send(Command("RELOAD PIN", 0x80, 0x5E, 0, 0, block + bad), check=False)
    assert resp.sw == 0x6988
    assert app.pin_tries_left() == 0
    resp = ch.send(Command("VERIFY", 0, 0x20, 0, 0, block), check=False)
    assert resp.sw == 0x6983  # still blocked


def test_overheard_reload_cannot_be_replayed(tmp_path):
    card = emulated("card-2.00", tmp_path)
    _ch, app = _selected(card)
    sent: list[bytes] = []
    real = card.process

    def spy(apdu: bytes) -> bytes:
        sent.append(bytes(apdu))
        return real(apdu)

    card.process = spy
    app.reload_pin(
        SoftwareSecurityModule(), card.profile.card_identifier, bytearray(b"\x80\x24\x17")
    )
    reload_apdu = next(a for a in sent if a[:4] == bytes.fromhex("805E0000"))
    assert real(reload_apdu) == bytes.fromhex("6984")  # its random is used up
    real(bytes.fromhex("0084000008"))  # a fresh random: the old MAC no longer fits
    assert real(reload_apdu) == bytes.fromhex("6988")


def test_refusals_before_anything_is_sent(tmp_path):
    link_holder: list[InProcessLink] = []
    card = emulated("card-blocked", tmp_path)
    reader = in_process_reader(card)
    reader._link_factory = lambda: link_holder.append(InProcessLink(card)) or link_holder[-1]
    reader.read_card()
    before = link_holder[-1].sent
    cases = [
        (ScreenPin("123456"), ScreenPin("123456"), InitialPinForbidden),
        (ScreenPin("80241"), ScreenPin("80241"), PinResetFormatError),
        (ScreenPin("8024175"), ScreenPin("8024175"), PinResetFormatError),
        (ScreenPin("802417"), ScreenPin("802418"), PinMismatch),
    ]
    for new, confirm, error in cases:
        with pytest.raises(error) as err:
            reader.reload_pin(new, confirm)
        assert new.wiped and confirm.wiped
        assert "802417" not in str(err.value)
        assert str(err.value).split(" / ")[0]  # Chinese first
    assert link_holder[-1].sent == before
    assert reader.pin_tries_left() == 0


def test_no_reload_key_anywhere(tmp_path):
    keys = card_crypto.MasterKeys(card_crypto.TEST_KEYS.internal, card_crypto.TEST_KEYS.read)
    reader = in_process_reader(emulated("card-blocked", tmp_path), SoftwareSecurityModule(keys))
    reader.read_card()
    with pytest.raises(NoPinReloadKey):
        reader.reload_pin(ScreenPin("802417"), ScreenPin("802417"))
    psam = PsamSecurityModule(lambda: InProcessLink(EmulatedPsam(keys)))
    with pytest.raises(NoPinReloadKey):
        psam.pin_reload_mac("des3", bytes(16), bytes(8), b"\x80")
    # a card personalised without one answers 6A88
    card = EmulatedCard(
        load_profile(find_profile("card-blocked")), StateStore(tmp_path / "s2.json"), keys
    )
    r = in_process_reader(card)
    r.read_card()
    with pytest.raises(CardStatusError) as err:
        r.reload_pin(ScreenPin("802417"), ScreenPin("802417"))
    assert err.value.sw == 0x6A88
    assert r.pin_tries_left() == 0
