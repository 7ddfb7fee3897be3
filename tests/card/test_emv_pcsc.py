"""The card's financial application through the real stack: pcscd + vpcd + the emulator,
driven by the kiosk's EMV kernel over cardio's PC/SC link (issue 16).

The issuer side is common.emv_profile alone: it derives the card's key from the issuer master
key, recomputes the ARQC from field 55 and makes the ARPC, as the acquirer host does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

import pytest
from pyemv import tlv

from cardio.emulator.profile import find_profile, load_profile
from cardio.emv import (
    EmvKernel,
    EmvSequenceError,
    OfflineAuthenticationFailed,
)
from cardio.transport import PcscLink
from common import emv_profile as ep

pytestmark = pytest.mark.pcsc

WHEN = datetime(2026, 3, 15, 10, 30, 0)


@pytest.fixture
def link(stack) -> Iterator[Callable[[], PcscLink]]:
    links: list[PcscLink] = []

    def open_link() -> PcscLink:
        links.append(PcscLink(stack.reader))
        return links[-1]

    yield open_link
    for lk in links:
        lk.close()


def _finance(profile: str) -> ep.FinanceProfile:
    fin = load_profile(find_profile(profile)).finance
    assert fin is not None
    return fin


def _issuer_check(profile: str, auth) -> bytes:
    """What the acquirer does: check the ARQC from field 55, answer the ARPC for ARC 00."""
    fin = _finance(profile)
    icc_mk = ep.icc_master_key(ep.TEST_ISSUER_KEYS.ac, fin.pan, fin.psn)
    field55 = tlv.decode(auth.icc_data)
    assert field55["9F26"] == auth.arqc
    assert ep.expected_arqc(icc_mk, field55) == auth.arqc
    return ep.arpc(icc_mk, auth.arqc, auth.atc, b"00") + b"00"


def test_one_application_sda_sale_to_tc(stack, link):
    stack.insert("card-2.00")
    kernel = EmvKernel(link(), [ep.TEST_CA_KEY])
    apps = kernel.applications()
    assert [a.aid for a in apps] == [ep.AID_DEBIT]
    assert apps[0].label_zh == "银联借记卡"
    account = kernel.open(apps[0].aid, today=WHEN.date())
    fin = _finance("card-2.00")
    assert (account.pan, account.psn, account.expiry) == (fin.pan, "01", "300630")
    assert account.oda == "sda" and account.online_pin
    assert ep.track2_parts(account.track2) == (fin.pan, "3006", "220")
    assert fin.pan not in repr(account) and account.pan_masked == "621483*********2018"
    auth = kernel.request_arqc(12345, WHEN)  # 123.45 yuan = 12345 fen
    assert auth.cid == 0x80
    assert auth.atc == b"\x00\x01"  # a fresh card state: the first transaction
    field55 = tlv.decode(auth.icc_data)
    assert field55["9F02"] == bytes.fromhex("000000012345")
    assert field55["9F35"] == b"\x24" and field55["9F1A"] == field55["5F2A"] == b"\x01\x56"
    assert field55["9A"] == bytes.fromhex("260315")
    assert field55["95"][2] & 0x04  # TVR: online PIN entered
    done = kernel.complete(b"00", _issuer_check("card-2.00", auth))
    assert done.approved and done.cid == 0x40 and not done.issuer_auth_failed
    assert done.atc == auth.atc


def test_dda_card_passes_and_the_atc_is_persisted(stack, link):
    stack.insert("card-3.00")
    atcs = []
    for _ in range(2):
        kernel = EmvKernel(link(), [ep.TEST_CA_KEY])
        account = kernel.open(kernel.applications()[0].aid, today=WHEN.date())
        assert account.oda == "dda"
        auth = kernel.request_arqc(100, WHEN)
        atcs.append(int.from_bytes(auth.atc, "big"))
        assert kernel.complete(b"00", _issuer_check("card-3.00", auth)).approved
    stack.restart_emulator("card-3.00")  # same state file: the counter survives
    kernel = EmvKernel(link(), [ep.TEST_CA_KEY])
    kernel.open(kernel.applications()[0].aid, today=WHEN.date())
    atcs.append(int.from_bytes(kernel.request_arqc(100, WHEN).atc, "big"))
    assert atcs == [1, 2, 3]


def test_two_applications_member_chooses_credit(stack, link):
    stack.insert("card-bank-two-apps")
    kernel = EmvKernel(link(), [ep.TEST_CA_KEY])
    apps = kernel.applications()
    assert [a.aid for a in apps] == [ep.AID_DEBIT, ep.AID_CREDIT]  # card's priority 1, 2
    assert [a.label_zh for a in apps] == ["银联借记卡", "银联贷记卡"]
    account = kernel.open(ep.AID_CREDIT, today=WHEN.date())
    assert account.aid == ep.AID_CREDIT and account.oda == "dda"
    auth = kernel.request_arqc(2000, WHEN)
    assert tlv.decode(auth.icc_data)["84"] == ep.AID_CREDIT
    assert kernel.complete(b"00", _issuer_check("card-bank-two-apps", auth)).approved


def test_direct_selection_when_the_kiosk_lists_one_aid(stack, link):
    """With only the credit AID accepted, the PSE's debit entry is left out."""
    stack.insert("card-bank-two-apps")
    kernel = EmvKernel(link(), [ep.TEST_CA_KEY], aids=(ep.AID_CREDIT,))
    assert [a.aid for a in kernel.applications()] == [ep.AID_CREDIT]


def test_broken_oda_card_is_refused(stack, link):
    stack.insert("card-oda-broken")
    kernel = EmvKernel(link(), [ep.TEST_CA_KEY])
    aid = kernel.applications()[0].aid
    with pytest.raises(OfflineAuthenticationFailed) as err:
        kernel.open(aid, today=WHEN.date())
    assert "不能用于支付" in str(err.value) and "cannot be used to pay" in str(err.value)
    assert kernel.tvr[0] & 0x40  # TVR: SDA failed
    with pytest.raises(EmvSequenceError):
        kernel.request_arqc(100, WHEN)  # no GENERATE AC for a refused card


def test_unknown_ca_key_refuses_a_good_card(stack, link):
    stack.insert("card-2.00")
    other = ep.CaPublicKey(ep.RID, 0x01, ep.TEST_CA_KEY.modulus, 3)  # index the card does not use
    kernel = EmvKernel(link(), [other])
    with pytest.raises(OfflineAuthenticationFailed, match="no CA public key"):
        kernel.open(kernel.applications()[0].aid, today=WHEN.date())


def test_declined_host_gives_aac(stack, link):
    stack.insert("card-2.00")
    kernel = EmvKernel(link(), [ep.TEST_CA_KEY])
    kernel.open(kernel.applications()[0].aid, today=WHEN.date())
    auth = kernel.request_arqc(500, WHEN)
    fin = _finance("card-2.00")
    icc_mk = ep.icc_master_key(ep.TEST_ISSUER_KEYS.ac, fin.pan, fin.psn)
    # 51 insufficient funds: a valid ARPC over ARC "51", and the kernel asks for an AAC
    done = kernel.complete(b"51", ep.arpc(icc_mk, auth.arqc, auth.atc, b"51") + b"51")
    assert not done.approved and done.cid == 0x00 and not done.issuer_auth_failed


def test_bad_arpc_gives_aac_even_when_tc_is_asked(stack, link):
    stack.insert("card-3.00")
    kernel = EmvKernel(link(), [ep.TEST_CA_KEY])
    kernel.open(kernel.applications()[0].aid, today=WHEN.date())
    auth = kernel.request_arqc(500, WHEN)
    good = _issuer_check("card-3.00", auth)
    forged = bytes([good[0] ^ 0xFF]) + good[1:]
    done = kernel.complete(b"00", forged)
    assert not done.approved and done.cid == 0x00
    assert done.issuer_auth_failed  # the card's CVR says the ARPC was wrong


def test_no_host_answer_gives_aac(stack, link):
    stack.insert("card-2.00")
    kernel = EmvKernel(link(), [ep.TEST_CA_KEY])
    kernel.open(kernel.applications()[0].aid, today=WHEN.date())
    kernel.request_arqc(500, WHEN)
    done = kernel.complete(b"Z3", None)  # Z3: unable to go online (EMV's terminal code)
    assert not done.approved and not done.issuer_auth_failed
