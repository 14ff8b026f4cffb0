"""Which of the deployment's villages a CAP alert's areas cover.

Each `area` is matched on its own, and an alert covers the union of its areas:

1. **Geocodes** whose valueName is one of `GEOCODE_NAMES` (case-insensitive: `ADM4`,
   `adm4`, … `adm1`, `kode_wilayah`, `kodewilayah`, `kemendagri`, `kode_kemendagri`) and
   whose value is a Kemendagri code, with or without dots: a kelurahan/desa
   (`36.72.03.1004`, `3672031004`) is that village; a kecamatan (`36.72.03`), a
   kab/kota (`36.72`) or a province (`36`) code covers every village of the deployment
   below it. BMKG's forecast API keys places by `adm4`, the village code. Other
   geocodes (SAME, FIPS, BPS codes) are passed over.
2. **Polygons and circles**, for the villages whose centroid (`lat`, `lon` in the
   region tree; `kimbot regions import --centroids`) lies inside.
3. Only when neither matched anything: **names** in `areaDesc`, split at commas,
   semicolons, colons, slashes, parentheses, line ends and the words "dan"/"and".
   A part starting with Kec./Kecamatan names a kecamatan, with Kel./Kelurahan/Desa/Ds.
   a village, and the bare parts after it take the same kind ("Kecamatan Grogol,
   Citangkil" is two kecamatan); a bare part is a kecamatan if one has that name or
   alias, else a village; Kab./Kabupaten/Kota with the deployment's own name is all of
   it when no kecamatan or village of it is named too ("Kab. Majalengka (Kec. Talaga)" is
   Talaga). Names match through the region index (aliases, spacing, case) and small typos
   (a close spelling, at least `NAME_CUTOFF` alike); a part that only starts or
   contains a name ("Lebak" for Lebak Denok) does not match. Only the first `NAME_PARTS`
   parts are looked up (a warning says when there were more).

An area matching nothing in the deployment is left out and logged.
"""

from __future__ import annotations

import difflib
import itertools
import logging
import math
import re
from dataclasses import dataclass
from typing import Literal

from bot.alerts.cap import Alert, Area, Circle, Polygon
from bot.regions.tree import Region, RegionIndex, normalize

log = logging.getLogger(__name__)

GEOCODE_NAMES = frozenset(
    {"adm1", "adm2", "adm3", "adm4", "kode_wilayah", "kodewilayah", "kemendagri", "kode_kemendagri"}
)
NAME_CUTOFF = 0.8
NAME_PARTS = 200  # parts of one areaDesc looked up; BMKG's name a few dozen at most
EARTH_RADIUS_KM = 6371.0
_CODE = re.compile(r"^\d{2}(\.?\d{2}(\.?\d{2}(\.?\d{4})?)?)?$")
_SPLIT = re.compile(r"[,;:/()\n]+|\s+(?:dan|and)\s+", re.IGNORECASE)
_KECAMATAN = re.compile(r"^(kecamatan|kec)\b\.?\s*", re.IGNORECASE)
_VILLAGE = re.compile(r"^(kelurahan|kel|desa|ds)\b\.?\s*", re.IGNORECASE)
_CITY = re.compile(r"^(kabupaten|kab|kota)\b\.?\s*", re.IGNORECASE)

How = Literal["geocode", "shape", "name", "none"]


@dataclass(frozen=True)
class AreaMatch:
    """What one area matched, and how."""

    desc: str
    how: How
    villages: tuple[str, ...]


@dataclass(frozen=True)
class Coverage:
    """The villages an alert covers (codes, in the region tree's order) and per area how."""

    villages: tuple[str, ...]
    areas: tuple[AreaMatch, ...]

    def kecamatan(self, regions: RegionIndex) -> list[Region]:
        """The kecamatan with every village covered."""
        covered = set(self.villages)
        return [k for k in regions.kecamatan if set(k.children) <= covered]

    def codes(self, regions: RegionIndex) -> list[str]:
        """The fewest region codes that say it: the city's, else whole kecamatan and the
        remaining villages."""
        if self.villages and len(self.villages) == len(regions.villages()):
            return [regions.city.code]
        whole = self.kecamatan(regions)
        inside = {k.code for k in whole}
        return [k.code for k in whole] + [
            v for v in self.villages if regions[v].parent not in inside
        ]

    def summary(self, regions: RegionIndex) -> list[str]:
        """The whole city by its name, whole kecamatan as "Kec. X", the rest as
        "Kel. Y (Kec. X)" (Desa for a desa)."""
        if self.villages and len(self.villages) == len(regions.villages()):
            return [regions.city.name]
        covered, lines = set(self.villages), []
        for kec in regions.kecamatan:
            inside = [c for c in kec.children if c in covered]
            if inside and len(inside) == len(kec.children):
                lines.append(f"Kec. {kec.name}")
                continue
            for code in inside:
                village = regions[code]
                word = "Kel." if village.level == "kelurahan" else "Desa"
                lines.append(f"{word} {village.name} (Kec. {kec.name})")
        return lines


def match_alert(alert: Alert, regions: RegionIndex) -> Coverage:
    """The villages every area of every info covers."""
    matches = [match_area(area, regions) for info in alert.infos for area in info.areas]
    covered = {code for m in matches for code in m.villages}
    ordered = tuple(v.code for v in regions.villages() if v.code in covered)
    return Coverage(ordered, tuple(matches))


def match_area(area: Area, regions: RegionIndex) -> AreaMatch:
    """One area's villages: by geocode and shape, else by name; logged when none."""
    coded = _by_geocode(area, regions)
    found = coded | _by_shape(area, regions)
    how: How = "geocode" if coded else "shape"
    if not found:
        found, how = _by_name(area.desc, regions), "name"
    if not found:
        log.info("CAP area %r matches nothing in %s: left out", area.desc, regions.city.name)
        return AreaMatch(area.desc, "none", ())
    return AreaMatch(area.desc, how, tuple(v.code for v in regions.villages() if v.code in found))


def _by_geocode(area: Area, regions: RegionIndex) -> set[str]:
    found: set[str] = set()
    for geocode in area.geocodes:
        value = geocode.value.strip()
        if geocode.name.strip().casefold() not in GEOCODE_NAMES or not _CODE.match(value):
            continue
        digits = value.replace(".", "")
        for village in regions.villages():
            if village.compact_code.startswith(digits):
                found.add(village.code)
    return found


def _by_shape(area: Area, regions: RegionIndex) -> set[str]:
    if not area.polygons and not area.circles:
        return set()
    return {
        v.code
        for v in regions.villages()
        if v.point is not None
        and (
            any(_inside(v.point, p) for p in area.polygons)
            or any(_within(v.point, c) for c in area.circles)
        )
    }


def _inside(point: tuple[float, float], polygon: Polygon) -> bool:
    """Ray casting on (lat, lon) as a plane: right for areas the size of a regency."""
    lat, lon = point
    inside = False
    for (lat1, lon1), (lat2, lon2) in itertools.pairwise(polygon):
        if (lon1 > lon) != (lon2 > lon):
            crossing = lat1 + (lon - lon1) * (lat2 - lat1) / (lon2 - lon1)
            if lat < crossing:
                inside = not inside
    return inside


def _within(point: tuple[float, float], circle: Circle) -> bool:
    """Great-circle distance from the centre at most the radius."""
    lat1, lon1, lat2, lon2 = map(math.radians, (point[0], point[1], circle.lat, circle.lon))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h))) <= circle.radius_km


def _by_name(desc: str, regions: RegionIndex) -> set[str]:
    found: set[str] = set()
    whole = False
    kind: Literal["kecamatan", "village", "any"] = "any"
    parts = [p.strip() for p in _SPLIT.split(desc) if p.strip()]
    if len(parts) > NAME_PARTS:
        log.warning("CAP areaDesc of %d parts: only the first %d looked up", len(parts), NAME_PARTS)
    for part in parts[:NAME_PARTS]:
        if _CITY.match(part):
            whole = whole or normalize(_CITY.sub("", part)) == normalize(regions.city.name)
            kind = "any"
            continue
        if _KECAMATAN.match(part):
            kind, part = "kecamatan", _KECAMATAN.sub("", part)
        elif _VILLAGE.match(part):
            kind, part = "village", _VILLAGE.sub("", part)
        kecamatan = _named(regions.search_kecamatan(part), part) if kind != "village" else None
        if kecamatan is not None:
            found.update(kecamatan.children)
            continue
        village = _named(regions.search_villages(part), part) if kind != "kecamatan" else None
        if village is not None:
            found.add(village.code)
    if whole and not found:
        found.update(v.code for v in regions.villages())
    return found


def _named(candidates: list[Region], part: str) -> Region | None:
    """The best candidate whose name or alias is spelled like `part`, if any is."""
    query, best, score = normalize(part), None, NAME_CUTOFF
    for region in candidates:
        for name in (region.name, *region.aliases):
            ratio = difflib.SequenceMatcher(None, query, normalize(name)).ratio()
            if ratio >= score:
                best, score = region, ratio
    return best
