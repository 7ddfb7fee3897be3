"""A fault scenario: one terminal, one journal and one member in the payments lab, paid by the
real kiosk payment service (python -m kiosk.payments.worker) killed or starved at named points;
and the invariant every scenario ends on."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from backoffice.gateway.harness import PaymentsLab, Verdict, WorkerRun

# The fault back office's day: fixed, so the seeded arrears never drift.
TODAY = dt.date(2026, 6, 20)


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
