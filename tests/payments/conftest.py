"""Fixtures of the payment component tests: the real back office over HTTP (one per session),
a lab around it (terminals, members, switches), and the kiosk's payment service on a fresh
journal and a fresh terminal per test."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from backoffice.gateway.harness import PaymentsLab
from backoffice.harness import RunningService, running_service
from kiosk.backoffice_client import BackOfficeClient
from kiosk.config import BackOfficeConfig
from kiosk.journal import Journal
from kiosk.payment_client import PaymentClient
from kiosk.payments import PaymentService, PaymentSettings

TODAY = dt.date(2026, 6, 20)


@pytest.fixture(scope="session")
def backoffice() -> Iterator[RunningService]:
    with running_service(members=200, seed=11, today=TODAY) as svc:
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


@dataclass
class Kiosk:
    terminal: str
    key: str
    bo: BackOfficeClient
    client: PaymentClient
    journal: Journal
    service: PaymentService
    journal_path: Path

    def member(self, lab: PaymentsLab) -> str:
        return lab.take_member(self.terminal, self.key)


def make_kiosk(
    lab: PaymentsLab, path: Path, printer: object | None = None, **settings: float
) -> Kiosk:
    terminal, key = lab.new_terminal()
    config = BackOfficeConfig(url=lab.url, api_key=key, connect_timeout=1.0, read_timeout=5.0)
    bo = BackOfficeClient(config, terminal, retries=1, backoff=0.0)
    client = PaymentClient(bo, attempts=3, backoff=0.05)
    journal = Journal(path)
    values = {
        "qr_poll_interval": 0.1,
        "qr_timeout": 5.0,
        "settle_wait": 5.0,
        "recheck_interval": 0.2,
        **settings,
    }
    service = PaymentService(
        client,
        journal,
        PaymentSettings(terminal_id=terminal, hall_name="测试大厅", **values),
        printer=printer,
    )
    return Kiosk(terminal, key, bo, client, journal, service, path)


@pytest.fixture
def kiosk(lab: PaymentsLab, tmp_path: Path) -> Iterator[Kiosk]:
    k = make_kiosk(lab, tmp_path / "journal.sqlite3")
    yield k
    k.service.stop()
    k.journal.close()
    k.bo.close()
