"""The real back office (lab app) with its reference acquirer on a TCP port, once per session;
each test takes its own acquirer terminal and card accounts, so tests do not meet."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from backoffice.harness import RunningService, running_service
from tests.helpers.acquirer import TODAY, AcquirerLab


@pytest.fixture(scope="session")
def acquirer_service() -> Iterator[RunningService]:
    with running_service(members=0, today=TODAY, acquirer=True) as svc:
        yield svc


@pytest.fixture(scope="session")
def acq(acquirer_service: RunningService) -> Iterator[AcquirerLab]:
    lab = AcquirerLab(acquirer_service)
    yield lab
    lab.close()
