"""Times carry the zone residents know: WIB in Cilegon and Majalengka, WITA in Makassar,
WIT in Jayapura; a deployment elsewhere gets its UTC offset. `kimbot config check` warns
of a zone that contradicts the region."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from bot.platform.i18n import Translator
from bot.regions.zones import expected_zone, zone_fits
from handlers.cli import main
from tests.support.constants import ROOT

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


@pytest.mark.parametrize(
    ("code", "zone"),
    [
        ("36.72", "Asia/Jakarta"),  # Kota Cilegon, Banten
        ("32.10", "Asia/Jakarta"),  # Kabupaten Majalengka, Jawa Barat
        ("61.71", "Asia/Jakarta"),  # Kota Pontianak, Kalimantan Barat
        ("53.71", "Asia/Makassar"),  # Kota Kupang, NTT
        ("51.71", "Asia/Makassar"),  # Kota Denpasar, Bali
        ("81.71", "Asia/Jayapura"),  # Kota Ambon, Maluku
        ("91.71", "Asia/Jayapura"),  # Kota Jayapura, Papua
    ],
)
def test_each_region_knows_its_zone(code: str, zone: str) -> None:
    """A region's zone follows its province."""
    assert expected_zone(code) == zone


def test_pontianak_time_fits_a_wib_region() -> None:
    """Asia/Pontianak keeps WIB's clock: no warning for it."""
    assert zone_fits("61.71", "Asia/Pontianak")
    assert not zone_fits("53.71", "Asia/Jakarta")


def test_config_check_warns_of_a_zone_that_contradicts_the_region(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Kota Kupang on Asia/Jakarta: the check still passes, with a warning naming WITA's zone."""
    kupang = tmp_path / "regions.yaml"
    assert main(["regions", "import", "53.71", "--out", str(kupang)]) == 0
    shipped = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    shipped["regions"] = str(kupang)
    shipped["channels"], shipped["komunitas"] = {}, []
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(shipped), encoding="utf-8")
    capsys.readouterr()
    assert main(["config", "check", str(tmp_path / "config.yaml")]) == 0
    warned = capsys.readouterr().err
    assert "deployment.timezone is Asia/Jakarta" in warned
    assert "Asia/Makassar" in warned
    shipped["deployment"]["timezone"] = "Asia/Makassar"
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(shipped), encoding="utf-8")
    assert main(["config", "check", str(tmp_path / "config.yaml")]) == 0
    assert "warning" not in capsys.readouterr().err
