"""Region lookups: by code, by name, alias, spacing, case and small typos."""

from __future__ import annotations

import pytest

from bot.platform.config import Config
from bot.regions.tree import RegionIndex, normalize
from tests.support.constants import BAGENDUNG, CILEGON


@pytest.fixture
def regions(config: Config) -> RegionIndex:
    """The Cilegon tree."""
    return RegionIndex(config.regions)


def test_codes_dotted_and_compact(regions: RegionIndex) -> None:
    """A deep link's compact code and the dotted code find the same kelurahan."""
    assert regions[BAGENDUNG].name == "Bagendung"
    assert regions.get("3672021001") == regions[BAGENDUNG]
    assert regions.get(CILEGON).level == "kecamatan"  # type: ignore[union-attr]
    assert regions.get("99.99.99.9999") is None
    assert regions.get("") is None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Bagendung", "Bagendung"),
        ("BAGENDUNG", "Bagendung"),
        ("  bagendung ", "Bagendung"),
        ("Lebak Gede", "Lebakgede"),  # official name has no space
        ("lebakgede", "Lebakgede"),
        ("Kebondalem", "Kebon Dalem"),  # official name has a space
        ("Deringo", "Dringo"),  # local spelling (alias)
        ("Gerogol", "Grogol"),  # the kelurahan; the kecamatan is Gerogol
        ("Tegalratu", "Tegal Ratu"),
        ("Kel. Kotabumi", "Kotabumi"),
        ("kelurahan ciwedus", "Ciwedus"),
        ("Bagendng", "Bagendung"),  # typo
        ("Ketilleng", "Ketileng"),  # typo
    ],
)
def test_village_names(regions: RegionIndex, typed: str, expected: str) -> None:
    """What residents type finds their kelurahan."""
    found = regions.search_villages(typed)
    assert found, typed
    assert found[0].name == expected


def test_kecamatan_names_and_aliases(regions: RegionIndex) -> None:
    """Kecamatan by name or alias ('Merak' for Pulomerak)."""
    assert [r.name for r in regions.search_kecamatan("merak")] == ["Pulomerak"]
    assert [r.name for r in regions.search_kecamatan("Grogol")] == ["Gerogol"]


def test_search_within_a_kecamatan(regions: RegionIndex) -> None:
    """A search limited to one kecamatan ignores the rest of the city."""
    assert regions.search_villages("Bagendung", within="36.72.01") == []
    assert regions.search_villages("Citangkil", within="36.72.08")[0].code == "36.72.08.1007"


@pytest.mark.parametrize("typed", ["", "   ", "xyzzy", "🙂", "a" * 500, "ci"])
def test_nonsense_finds_nothing(regions: RegionIndex, typed: str) -> None:
    """Empty, absurd, oversized and too-short input finds nothing rather than guessing."""
    assert regions.search_villages(typed) == []


def test_partial_names(regions: RegionIndex) -> None:
    """A prefix lists every kelurahan it could be."""
    names = {r.name for r in regions.search_villages("kebon")}
    assert names == {"Kebon Dalem", "Kebonsari"}


def test_village_word_and_normalize(regions: RegionIndex) -> None:
    """Cilegon has only kelurahan; names fold to letters and digits."""
    assert regions.village_word() == "kelurahan"
    assert normalize("Kel. Lebak-Gede") == "lebakgede"
