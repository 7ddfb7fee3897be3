"""Fixtures of the back office tests: the real service over HTTP on 127.0.0.1, seeded, on
SQLite and (marked postgres) on a throwaway PostgreSQL; and a kiosk client for it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from backoffice.harness import RunningService, postgres_server, running_service
from kiosk.backoffice.client import BackOfficeClient
from tests.helpers.backoffice import SEEDED_MEMBERS as MEMBERS
from tests.helpers.backoffice import SEEDED_SEED as SEED
from tests.helpers.backoffice import TODAY, make_client


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


@pytest.fixture
def client(service: RunningService) -> Iterator[BackOfficeClient]:
    with make_client(service) as c:
        yield c
