"""Offline data authentication (EMV Book 2, sections 5 and 6): SDA and DDA.

pyemv does not do RSA certificate recovery, so this is written here from the specification
(the emulator's signing side, cardio/emulator/emv_app.py, is written separately). Each check
that fails raises OfflineAuthenticationFailed naming the check, never the card's data.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from cardio.emv.errors import OfflineAuthenticationFailed
from common.emv_profile import CaPublicKey, rsa_recover


@dataclass(frozen=True)
class PublicKey:
    modulus: bytes
    exponent: int


def _sha1(data: bytes) -> bytes:
    return hashlib.sha1(data).digest()


def _recover(method: str, key: PublicKey, signed: bytes, fmt: int, what: str) -> bytes:
    """Recover `signed` and check its frame: 6A, the format byte, trailer BC."""
    if len(signed) != len(key.modulus):
        raise OfflineAuthenticationFailed(method, f"{what}: length differs from the key's")
    try:
        data = rsa_recover(key.modulus, key.exponent, signed)
    except ValueError:
        raise OfflineAuthenticationFailed(method, f"{what}: does not fit the key") from None
    if data[0] != 0x6A or data[-1] != 0xBC or data[1] != fmt:
        raise OfflineAuthenticationFailed(method, f"{what}: recovered data malformed")
    return data


def _expired(mmyy: bytes, today: date) -> bool:
    month, year = int(mmyy[:1].hex()), 2000 + int(mmyy[1:].hex())
    return (year, month) < (today.year, today.month)


def _pan_digits(pan_field: bytes) -> str:
    return pan_field.hex().upper().rstrip("F")


def find_ca_key(keys: Iterable[CaPublicKey], rid: bytes, index: int, method: str) -> PublicKey:
    for k in keys:
        if k.rid == rid and k.index == index:
            return PublicKey(k.modulus, k.exponent)
    raise OfflineAuthenticationFailed(method, f"no CA public key {rid.hex().upper()}/{index:02X}")


def _certified_key(
    method: str,
    signer: PublicKey,
    cert: bytes,
    remainder: bytes,
    exponent: bytes,
    fmt: int,
    id_len: int,
    extra: bytes,
    what: str,
) -> tuple[PublicKey, bytes, bytes]:
    """A key certificate (format 02 issuer, 04 ICC): (key, identifier field, expiry MMYY)."""
    data = _recover(method, signer, cert, fmt, what)
    hash_at = len(data) - 21
    body = data[1:hash_at]
    if not _same(_sha1(body + remainder + exponent + extra), data[hash_at:-1]):
        raise OfflineAuthenticationFailed(method, f"{what}: hash mismatch")
    head = 2 + id_len  # 6A, format, identifier
    identifier = data[2:head]
    expiry = data[head : head + 2]
    hash_algo, pk_algo, pk_len, exp_len = data[head + 5 : head + 9]
    if hash_algo != 0x01 or pk_algo != 0x01:
        raise OfflineAuthenticationFailed(method, f"{what}: unknown algorithm")
    field = data[head + 9 : hash_at]
    if exp_len != len(exponent):
        raise OfflineAuthenticationFailed(method, f"{what}: exponent length differs")
    modulus = (field + remainder)[:pk_len] if pk_len > len(field) else field[:pk_len]
    if len(modulus) != pk_len:
        raise OfflineAuthenticationFailed(method, f"{what}: key remainder missing")
    return PublicKey(modulus, int.from_bytes(exponent, "big")), identifier, expiry


def recover_issuer_key(
    method: str,
    ca: PublicKey,
    cert: bytes,
    remainder: bytes,
    exponent: bytes,
    pan: str,
    today: date,
) -> PublicKey:
    """The issuer's public key from its certificate (tag 90), checked against the PAN."""
    key, identifier, expiry = _certified_key(
        method, ca, cert, remainder, exponent, 0x02, 4, b"", "issuer certificate"
    )
    issuer_id = _pan_digits(identifier)
    if not 3 <= len(issuer_id) <= 8 or not pan.startswith(issuer_id):
        raise OfflineAuthenticationFailed(method, "issuer certificate: not this PAN's issuer")
    if _expired(expiry, today):
        raise OfflineAuthenticationFailed(method, "issuer certificate expired")
    return key


def verify_sda(issuer: PublicKey, ssad: bytes, static_data: bytes) -> bytes:
    """Check the signed static application data (93); returns the data authentication code."""
    data = _recover("sda", issuer, ssad, 0x03, "signed static data")
    hash_at = len(data) - 21
    if data[2] != 0x01:
        raise OfflineAuthenticationFailed("sda", "signed static data: unknown hash algorithm")
    if not _same(_sha1(data[1:hash_at] + static_data), data[hash_at:-1]):
        raise OfflineAuthenticationFailed("sda", "signed static data: hash mismatch")
    return data[3:5]


def recover_icc_key(
    issuer: PublicKey,
    cert: bytes,
    remainder: bytes,
    exponent: bytes,
    pan: str,
    static_data: bytes,
    today: date,
) -> PublicKey:
    """The card's own public key from its certificate (9F46), checked against the PAN."""
    key, identifier, expiry = _certified_key(
        "dda", issuer, cert, remainder, exponent, 0x04, 10, static_data, "ICC certificate"
    )
    if _pan_digits(identifier) != pan:
        raise OfflineAuthenticationFailed("dda", "ICC certificate: another PAN")
    if _expired(expiry, today):
        raise OfflineAuthenticationFailed("dda", "ICC certificate expired")
    return key


def verify_dda(icc: PublicKey, signed: bytes, ddol_data: bytes) -> bytes:
    """Check the signed dynamic application data; returns the ICC dynamic number (9F4C)."""
    data = _recover("dda", icc, signed, 0x05, "signed dynamic data")
    hash_at = len(data) - 21
    if data[2] != 0x01:
        raise OfflineAuthenticationFailed("dda", "signed dynamic data: unknown hash algorithm")
    if not _same(_sha1(data[1:hash_at] + ddol_data), data[hash_at:-1]):
        raise OfflineAuthenticationFailed("dda", "signed dynamic data: hash mismatch")
    ldd = data[3]
    dynamic = data[4 : 4 + ldd]
    return dynamic[1 : 1 + dynamic[0]] if dynamic else b""


def _same(a: bytes, b: bytes) -> bool:
    import hmac

    return hmac.compare_digest(a, b)
