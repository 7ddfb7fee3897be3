"""`python -m backoffice serve | seed | demo | import | terminal-key | openapi`.

serve   run the API (uvicorn, plain HTTP) on a database (SQLite file or PostgreSQL URL);
        --lab: the lab app (the gateway simulator and its /sim controls, backoffice.parts);
        --workers N: N processes on one port (backoffice.serving), --pool-size per process
seed    fill an empty database with synthetic members and write their card profiles
demo    seed a SQLite file if it holds no members yet, then serve (what `make demo` runs)
import  load members from "kiosk-members/1" JSON files (docs/import-format.md), all or nothing
terminal-key  give a terminal its own API key (the production service refuses demo keys)
openapi print the OpenAPI document (docs/openapi.json is this output: the production API,
        without the lab's /sim routes)

The production service is `python -m backoffice.tls` (mutual TLS; no simulator at all).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from backoffice.settings import Settings

DEFAULT_DB = "var/backoffice.sqlite3"


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _instant(text: str) -> dt.datetime:
    at = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if at.tzinfo is None:
        raise argparse.ArgumentTypeError("give the instant's offset, e.g. +08:00 or Z")
    return at


def workers_and_pool(sp: argparse.ArgumentParser) -> None:
    """--workers and --pool-size, shared with python -m backoffice.tls (docs/operations.md)."""
    from backoffice.settings import DEFAULT_POOL_SIZE

    sp.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("BACKOFFICE_WORKERS", "1")),
        help="worker processes on this host (one per core; env BACKOFFICE_WORKERS; default 1)",
    )
    sp.add_argument(
        "--pool-size",
        type=int,
        default=int(os.environ.get("BACKOFFICE_POOL_SIZE", str(DEFAULT_POOL_SIZE))),
        help="database connections each worker keeps, as many again at a peak "
        f"(env BACKOFFICE_POOL_SIZE; default {DEFAULT_POOL_SIZE})",
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m backoffice", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--db", default=DEFAULT_DB, help="SQLite file or PostgreSQL URL")
        sp.add_argument("--policy", default=None, help="city policy TOML (default: built in)")
        sp.add_argument("--today", type=_date, default=None, help="fix 'today' (YYYY-MM-DD)")
        sp.add_argument(
            "--now",
            type=_instant,
            default=None,
            help="freeze the clock at an instant (ISO 8601 with offset, e.g. 2024-04-15T17:30Z)",
        )

    def serving(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--host", default="127.0.0.1")
        sp.add_argument("--port", type=int, default=8750)
        sp.add_argument("--public-url", default=None, help="base URL printed in verify links")
        sp.add_argument("--access-log", action="store_true", help="log every request")
        workers_and_pool(sp)
        sp.add_argument(
            "--lab",
            action="store_true",
            help="the lab app: the gateway simulator as payment gateway and its /sim controls "
            "(mark QR orders paid, faults, the clock); tests and the demo only",
        )
        sp.add_argument(
            "--card-sessions",
            action="store_true",
            help="with --lab: member data only for a card or ID-card session (X-Card-Session),"
            " as in production",
        )
        sp.add_argument(
            "--acquirer-port",
            type=int,
            default=None,
            help="with --lab: also run the reference acquirer (ISO 8583 over TCP) on this port "
            "and its /sim/acquirer controls (backoffice.acquirer)",
        )

    def seeding(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--members", type=int, default=200)
        sp.add_argument("--seed", type=int, default=1)
        sp.add_argument("--cards-dir", type=Path, default=None)

    sp = sub.add_parser("serve", help="run the API")
    common(sp)
    serving(sp)
    sp = sub.add_parser("seed", help="seed synthetic members")
    common(sp)
    seeding(sp)
    sp.add_argument("--reset", action="store_true", help="drop every table first")
    sp.add_argument(
        "--export",
        type=Path,
        default=None,
        metavar="FILE.json",
        help="also write the seeded members as a kiosk-members/1 file (docs/import-format.md)",
    )
    sp = sub.add_parser("demo", help="seed when empty, then serve")
    common(sp)
    serving(sp)
    seeding(sp)
    sp = sub.add_parser("import", help="load members from kiosk-members/1 JSON files")
    common(sp)
    sp.add_argument("files", type=Path, nargs="+", metavar="FILE.json")
    sp.add_argument(
        "--demo-terminals",
        action="store_true",
        help="also add the demo terminals, keys and admin card when absent (tests, demos)",
    )
    sp = sub.add_parser("terminal-key", help="give a terminal its own API key")
    sp.add_argument("--db", default=DEFAULT_DB, help="SQLite file or PostgreSQL URL")
    sp.add_argument("terminal", help="terminal id, e.g. KIOSK-0001 (added when missing)")
    sp.add_argument("--key-file", type=Path, required=True, help="a file holding the API key")
    sub.add_parser("openapi", help="print the OpenAPI document")
    args = p.parse_args(argv)
    from backoffice.logs import FORMAT

    logging.basicConfig(level=logging.INFO, format=FORMAT)

    if args.command == "openapi":
        print(json.dumps(openapi_document(), ensure_ascii=False, indent=2))
        return 0
    from backoffice.errors import BackOfficeServerError

    try:
        if args.command == "import":
            return _import(args)
        if args.command == "terminal-key":
            return _terminal_key(args)
        if args.command in ("seed", "demo"):
            seeded = _seed(args, only_if_empty=args.command == "demo")
            if args.command == "seed":
                return 0 if seeded is not None else 1
        return _serve(args)
    except BackOfficeServerError as e:
        print(f"backoffice: {e}", file=sys.stderr)
        return 2


def _seed(args: argparse.Namespace, *, only_if_empty: bool) -> object:
    from sqlalchemy import func, select

    from backoffice.policy import load_policy
    from backoffice.seed import seed_database
    from backoffice.seed.run import SeedError
    from backoffice.storage import Database
    from backoffice.storage.acquirer import AcqAccountRow
    from backoffice.storage.members import MemberRow

    _ensure_parent(args.db)
    db = Database(args.db)
    try:
        stale = db.missing_columns()
        if stale and only_if_empty:
            # The demo owns its file: an older demo database is rebuilt, not half-used.
            print(f"backoffice: {args.db} is from an older version (no {stale[0]}): re-seeding")
            db.drop_schema()
        db.create_schema()
        if only_if_empty:
            with db.engine.connect() as c:
                members = c.execute(select(func.count()).select_from(MemberRow)).scalar_one()
                banked = c.execute(select(func.count()).select_from(AcqAccountRow)).scalar_one()
            if members and not banked:
                # Seeded before the cards had a bank application: the cards cannot pay.
                print(f"backoffice: {args.db} has no card accounts at the acquirer: re-seeding")
                db.drop_schema()
                db.create_schema()
            elif members:
                print(f"backoffice: {args.db} holds members already: not seeding")
                return True
        try:
            report = seed_database(
                db,
                load_policy(args.policy),
                members=args.members,
                seed=args.seed,
                as_of=args.today,
                cards_dir=args.cards_dir,
                reset=getattr(args, "reset", False),
            )
        except SeedError as e:
            print(f"backoffice: {e}", file=sys.stderr)
            return None
        print(report.text())
        if getattr(args, "export", None) is not None:
            from backoffice.exporter import export_file

            n = export_file(db, args.export)
            print(f"exported {n} members to {args.export}")
        return report
    finally:
        db.dispose()


def _import(args: argparse.Namespace) -> int:
    """Each file in its own transaction; the first bad file stops the run (exit 2, the
    problems on stderr), files before it stay loaded."""
    from backoffice.importer import ensure_demo_access, import_file
    from backoffice.policy import load_policy
    from backoffice.settings import Settings
    from backoffice.storage import Database

    _ensure_parent(args.db)
    policy = load_policy(args.policy)
    today = Settings(
        database=args.db, policy_file=args.policy, today=args.today, fixed_now=args.now
    ).current_date()
    _check_schema(args.db)
    db = Database(args.db)
    try:
        db.create_schema()
        if args.demo_terminals:
            ensure_demo_access(db, policy)
        for path in args.files:
            print(import_file(db, policy, path, today=today).text())
    finally:
        db.dispose()
    return 0


def _terminal_key(args: argparse.Namespace) -> int:
    from backoffice.terminal_keys import read_api_key, set_terminal_key

    _ensure_parent(args.db)
    new = set_terminal_key(args.db, args.terminal, read_api_key(args.key_file))
    print(f"{'added' if new else 'updated'} {args.terminal}: its API key is set")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from backoffice.serving import AppSpec, serve
    from backoffice.settings import Settings

    _ensure_parent(args.db)
    _check_schema(args.db)
    public = args.public_url or f"http://{args.host}:{args.port}"
    spec = AppSpec(
        Settings(
            database=args.db,
            policy_file=args.policy,
            today=args.today,
            public_url=public,
            fixed_now=args.now,
            pool_size=args.pool_size,
        ),
        variant="lab" if args.lab else "plain",
        access_log=args.access_log,
        lab_card_sessions=bool(args.lab and getattr(args, "card_sessions", False)),
    )
    if args.lab:
        logging.getLogger("backoffice").warning(
            "the LAB app: simulated payments and their /sim controls (never in production)"
        )
    if getattr(args, "acquirer_port", None) is not None:
        _start_acquirer(spec.settings, args)
    serve(spec, host=args.host, port=args.port, workers=args.workers)
    return 0


def _start_acquirer(settings: Settings, args: argparse.Namespace) -> None:
    """The lab's acquirer on its own port, on a thread of this process; with one worker the
    app is built in this process too, so its /sim/acquirer controls reach the switches."""
    from backoffice.acquirer import AcquirerHost, AcquirerServer, AcquirerSwitches
    from backoffice.acquirer import api as acquirer_api
    from backoffice.errors import BackOfficeServerError
    from backoffice.storage import Database

    if not args.lab or args.workers != 1:
        raise BackOfficeServerError("--acquirer-port needs --lab and one worker")
    host = AcquirerHost(Database(args.db), now=settings.now, today=settings.current_date)
    server = AcquirerServer(host, AcquirerSwitches(), (args.host, args.acquirer_port))
    acquirer_api.running(server.start())


def _check_schema(url: str) -> None:
    from backoffice.errors import BackOfficeServerError
    from backoffice.storage import Database

    db = Database(url)
    try:
        stale = db.missing_columns()
    finally:
        db.dispose()
    if stale:
        raise BackOfficeServerError(
            f"the database {url} is from an older version of the back office: it lacks "
            f"{', '.join(stale[:5])}{' ...' if len(stale) > 5 else ''}; migrate it, or re-seed "
            "a test database (python -m backoffice seed --reset)"
        )


def _ensure_parent(db: str) -> None:
    if "://" not in db:
        Path(db).resolve().parent.mkdir(parents=True, exist_ok=True)


def openapi_document() -> dict[str, object]:
    from backoffice.app import create_app
    from backoffice.parts import AppParts
    from backoffice.settings import Settings

    # The production API's routes (the plain app has the same; only guards differ).
    app = create_app(Settings(database="sqlite://"), parts=AppParts.plain())
    return app.openapi()


if __name__ == "__main__":
    sys.exit(main())
