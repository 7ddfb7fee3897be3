"""One way to serve the back office, for one process or N uvicorn workers.

uvicorn runs N workers by spawning N processes that each import the app by name; an app object
built in the parent cannot cross. So the parent writes what the app is made of (an `AppSpec`:
the Settings and which AppParts variant, with the production options) as JSON into the
environment variable BACKOFFICE_APP, and every worker rebuilds the same app with the factory
`backoffice.serving:app_from_env`. `python -m backoffice serve` and `python -m backoffice.tls`
both go through `serve()`, with one worker too (then uvicorn calls the factory in-process): one
path.

What workers share is in the database (backoffice.storage.shared_state: replay nonces, card
challenges and card sessions). What stays per process: the terminal key cache (30 s) and, in the
lab app, the simulator's /sim fault switches (a switch set through one worker is not seen by
another: run the lab with one worker when a test drives /sim).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from backoffice.errors import BackOfficeServerError
from backoffice.parts import AppParts
from backoffice.security import SecurityOptions
from backoffice.settings import Settings

ENV = "BACKOFFICE_APP"
FACTORY = "backoffice.serving:app_from_env"
VARIANTS = ("lab", "plain", "production")

log = logging.getLogger("backoffice.serving")


class ServeSpecError(BackOfficeServerError):
    """BACKOFFICE_APP is missing or not an app description."""


@dataclass(frozen=True)
class ProductionOptions:
    """What `python -m backoffice.tls` adds: paths, not the keys (the environment is no place
    for secrets; each worker reads the files)."""

    card_keys: str
    revoked: str | None = None
    signing_keys: str | None = None
    max_skew: int = 300
    require_card_session: bool = True
    simulated_payments: bool = False
    tls: bool = True


@dataclass(frozen=True)
class AppSpec:
    settings: Settings
    variant: str = "plain"  # one of VARIANTS
    access_log: bool = False
    production: ProductionOptions | None = None
    lab_card_sessions: bool = False  # the lab app with card sessions required

    def __post_init__(self) -> None:
        if self.variant not in VARIANTS:
            raise ServeSpecError(f"unknown app variant {self.variant!r}")
        if (self.variant == "production") != (self.production is not None):
            raise ServeSpecError("production options go with the production variant only")

    def parts(self) -> AppParts:
        if self.variant == "lab":
            return AppParts.lab(require_card_session=self.lab_card_sessions)
        if self.variant == "plain":
            return AppParts.plain()
        from common.card_crypto import load_keys

        p = self.production
        assert p is not None  # __post_init__
        options = SecurityOptions(
            Path(p.revoked) if p.revoked else None,
            Path(p.signing_keys) if p.signing_keys else None,
            p.max_skew,
        )
        return AppParts.production(
            options,
            card_keys=load_keys(p.card_keys),
            require_card_session=p.require_card_session,
            simulated_payments=p.simulated_payments,
            tls=p.tls,
        )

    def build(self) -> Any:
        from backoffice.app import create_app
        from backoffice.storage import Database

        db = Database(self.settings.database, pool_size=self.settings.pool_size)
        return create_app(self.settings, parts=self.parts(), db=db)

    def to_json(self) -> str:
        data = asdict(self)
        s = data["settings"]
        for name in ("today", "fixed_now"):
            if s[name] is not None:
                s[name] = s[name].isoformat()
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> AppSpec:
        try:
            data = json.loads(text)
            s = dict(data["settings"])
            if s.get("today") is not None:
                s["today"] = dt.date.fromisoformat(s["today"])
            if s.get("fixed_now") is not None:
                s["fixed_now"] = dt.datetime.fromisoformat(s["fixed_now"])
            prod = data.get("production")
            return cls(
                settings=Settings(**s),
                variant=data["variant"],
                access_log=bool(data.get("access_log", False)),
                production=ProductionOptions(**prod) if prod is not None else None,
                lab_card_sessions=bool(data.get("lab_card_sessions", False)),
            )
        except (ValueError, KeyError, TypeError) as e:
            raise ServeSpecError(f"{ENV} is not an app description: {e}") from None


def app_from_env() -> Any:
    """uvicorn's factory (factory=True): the app described by BACKOFFICE_APP, in this process.
    Runs once per worker, so the per-process setup is here too."""
    from backoffice.logs import service_logging

    text = os.environ.get(ENV)
    if not text:
        raise ServeSpecError(f"{ENV} is not set: start the service with python -m backoffice")
    spec = AppSpec.from_json(text)
    from backoffice.api.threads import database_threads

    database_threads()  # a wrong BACKOFFICE_DATABASE_THREADS stops the start, not a request
    # A spawned worker starts with no logging: every logger redacted here as in the parent.
    service_logging(access_log=spec.access_log)
    # The event loop and the endpoint's worker thread hand the GIL to each other several times
    # per request; at the default 5 ms switch interval each handoff can wait that long.
    sys.setswitchinterval(0.0005)
    return spec.build()


def _prepare_database(settings: Settings) -> None:
    """The schema made once here, before the workers start (N workers creating the same tables
    at once race on PostgreSQL's catalog)."""
    from backoffice.storage import Database
    from backoffice.storage.shared_state import create_tables

    db = Database(settings.database, pool_size=1)
    try:
        db.create_schema()
        create_tables(db)
    finally:
        db.dispose()


def serve(
    spec: AppSpec,
    *,
    host: str,
    port: int,
    workers: int = 1,
    uvicorn_options: dict[str, Any] | None = None,
) -> None:
    """Run the app with uvicorn: `workers` processes sharing one listening socket."""
    import uvicorn

    from backoffice.logs import service_logging

    if workers < 1:
        raise ServeSpecError("--workers must be at least 1")
    if spec.variant == "lab" and workers > 1:
        log.warning(
            "the lab app with %d workers: the /sim switches (faults, clock) are per worker; "
            "set them with one worker",
            workers,
        )
    _prepare_database(spec.settings)
    os.environ[ENV] = spec.to_json()
    # Every logger redacted, uvicorn's included (its own handlers were not): backoffice.logs.
    uvicorn_logging = service_logging(access_log=spec.access_log)
    # httptools + uvloop (pinned in pyproject.toml), named rather than left to uvicorn's "auto",
    # which would fall back to the pure-Python h11 and asyncio without a word. They save CPU
    # on every request (summary: ~0.6 of 6 ms); the history's time is in the endpoint.
    options: dict[str, Any] = {"http": "httptools", "loop": "uvloop", **uvicorn_logging}
    options.update(uvicorn_options or {})
    uvicorn.run(FACTORY, factory=True, host=host, port=port, workers=workers, **options)
