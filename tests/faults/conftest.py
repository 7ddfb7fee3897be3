"""Fault injection: the real kiosk payment service (python -m kiosk.payments.worker) as a
subprocess against the real back office, killed or starved at named points, then restarted to
recover. One back office serves the module; each scenario has its own terminal and journal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from backoffice.gateway.harness import PaymentsLab
from backoffice.harness import RunningService, running_service
from tests.helpers.faults import TODAY, Scenario


@pytest.fixture(scope="session")
def fault_backoffice() -> Iterator[RunningService]:
    with running_service(members=200, seed=21, today=TODAY) as svc:
        yield svc


@pytest.fixture(scope="session")
def lab(fault_backoffice: RunningService) -> PaymentsLab:
    return PaymentsLab(fault_backoffice)


@pytest.fixture(autouse=True)
def _clean(lab: PaymentsLab) -> Iterator[None]:
    lab.reset()
    lab.switches(in_doubt_after=0.5)
    yield
    lab.reset()


@pytest.fixture
def scenario(lab: PaymentsLab, tmp_path: Path) -> Scenario:
    terminal, key = lab.new_terminal()
    return Scenario(
        lab, tmp_path / "journal.sqlite3", terminal, key, lab.take_member(terminal, key)
    )
