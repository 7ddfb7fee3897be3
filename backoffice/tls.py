"""Serve the back office over mutual TLS, with signed requests, revocation and the fleet page.

    python -m backoffice.tls --db var/backoffice.sqlite3 --port 8751 \\
        --cert var/pki/server.pem --key var/pki/server.key --ca var/pki/ca.pem \\
        --revoked var/pki/revoked.txt --signing-keys var/pki/signing-keys.json

TLS 1.2 or newer; the handshake requires a client certificate signed by --ca (uvicorn's
ssl_cert_reqs=CERT_REQUIRED and ssl_ca_certs). uvicorn does not hand the peer certificate to
the application, so `PeerCertProtocol` (uvicorn's h11 protocol, one line more) reads it when the
connection is made and puts it into the ASGI scope's "state" of every request on that
connection, where backoffice.security checks it against the revocation list per request.

Without --cert the service runs plain HTTP (like `python -m backoffice serve`), optionally still
requiring signed requests (--signing-keys).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import logging
import ssl
import sys
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID
from uvicorn.protocols.http.h11_impl import H11Protocol

from backoffice.security import (
    PEER_CERT_STATE,
    PeerCertificate,
    SecurityConfigError,
    SecurityOptions,
    install_security,
)

log = logging.getLogger("backoffice.tls")


def peer_certificate(der: bytes) -> PeerCertificate:
    cert = x509.load_der_x509_certificate(der)
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    cn = str(names[0].value) if names else ""
    return PeerCertificate(f"{cert.serial_number:x}", cn, hashlib.sha256(der).hexdigest())


class PeerCertProtocol(H11Protocol):
    """uvicorn's h11 protocol that also passes the TLS client certificate to the app."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        ssl_object = transport.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
        if der:
            # A copy per connection: the shared app state stays as it is.
            self.app_state = {**self.app_state, PEER_CERT_STATE: peer_certificate(der)}


def _ssl_context_factory(config: Any, default: Any) -> ssl.SSLContext:
    ctx: ssl.SSLContext = default()
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def build_app(
    settings: Any,
    options: SecurityOptions | None,
    *,
    tls: bool,
    require_card_session: bool = False,
    card_keys: str | None = None,
) -> Any:
    """The API app with the fleet page, the card-session endpoints and, when asked, the
    guards: card sessions on member data, client certificates, signatures (outermost)."""
    from backoffice.app import create_app
    from backoffice.card_sessions import install_card_sessions
    from backoffice.fleet import router as fleet_router
    from cardio.crypto import load_keys

    app = create_app(settings)
    if not any(getattr(r, "path", None) == "/fleet" for r in app.routes):
        app.include_router(fleet_router)
    install_card_sessions(app, require=require_card_session, keys=load_keys(card_keys))
    if options is not None:
        install_security(app, options, tls=tls)
    return app


def main(argv: list[str] | None = None) -> int:
    import uvicorn

    from backoffice.__main__ import _date, _ensure_parent
    from backoffice.settings import Settings

    p = argparse.ArgumentParser(
        prog="python -m backoffice.tls", description=__doc__.splitlines()[0]
    )
    p.add_argument("--db", default="var/backoffice.sqlite3", help="SQLite file or PostgreSQL URL")
    p.add_argument("--policy", default=None)
    p.add_argument("--today", type=_date, default=None, help="fix 'today' (YYYY-MM-DD)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8751)
    p.add_argument("--public-url", default=None)
    p.add_argument("--cert", type=Path, help="server certificate (PEM); none: plain HTTP")
    p.add_argument("--key", type=Path, help="server key (PEM)")
    p.add_argument("--ca", type=Path, help="CA that signs the kiosks' client certificates")
    p.add_argument("--revoked", type=Path, help="revoked serials, one hex per line")
    p.add_argument("--signing-keys", type=Path, help="JSON {terminal id: hex key}")
    p.add_argument("--max-skew", type=int, default=300, help="seconds (signed timestamps)")
    p.add_argument("--access-log", action="store_true", help="log every request")
    p.add_argument(
        "--require-card-session",
        action="store_true",
        help="member data only with a card session (card proof + PIN), docs/security.md",
    )
    p.add_argument("--card-keys", default=None, help="issuer master keys TOML (default: test)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    from kiosk.logging_setup import RedactingFilter

    for handler in logging.getLogger().handlers:
        # A bug's traceback may quote a request body: no ID number or PIN in the service's log.
        handler.addFilter(RedactingFilter())
    tls = args.cert is not None
    if tls and (args.key is None or args.ca is None):
        p.error("--cert needs --key and --ca")
    _ensure_parent(args.db)
    scheme = "https" if tls else "http"
    settings = Settings(
        database=args.db,
        policy_file=args.policy,
        today=args.today,
        public_url=args.public_url or f"{scheme}://{args.host}:{args.port}",
    )
    options = SecurityOptions(args.revoked, args.signing_keys, args.max_skew)
    try:
        app = build_app(
            settings,
            options,
            tls=tls,
            require_card_session=args.require_card_session,
            card_keys=args.card_keys,
        )
    except SecurityConfigError as e:
        print(f"backoffice.tls: {e}", file=sys.stderr)
        return 2
    if not args.access_log:
        logging.getLogger("backoffice.access").setLevel(logging.WARNING)
    extra: dict[str, Any] = {}
    if tls:
        extra = {
            "ssl_certfile": str(args.cert),
            "ssl_keyfile": str(args.key),
            "ssl_ca_certs": str(args.ca),
            "ssl_cert_reqs": ssl.CERT_REQUIRED,
            "ssl_context_factory": _ssl_context_factory,
            "http": PeerCertProtocol,
        }
    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        access_log=False,
        log_level="warning",
        # Kiosks keep connections open; do not wait for them long on a stop.
        timeout_graceful_shutdown=3,
        **extra,
    )
    uvicorn.Server(config).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
