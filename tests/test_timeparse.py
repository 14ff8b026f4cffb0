"""Dates and times as admins type them (issue 11, item 6): Indonesian and English phrases,
parts of the day, zone labels, and what must not be read as a time."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.platform.timeparse import parse_when

JAKARTA = ZoneInfo("Asia/Jakarta")
# A Wednesday morning in Cilegon.
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=JAKARTA).timestamp()


def read(text: str, timezone: str = "Asia/Jakarta") -> str | None:
    """What parse_when makes of `text`, as local 'Wed 2026-12-02 09:00', or None."""
    moment = parse_when(text, NOW, timezone)
    if moment is None:
        return None
    return datetime.fromtimestamp(moment, ZoneInfo(timezone)).strftime("%a %Y-%m-%d %H:%M")


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        # the three examples
        ("besok jam 7 pagi", "Thu 2026-12-03 07:00"),
        ("Senin 08.00", "Mon 2026-12-07 08:00"),
        ("25 Des 19:30", "Fri 2026-12-25 19:30"),
        # the forms accepted before stay accepted
        ("25-11-2026 07.30", "Wed 2026-11-25 07:30"),
        ("25/12/2026 7:30", "Fri 2026-12-25 07:30"),
        ("2026-12-25 07:30", "Fri 2026-12-25 07:30"),
        ("07.30", "Thu 2026-12-03 07:30"),  # passed today: tomorrow's
        ("besok 07.30", "Thu 2026-12-03 07:30"),
        ("tomorrow 7:30", "Thu 2026-12-03 07:30"),
        # days in words
        ("lusa jam 9", "Fri 2026-12-04 09:00"),
        ("hari ini jam 15", "Wed 2026-12-02 15:00"),
        ("3 hari lagi jam 10", "Sat 2026-12-05 10:00"),
        ("Sabtu jam 16.00", "Sat 2026-12-05 16:00"),
        ("hari Senin jam 8", "Mon 2026-12-07 08:00"),
        ("Senin depan jam 8", "Mon 2026-12-07 08:00"),
        ("Jum'at jam 13.30", "Fri 2026-12-04 13:30"),
        ("Rabu 15.00", "Wed 2026-12-02 15:00"),  # today is Wednesday and 15.00 is ahead
        ("Rabu 08.00", "Wed 2026-12-09 08:00"),  # already past today: next week
        ("Rabu depan 15.00", "Wed 2026-12-09 15:00"),
        ("tgl 25 des jam 8", "Fri 2026-12-25 08:00"),
        ("25 Desember 2026 pukul 19.30", "Fri 2026-12-25 19:30"),
        ("25.12.2026 10.00", "Fri 2026-12-25 10:00"),
        # parts of the day
        ("jam 7 malam", "Wed 2026-12-02 19:00"),
        ("jam 1 siang", "Wed 2026-12-02 13:00"),
        ("jam 4 sore", "Wed 2026-12-02 16:00"),
        ("jam 12 malam", "Thu 2026-12-03 00:00"),
        ("pukul 7:05 pm", "Wed 2026-12-02 19:05"),
        ("besok jam 7.", "Thu 2026-12-03 07:00"),
        # a zone label reads the time in that zone (19.30 WITA is 18.30 WIB)
        ("19.30 WITA", "Wed 2026-12-02 18:30"),
    ],
)
def test_phrases_admins_type(typed: str, meant: str) -> None:
    """Each phrase names the moment an Indonesian admin means by it."""
    assert read(typed) == meant


@pytest.mark.parametrize(
    "typed",
    ["", "kapan-kapan", "asdf", "7", "25", "besok pagi", "besok", "jam 25", "jam 7.75", "x" * 500],
)
def test_not_a_moment(typed: str) -> None:
    """No time of day, an impossible one, a bare number or an essay: None, never a guess."""
    assert read(typed) is None


def test_impossible_date() -> None:
    """31 February is no date."""
    assert read("31-02-2027 07.00") is None


def test_deployment_zone() -> None:
    """In Kota Kupang (WITA) a typed time is WITA time."""
    assert read("besok jam 7 pagi", "Asia/Makassar") == "Thu 2026-12-03 07:00"
