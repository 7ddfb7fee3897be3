"""The kiosk's client for a running back office, and the seed's card index, for tests of any area
that talk to the real back office over HTTP."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from backoffice.harness import RunningService
from kiosk.backoffice.client import BackOfficeClient
from kiosk.config import BackOfficeConfig

# The seeded back office's day (tests/backoffice): fixed, so seeded records never drift.
TODAY = dt.date(2026, 6, 20)
# The back office tests' seeded service (tests/backoffice/conftest.py) and the schemathesis
# config's real member numbers (tests/backoffice/schemathesis.toml) come from this seed.
SEEDED_MEMBERS = 40
SEEDED_SEED = 7


def make_client(svc: RunningService, *, retries: int = 3, backoff: float = 0.0) -> BackOfficeClient:
    config = BackOfficeConfig(
        url=svc.url, api_key=svc.api_key, connect_timeout=2.0, read_timeout=10.0
    )
    return BackOfficeClient(config, svc.terminal_id, retries=retries, backoff=backoff)


def client_for(svc: RunningService, *, retries: int = 3, backoff: float = 0.0) -> BackOfficeClient:
    """The kiosk's BackOfficeClient for the running service (a context manager)."""
    return make_client(svc, retries=retries, backoff=backoff)


def members_index(svc: RunningService) -> list[dict[str, Any]]:
    """members.json the seed wrote beside the card profiles (running_service(cards_dir=...))."""
    assert svc.cards_dir is not None
    data = json.loads((Path(svc.cards_dir) / "members.json").read_text(encoding="utf-8"))
    return data["members"]


def showcase(svc: RunningService, index: int) -> dict[str, Any]:
    return members_index(svc)[index]


def fresh_pg_database(postgres_url: str, name: str) -> str:
    """A database of its own on the tests' PostgreSQL server (dropped and created anew): a test
    that seeds must not re-seed the shared one under the session's postgres_service."""
    import psycopg

    plain = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {name}")
        c.execute(f"CREATE DATABASE {name}")
    return postgres_url.rsplit("/", 1)[0] + f"/{name}"
