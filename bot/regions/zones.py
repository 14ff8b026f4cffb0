"""Which of Indonesia's three time zones a region lies in, from its province's code.

WIB (UTC+7): Sumatra, Java, West and Central Kalimantan. WITA (UTC+8): Bali, Nusa
Tenggara, South, East and North Kalimantan, Sulawesi. WIT (UTC+9): Maluku and Papua.
A Kemendagri code's first two digits are its province.
"""

from __future__ import annotations

WIB, WITA, WIT = "Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"
# Provinces by their Kemendagri code; a zone name the tz database gives each.
_WITA = {"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"}
_WIT = {"81", "82", "91", "92", "93", "94", "95", "96", "97"}
# Zones that keep the same clock as each (Pontianak is WIB too, Denpasar is WITA).
SAME_CLOCK = {
    WIB: {"Asia/Jakarta", "Asia/Pontianak"},
    WITA: {"Asia/Makassar"},
    WIT: {"Asia/Jayapura"},
}


def expected_zone(code: str) -> str:
    """The time zone of the region with Kemendagri code `code` (`53.71` → Asia/Makassar)."""
    province = code[:2]
    if province in _WITA:
        return WITA
    if province in _WIT:
        return WIT
    return WIB


def zone_fits(code: str, timezone: str) -> bool:
    """Whether a deployment in `code` may run on `timezone` (same clock as its zone)."""
    return timezone in SAME_CLOCK[expected_zone(code)]
