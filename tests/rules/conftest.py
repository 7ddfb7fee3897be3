"""Fixtures of the worked-example tests: the real back office loaded by the importer with only
the members a test builds (tests/rules/builders.py), and the kiosk's client for it.

    def test_x(imported):
        with imported([member(...)], today=dt.date(2024, 4, 20)) as svc, client_for(svc) as c:
            c.dues("11010000000001")

A module that asks many questions of the same members may start the service once:

    @pytest.fixture(scope="module")
    def svc():
        with builders.imported([...], today=TODAY) as s:
            yield s
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from backoffice.harness import RunningService
from kiosk.backoffice_client import BackOfficeClient
from tests.backoffice.conftest import make_client
from tests.rules import builders


def client_for(svc: RunningService, **kwargs: Any) -> BackOfficeClient:
    """The kiosk's BackOfficeClient for the running service (a context manager)."""
    return make_client(svc, **kwargs)


@pytest.fixture
def imported() -> Callable[..., Any]:
    """builders.imported: a context manager running the back office on the given members."""
    return builders.imported
