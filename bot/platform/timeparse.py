"""Dates and times as admins type them, in the deployment's time zone.

Accepted: `25-11-2026 07.30`, `25/11/2026 7:30`, `2026-11-25 07:30`, `25-11 07.30` (this
year), `07.30` (today, or tomorrow if already past), `besok 07.30` / `tomorrow 7:30`.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_TIME = r"(?P<h>\d{1,2})[.:](?P<m>\d{2})"
_PATTERNS = [
    re.compile(rf"^(?P<d>\d{{1,2}})[-/](?P<mo>\d{{1,2}})[-/](?P<y>\d{{4}})\s+{_TIME}$"),
    re.compile(rf"^(?P<y>\d{{4}})-(?P<mo>\d{{1,2}})-(?P<d>\d{{1,2}})\s+{_TIME}$"),
    re.compile(rf"^(?P<d>\d{{1,2}})[-/](?P<mo>\d{{1,2}})\s+{_TIME}$"),
    re.compile(rf"^(?P<tomorrow>besok|tomorrow)\s+{_TIME}$"),
    re.compile(rf"^{_TIME}$"),
]


def parse_when(text: str, now: float, timezone: str) -> float | None:
    """The moment `text` names, as epoch seconds; None when it is not a date and time."""
    zone = ZoneInfo(timezone)
    today = datetime.fromtimestamp(now, zone).date()
    cleaned = " ".join(text.strip().lower().split())
    for pattern in _PATTERNS:
        match = pattern.match(cleaned)
        if match is None:
            continue
        parts = match.groupdict()
        try:
            clock = time(int(parts["h"]), int(parts["m"]))
            if parts.get("d"):
                year = int(parts["y"]) if parts.get("y") else today.year
                day = date(year, int(parts["mo"]), int(parts["d"]))
            elif parts.get("tomorrow"):
                day = today + timedelta(days=1)
            else:
                day = today
        except ValueError:
            return None
        moment = datetime.combine(day, clock, zone).timestamp()
        if not parts.get("d") and not parts.get("tomorrow") and moment <= now:
            moment = datetime.combine(today + timedelta(days=1), clock, zone).timestamp()
        return moment
    return None
