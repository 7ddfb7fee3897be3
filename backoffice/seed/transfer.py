"""Seeded transfer-in requests (转入申请), from a generator of the member's own (seed, index):
every other row of the member is the same with or without them.

- a member with months transferred in from another city has a finished request (done) from
  that city (its employer's), submitted the month after the last month transferred in, with
  each step a few weeks after the one before;
- about 1 in 12 working members (employees, flexible, unemployed; showcase #2 always) has an
  open request from another city, submitted 3 to 120 days ago, in a state drawn evenly:
  submitted, contacted (the other city asked), funds received.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import NamedTuple

from backoffice.rules.transfer import CITIES, city_of_employer

SEED_TERMINAL = "COUNTER"  # the seeded requests were made at the counter
OPEN_STATES = ("submitted", "contacted", "funds_received")
SHOWCASE_OPEN = 2  # showcase #2 (an employee with job changes): an open request, contacted


class TransferRequestRecord(NamedTuple):
    """A transfer-in request (table transfer_request; its id is the database's own)."""

    member_id: int
    from_city: str
    submitted_on: dt.date
    contacted_on: dt.date | None
    funds_on: dt.date | None
    done_on: dt.date | None
    terminal_id: str
    idempotency_key: str
    request_hash: str


class TransferDrawer:
    def __init__(self, seed: int, as_of: dt.date, region: str, employers: dict[int, str]):
        self.seed = seed
        self.as_of = as_of
        self.region = region
        self.employers = employers
        self.others = [c for c in CITIES if c != region]

    def draw(
        self,
        index: int,
        member_id: int,
        transferred: list[tuple[int, int | None]],
        working: bool,
    ) -> list[TransferRequestRecord]:
        """`transferred`: (period YYYYMM, payer employer id) of the months transferred in."""
        rng = random.Random(f"{self.seed}/transfer/{index}")
        out: list[TransferRequestRecord] = []
        if transferred:
            last, payer = max(transferred, key=lambda t: t[0])
            city = city_of_employer(self.employers.get(payer or 0))
            y, m = divmod(last, 100)
            submitted = dt.date(y + m // 12, m % 12 + 1, rng.randint(1, 28))
            if city is not None and city.code != self.region and submitted < self.as_of:
                steps = self._steps(rng, submitted, 3)
                out.append(self._record(member_id, city.code, submitted, steps, len(out)))
        if working and (index == SHOWCASE_OPEN or rng.random() < 1 / 12):
            state = 1 if index == SHOWCASE_OPEN else rng.randrange(len(OPEN_STATES))
            submitted = self.as_of - dt.timedelta(days=rng.randint(3 + 20 * state, 120))
            origin = rng.choice([c for c in self.others if not out or c != out[0].from_city])
            steps = self._steps(rng, submitted, state)
            out.append(self._record(member_id, origin, submitted, steps, len(out)))
        return out

    def _steps(self, rng: random.Random, submitted: dt.date, reached: int) -> list[dt.date | None]:
        """The days of the steps after submitted: `reached` of them, each 3-20 days after
        the one before, never after today."""
        days: list[dt.date | None] = []
        at = submitted
        for _ in range(reached):
            at = min(self.as_of, at + dt.timedelta(days=rng.randint(3, 20)))
            days.append(at)
        return days + [None] * (3 - reached)

    @staticmethod
    def _record(
        member_id: int, city: str, submitted: dt.date, steps: list[dt.date | None], k: int
    ) -> TransferRequestRecord:
        contacted, funds, done = steps
        return TransferRequestRecord(
            member_id,
            city,
            submitted,
            contacted,
            funds,
            done,
            SEED_TERMINAL,
            f"seed-transfer-{member_id}-{k}",
            "",
        )
