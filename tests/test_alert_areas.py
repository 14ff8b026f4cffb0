"""Issue 17: a CAP alert's areas matched to the deployment's kecamatan and kelurahan
(bot/alerts/areas.py): by Kemendagri geocode, by polygon or circle where villages have
centroids, else by the names in areaDesc; an area outside the deployment is left out."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from bot.alerts import cap
from bot.alerts.areas import Coverage, match_alert, match_area
from bot.platform.config import Config, RegionTree
from bot.regions import importer
from bot.regions.tree import RegionIndex
from handlers.cli import main
from tests.test_cap import document

COASTAL = (
    "36.72.03",
    "36.72.06",
    "36.72.04",
    "36.72.08",
)  # Pulomerak, Gerogol, Ciwandan, Citangkil


@pytest.fixture(scope="module")
def majalengka() -> RegionIndex:
    """Kabupaten Majalengka (32.10) as `kimbot regions import 32.10` builds it."""
    tree = importer.build_tree("32.10", importer.read_rows(importer.bundled_csv()), {})
    return RegionIndex(RegionTree.model_validate(tree))


@pytest.fixture
def cilegon(config: Config) -> RegionIndex:
    """Kota Cilegon as config.yaml ships it."""
    return RegionIndex(config.regions)


def area(desc: str, *geocodes: tuple[str, str], polygon: str = "", circle: str = "") -> cap.Area:
    """One CAP area, parsed from its parts as a document would give them."""
    shapes = (f"<polygon>{polygon}</polygon>" if polygon else "") + (
        f"<circle>{circle}</circle>" if circle else ""
    )
    codes = "".join(
        f"<geocode><valueName>{n}</valueName><value>{v}</value></geocode>" for n, v in geocodes
    )
    data = document("test-alert.xml").replace(
        b"<areaDesc>Kota Cilegon</areaDesc>\n"
        b"      <geocode><valueName>ADM2</valueName><value>3672</value></geocode>",
        f"<areaDesc>{desc}</areaDesc>{shapes}{codes}".encode(),
    )
    return cap.parse(data).infos[0].areas[0]


def kecamatan_of(regions: RegionIndex, villages: tuple[str, ...]) -> set[str]:
    """The kecamatan codes of these villages."""
    return {regions[v].parent or "" for v in villages}


def test_the_tsunami_warning_covers_the_coastal_kecamatan_by_geocode(
    cilegon: RegionIndex, caplog: pytest.LogCaptureFixture
) -> None:
    """Four kecamatan codes in four spellings of valueName, dotted and not; Pandeglang's
    area is outside Kota Cilegon: left out and logged."""
    alert = cap.parse(document("cilegon-tsunami.xml"))
    with caplog.at_level(logging.INFO, logger="bot.alerts.areas"):
        coverage = match_alert(alert, cilegon)
    assert {k.code for k in coverage.kecamatan(cilegon)} == set(COASTAL)
    assert kecamatan_of(cilegon, coverage.villages) == set(COASTAL)
    assert len(coverage.villages) == 4 + 4 + 6 + 7
    assert [m.how for m in coverage.areas] == ["geocode", "none", "geocode"]
    assert "'Pesisir Kabupaten Pandeglang' matches nothing in Kota Cilegon" in caplog.text
    assert coverage.summary(cilegon) == [
        "Kec. Pulomerak",
        "Kec. Ciwandan",
        "Kec. Gerogol",
        "Kec. Citangkil",
    ]
    assert coverage.codes(cilegon) == ["36.72.03", "36.72.04", "36.72.06", "36.72.08"]


@pytest.mark.parametrize(
    ("geocode", "villages"),
    [
        (("ADM4", "36.72.03.1004"), ["36.72.03.1004"]),
        (("adm4", "3672031004"), ["36.72.03.1004"]),
        (("KODE_WILAYAH", "36.72.08"), [f"36.72.08.100{i}" for i in range(1, 8)]),
        (("adm2", "36.72"), "all"),
        (("adm1", "36"), "all"),
        (("ADM4", "36.73.01.1001"), []),  # Kota Serang: not this deployment
        (("SAME", "36.72.03"), []),  # not a Kemendagri code name
        (("ADM4", "36-72-03"), []),  # not a code
    ],
)
def test_geocodes_from_village_to_province(
    cilegon: RegionIndex, geocode: tuple[str, str], villages: list[str] | str
) -> None:
    """A village code is the village; kecamatan, kab/kota and province codes cover every
    village below; other value names and other places match nothing."""
    match = match_area(area("Wilayah uji", geocode), cilegon)
    expected = [v.code for v in cilegon.villages()] if villages == "all" else villages
    assert list(match.villages) == expected


def test_the_heavy_rain_nowcast_covers_majalengkas_named_kecamatan(
    majalengka: RegionIndex,
) -> None:
    """No geocode and no village centroids: the kecamatan named after the regency ("Lemah
    Sugih" for Lemahsugih), not the whole regency."""
    alert = cap.parse(document("majalengka-rain.xml"))
    coverage = match_alert(alert, majalengka)
    assert [m.how for m in coverage.areas] == ["name"]
    assert [k.name for k in coverage.kecamatan(majalengka)] == [
        "Lemahsugih",
        "Bantarujeg",
        "Cikijing",
        "Talaga",
        "Malausma",
    ]
    assert kecamatan_of(majalengka, coverage.villages) == {
        "32.10.01",
        "32.10.02",
        "32.10.03",
        "32.10.04",
        "32.10.26",
    }


@pytest.mark.parametrize(
    ("desc", "kecamatan", "villages"),
    [
        ("Kec. Pulomerak", ["Pulomerak"], []),
        ("Kecamatan Grogol, Citangkil", ["Gerogol", "Citangkil"], []),  # aliases, kind carried
        ("Kel. Grogol; Kel. Citangkil", [], ["Grogol", "Citangkil"]),
        ("Grogol", ["Gerogol"], []),  # a kecamatan before the village of that name
        ("Desa Lebak Gede dan Suralaya", [], ["Lebakgede", "Suralaya"]),
        ("Kota Cilegon", "all", []),
        ("Pulomerk", ["Pulomerak"], []),  # a typo
        ("Lebak", [], []),  # only the start of names: no match
        ("Jawa Barat / Banten", [], []),
        ("Kota Serang", [], []),
    ],
)
def test_names_in_area_desc(
    cilegon: RegionIndex, desc: str, kecamatan: list[str] | str, villages: list[str]
) -> None:
    """Prefixes say the kind, bare parts after them take it, aliases and small typos
    match, a part that only begins a name does not."""
    match = match_area(area(desc), cilegon)
    coverage = Coverage(match.villages, (match,))
    whole = [k.name for k in coverage.kecamatan(cilegon)]
    if kecamatan == "all":
        assert (len(whole), coverage.summary(cilegon)) == (len(cilegon.kecamatan), ["Kota Cilegon"])
        return
    assert sorted(whole) == sorted(kecamatan)
    inside = {k.code for k in coverage.kecamatan(cilegon)}
    partial = [cilegon[v].name for v in match.villages if cilegon[v].parent not in inside]
    assert sorted(partial) == sorted(villages)


def with_centroids(config: Config) -> RegionIndex:
    """Kota Cilegon with made-up centroids for Pulomerak's four kelurahan."""
    data = config.regions.model_dump(mode="json")
    points = {
        "36.72.03.1001": (-5.96, 106.00),
        "36.72.03.1002": (-5.94, 106.01),
        "36.72.03.1003": (-5.93, 106.05),
        "36.72.03.1004": (-5.90, 106.03),
    }
    for kec in data["kecamatan"]:
        for village in kec["villages"]:
            if village["code"] in points:
                village["lat"], village["lon"] = points[village["code"]]
    return RegionIndex(RegionTree.model_validate(data))


def test_polygons_and_circles_match_villages_by_their_centroid(config: Config) -> None:
    """A polygon around two centroids, a circle around one; with nothing inside, the
    names in areaDesc decide."""
    regions = with_centroids(config)
    square = "-5.97,105.99 -5.97,106.02 -5.935,106.02 -5.935,105.99 -5.97,105.99"
    assert match_area(area("Pantai", polygon=square), regions).villages == (
        "36.72.03.1001",
        "36.72.03.1002",
    )
    around = match_area(area("Pantai", circle="-5.901,106.031 0.5"), regions)
    assert (around.how, around.villages) == ("shape", ("36.72.03.1004",))
    empty = match_area(
        area("Kel. Gerem", polygon="-6.5,106 -6.5,106.1 -6.6,106.1 -6.5,106"), regions
    )
    assert (empty.how, empty.villages) == ("name", ("36.72.06.1004",))
    both = match_area(area("Pantai", ("ADM4", "3672061004"), circle="-5.901,106.031 0.5"), regions)
    assert (both.how, both.villages) == ("geocode", ("36.72.03.1004", "36.72.06.1004"))


def test_regions_import_adds_centroids_that_polygons_then_match(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`kimbot regions import 36.72 --centroids F` writes lat/lon on the villages the file
    names (rows of other places passed over); a re-import without the file keeps them;
    the tree then matches a polygon."""
    centroids = tmp_path / "centroids.csv"
    centroids.write_text(
        "kode,lat,lon\n36.72.03.1004,-5.90,106.03\n36.72.03.1001,-5.96,106.00\n"
        "36.73.01.1001,-6.12,106.15\n",
        encoding="utf-8",
    )
    out = tmp_path / "36.72.yaml"
    assert (
        main(["regions", "import", "36.72", "--centroids", str(centroids), "--out", str(out)]) == 0
    )
    assert "; 2 with a centroid" in capsys.readouterr().out
    assert main(["regions", "import", "36.72", "--out", str(out)]) == 0
    tree = RegionTree.model_validate(yaml.safe_load(out.read_text(encoding="utf-8")))
    regions = RegionIndex(tree)
    assert regions["36.72.03.1004"].point == (-5.90, 106.03)
    ring = "-5.92,106.0 -5.92,106.1 -5.85,106.1 -5.85,106.0 -5.92,106.0"
    assert match_area(area("Laut", polygon=ring), regions).villages == ("36.72.03.1004",)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("36.72.03.1004,-5.9\n", "centroids.csv:1: expected kode,lat,lon"),
        ("36.72.03,-5.9,106\n", "centroids.csv:1: '36.72.03' is not a desa/kelurahan code"),
        ("kode,lat,lon\n36.72.03.1004,utara,106\n", "centroids.csv:2: 'utara','106' are not"),
        ("36.72.03.1004,-95,106\n", "centroids.csv:1: -95.0,106.0 is outside"),
    ],
)
def test_bad_centroid_files_are_named_by_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], rows: str, message: str
) -> None:
    """A malformed row stops the import with its line; nothing is written."""
    (tmp_path / "centroids.csv").write_text(rows, encoding="utf-8")
    args = ["--centroids", str(tmp_path / "centroids.csv"), "--out", str(tmp_path / "x.yaml")]
    assert main(["regions", "import", "36.72", *args]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x.yaml").exists()


def test_a_village_needs_both_lat_and_lon(config: Config) -> None:
    """Half a centroid is refused by the config's check."""
    data = config.regions.model_dump(mode="json")
    data["kecamatan"][0]["villages"][0]["lat"] = -6.0
    with pytest.raises(ValidationError, match="give both lat and lon, or neither"):
        RegionTree.model_validate(data)


def test_a_village_of_majalengka_prints_as_a_desa(majalengka: RegionIndex) -> None:
    """A desa named alone is printed with its kecamatan."""
    match = match_area(area("Desa Cikijing"), majalengka)
    assert match.villages == ("32.10.03.2004",)
    assert Coverage(match.villages, (match,)).summary(majalengka) == [
        "Desa Cikijing (Kec. Cikijing)"
    ]


def test_an_area_desc_of_thousands_of_names_is_looked_up_in_part(
    cilegon: RegionIndex, caplog: pytest.LogCaptureFixture
) -> None:
    """Only the first NAME_PARTS parts are looked up: a huge areaDesc costs little."""
    desc = ", ".join(["Nowhere"] * 5000 + ["Kec. Pulomerak"])
    with caplog.at_level(logging.WARNING, logger="bot.alerts.areas"):
        assert match_area(area(desc), cilegon).villages == ()
    assert "areaDesc of 5001 parts: only the first 200 looked up" in caplog.text
