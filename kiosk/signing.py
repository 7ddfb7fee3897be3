"""Signed requests: every call to the back office carries an HMAC that the back office checks,
so an altered request (path, query or body) or a replayed one is refused.

Headers added to each request:
    X-Key-Id      the terminal's key id (its terminal id)
    X-Timestamp   Unix seconds when signed; the back office refuses it outside its allowed skew
    X-Nonce       128 random bits, hex; the back office refuses a nonce it has seen
    X-Signature   hex HMAC-SHA256(key, canonical_request(...))

The canonical request is five lines joined by "\\n": the method in capitals, the path as sent
(percent-encoded) with "?query" when there is one, the timestamp, the nonce, and the hex SHA-256
of the body (of b"" when there is none). `canonical_request` is the one definition both sides use.

    session.auth = HmacAuth.from_file("KIOSK-0001", Path("var/pki/kiosks/KIOSK-0001/signing.key"))
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

KEY_ID, TIMESTAMP, NONCE, SIGNATURE = "X-Key-Id", "X-Timestamp", "X-Nonce", "X-Signature"


class SigningKeyError(Exception):
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


class HmacAuth(requests.auth.AuthBase):
    """A requests auth that signs each prepared request (a retry is signed afresh)."""

    def __init__(self, key_id: str, key: bytes, *, clock: Callable[[], float] = time.time) -> None:
        self.key_id = key_id
        self._key = key
        self._clock = clock

    @classmethod
    def from_file(cls, key_id: str, path: Path) -> HmacAuth:
        return cls(key_id, read_key(path))

    def __repr__(self) -> str:  # never the key
        return f"HmacAuth(key_id={self.key_id!r})"

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        parts = urlsplit(r.url or "")
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        body = r.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        if not isinstance(body, bytes):
            raise TypeError("signed requests need a body in memory, not a stream")
        timestamp = str(int(self._clock()))
        nonce = secrets.token_hex(16)
        r.headers[KEY_ID] = self.key_id
        r.headers[TIMESTAMP] = timestamp
        r.headers[NONCE] = nonce
        r.headers[SIGNATURE] = sign(self._key, r.method or "GET", target, timestamp, nonce, body)
        return r


def secure_session(session: requests.Session, config: Any, terminal_id: str) -> None:
    """Apply [backoffice] signing_key_file (sign every request) and make [backoffice] ca_file
    count: with trust_env on, requests lets $REQUESTS_CA_BUNDLE / $CURL_CA_BUNDLE override a
    session's own `verify`, so a kiosk would trust the system CAs instead of its back office's
    CA. A kiosk takes its trust from its config only."""
    if config.ca_file is not None:
        session.trust_env = False
    if config.signing_key_file is not None:
        session.auth = HmacAuth.from_file(terminal_id, config.signing_key_file)
