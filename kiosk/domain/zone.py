"""The hall's time zone: every time the kiosk shows or prints, and every "today", is in it.

Instants travel and are stored as UTC (a naive datetime from the back office or the journal
means UTC); they are turned into the zone only to be shown or printed, whatever the host's TZ.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

DEFAULT_ZONE_NAME = "Asia/Shanghai"
DEFAULT_ZONE = zoneinfo.ZoneInfo(DEFAULT_ZONE_NAME)


def zone_named(name: str) -> zoneinfo.ZoneInfo:
    """The IANA zone `name`; ValueError when zoneinfo does not know it (the system's tz
    database, or the tzdata package where the system has none)."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}") from None


def in_zone(at: dt.datetime, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """An instant (naive = UTC) as an aware time in `zone`."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone(zone)


def now_in(zone: zoneinfo.ZoneInfo) -> dt.datetime:
    return dt.datetime.now(zone).replace(microsecond=0)


def today_in(zone: zoneinfo.ZoneInfo) -> dt.date:
    return dt.datetime.now(zone).date()
