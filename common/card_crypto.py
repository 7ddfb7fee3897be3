"""This project's assumed card cryptography (docs/card-crypto.md): block ciphers, key
diversification by region and card identifier, and the two cryptograms.

Shared by the software security module, the emulated card and the emulated PSAM (cardio), and
the back office's card sessions (checking a card's INTERNAL AUTHENTICATE answer), so that all
agree by construction; a real issuer's scheme replaces this module's functions. It lives in the
shared leaf so the back office need not import the card library.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

DES3 = "des3"
SM4 = "sm4"
ALGORITHMS = (DES3, SM4)

#: The FCI flag 9F0C value (86 01 xx) of each algorithm.
FCI_FLAG = {DES3: 0x01, SM4: 0x03}
FLAG_ALGORITHM = {0x01: DES3, 0x03: SM4}  # 0x02 (SSF33) is not supported

KEY_INTERNAL = 0x00  # the card's internal-authentication key (INTERNAL AUTHENTICATE P2)
KEY_READ = 0x0A  # RK-SSSE, the read key unlocking EF06 on 3.00 cards
KEY_PIN_RELOAD = 0x0C  # the PIN-reload key (RELOAD PIN's MAC); an assumed id

BLOCK_SIZE = {DES3: 8, SM4: 16}


def ecb_encrypt(algorithm: str, key: bytes, data: bytes) -> bytes:
    """ECB encryption of whole blocks; 16-byte keys (3DES as K1 K2 K1)."""
    if len(key) != 16:
        raise ValueError("keys are 16 bytes")
    if algorithm == DES3:
        cipher = Cipher(TripleDES(key + key[:8]), modes.ECB())
    elif algorithm == SM4:
        cipher = Cipher(algorithms.SM4(key), modes.ECB())
    else:
        raise ValueError(f"unknown algorithm {algorithm!r}")
    enc = cipher.encryptor()
    return enc.update(data) + enc.finalize()


def _derive(algorithm: str, key: bytes, factor8: bytes) -> bytes:
    """One diversification level: E_K(f || ~f) with SM4; E_K(f) || E_K(~f) with 3DES."""
    inverted = bytes(b ^ 0xFF for b in factor8)
    if algorithm == SM4:
        return ecb_encrypt(SM4, key, factor8 + inverted)
    return ecb_encrypt(DES3, key, factor8) + ecb_encrypt(DES3, key, inverted)


def region_factor(card_identifier: bytes) -> bytes:
    """Region code (first 3 bytes of the card identifier) padded with FF to 8 bytes."""
    return card_identifier[:3] + b"\xff" * 5


def card_factor(card_identifier: bytes) -> bytes:
    """The card's own 8 bytes: bytes 8..16 of the card identifier."""
    return card_identifier[8:16]


def card_key(algorithm: str, master: bytes, card_identifier: bytes) -> bytes:
    """Master key -> region key -> card key (two diversification levels)."""
    if len(card_identifier) != 16:
        raise ValueError("a card identifier is 16 bytes")
    region_key = _derive(algorithm, master, region_factor(card_identifier))
    return _derive(algorithm, region_key, card_factor(card_identifier))


def internal_auth_response(algorithm: str, key: bytes, challenge16: bytes) -> bytes:
    """The card's answer to INTERNAL AUTHENTICATE: the 16-byte challenge encrypted (ECB)."""
    return ecb_encrypt(algorithm, key, challenge16)


def external_auth_cryptogram(algorithm: str, key: bytes, card_random8: bytes) -> bytes:
    """First 8 bytes of E_K(card random || 00*8): the terminal's proof for EXTERNAL AUTHENTICATE."""
    return ecb_encrypt(algorithm, key, card_random8 + bytes(8))[:8]


def cbc_mac(algorithm: str, key: bytes, iv: bytes, message: bytes | bytearray) -> bytes:
    """ISO/IEC 9797-1 MAC algorithm 1 (CBC-MAC, the whole block cipher on every block) with
    padding method 2 (80 then 00s to the block size) and the given IV; the full last block."""
    size = BLOCK_SIZE[algorithm]
    if len(iv) != size:
        raise ValueError(f"the IV is {size} bytes")
    padded = message + b"\x80" + bytes(-(len(message) + 1) % size)
    chain = iv
    for i in range(0, len(padded), size):
        block = bytes(a ^ b for a, b in zip(chain, padded[i : i + size], strict=True))
        chain = ecb_encrypt(algorithm, key, block)
    return chain


def pin_reload_mac(
    algorithm: str, key: bytes, card_random8: bytes, message: bytes | bytearray
) -> bytes:
    """The 4-byte MAC of RELOAD PIN: `message` is the command header with Lc (80 5E 00 00 Lc)
    and the new PIN block; the IV is the card's 8-byte GET CHALLENGE random, padded with 00 to
    the block size, so an APDU overheard once cannot be replayed (docs/card-crypto.md)."""
    if len(card_random8) != 8:
        raise ValueError("the card's random is 8 bytes")
    iv = card_random8 + bytes(BLOCK_SIZE[algorithm] - 8)
    return cbc_mac(algorithm, key, iv, message)[:4]


def same(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(a, b)


@dataclass(frozen=True)
class MasterKeys:
    """The issuer's master keys (held by the PSAM or, for tests, the software module)."""

    internal: bytes
    read: bytes
    #: The PIN-reload master key; None where the keys file has none (RELOAD PIN unavailable).
    pin_reload: bytes | None = None

    def for_key_id(self, key_id: int) -> bytes:
        if key_id == KEY_INTERNAL:
            return self.internal
        if key_id == KEY_READ:
            return self.read
        if key_id == KEY_PIN_RELOAD and self.pin_reload is not None:
            return self.pin_reload
        raise KeyError(key_id)


#: Built-in TEST master keys. Public, worthless, for the emulator, tests and the demo only.
TEST_KEYS = MasterKeys(
    internal=bytes.fromhex("11223344556677888877665544332211"),
    read=bytes.fromhex("0A0A0A0A1B1B1B1B2C2C2C2C3D3D3D3D"),
    pin_reload=bytes.fromhex("5E5E5E5E7E57C0DE7E57C0DE5E5E5E5E"),  # TEST ONLY ("TEST CODE")
)


def load_keys(path: str | None) -> MasterKeys:
    """Master keys from a TOML file ``[master] internal = "hex" read = "hex"`` and optionally
    ``pin_reload = "hex"`` (without it RELOAD PIN is unavailable); None = the test keys."""
    if not path:
        return TEST_KEYS
    import tomllib

    with open(path, "rb") as fh:
        doc = tomllib.load(fh)
    try:
        master = doc["master"]
        reload = master.get("pin_reload")
        keys = MasterKeys(
            bytes.fromhex(master["internal"]),
            bytes.fromhex(master["read"]),
            None if reload is None else bytes.fromhex(reload),
        )
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        raise ValueError(
            f"{path}: [master] needs internal and read as 32 hex digits ({exc})"
        ) from None
    if len(keys.internal) != 16 or len(keys.read) != 16 or len(keys.pin_reload or bytes(16)) != 16:
        raise ValueError(f"{path}: master keys are 16 bytes (32 hex digits)")
    return keys
