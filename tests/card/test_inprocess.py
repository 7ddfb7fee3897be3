"""The SSSE application against the emulated card in-process (no pcscd): fast checks."""

from __future__ import annotations

import pytest

from cardio.apdu import ApduChannel, Command
from cardio.errors import CardNotGenuine, CardRemovedError, WrongPin
from cardio.pin import ScreenPin
from cardio.ssse import EF05, EF06, SsseCard
from cardio.transport import InProcessLink
from tests.helpers.card import emulated, in_process_reader


@pytest.mark.parametrize(
    "profile", ["card-2.00", "card-3.00", "card-rare-name", "card-admin", "card-initial-pin"]
)
def test_read_with_both_security_modules(profile, tmp_path, any_module):
    info = in_process_reader(emulated(profile, tmp_path), any_module).read_card()
    assert info.genuine


def test_forged_card_with_both_modules(tmp_path, any_module):
    with pytest.raises(CardNotGenuine):
        in_process_reader(emulated("card-forged", tmp_path), any_module).read_card()


def test_replayed_internal_auth_answer_is_refused(tmp_path, any_module):
    card = emulated("card-3.00", tmp_path)
    ch = ApduChannel(InProcessLink(card))
    app = SsseCard(ch)
    app.select()
    challenge = any_module.challenge()
    answer = ch.send(Command("INTERNAL AUTHENTICATE", 0, 0x88, 0, 0, challenge)).data
    cid = card.profile.card_identifier
    assert any_module.check_internal_auth("sm4", cid, challenge, answer)
    assert not any_module.check_internal_auth("sm4", cid, challenge, answer)  # used up


@pytest.mark.parametrize("mode", [0, 1, 2])
def test_every_addressing_mode_reads_the_same(tmp_path, mode):
    card = emulated("card-2.00", tmp_path)
    app = SsseCard(ApduChannel(InProcessLink(card)))
    app.select()
    app._mode = {EF05: mode, EF06: mode}
    assert app.read_tag(EF05, 0x07) == b"B44030601"
    assert app.read_tag(EF06, 0x08) == b"440306198511224560"


class RefusesTagBySfi:
    """A card generation that answers 6A86 to tag addressing through the SFI."""

    def __init__(self, card) -> None:
        self.card, self.atr = card, card.atr

    def power_on(self) -> None:
        self.card.power_on()

    def process(self, apdu: bytes) -> bytes:
        if apdu[1] == 0xB2 and apdu[3] & 0x07 == 0 and apdu[3] >> 3:
            return b"\x6a\x86"
        return self.card.process(apdu)


def test_falls_back_when_a_card_refuses_an_addressing_mode(tmp_path):
    card = RefusesTagBySfi(emulated("card-3.00", tmp_path))
    info = in_process_reader(card).read_card()
    assert info.name == "张三"


def test_pull_after_each_apdu_in_process(tmp_path):
    for n in range(20):
        reader = in_process_reader(emulated("card-3.00", tmp_path), pull_after=n)
        with pytest.raises(CardRemovedError):
            reader.read_card()


def test_wrong_pin_in_process_persists_in_state_file(tmp_path):
    reader = in_process_reader(emulated("card-3.00", tmp_path))
    reader.read_card()
    with pytest.raises(WrongPin):
        reader.verify_pin(ScreenPin("111111"))
    reader = in_process_reader(emulated("card-3.00", tmp_path))  # a fresh card object
    reader.read_card()
    assert reader.pin_tries_left() == 2
    assert "246810" not in (tmp_path / "state.json").read_text()


class NotASocialSecurityCard:
    atr = bytes.fromhex("3B8F8001804F0CA000000306030001000000006A")

    def power_on(self) -> None:
        pass

    def process(self, apdu: bytes) -> bytes:
        return b"\x6a\x82"


def test_other_card_is_not_ssse():
    from cardio.errors import NotSsseCard

    with pytest.raises(NotSsseCard) as err:
        in_process_reader(NotASocialSecurityCard()).read_card()
    assert "不是社会保障卡" in str(err.value)


def test_social_security_operations_after_a_card_sale_reselect_ssse(tmp_path):
    """A card sale selects the bank application on the same chip; the next 社保 operation of the
    session (here the PIN tries) must select SSSE again, not talk to the bank application."""
    from cardio.emv import EmvKernel
    from common.emv_profile import TEST_CA_KEY

    reader = in_process_reader(emulated("card-3.00", tmp_path))
    reader.read_card()
    before = reader.pin_tries_left()
    assert before is not None

    def open_bank_app(channel: ApduChannel) -> str:
        kernel = EmvKernel(channel, [TEST_CA_KEY])
        return kernel.open(kernel.applications()[0].aid).pan_masked

    assert reader.run_card(open_bank_app)
    assert reader.pin_tries_left() == before
