"""Fact-checkers' rating names and our verdicts, both ways (for ClaimReview).

Fact-checkers name a ClaimReview's rating in their own words (`reviewRating.alternateName`:
"Salah", "[HOAKS]", "Keliru", "Misleading", "Partly false", …). `verdict_of` maps such a
name to one of `bot.desk.hoaxes.VERDICTS`, ignoring case, accents, brackets and
punctuation ("[SALAH]", "Salah!" and "salah" are one name); every verdict maps to itself.
`rating_value` is the 1-5 number our exported ClaimReviews carry (5 true, 1 false).
"""

from __future__ import annotations

import re
import unicodedata

from bot.desk.hoaxes import VERDICTS

# verdict → the other names fact-checkers give it (Indonesian and English), normalised
SYNONYMS: dict[str, tuple[str, ...]] = {
    "hoaks": (
        "hoax",
        "hoaxes",
        "salah",
        "keliru",
        "palsu",
        "bohong",
        "berita bohong",
        "tidak benar",
        "false",
        "fake",
        "fake news",
        "incorrect",
        "not true",
        "pants on fire",
    ),
    "disinformasi": ("disinformation",),
    "misinformasi": ("misinformation",),
    "malinformasi": ("malinformation",),
    "satire": ("satir", "parodi", "satire parodi", "satire parody", "parody"),
    "menyesatkan": (
        "konten yang menyesatkan",
        "konten menyesatkan",
        "sebagian besar salah",
        "misleading",
        "misleading content",
        "mostly false",
    ),
    "konteks keliru": (
        "konteks yang keliru",
        "konteks salah",
        "konteks yang salah",
        "kurang konteks",
        "butuh konteks",
        "koneksi yang salah",
        "koneksi salah",
        "false context",
        "missing context",
        "out of context",
        "lacks context",
        "needs context",
        "false connection",
    ),
    "konten tiruan": ("tiruan", "imposter content", "impostor content", "imposter", "impostor"),
    "konten palsu": ("fabricated content", "fabricated"),
    "dimanipulasi": (
        "konten yang dimanipulasi",
        "konten dimanipulasi",
        "manipulasi",
        "manipulated",
        "manipulated content",
        "altered",
        "doctored",
    ),
    "penipuan": ("scam", "fraud", "phishing"),
    "benar": ("fakta", "true", "correct", "accurate"),
    "sebagian benar": (
        "sebagian salah",
        "sebagian besar benar",
        "partly true",
        "partly false",
        "partially true",
        "partially false",
        "half true",
        "mostly true",
        "mixture",
    ),
    "belum terverifikasi": (
        "tidak terverifikasi",
        "tidak terbukti",
        "belum terbukti",
        "tidak dapat diverifikasi",
        "tidak bisa diverifikasi",
        "unproven",
        "unverified",
        "unsubstantiated",
        "cannot be verified",
    ),
}

# 5 true … 1 false: where each verdict sits on the scale our exports declare
RATING_VALUE: dict[str, int] = {
    "benar": 5,
    "sebagian benar": 3,
    "belum terverifikasi": 3,
    "satire": 3,
    "menyesatkan": 2,
    "konteks keliru": 2,
    "malinformasi": 2,
    "hoaks": 1,
    "disinformasi": 1,
    "misinformasi": 1,
    "konten tiruan": 1,
    "konten palsu": 1,
    "dimanipulasi": 1,
    "penipuan": 1,
}

_NOT_WORD = re.compile(r"[^0-9a-z]+")


def rating_key(name: str) -> str:
    """A rating name without case, accents, brackets or punctuation: "[SALAH]" → "salah"."""
    plain = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in plain if not unicodedata.combining(c)).casefold()
    return _NOT_WORD.sub(" ", plain).strip()


def _table() -> dict[str, str]:
    table: dict[str, str] = {}
    for verdict in VERDICTS:
        for name in (verdict, *SYNONYMS.get(verdict, ())):
            key = rating_key(name)
            if table.setdefault(key, verdict) != verdict:
                raise AssertionError(f"rating {name!r} means both {table[key]} and {verdict}")
    return table


NAMES: dict[str, str] = _table()


def verdict_of(name: str) -> str | None:
    """Our verdict for a fact-checker's rating name, or None if it is not one we know."""
    return NAMES.get(rating_key(name))


def rating_value(verdict: str) -> int:
    """The 1 (false) … 5 (true) number of a verdict."""
    return RATING_VALUE.get(verdict, 3)


def accepted() -> str:
    """Every rating name understood, grouped by the verdict it gives, for error messages."""
    return "; ".join(
        f"{verdict}: " + ", ".join((verdict, *SYNONYMS.get(verdict, ()))) for verdict in VERDICTS
    )
