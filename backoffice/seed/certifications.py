"""Seeded certification histories (养老金领取资格认证) for the retirees the seeder draws.

Each retiree's rows come from a generator of its own, keyed by the seed and the member number,
so the other rows of the member (and every other member) are the same as without them. Which
state a retiree is in on the seeding day is classified by the rule itself
(backoffice/rules/certification.py, the policy's [certification]): the last certification is
drawn among the days that the rule puts in the wanted state, never from a second copy of it.

- a retiree who retired within the last cycle has no rows: never certified (or due, inside the
  reminder window before the first anniversary of retirement);
- the others certified once a cycle since 2019 (the 2018 reform: certification at any time) or
  since retirement, and are now certified, due soon (inside the reminder window, before the
  due date) or overdue with the pension suspended (the grace ended in the seeding month where
  possible, so the suspension starts after the seeded pension payments, which run to it).

The shares (certified 70%, due 15%, overdue 15%) are more than a city sees, so that a small
seed shows each state."""

from __future__ import annotations

import bisect
import datetime as dt
import random
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass

from backoffice.rules.certification import (
    CertificationRules,
    CertificationStatus,
    add_months,
    certification_state,
)
from backoffice.seed.rows import CertificationRecord
from kiosk.domain import Period

HISTORY_FROM = dt.date(2019, 1, 1)
WANTED = (
    (CertificationStatus.CERTIFIED, 70),
    (CertificationStatus.DUE, 15),
    (CertificationStatus.OVERDUE, 15),
)
# How a retiree certified: the 掌上 app, a hall's kiosk (the demo terminals), the counter.
_WAYS = (
    ("face/app", "app", 50),
    ("face/kiosk", "KIOSK-0001", 15),
    ("face/kiosk", "KIOSK-0002", 15),
)
_COUNTER = ("counter", "counter", 20)
UTC = dt.UTC


@dataclass(frozen=True)
class _Days:
    """For each wanted state, the days before the seeding day on which a last certification
    leaves the retiree in that state on the seeding day (closest first)."""

    by_status: dict[CertificationStatus, tuple[int, ...]]


class CertificationDrawer:
    """Draws the rows for one seed, policy and seeding day."""

    def __init__(self, seed: int, as_of: dt.date, rules: CertificationRules, timezone: str):
        self.seed = seed
        self.as_of = as_of
        self.rules = rules
        self.zone = zoneinfo.ZoneInfo(timezone)
        self._days = self._classify()

    def _classify(self) -> _Days:
        """Every day back to a little past the longest cycle (two calendar years under
        cycle_from = calendar_year) classified by the rule on the seeding day."""
        r = self.rules
        span = max(r.cycle_months * 31, 2 * 366) + r.grace_days + r.reminder_days + 400
        found: dict[CertificationStatus, list[int]] = {s: [] for s, _ in WANTED}
        overdue: list[tuple[Period, int]] = []
        for back in range(1, span):  # not the seeding day itself: the seed's records end there
            state = certification_state(
                self.as_of,
                r,
                last_certified=self.as_of - dt.timedelta(days=back),
                retired_on=dt.date.min,
            )
            if state.status is CertificationStatus.DUE and self.as_of >= state.due_by:
                continue  # in the grace after the due date: not "due soon"
            if state.status is CertificationStatus.OVERDUE:
                assert state.suspended_from is not None
                overdue.append((state.suspended_from, back))
            elif state.status in found:
                found[state.status].append(back)
        if overdue:
            # The latest suspension the rule allows: it starts after the seeded payments.
            latest = max(p for p, _ in overdue)
            found[CertificationStatus.OVERDUE] = [b for p, b in overdue if p == latest]
        return _Days({s: tuple(days) for s, days in found.items()})

    def state_of(self, rows: list[CertificationRecord], retired_on: dt.date) -> CertificationStatus:
        """The rule's status on the seeding day for these rows (for notes and tests)."""
        last = max((r.day for r in rows if r.result == "success"), default=None)
        return certification_state(
            self.as_of, self.rules, last_certified=last, retired_on=retired_on
        ).status

    def draw(
        self,
        member_id: int,
        member_no: str,
        retired_on: dt.date,
        *,
        wanted: CertificationStatus | None = None,
    ) -> list[CertificationRecord]:
        """The retiree's attempts, oldest first. `wanted`: this state if the retirement date
        allows it (a showcase), else drawn."""
        rng = random.Random(f"{self.seed}/certification/{member_no}")
        cycle_ago = add_months(self.as_of, -self.rules.cycle_months)
        if retired_on > cycle_ago:
            return []  # a new retiree: the first certification is not due yet
        drawn = rng.choices([s for s, _ in WANTED], [w for _, w in WANTED])[0]
        days = self._after(wanted or drawn, retired_on)
        if not days:
            days = self._after(CertificationStatus.CERTIFIED, retired_on)
        if not days:
            return []
        last = self.as_of - dt.timedelta(days=rng.choice(days))
        successes = [last]
        floor = max(HISTORY_FROM, retired_on)
        while True:
            # The one before: a cycle earlier, some days later (certified before it was due).
            before = add_months(successes[-1], -self.rules.cycle_months)
            before += dt.timedelta(days=rng.randint(0, 40))
            if before < floor:
                break
            successes.append(before)
        rows: list[CertificationRecord] = []
        for n, day in enumerate(reversed(successes)):
            rows += self._attempts(rng, member_id, member_no, n, day)
        return rows

    def _after(self, status: CertificationStatus, retired_on: dt.date) -> Sequence[int]:
        """The state's days that are not before the retirement (each list is ascending)."""
        days = self._days.by_status[status]
        return days[: bisect.bisect_right(days, (self.as_of - retired_on).days)]

    def _attempts(
        self, rng: random.Random, member_id: int, member_no: str, n: int, day: dt.date
    ) -> list[CertificationRecord]:
        """A success on `day`, after a failed face check in one case in ten."""
        ways = [*_WAYS, _COUNTER]
        method, terminal, _ = rng.choices(ways, [w for *_, w in ways])[0]
        local = dt.datetime.combine(day, dt.time(rng.randint(8, 16), rng.randint(0, 59)), self.zone)
        at = local.astimezone(UTC).replace(tzinfo=None)
        out: list[CertificationRecord] = []
        face = method != "counter"
        if face and rng.random() < 0.1:
            out.append(
                CertificationRecord(
                    member_id,
                    at - dt.timedelta(minutes=rng.randint(2, 9)),
                    day,
                    method,
                    "failure",
                    terminal,
                    rng.randint(300, 550),
                    None,
                    None,
                    f"seed:{member_no}:{n}:1",
                    "",
                    1,
                )
            )
        out.append(
            CertificationRecord(
                member_id,
                at,
                day,
                method,
                "success",
                terminal,
                rng.randint(800, 990) if face else None,
                None,
                None,
                f"seed:{member_no}:{n}",
                "",
                0,
            )
        )
        return out
