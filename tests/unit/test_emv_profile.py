"""common.emv_profile: the facts the card, the seeder and the acquirer share (issue 16).

Worked values: pyemv's published examples (EMV option A, the common session key) reused as
facts, and the MasterCardCVN20 class as the independent statement of the scheme we follow.
"""

from __future__ import annotations

import pyemv
import pytest

from common import emv_profile as ep

PAN = "6214831100000002018"  # Luhn: see test_luhn


def test_option_a_matches_the_published_example():
    # pyemv's documented vector: IMK 0123...3210, PAN 99012345678901234, PSN 45
    imk = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
    assert ep.icc_master_key(imk, "99012345678901234", "45").hex().upper() == (
        "67F8292358083E5EA7AB7FDA58D53B6B"
    )


def test_session_key_is_the_common_one_with_r_atc_and_zeros():
    # pyemv's documented vector: MK 0123...3210, R = 001C 000000000000
    mk = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
    assert ep.ac_session_key(mk, bytes.fromhex("001C")).hex().upper() == (
        "E9FB384AF807B940FEDCEA613461B0C4"
    )


def _terminal() -> dict[str, bytes]:
    return {
        "9F02": bytes.fromhex("000000012345"),  # 123.45 yuan = 12345 fen
        "9F03": bytes(6),
        "9F1A": bytes.fromhex("0156"),
        "95": bytes.fromhex("0000040000"),
        "5F2A": bytes.fromhex("0156"),
        "9A": bytes.fromhex("260315"),
        "9C": b"\x00",
        "9F37": bytes.fromhex("A1B2C3D4"),
    }


def test_cryptogram_and_arpc_are_the_cvn20_scheme():
    keys = ep.TEST_ISSUER_KEYS
    cvn20 = pyemv.cvn.MasterCardCVN20(keys.ac, keys.smi, keys.smc, PAN, "01")
    icc = ep.icc_master_key(keys.ac, PAN, "01")
    assert icc == cvn20.icc_mk_ac
    t, aip, atc, cvr = _terminal(), bytes.fromhex("5C00"), bytes.fromhex("0007"), b"\x03\xa0\0\0"
    ours = ep.application_cryptogram(icc, t, aip, atc, cvr)
    theirs = cvn20.generate_ac(*(t[k] for k in ep.AC_TERMINAL_TAGS), aip, atc, cvr)
    assert ours == theirs
    assert ep.arpc(icc, ours, atc, b"00") == cvn20.generate_arpc(ours, atc, b"00")
    # a different ATC is a different session key, so a different cryptogram
    assert ep.application_cryptogram(icc, t, aip, b"\x00\x08", cvr) != ours


def test_expected_arqc_reads_field_55():
    icc = ep.icc_master_key(ep.TEST_ISSUER_KEYS.ac, PAN, "01")
    t, aip, atc = _terminal(), bytes.fromhex("7C00"), bytes.fromhex("0002")
    cvr = b"\x03\xa0\0\0"
    ac = ep.application_cryptogram(icc, t, aip, atc, cvr)
    field55 = pyemv.tlv.encode({**t, "82": aip, "9F36": atc, "9F10": ep.iad(cvr), "9F26": ac})
    decoded = pyemv.tlv.decode(field55)
    assert ep.expected_arqc(icc, decoded) == decoded["9F26"]
    decoded["9F02"] = bytes.fromhex("000000012346")  # one fen more: not the card's cryptogram
    assert ep.expected_arqc(icc, decoded) != ac


def test_luhn():
    assert ep.luhn_ok("79927398713")  # the textbook example
    assert not ep.luhn_ok("79927398710")
    assert ep.luhn_ok(PAN)


def test_track2_and_mask():
    t2 = ep.track2_equivalent(PAN, "300630")
    # 19 digits + D + 3006 + 220 = 27 characters, padded F to 28 = 14 bytes
    assert t2.hex().upper() == "6214831100000002018D3006220F"
    assert ep.track2_parts(t2) == (PAN, "3006", "220")
    assert ep.mask_pan(PAN) == "621483*********2018"


def test_iad_carries_the_cvr():
    cvr = bytes.fromhex("03A00400")
    assert ep.iad(cvr) == bytes.fromhex("070114") + cvr
    assert ep.cvr_of(ep.iad(cvr)) == cvr
    with pytest.raises(ValueError):
        ep.cvr_of(bytes.fromhex("0601120300"))


def test_finance_section_parsed_and_checked():
    doc = {"finance": {"pan": PAN, "expiry": "300630", "pin": "147258", "balance": "12.30"}}
    fin = ep.finance_of(doc)
    assert fin is not None
    assert (fin.psn, fin.apps, fin.oda, fin.oda_broken) == ("01", ("debit",), "sda", False)
    assert fin.balance_fen == 1230  # 12.30 yuan = 1230 fen
    assert fin.aids == (ep.AID_DEBIT,)
    assert "147258" not in repr(fin) and PAN not in repr(fin)
    assert ep.finance_of({}) is None
    for key, bad in (
        ("pan", "6214831100000002019"),  # check digit wrong
        ("expiry", "301330"),
        ("pin", "12a4"),
        ("apps", ["debit", "debit"]),
        ("oda", "cda"),
        ("balance", "1.234"),
        ("imk_ac", "00"),
    ):
        with pytest.raises(ep.FinanceProfileError) as err:
            ep.finance_of({"finance": {**doc["finance"], key: bad}}, "p.toml")
        assert err.value.key == key


def test_test_keys_sign_and_recover():
    for pair in (ep.TEST_CA_KEYPAIR, ep.TEST_ISSUER_KEYPAIR):
        message = b"\x6a" + bytes(pair.length - 2) + b"\xbc"
        assert ep.rsa_recover(pair.modulus, pair.e, pair.sign(message)) == message
    assert ep.TEST_CA_KEY.rid == bytes.fromhex("A000000333")
    # the issuer key fits under the CA key with a remainder (tag 92): 144 > 176 - 36
    assert ep.TEST_ISSUER_KEYPAIR.length > ep.TEST_CA_KEYPAIR.length - 36
