"""Fixtures of the payment component tests: the real back office over HTTP (one per session),
a lab around it (terminals, members, switches), and the kiosk's payment service on a fresh
journal and a fresh terminal per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from backoffice.gateway.harness import PaymentsLab
from backoffice.harness import RunningService, running_service
from tests.helpers.payments import TODAY, Kiosk, make_kiosk


@pytest.fixture(scope="session")
def backoffice() -> Iterator[RunningService]:
    # 300: a quarter of the flexible workers are seeded stopped (no months to pay, issue 17)
    with running_service(members=300, seed=11, today=TODAY) as svc:
        yield svc


@pytest.fixture(scope="session")
def lab(backoffice: RunningService) -> PaymentsLab:
    return PaymentsLab(backoffice)


@pytest.fixture(autouse=True)
def _clean_switches(lab: PaymentsLab) -> Iterator[None]:
    lab.reset()
    lab.switches(in_doubt_after=1.0)
    yield
    lab.reset()


@pytest.fixture
def kiosk(lab: PaymentsLab, tmp_path: Path) -> Iterator[Kiosk]:
    k = make_kiosk(lab, tmp_path / "journal.sqlite3")
    yield k
    k.service.stop()
    k.journal.close()
    k.bo.close()
