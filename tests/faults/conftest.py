"""Fault injection: the real kiosk payment service (python -m kiosk.payments_worker) as a
subprocess against the real back office, killed or starved at named points, then restarted to
recover. One back office serves the module; each scenario has its own terminal and journal."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from backoffice.gateway.harness import PaymentsLab, Verdict, WorkerRun
from backoffice.harness import RunningService, running_service

TODAY = dt.date(2026, 6, 20)


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


@dataclass
class Scenario:
    lab: PaymentsLab
    journal: Path
    terminal: str
    key: str
    member: str

    def pay(
        self,
        *args: str,
        kill: str | None = None,
        delay: float | None = None,
        url: str | None = None,
    ) -> WorkerRun:
        env = {}
        if kill:
            env["KIOSK_KILL_POINT"] = kill
        if delay is not None:
            env["KIOSK_KILL_DELAY"] = str(delay)
        return self.lab.worker(
            "pay",
            self.journal,
            self.terminal,
            self.key,
            "--member",
            self.member,
            *args,
            env=env,
            url=url,
        )

    def recover(self, *args: str, url: str | None = None) -> WorkerRun:
        return self.lab.worker("recover", self.journal, self.terminal, self.key, *args, url=url)

    def verdict(self) -> Verdict:
        return self.lab.check(self.journal, self.terminal, self.key)

    def charges(self) -> int:
        return sum(t["charges"] for t in self.lab.bill(self.terminal))

    def net_charged(self) -> int:
        return sum(1 for t in self.lab.bill(self.terminal) if t["state"] == "charged")


@pytest.fixture
def scenario(lab: PaymentsLab, tmp_path: Path) -> Scenario:
    terminal, key = lab.new_terminal()
    return Scenario(
        lab, tmp_path / "journal.sqlite3", terminal, key, lab.take_member(terminal, key)
    )


def assert_exactly_once_or_none(s: Scenario) -> Verdict:
    """The issue's invariant, after restart and recovery."""
    rec = s.recover()
    assert rec.returncode == 0, (rec.events, rec.stderr[-2000:])
    recovered = rec.event("recovered")
    assert recovered is not None and recovered["unresolved"] == []
    v = s.verdict()
    assert v.ok, v.problems
    assert v.lost == 0 and v.doubled == 0 and v.unresolved == 0
    assert v.charged == v.posted <= v.intents
    return v
