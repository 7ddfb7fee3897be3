"""Who may talk to the back office: client certificates checked per request, signed requests.

Two ASGI middlewares, installed by `install_certificate_guard` and `install_signature_guard`
(backoffice.app.create_app does it for the production app, backoffice.tls; the plain-HTTP
service of the tests and the demo runs without):

- `CertificateGuard`: the TLS handshake has already refused a certificate that our CA did not
  sign (uvicorn with ssl_cert_reqs=CERT_REQUIRED). Per request this checks the peer certificate
  against the revocation list (a file of hex serial numbers, read again when it changes, so a
  revocation takes effect on the next request without a restart; a missing list refuses every
  request: revocation fails closed), the certificate's role (its OU: a kiosk reaches the API, a
  hall manager only the fleet page and the API's documentation) and that a kiosk certificate's
  common name is the terminal the request claims to be (X-Terminal-Id).
- `SignatureGuard`: a request that authenticates as a terminal (X-Terminal-Id or Authorization)
  must carry a valid HMAC signature (kiosk.backoffice.signing) by that terminal's key, a timestamp within
  `max_skew` seconds of ours, and a nonce not seen before by any worker of any host (the nonces
  are rows of the database: backoffice.storage.shared_state); otherwise 401.

Refusals are JSON like every API error: {code, message_zh, message_en}.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio

from backoffice.errors import BackOfficeServerError
from backoffice.identity import Claimed, RepeatedHeader, claimed
from backoffice.storage.shared_state import SharedState, for_app
from common.signing import sign

log = logging.getLogger("backoffice.security")

PEER_CERT_STATE = "peer_certificate"  # key in the ASGI scope's "state" (backoffice.tls)


class SecurityConfigError(BackOfficeServerError):
    """A key file or revocation list the service cannot use (at start)."""


@dataclass(frozen=True)
class PeerCertificate:
    """The client certificate of a TLS connection, as far as the checks need it."""

    serial_hex: str  # lower-case hex, no leading zeros
    common_name: str
    sha256: str  # fingerprint of the DER, hex
    role: str = ""  # the subject's OU: ROLE_KIOSK, ROLE_MANAGER, or "" (neither: refused)


ROLE_KIOSK = "kiosk"
ROLE_MANAGER = "manager"
# What a hall manager's certificate reaches, and the only thing it reaches; a kiosk's reaches
# everything else. The API's documentation describes every route: managers only.
MANAGER_PATHS = frozenset(
    {"/fleet", "/fleet.json", "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"}
)


@dataclass(frozen=True)
class SecurityOptions:
    revoked_file: Path | None = None  # None: no revocation list
    signing_keys_file: Path | None = None  # None: requests are not required to be signed
    max_skew: int = 300  # seconds a signed timestamp may differ from ours


# --- revocation -----------------------------------------------------------------------------


class RevocationListMissing(BackOfficeServerError):
    """The revocation list is gone: nobody can say which certificate is revoked."""


class RevocationList:
    """Serial numbers (hex, one per line, '#' comments) from a file, re-read when its mtime or
    size changes. A missing file fails closed: `is_revoked` raises RevocationListMissing (an
    attacker who can delete the file must not un-revoke every certificate with it)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: tuple[float, int] | None = None
        self._serials: frozenset[str] = frozenset()

    def _reload(self) -> None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            self._stamp, self._serials = None, frozenset()
            raise RevocationListMissing(str(self.path)) from None
        stamp = (st.st_mtime, st.st_size)
        if stamp == self._stamp:
            return
        serials = set()
        for line in self.path.read_text(encoding="utf-8").splitlines():
            word = line.split("#", 1)[0].strip().lower().removeprefix("0x").lstrip("0")
            if word:
                serials.add(word)
        self._stamp, self._serials = stamp, frozenset(serials)

    def is_revoked(self, serial_hex: str) -> bool:
        """Raises RevocationListMissing when the file is gone."""
        self._reload()
        return serial_hex.lower().lstrip("0") in self._serials


# --- replay protection -----------------------------------------------------------------------


class NonceCache:
    """Nonces used in the last `ttl` seconds, by any worker of any host: they are rows of the
    database (backoffice.storage.shared_state), so a replay sent to another process is refused
    too. A signed timestamp older than the skew is refused anyway, so a nonce need not be kept
    longer than twice the skew."""

    def __init__(
        self, ttl: float, state: SharedState, clock: Callable[[], float] = time.time
    ) -> None:
        self.ttl = ttl
        self._state = state
        self._clock = clock

    def first_time(self, key_id: str, nonce: str) -> bool:
        """True (and used up everywhere) if this key has not used this nonce yet. Blocking:
        one INSERT; call it on a worker thread."""
        return self._state.first_use(key_id, nonce, now=self._clock(), ttl=self.ttl)


def load_signing_keys(path: Path) -> dict[str, bytes]:
    """{key id: key} from a JSON object of hex strings (scripts/make_test_ca.py writes one)."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        keys = {str(k): bytes.fromhex(v) for k, v in raw.items()}
    except (OSError, ValueError, AttributeError, TypeError) as e:
        raise SecurityConfigError(f"{path}: not a JSON object of hex keys ({e})") from None
    short = [k for k, v in keys.items() if len(v) < 16]
    if short:
        raise SecurityConfigError(f"{path}: keys shorter than 128 bits: {', '.join(short)}")
    return keys


# --- the middlewares ------------------------------------------------------------------------


async def _refuse(send: Any, status: int, code: str, zh: str, en: str) -> None:
    body = json.dumps(
        {"code": code, "message_zh": zh, "message_en": en}, ensure_ascii=False
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class CertificateGuard:
    """Refuses a request whose TLS client certificate is missing, revoked, of the wrong role for
    the path, or (a kiosk's) not the one of the terminal it claims to be."""

    def __init__(self, app: Any, revoked: RevocationList) -> None:
        self.app = app
        self.revoked = revoked

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cert: PeerCertificate | None = scope.get("state", {}).get(PEER_CERT_STATE)
        if cert is None:
            await _refuse(
                send, 403, "CERT_REQUIRED", "需要终端证书", "A client certificate is required"
            )
            return
        try:
            revoked = self.revoked.is_revoked(cert.serial_hex)
        except RevocationListMissing:
            log.error("revocation list %s is missing: every request refused", self.revoked.path)
            await _refuse(
                send,
                503,
                "REVOCATION_LIST_MISSING",
                "证书吊销列表缺失，暂停服务",
                "The certificate revocation list is missing: service suspended",
            )
            return
        if revoked:
            log.warning("revoked certificate %s (%s) refused", cert.serial_hex, cert.common_name)
            await _refuse(
                send, 403, "CERT_REVOKED", "终端证书已吊销", "The client certificate is revoked"
            )
            return
        wanted = ROLE_MANAGER if scope["path"] in MANAGER_PATHS else ROLE_KIOSK
        if cert.role == ROLE_MANAGER and wanted == ROLE_KIOSK:
            # For a manager's certificate nothing but the fleet page and the docs exists.
            await _refuse(send, 404, "NO_SUCH_ENDPOINT", "没有这个接口", "No such endpoint")
            return
        if cert.role != wanted:
            log.warning(
                "certificate %s (%s, role %r) refused on %s",
                cert.serial_hex,
                cert.common_name,
                cert.role,
                scope["path"],
            )
            await _refuse(
                send,
                403,
                "CERT_ROLE_FORBIDDEN",
                "此证书无权访问该地址",
                f"This certificate's role may not reach this address (needs {wanted})",
            )
            return
        try:
            terminal = claimed(scope).terminal_id
        except RepeatedHeader as e:
            await e.send(send)
            return
        if terminal is not None and terminal != cert.common_name:
            await _refuse(
                send,
                403,
                "CERT_TERMINAL_MISMATCH",
                "终端证书与终端编号不符",
                "The client certificate belongs to another terminal",
            )
            return
        await self.app(scope, receive, send)


class SignatureGuard:
    """Checks the HMAC signature, timestamp and nonce of every request made as a terminal."""

    def __init__(
        self,
        app: Any,
        keys: dict[str, bytes],
        *,
        state: SharedState,
        max_skew: int = 300,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.app = app
        self.keys = keys
        self.max_skew = max_skew
        self._clock = clock
        self.nonces = NonceCache(2 * max_skew, state, clock)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            claim = claimed(scope)
        except RepeatedHeader as e:
            await e.send(send)
            return
        if not claim.any_terminal:
            await self.app(scope, receive, send)  # public pages: nothing to sign for
            return
        # The headers first: a request that cannot be signed right is refused unread. The body
        # is then bounded by backoffice.limits.RequestGate, in front of this guard (its limit
        # per route; past it the gate has answered 413 and this receive says "disconnect").
        problem = self._check(scope, claim)
        body = b""
        if problem is None:
            messages_left = True
            while messages_left:
                message = await receive()
                if message["type"] != "http.request":
                    return  # the client went away, or the gate refused the body
                body += message.get("body", b"")
                messages_left = message.get("more_body", False)
            problem = self._check_signature(scope, claim, body)
        # Only a correctly signed request uses up its nonce: junk cannot fill the table for others.
        if problem is None and not await anyio.to_thread.run_sync(
            self.nonces.first_time, claim.key_id or "", claim.nonce or ""
        ):
            problem = ("REPLAYED", "重复的请求", "This request was already received (replay)")
        if problem is not None:
            code, zh, en = problem
            log.warning("signed request refused: %s %s %s", code, scope["method"], scope["path"])
            await _refuse(send, 401, code, zh, en)
            return
        replayed = False

        async def replay() -> Any:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _check(self, scope: Any, claim: Claimed) -> tuple[str, str, str] | None:
        """What the headers alone can refuse: unsigned, an unknown key, a stale timestamp."""
        key_id, stamp, nonce, given = claim.key_id, claim.timestamp, claim.nonce, claim.signature
        if not (key_id and stamp and nonce and given):
            return "SIGNATURE_MISSING", "请求未签名", "The request is not signed"
        terminal = claim.terminal_id
        if key_id not in self.keys or (terminal is not None and terminal != key_id):
            return "SIGNATURE_KEY_UNKNOWN", "签名密钥未知", "Unknown signing key for this terminal"
        try:
            when = int(stamp)
        except ValueError:
            return "SIGNATURE_INVALID", "签名无效", "The request signature is invalid"
        if abs(self._clock() - when) > self.max_skew:
            return "SIGNATURE_EXPIRED", "请求已过期", "The request timestamp is too old or too new"
        return None

    def _check_signature(
        self, scope: Any, claim: Claimed, body: bytes
    ) -> tuple[str, str, str] | None:
        """The HMAC over method, target, timestamp, nonce and body (after `_check`)."""
        key_id, stamp, nonce, given = claim.key_id, claim.timestamp, claim.nonce, claim.signature
        key = self.keys.get(key_id or "")
        if key is None or not (key_id and stamp and nonce and given):  # (_check refused these)
            return "SIGNATURE_MISSING", "请求未签名", "The request is not signed"
        raw_path = scope.get("raw_path") or scope["path"].encode()
        target = raw_path.decode("latin-1")
        if scope.get("query_string"):
            target += "?" + scope["query_string"].decode("latin-1")
        expected = sign(key, scope["method"], target, stamp, nonce, body)
        if not hmac.compare_digest(expected, given.lower()):
            return "SIGNATURE_INVALID", "签名无效", "The request signature is invalid"
        return None  # the nonce is checked next, on a worker thread (a database write)


def install_signature_guard(app: Any, options: SecurityOptions) -> None:
    """Add the signature guard (when signing is on). backoffice.app.create_app adds it inside
    backoffice.limits.RequestGate, which has authenticated the terminal and bounds the body
    this guard reads."""
    if options.signing_keys_file is not None:
        keys = load_signing_keys(options.signing_keys_file)
        app.add_middleware(SignatureGuard, keys=keys, state=for_app(app), max_skew=options.max_skew)


def install_certificate_guard(app: Any, options: SecurityOptions, *, tls: bool) -> None:
    """Add the certificate guard (with TLS): create_app adds it last, so it runs first
    (outermost). With TLS the revocation list is required and must exist
    (SecurityConfigError otherwise)."""
    revoked: RevocationList | None = None
    if tls:
        if options.revoked_file is None:
            raise SecurityConfigError("--revoked is required with TLS (an empty file: none)")
        revoked = RevocationList(options.revoked_file)
        try:
            revoked.is_revoked("0")
        except RevocationListMissing:
            raise SecurityConfigError(
                f"{options.revoked_file}: revocation list missing (create it, empty: none revoked)"
            ) from None
    if revoked is not None:
        app.add_middleware(CertificateGuard, revoked=revoked)
