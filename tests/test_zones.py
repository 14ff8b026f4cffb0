"""Times carry the zone residents know: WIB in Cilegon and Majalengka, WITA in Makassar,
WIT in Jayapura; a deployment elsewhere gets its UTC offset."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.platform.i18n import Translator

MORNING_UTC = datetime(2026, 12, 7, 1, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "shown"),
    [
        ("Asia/Jakarta", "Senin, 07 Desember 2026 08.05 WIB"),
        ("Asia/Pontianak", "Senin, 07 Desember 2026 08.05 WIB"),
        ("Asia/Makassar", "Senin, 07 Desember 2026 09.05 WITA"),
        ("Asia/Jayapura", "Senin, 07 Desember 2026 10.05 WIT"),
    ],
)
def test_indonesian_times_name_their_zone(zone: str, shown: str) -> None:
    """The same moment in each of Indonesia's zones, as a resident reads it."""
    assert Translator("id", zone).datetime_text(MORNING_UTC) == shown


def test_another_zone_shows_its_offset() -> None:
    """Outside Indonesia's three zones the label is the UTC offset."""
    assert Translator("en", "Asia/Tokyo").datetime_text(MORNING_UTC).endswith("GMT+09:00")
