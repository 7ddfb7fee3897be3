"""How one back office process runs: its database, its policy file, its clock."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    database: str  # SQLAlchemy URL or a SQLite file path
    policy_file: str | None = None  # None: backoffice/policies/default.toml
    today: dt.date | None = None  # fixed "today" (tests, demos); None: the real date
    public_url: str = "http://127.0.0.1:8750"  # base of the verification links printed on paper

    def current_date(self) -> dt.date:
        return self.today or dt.date.today()

    def now(self) -> dt.datetime:
        """Naive UTC wall time; with a fixed day, that day at the current UTC time of day."""
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
        if self.today is None:
            return now
        return dt.datetime.combine(self.today, now.time())
