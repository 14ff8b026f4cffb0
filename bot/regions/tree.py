"""The deployment's region tree in memory, with lookups by code and by name.

Built once from config.yaml; nothing here touches Redis, so a resident typing a name
costs a dictionary lookup or, for a typo, one fuzzy pass over a few hundred names.
Names match regardless of case, spaces and punctuation ("Lebak Gede" = "lebakgede"),
through the configured aliases ("Grogol" for Gerogol), and with small typos.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Literal

from bot.platform.config import RegionTree

Level = Literal["city", "kecamatan", "kelurahan", "desa", "desa adat"]
_PREFIXES = re.compile(
    r"^(kelurahan|kel|desa|ds|kecamatan|kec|kampung|kp|kota|kabupaten|kab)\b\.?\s*"
)
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
FUZZY_CUTOFF = 0.75


def normalize(text: str) -> str:
    """Fold a region name for matching: lower case, no prefix word, only letters/digits."""
    folded = text.casefold().strip()
    folded = _PREFIXES.sub("", folded)
    return _NOT_ALNUM.sub("", folded)


def village_level(code: str) -> Level:
    """Kelurahan, desa or desa adat, from the first of the last four code digits."""
    kind = code.rsplit(".", 1)[-1][0]
    return {"1": "kelurahan", "2": "desa", "3": "desa adat"}.get(kind, "desa")  # type: ignore[return-value]


@dataclass(frozen=True)
class Region:
    """One node of the tree: the city, a kecamatan or a village."""

    code: str
    name: str
    level: Level
    parent: str | None
    aliases: tuple[str, ...] = ()
    children: tuple[str, ...] = field(default=())
    point: tuple[float, float] | None = None  # a village's centroid (lat, lon), if known

    @property
    def compact_code(self) -> str:
        """The code without dots, as deep links carry it (3672011002)."""
        return self.code.replace(".", "")


class RegionIndex:
    """Lookups over one kabupaten/kota."""

    def __init__(self, tree: RegionTree) -> None:
        self._by_code: dict[str, Region] = {}
        self._names: dict[str, dict[str, list[str]]] = {"kecamatan": {}, "village": {}}
        kec_codes = []
        for kec in tree.kecamatan:
            kec_codes.append(kec.code)
            village_codes = []
            for v in kec.villages:
                village_codes.append(v.code)
                point = (v.lat, v.lon) if v.lat is not None and v.lon is not None else None
                region = Region(
                    v.code, v.name, village_level(v.code), kec.code, tuple(v.aliases), (), point
                )
                self._add(region, "village")
            self._add(
                Region(
                    kec.code,
                    kec.name,
                    "kecamatan",
                    tree.code,
                    tuple(kec.aliases),
                    tuple(village_codes),
                ),
                "kecamatan",
            )
        self.city = Region(tree.code, tree.name, "city", None, (), tuple(kec_codes))
        self._by_code[tree.code] = self.city
        self._compact = {r.compact_code: r.code for r in self._by_code.values()}

    def _add(self, region: Region, kind: str) -> None:
        self._by_code[region.code] = region
        for name in (region.name, *region.aliases):
            key = normalize(name)
            codes = self._names[kind].setdefault(key, [])
            if region.code not in codes:
                codes.append(region.code)

    def get(self, code: str) -> Region | None:
        """The region with this code, dotted (36.72.01.1002) or compact (3672011002)."""
        return self._by_code.get(code) or self._by_code.get(self._compact.get(code, ""))

    def __getitem__(self, code: str) -> Region:
        region = self.get(code)
        if region is None:
            raise KeyError(code)
        return region

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and self.get(code) is not None

    @property
    def kecamatan(self) -> list[Region]:
        """Every kecamatan, in configured order."""
        return [self._by_code[c] for c in self.city.children]

    def villages(self, kecamatan_code: str | None = None) -> list[Region]:
        """The villages of one kecamatan, or of the whole city."""
        kecs = [self[kecamatan_code]] if kecamatan_code else self.kecamatan
        return [self._by_code[c] for k in kecs for c in k.children]

    def village_word(self) -> str:
        """'kelurahan', 'desa' or 'desa/kelurahan', whichever this deployment has."""
        levels = {v.level for v in self.villages()}
        if levels == {"kelurahan"}:
            return "kelurahan"
        if "kelurahan" not in levels:
            return "desa"
        return "desa/kelurahan"

    def contains(self, outer: str, inner: str) -> bool:
        """True when region `inner` lies inside (or is) region `outer`."""
        return inner == outer or inner.startswith(outer + ".")

    def search_villages(self, text: str, within: str | None = None, limit: int = 8) -> list[Region]:
        """Villages whose name or alias matches `text`, best first."""
        return self._search("village", text, within, limit)

    def search_kecamatan(self, text: str, limit: int = 8) -> list[Region]:
        """Kecamatan whose name or alias matches `text`, best first."""
        return self._search("kecamatan", text, None, limit)

    def _search(self, kind: str, text: str, within: str | None, limit: int) -> list[Region]:
        query = normalize(text)
        if not query or len(query) > 60:
            return []
        names = self._names[kind]

        def allowed(codes: list[str]) -> list[str]:
            return [c for c in codes if within is None or self.contains(within, c)]

        exact = allowed(names.get(query, []))
        if exact:
            return [self._by_code[c] for c in exact[:limit]]
        found: list[str] = []
        if len(query) >= 3:
            for key, codes in names.items():
                if key.startswith(query) or query in key:
                    found.extend(c for c in allowed(codes) if c not in found)
        if not found:
            close = difflib.get_close_matches(query, list(names), n=limit * 2, cutoff=FUZZY_CUTOFF)
            for key in close:
                found.extend(c for c in allowed(names[key]) if c not in found)
        return [self._by_code[c] for c in found[:limit]]
