"""Dates and times as admins type them, in the deployment's time zone.

The time of day is read here, since dateparser drops it from Indonesian phrases such as
`besok 07.30` or `besok jam 7 pagi`: `07.30`, `7:30`, `jam 7`, `pukul 19.30`, `7 pagi`,
`jam 7 malam`, `7 pm`. A bare number is never a time (`7` could be a day). What is
left names the day, and dateparser reads it in Indonesian or English, preferring the
future: `besok`, `lusa`, `hari ini`, `Senin`, `Senin depan`, `25 Des`, `25 Desember
2026`, `25-11-2026`, `25/11`, `2026-11-25`, `3 hari lagi`. With no day, the time is
today's, or tomorrow's once it has passed; a weekday names today while its time is
still ahead. A zone label after the time (`19.30 WITA`) reads the time in that zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import dateparser

_ZONES = {"wib": "Asia/Jakarta", "wita": "Asia/Makassar", "wit": "Asia/Jayapura"}
_PERIOD = r"(?P<period>pagi|siang|sore|petang|malam|am|pm|a\.m\.|p\.m\.)"
_CLOCK = r"(?P<h>\d{1,2})(?:[.:](?P<m>\d{2}))"
_HOUR = r"(?P<h>\d{1,2})(?:[.:](?P<m>\d{2}))?"
_ZONE = r"(?:\s*(?P<zone>wib|wita|wit))?"
# Tried in order; each must not touch a date's digits (25.12.2026 is no time).
_TIMES = [
    re.compile(rf"(?:\bjam|\bpukul|\bpkl\.?|\bat)\s*{_HOUR}(?:\s*{_PERIOD})?{_ZONE}(?![\d.:/-])"),
    re.compile(rf"(?<![\d.:/-]){_CLOCK}(?:\s*{_PERIOD})?{_ZONE}(?![\d.:/-])"),
    re.compile(rf"(?<![\d.:/-])(?P<h>\d{{1,2}})(?P<m>)\s*{_PERIOD}{_ZONE}\b"),
]
_WEEKDAYS = (
    "senin|selasa|rabu|kamis|jumat|sabtu|minggu|ahad|"
    "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
)
# Words dateparser does not know, rewritten to ones it does.
_REWRITES = [
    (re.compile(r"jum'?at"), "jumat"),
    (re.compile(r"\blusa\b"), "dalam 2 hari"),
    (re.compile(r"\b(\d{1,2}) hari lagi\b"), r"dalam \1 hari"),
    (re.compile(rf"\bhari\s+(?={_WEEKDAYS})"), ""),
    (re.compile(rf"\b({_WEEKDAYS})\s+(?:depan|ini|next|this)\b"), r"\1"),
    (re.compile(r"\b(?:next|this)\s+"), ""),
    (re.compile(r"\b(?:tanggal|tgl\.?|pada|on)(?=\s|$)"), ""),
    (re.compile(r"[,;]"), " "),
]
_WEEKDAY_ONLY = re.compile(rf"^(?:{_WEEKDAYS})$")
_NEXT_WEEK = re.compile(r"\b(?:depan|next)\b")


@dataclass(frozen=True)
class _Clock:
    """A time of day, the text left around it, and the zone it was given in."""

    at: time
    rest: str
    zone: ZoneInfo | None


def _hour(hour: int, period: str) -> int | None:
    """The 24-hour hour for `hour` said with a part of the day, None when impossible."""
    if period in ("", "pagi", "am", "a.m."):
        if period and hour == 12:
            return 0
        return hour if hour <= 23 else None
    if hour > 12:
        return hour if hour <= 23 else None  # "jam 19 malam": already 24-hour
    if period == "siang":  # about 11 to 15: "jam 1 siang" is 13.00, "jam 11 siang" 11.00
        return hour if hour >= 10 else hour + 12
    if period == "malam" and hour == 12:
        return 0
    if period == "malam" and hour < 5:  # "jam 2 malam": the small hours
        return hour
    return hour % 12 + 12  # sore, petang, malam, pm


def _clock(text: str) -> _Clock | None:
    """The time of day in `text`, if it names one."""
    for pattern in _TIMES:
        match = pattern.search(text)
        if match is None:
            continue
        minute = int(match["m"]) if match["m"] else 0
        hour = _hour(int(match["h"]), match["period"] or "")
        if hour is None or minute > 59:
            return None
        rest = f"{text[: match.start()]} {text[match.end() :]}"
        zone = ZoneInfo(_ZONES[match["zone"]]) if match["zone"] else None
        return _Clock(time(hour, minute), " ".join(rest.split()), zone)
    return None


def _day(words: str, today: date, base: datetime) -> date | None:
    """The day `words` name (dateparser, preferring the future), None when unreadable."""
    for pattern, replacement in _REWRITES:
        words = pattern.sub(replacement, words)
    words = " ".join(words.split())
    if not words:
        return today
    if words in ("hari ini", "today", "sekarang", "now"):
        return today
    found = dateparser.parse(
        words,
        languages=["id", "en"],
        settings={
            "PREFER_DATES_FROM": "future",
            "RELATIVE_BASE": base,
            "DATE_ORDER": "DMY",
            "RETURN_AS_TIMEZONE_AWARE": False,
        },
    )
    return found.date() if found is not None else None


def parse_when(text: str, now: float, timezone: str) -> float | None:
    """The moment `text` names, as epoch seconds; None when it is not a date and time."""
    zone = ZoneInfo(timezone)
    local_now = datetime.fromtimestamp(now, zone)
    cleaned = " ".join(text.strip().lower().rstrip(".!").split())
    if not cleaned or len(cleaned) > 100:
        return None
    clock = _clock(cleaned)
    if clock is None:
        return None
    given_zone = clock.zone or zone
    today = local_now.astimezone(given_zone).date()
    base = local_now.astimezone(given_zone).replace(tzinfo=None)
    day = _day(clock.rest, today, base)
    if day is None:
        return None
    moment = datetime.combine(day, clock.at, given_zone).timestamp()
    if not clock.rest and moment <= now:  # a bare time that has passed: tomorrow's
        moment = datetime.combine(day + timedelta(days=1), clock.at, given_zone).timestamp()
    weekday = _WEEKDAY_ONLY.match(" ".join(clock.rest.replace("hari ", "").split()))
    if weekday and not _NEXT_WEEK.search(clock.rest) and day == today + timedelta(days=7):
        same_day = datetime.combine(today, clock.at, given_zone).timestamp()
        if same_day > now:  # "Rabu 15.00" said on a Wednesday morning: today
            moment = same_day
    return moment
