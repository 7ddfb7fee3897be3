"""The issuer's checks the reference acquirer makes on a sale: the PIN (ISO 9564 format 0 block
under the PIK, against the account's IBM 3624 offset) and the card's cryptogram (ARQC, with
common.emv_profile's keys and scheme), and the ARPC it answers with.

The PIN exists in clear only inside `pin_matches`, as a local the function drops; it is never
logged, stored or raised. The account keeps an IBM 3624 PIN offset under the lab's PIN
verification key (psec.pin), as an issuer's host keeps a PIN verification value, not the PIN."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Final

import psec
from pyemv import tlv

import common.pos8583  # noqa: F401  (silences psec's 3DES deprecation warnings)
from common import emv_profile

# The lab's PIN verification key and decimalisation table. Public test values, worthless.
LAB_PVK: Final = bytes.fromhex("4A5B6C7D8E9FA0B1C2D3E4F506172839")
DECIMALISATION: Final = "0123456789012345"


def pin_offset(pin: str, pan: str) -> str:
    """The IBM 3624 offset of `pin` for this account (as many digits as the PIN)."""
    return str(
        psec.pin.generate_ibm3624_offset(LAB_PVK, DECIMALISATION, pin, pan, len(pan) - 13, 12, "F")
    )


def pin_matches(pin_block: bytes, pik: bytes, pan: str, offset: str) -> bool:
    """Decrypt the format 0 block under the PIK and check the PIN against the offset.
    A block that does not decode (wrong key, wrong PAN, not format 0) is a wrong PIN."""
    try:
        clear_block = psec.des.decrypt_tdes_ecb(pik, pin_block)
        pin = psec.pinblock.decode_pinblock_iso_0(clear_block, pan)
        return hmac.compare_digest(pin_offset(pin, pan), offset)
    except ValueError:
        return False


@dataclass(frozen=True)
class IccCheck:
    """What the cryptogram check found."""

    ok: bool
    atc: int
    arqc: bytes
    reason: str = ""


REQUIRED_TAGS: Final = (*emv_profile.AC_TERMINAL_TAGS, "82", "9F36", "9F26", "9F10")


def parse_icc(field55: str) -> dict[str, bytes]:
    """Field 55's TLV (hex) as {tag: value}; ValueError when malformed."""
    try:
        return {k.upper(): bytes(v) for k, v in tlv.decode(bytes.fromhex(field55)).items()}
    except Exception as e:  # pyemv raises its own DecodeError (a ValueError subclass or not)
        raise ValueError(f"field 55: {e}") from None


def check_arqc(
    icc: dict[str, bytes], pan: str, psn: str, issuer_keys: emv_profile.IssuerMasterKeys
) -> IccCheck:
    """Recompute the ARQC as the card made it (option A ICC key, common session key on the
    ATC, the CVN 20 data) and compare."""
    missing = [t for t in REQUIRED_TAGS if t not in icc]
    if missing:
        return IccCheck(False, -1, b"", f"missing {missing[0]}")
    atc = icc["9F36"]
    try:
        cvr = emv_profile.cvr_of(icc["9F10"])
        icc_mk = emv_profile.icc_master_key(issuer_keys.ac, pan, psn)
        expected = emv_profile.application_cryptogram(icc_mk, icc, icc["82"], atc, cvr)
    except ValueError as e:
        return IccCheck(False, int.from_bytes(atc, "big"), icc["9F26"], str(e))
    ok = hmac.compare_digest(expected, icc["9F26"])
    return IccCheck(ok, int.from_bytes(atc, "big"), icc["9F26"], "" if ok else "ARQC mismatch")


def issuer_auth_data(
    pan: str, psn: str, issuer_keys: emv_profile.IssuerMasterKeys, check: IccCheck, code: str
) -> str:
    """Field 55 of the answer (hex): tag 91 = ARPC (method 1 over the ARQC and the answer's
    code as the ARC) || ARC, then tag 8A = ARC."""
    arc = code.encode("ascii")
    icc_mk = emv_profile.icc_master_key(issuer_keys.ac, pan, psn)
    arpc = emv_profile.arpc(icc_mk, check.arqc, check.atc.to_bytes(2, "big"), arc)
    return bytes(tlv.encode({"91": arpc + arc, "8A": arc})).hex().upper()
