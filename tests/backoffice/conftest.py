"""Fixtures of the back office tests: the real service over HTTP on 127.0.0.1, seeded, on
SQLite and (marked postgres) on a throwaway PostgreSQL; and a kiosk client for it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from backoffice.harness import RunningService, postgres_server, running_service
from kiosk.backoffice_client import BackOfficeClient
from kiosk.config import BackOfficeConfig

TODAY = dt.date(2026, 6, 20)
MEMBERS = 40
SEED = 7


@pytest.fixture(scope="session")
def sqlite_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    cards = tmp_path_factory.mktemp("cards-sqlite")
    with running_service(
        members=MEMBERS, seed=SEED, today=TODAY, cards_dir=cards, access_log=True
    ) as svc:
        yield svc


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture(scope="session")
def postgres_service(
    postgres_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningService]:
    cards = tmp_path_factory.mktemp("cards-pg")
    with running_service(
        members=MEMBERS,
        seed=SEED,
        today=TODAY,
        cards_dir=cards,
        database=postgres_url,
        access_log=True,
    ) as svc:
        yield svc


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def service(request: pytest.FixtureRequest) -> RunningService:
    return request.getfixturevalue(f"{request.param}_service")


def make_client(svc: RunningService, **kwargs: object) -> BackOfficeClient:
    config = BackOfficeConfig(
        url=svc.url, api_key=svc.api_key, connect_timeout=2.0, read_timeout=10.0
    )
    kwargs.setdefault("backoff", 0.0)
    return BackOfficeClient(config, svc.terminal_id, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def client(service: RunningService) -> Iterator[BackOfficeClient]:
    with make_client(service) as c:
        yield c


def members_index(svc: RunningService) -> list[dict[str, object]]:
    assert svc.cards_dir is not None
    data = json.loads((Path(svc.cards_dir) / "members.json").read_text(encoding="utf-8"))
    return data["members"]


def showcase(svc: RunningService, index: int) -> dict[str, object]:
    return members_index(svc)[index]
