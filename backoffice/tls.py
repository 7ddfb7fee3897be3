"""The production back office: mutual TLS, signed requests, revocation, roles, card sessions.

    python -m backoffice.tls --db var/backoffice.sqlite3 --port 8751 \\
        --cert var/pki/server.pem --key var/pki/server.key --ca var/pki/ca.pem \\
        --revoked var/pki/revoked.txt --signing-keys var/pki/signing-keys.json \\
        --card-keys /etc/shebao-backoffice/card-keys.toml

TLS 1.2 or newer; the handshake requires a client certificate signed by --ca (uvicorn's
ssl_cert_reqs=CERT_REQUIRED and ssl_ca_certs). uvicorn does not hand the peer certificate to
the application, so `PeerCertProtocol` (uvicorn's h11 protocol, one line more) reads it when the
connection is made and puts it into the ASGI scope's "state" of every request on that
connection, where backoffice.security checks it against the revocation list and its role per
request.

`--workers N` runs N processes on the port (backoffice.serving: each builds the same app; replay
nonces and card sessions are shared through the database). The app is `AppParts.production`
(backoffice.parts): no gateway simulator controls exist here
(there is no option to mount them); card sessions are required unless --no-card-session (logged
as a warning). The service refuses to start (exit 2, one line per problem) with the public test
card keys, with a terminal still holding a demo API key, or without its revocation list.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import logging
import ssl
import sys
from pathlib import Path
from typing import Any, cast

from cryptography import x509
from cryptography.x509.oid import NameOID
from uvicorn.protocols.http.h11_impl import H11Protocol

from backoffice.logs import service_logging
from backoffice.security import (
    PEER_CERT_STATE,
    PeerCertificate,
    SecurityConfigError,
    SecurityOptions,
)

log = logging.getLogger("backoffice.tls")


def peer_certificate(der: bytes) -> PeerCertificate:
    cert = x509.load_der_x509_certificate(der)
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    cn = str(names[0].value) if names else ""
    units = cert.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)
    # Exactly one OU names the role; none or several: no role (refused by the guard).
    role = str(units[0].value) if len(units) == 1 else ""
    return PeerCertificate(f"{cert.serial_number:x}", cn, hashlib.sha256(der).hexdigest(), role)


class PeerCertProtocol(H11Protocol):
    """uvicorn's h11 protocol that also passes the TLS client certificate to the app."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # A stream server's transport (asyncio's or uvloop's): what H11Protocol takes.
        transport = cast(asyncio.Transport, transport)
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


def production_app(
    settings: Any,
    options: SecurityOptions,
    *,
    card_keys: Any,
    require_card_session: bool = True,
    simulated_payments: bool = False,
) -> Any:
    """The app exactly as `python -m backoffice.tls` serves it (tests list its routes)."""
    from backoffice.app import create_app
    from backoffice.parts import AppParts

    parts = AppParts.production(
        options,
        card_keys=card_keys,
        require_card_session=require_card_session,
        simulated_payments=simulated_payments,
    )
    return create_app(settings, parts=parts)


def start_problems(database: str, card_keys: Any) -> list[str]:
    """What must be replaced before this service may run: one line each, naming it."""
    from sqlalchemy import select

    from backoffice.seed.run import DEMO_TERMINALS
    from backoffice.storage import Database
    from backoffice.storage.terminals import TerminalRow
    from common.card_crypto import TEST_KEYS

    problems = []
    if card_keys == TEST_KEYS or TEST_KEYS.internal in (card_keys.internal, card_keys.read):
        problems.append(
            "--card-keys: these are the public test card keys (common.card_crypto.TEST_KEYS); "
            "give the issuer's master keys"
        )
    demo = {hashlib.sha256(k.encode()).hexdigest(): k for k in DEMO_TERMINALS.values()}
    db = Database(database)
    try:
        db.create_schema()  # a new database: no terminals yet, nothing to refuse
        with db.session() as s:
            rows = s.execute(select(TerminalRow.terminal_id, TerminalRow.key_sha256)).all()
    finally:
        db.dispose()
    for terminal, digest in sorted(rows):
        if digest in demo:
            problems.append(
                f"terminal {terminal} holds the demo API key {demo[digest]!r}: set its own "
                f"(python -m backoffice terminal-key --db ... {terminal} --key-file FILE)"
            )
    return problems


def main(argv: list[str] | None = None) -> int:
    from backoffice.__main__ import _date, _ensure_parent, workers_and_pool
    from backoffice.serving import AppSpec, ProductionOptions, serve
    from backoffice.settings import Settings
    from common.card_crypto import load_keys

    p = argparse.ArgumentParser(
        prog="python -m backoffice.tls", description=__doc__.splitlines()[0]
    )
    p.add_argument("--db", default="var/backoffice.sqlite3", help="SQLite file or PostgreSQL URL")
    p.add_argument("--policy", default=None)
    p.add_argument("--today", type=_date, default=None, help="fix 'today' (YYYY-MM-DD)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8751)
    p.add_argument("--public-url", default=None)
    p.add_argument("--cert", type=Path, required=True, help="server certificate (PEM)")
    p.add_argument("--key", type=Path, required=True, help="server key (PEM)")
    p.add_argument(
        "--ca", type=Path, required=True, help="CA that signs kiosks' and managers' certificates"
    )
    p.add_argument(
        "--revoked", type=Path, required=True, help="revoked serials, one hex per line (must exist)"
    )
    p.add_argument("--signing-keys", type=Path, help="JSON {terminal id: hex key}")
    p.add_argument("--max-skew", type=int, default=300, help="seconds (signed timestamps)")
    p.add_argument("--access-log", action="store_true", help="log every request")
    workers_and_pool(p)
    p.add_argument(
        "--no-card-session",
        action="store_true",
        help="DANGEROUS: any kiosk credential reads any member (docs/security.md); logged",
    )
    p.add_argument(
        "--card-keys",
        required=True,
        help="the issuer's card master keys (TOML, common.card_crypto)",
    )
    p.add_argument(
        "--simulated-payments",
        action="store_true",
        help="card payments go to the simulated bank (no money moves; acceptance runs only; "
        "logged); without it card and QR payments are refused: no gateway is connected",
    )
    args = p.parse_args(argv)
    # Every logger redacted, uvicorn's included (its own handlers were not): backoffice.logs.
    service_logging(access_log=args.access_log)
    _ensure_parent(args.db)
    try:
        card_keys = load_keys(args.card_keys)
    except (OSError, ValueError) as e:
        print(f"backoffice.tls: --card-keys: {e}", file=sys.stderr)
        return 2
    problems = start_problems(args.db, card_keys)
    if problems:
        for line in problems:
            print(f"backoffice.tls: refusing to start: {line}", file=sys.stderr)
        return 2
    if args.no_card_session:
        log.warning(
            "card sessions are OFF (--no-card-session): any kiosk credential reads any member"
        )
    if args.simulated_payments:
        log.warning("payments are SIMULATED (--simulated-payments): no money moves")
    settings = Settings(
        database=args.db,
        policy_file=args.policy,
        today=args.today,
        public_url=args.public_url or f"https://{args.host}:{args.port}",
        pool_size=args.pool_size,
    )
    spec = AppSpec(
        settings,
        variant="production",
        access_log=args.access_log,
        production=ProductionOptions(
            card_keys=str(args.card_keys),
            revoked=str(args.revoked),
            signing_keys=str(args.signing_keys) if args.signing_keys else None,
            max_skew=args.max_skew,
            require_card_session=not args.no_card_session,
            simulated_payments=args.simulated_payments,
        ),
    )
    try:
        checked = spec.build()  # here once, so a configuration it refuses stops the start (exit 2)
    except SecurityConfigError as e:
        print(f"backoffice.tls: refusing to start: {e}", file=sys.stderr)
        return 2
    # Its connections are not the workers': closed, so they count against no pool.
    checked.state.context.db.dispose()
    if getattr(checked.state, "shared_state", None) is not None:
        checked.state.shared_state.dispose()
    # Each worker builds the same app from `spec` (backoffice.serving), then these options of
    # uvicorn's add TLS and hand the client certificate to it.
    serve(
        spec,
        host=args.host,
        port=args.port,
        workers=args.workers,
        uvicorn_options={
            "ssl_certfile": str(args.cert),
            "ssl_keyfile": str(args.key),
            "ssl_ca_certs": str(args.ca),
            "ssl_cert_reqs": ssl.CERT_REQUIRED,
            "ssl_context_factory": _ssl_context_factory,
            "http": PeerCertProtocol,
            # Kiosks keep connections open; do not wait for them long on a stop.
            "timeout_graceful_shutdown": 3,
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
