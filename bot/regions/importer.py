"""Build a kabupaten/kota's region tree from a Kemendagri code list (`kode,nama` CSV).

The bundled list (bot/regions/data/wilayah, MIT) covers Jawa Barat, Banten and NTT; any file of
the same format, such as the full national list, can be named instead. Villages' centroids
(for CAP alerts' polygons and circles, bot/alerts/areas.py) come from a `kode,lat,lon` CSV
of your own (`--centroids`); rows for codes outside the kabupaten/kota are passed over.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

from bot.platform.config import CITY_CODE, KECAMATAN_CODE, VILLAGE_CODE, RegionTree
from bot.regions.tree import village_level


class RegionImportError(ValueError):
    """The code or the file does not give a region tree (the message says why)."""


def bundled_csv() -> Path:
    """The region list shipped with KIM Bot."""
    return Path(str(resources.files("bot.regions") / "data" / "wilayah" / "wilayah-32-36-53.csv"))


def read_rows(path: Path) -> Iterable[tuple[str, str]]:
    """(code, name) rows of a `kode,nama` CSV file."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.reader(handle):
                if len(row) >= 2 and row[0] != "kode":
                    yield row[0].strip(), row[1].strip()
    except OSError as exc:
        raise RegionImportError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise RegionImportError(f"{path} is not a UTF-8 kode,nama CSV file: {exc}") from None


Point = tuple[float, float]


def read_centroids(path: Path) -> dict[str, Point]:
    """Village code → (lat, lon) from a `kode,lat,lon` CSV (a header row is skipped)."""
    points: dict[str, Point] = {}
    for number, row in enumerate(_csv_rows(path), start=1):
        if not row or row[0].strip() in ("kode", "code"):
            continue
        where = f"{path}:{number}"
        if len(row) < 3:
            raise RegionImportError(f"{where}: expected kode,lat,lon")
        code = row[0].strip()
        if not VILLAGE_CODE.match(code):
            raise RegionImportError(f"{where}: {code!r} is not a desa/kelurahan code")
        try:
            lat, lon = float(row[1]), float(row[2])
        except ValueError:
            raise RegionImportError(f"{where}: {row[1]!r},{row[2]!r} are not numbers") from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise RegionImportError(f"{where}: {lat},{lon} is outside -90..90, -180..180")
        points[code] = (lat, lon)
    return points


def _csv_rows(path: Path) -> list[list[str]]:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            return list(csv.reader(handle))
    except OSError as exc:
        raise RegionImportError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise RegionImportError(f"{path} is not a UTF-8 CSV file: {exc}") from None


def build_tree(
    code: str,
    rows: Iterable[tuple[str, str]],
    aliases: dict[str, list[str]],
    points: dict[str, Point] | None = None,
) -> dict[str, Any]:
    """The `regions:` mapping for kabupaten/kota `code`, keeping known aliases and giving
    villages their centroid from `points`."""
    if not CITY_CODE.match(code):
        raise RegionImportError(f"{code!r} is not a kabupaten/kota code like 32.10")
    name = None
    kecamatan: dict[str, dict[str, Any]] = {}
    villages: list[tuple[str, str]] = []
    for row_code, row_name in rows:
        if row_code == code:
            name = row_name
        elif row_code.startswith(code + ".") and KECAMATAN_CODE.match(row_code):
            kecamatan[row_code] = _entry(row_code, row_name, aliases) | {"villages": []}
        elif row_code.startswith(code + ".") and VILLAGE_CODE.match(row_code):
            villages.append((row_code, row_name))
    if name is None:
        raise RegionImportError(f"no kabupaten/kota {code} in the region list")
    for v_code, v_name in villages:
        parent = kecamatan.get(v_code.rsplit(".", 1)[0])
        if parent is None:
            raise RegionImportError(f"{v_code} {v_name} has no kecamatan in the list")
        village = _entry(v_code, v_name, aliases)
        if points and v_code in points:
            village["lat"], village["lon"] = points[v_code]
        parent["villages"].append(village)
    empty = [k["code"] for k in kecamatan.values() if not k["villages"]]
    if empty:
        raise RegionImportError(f"kecamatan without villages in the list: {', '.join(empty)}")
    ordered = [kecamatan[k] for k in sorted(kecamatan)]
    for kec in ordered:
        kec["villages"].sort(key=lambda v: v["code"])
    tree: dict[str, Any] = {"code": code, "name": name, "kecamatan": ordered}
    RegionTree.model_validate(tree)
    return tree


def _entry(code: str, name: str, aliases: dict[str, list[str]]) -> dict[str, Any]:
    entry: dict[str, Any] = {"code": code, "name": name}
    if aliases.get(code):
        entry["aliases"] = list(aliases[code])
    return entry


def aliases_of(tree: dict[str, Any]) -> dict[str, list[str]]:
    """Every alias in an existing tree, by code (so a re-import keeps them)."""
    found: dict[str, list[str]] = {}
    for kec in tree.get("kecamatan", []):
        if kec.get("aliases"):
            found[kec["code"]] = list(kec["aliases"])
        for village in kec.get("villages", []):
            if village.get("aliases"):
                found[village["code"]] = list(village["aliases"])
    return found


def points_of(tree: dict[str, Any]) -> dict[str, Point]:
    """Every village centroid in an existing tree, by code (so a re-import keeps them)."""
    return {
        v["code"]: (float(v["lat"]), float(v["lon"]))
        for kec in tree.get("kecamatan", [])
        for v in kec.get("villages", [])
        if v.get("lat") is not None and v.get("lon") is not None
    }


def counts(tree: dict[str, Any]) -> dict[str, int]:
    """How many kecamatan, kelurahan, desa (and desa adat) a tree has."""
    result = {
        "kecamatan": len(tree["kecamatan"]),
        "kelurahan": 0,
        "desa": 0,
        "desa adat": 0,
        "centroids": 0,
    }
    for kec in tree["kecamatan"]:
        for village in kec["villages"]:
            result[village_level(village["code"])] += 1
            result["centroids"] += "lat" in village
    return result
