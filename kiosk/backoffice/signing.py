"""Signed requests, the kiosk's side: a requests auth that signs every call to the back office
with the canonical form of common.signing (headers, canonical request, key file: see there).

    session.auth = HmacAuth.from_file("KIOSK-0001", Path("var/pki/kiosks/KIOSK-0001/signing.key"))
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from common.signing import (
    KEY_ID,
    NONCE,
    SIGNATURE,
    TIMESTAMP,
    SigningKeyError,
    canonical_request,
    read_key,
    sign,
)

# Re-exported: callers that sign or check (tests among them) may take the shared form from here.
__all__ = [
    "KEY_ID",
    "NONCE",
    "SIGNATURE",
    "TIMESTAMP",
    "HmacAuth",
    "SigningKeyError",
    "canonical_request",
    "read_key",
    "secure_session",
    "sign",
]


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
