"""How one back office process runs: its database, its policy file, its clock.

Time rule (docs/rules.md, "Time"): every date a rule uses ("today": the 15th deadline, the
year boundary, the back-payment window) is the date in the city's zone (policy `[city]
timezone`, default Asia/Shanghai), whatever the host's TZ. Instants are stored as naive UTC
(the database's DateTime columns have no zone) and shown in the zone with its offset.
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from dataclasses import dataclass

# Connections kept open per process (and as many again at a peak): docs/operations.md sizes it
# against PostgreSQL's max_connections for N workers on M hosts.
DEFAULT_POOL_SIZE = 16


@dataclass(frozen=True)
class Settings:
    database: str  # SQLAlchemy URL or a SQLite file path
    policy_file: str | None = None  # None: backoffice/policies/default.toml
    today: dt.date | None = None  # fixed "today" in the zone (tests, demos); None: the real date
    public_url: str = "http://127.0.0.1:8750"  # base of the verification links printed on paper
    timezone: str | None = None  # IANA zone; None: the policy's [city] timezone
    fixed_now: dt.datetime | None = None  # a frozen clock (aware instant; tests): wins over today
    pool_size: int = DEFAULT_POOL_SIZE  # database connections per process (docs/operations.md)

    @functools.cached_property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The city's zone (cached_property writes the instance dict: fine on a frozen class)."""
        if self.timezone is not None:
            return zoneinfo.ZoneInfo(self.timezone)
        from backoffice.policy import load_policy

        return zoneinfo.ZoneInfo(load_policy(self.policy_file).timezone)

    def local_now(self) -> dt.datetime:
        """Now, aware, in the city's zone. With a fixed day: that day at the zone's current
        time of day (so the date never slips to the day before when the host runs UTC)."""
        if self.fixed_now is not None:
            return self.fixed_now.astimezone(self.zone)
        now = dt.datetime.now(self.zone).replace(microsecond=0)
        if self.today is None:
            return now
        # Rebuilt from the wall time so a fixed day across a DST change still reads right.
        return dt.datetime.combine(self.today, now.time(), tzinfo=self.zone)

    def current_date(self) -> dt.date:
        """'Today' for every rule: the date in the city's zone."""
        if self.fixed_now is None and self.today is not None:
            return self.today
        return self.local_now().date()

    def now(self) -> dt.datetime:
        """Naive UTC, as the database stores instants (see local() to show one)."""
        return self.local_now().astimezone(dt.UTC).replace(tzinfo=None)

    def local(self, stored: dt.datetime) -> dt.datetime:
        """A stored instant (naive = UTC) in the city's zone, aware."""
        if stored.tzinfo is None:
            stored = stored.replace(tzinfo=dt.UTC)
        return stored.astimezone(self.zone)


def shown(at: dt.datetime) -> str:
    """How a page shows an instant: local wall time with the zone's offset, to the second,
    e.g. '2024-04-16 01:30:00 +08:00'."""
    offset = at.strftime("%z")  # "+0800" (Python 3.11 has no %:z)
    return f"{at:%Y-%m-%d %H:%M:%S} {offset[:3]}:{offset[3:]}"
