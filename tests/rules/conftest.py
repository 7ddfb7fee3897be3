"""Fixtures of the worked-example tests: the real back office loaded by the importer with only
the members a test builds (tests/helpers/builders.py), and the kiosk's client for it.

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

from tests.helpers import builders


@pytest.fixture
def imported() -> Callable[..., Any]:
    """builders.imported: a context manager running the back office on the given members."""
    return builders.imported
