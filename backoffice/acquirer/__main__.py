"""`python -m backoffice.acquirer --db FILE_OR_URL --port N`: the reference acquirer alone
(no HTTP API, no /sim controls: its fault switches stay off)."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import logging

from backoffice.acquirer.host import AcquirerHost
from backoffice.acquirer.server import AcquirerServer
from backoffice.acquirer.switches import AcquirerSwitches
from backoffice.settings import Settings
from backoffice.storage import Database


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m backoffice.acquirer", description=__doc__)
    ap.add_argument("--db", default="var/backoffice.sqlite3", help="SQLite file or PostgreSQL URL")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8583)
    ap.add_argument("--today", type=dt.date.fromisoformat, default=None)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = Settings(database=args.db, today=args.today)
    db = Database(args.db)
    db.create_schema()
    host = AcquirerHost(db, now=settings.now, today=settings.current_date)
    server = AcquirerServer(host, AcquirerSwitches(), (args.host, args.port))
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
