"""Signed requests, the part both sides share: the headers, the canonical request and its HMAC,
and the signing key file. The kiosk signs (kiosk.backoffice.signing.HmacAuth); the back office checks
(backoffice.security), so an altered request (path, query or body) or a replayed one is refused.

Headers added to each request:
    X-Key-Id      the terminal's key id (its terminal id)
    X-Timestamp   Unix seconds when signed; the back office refuses it outside its allowed skew
    X-Nonce       128 random bits, hex; the back office refuses a nonce it has seen
    X-Signature   hex HMAC-SHA256(key, canonical_request(...))

The canonical request is five lines joined by "\\n": the method in capitals, the path as sent
(percent-encoded) with "?query" when there is one, the timestamp, the nonce, and the hex SHA-256
of the body (of b"" when there is none). `canonical_request` is the one definition both sides use.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from common.errors import CommonError

KEY_ID, TIMESTAMP, NONCE, SIGNATURE = "X-Key-Id", "X-Timestamp", "X-Nonce", "X-Signature"


class SigningKeyError(CommonError):
    """The signing key file is missing, unreadable or not a hex key of at least 128 bits."""


def canonical_request(method: str, target: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    """What is signed: see the module docstring. `target` is path[?query] as sent."""
    digest = hashlib.sha256(body).hexdigest()
    return "\n".join((method.upper(), target, timestamp, nonce, digest)).encode("utf-8")


def sign(key: bytes, method: str, target: str, timestamp: str, nonce: str, body: bytes) -> str:
    return hmac.new(
        key, canonical_request(method, target, timestamp, nonce, body), "sha256"
    ).hexdigest()


def read_key(path: Path) -> bytes:
    """A hex key from a file (as scripts/make_test_ca.py writes it)."""
    try:
        text = Path(path).read_text(encoding="ascii").strip()
        key = bytes.fromhex(text)
    except OSError as e:
        raise SigningKeyError(f"{path}: {e.strerror or e}") from None
    except ValueError:
        raise SigningKeyError(f"{path}: not a hex key") from None
    if len(key) < 16:
        raise SigningKeyError(f"{path}: the key is shorter than 128 bits")
    return key
