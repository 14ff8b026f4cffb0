"""Numbers written in words, in Indonesian, English, Sundanese and Javanese, as digits.

A forward spells out what the archived claim wrote in digits: `lima belas ribu`,
`fifteen thousand`, `limolas ewu` and `Rp 15.000` are one amount, and so are `dua juta
lima ratus ribu` and `2,5 juta`. A run of number words is read the usual way: units and
tens add up, `belas`/`welas` make a teen, `puluh` tens, `ratus`/`atus` hundreds, and each
scale word (`ribu`, `juta`, …) multiplies what came since the last larger one;
`setengah` after a number adds a half (`telung setengah yuta` is 3,500,000). A run that
is only scale words (`ratus ribu`, `juta` alone) or two numbers side by side (`lima
lima`) stays as written.
"""

from __future__ import annotations

import re

_UNITS = {
    # Indonesian
    "nol": 0, "satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6,
    "tujuh": 7, "delapan": 8, "sembilan": 9, "sepuluh": 10, "sebelas": 11,
    # English
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    # Sundanese
    "hiji": 1, "tilu": 3, "opat": 4, "genep": 6, "dalapan": 8, "salapan": 9,
    "sapuluh": 10, "sabelas": 11,
    # Javanese (with the forms used before a unit: rong atus, telung ewu, …)
    "siji": 1, "loro": 2, "rong": 2, "telu": 3, "telung": 3, "papat": 4, "patang": 4,
    "limang": 5, "enem": 6, "nem": 6, "pitu": 7, "pitung": 7, "wolu": 8, "wolung": 8,
    "sanga": 9, "sangang": 9, "sewelas": 11, "rolas": 12, "telulas": 13,
    "patbelas": 14, "limolas": 15, "nembelas": 16, "pitulas": 17, "wolulas": 18,
    "sangalas": 19, "selikur": 21, "selawe": 25, "seket": 50, "sewidak": 60,
}  # fmt: skip
_TEENS = frozenset({"belas", "welas"})
_TENS = frozenset({"puluh", "dasa"})
_HUNDREDS = frozenset({"ratus", "atus", "hundred"})
_ONE_HUNDRED = frozenset({"seratus", "saratus", "satus"})
_SCALES = {
    "ribu": 10**3, "rebu": 10**3, "ewu": 10**3, "thousand": 10**3,
    "juta": 10**6, "yuta": 10**6, "million": 10**6,
    "miliar": 10**9, "milyar": 10**9, "billion": 10**9,
}  # fmt: skip
_ONE_SCALE = {"seribu": 10**3, "sarebu": 10**3, "sewu": 10**3, "sejuta": 10**6, "sayuta": 10**6}
_HALF = frozenset({"setengah", "satengah", "half"})
_VOCABULARY = sorted(
    {*_UNITS, *_TEENS, *_TENS, *_HUNDREDS, *_ONE_HUNDRED, *_SCALES, *_ONE_SCALE, *_HALF},
    key=len,
    reverse=True,
)
_NUMBER_WORD = "(?:" + "|".join(_VOCABULARY) + ")"
_RUN = re.compile(rf"\b{_NUMBER_WORD}(?:(?:[\s-]+|\s+and\s+){_NUMBER_WORD})*\b")


def value(words: list[str]) -> float | None:
    """The number a run of number words says, or None if it says none (scale words
    only) or more than one (`lima lima`)."""
    total, group, last, said = 0.0, 0.0, 0.0, False
    for word in words:
        if word in _UNITS:
            unit = _UNITS[word]
            if last and not (last % 10 == 0 and unit < 10):
                return None  # `lima lima`: two numbers, or a word; not one sum
            last += unit
            said = True
        elif word in _TEENS:
            group, last = group + last + 10, 0.0
        elif word in _TENS:
            group, last = group + (last or 1) * 10, 0.0
        elif word in _ONE_HUNDRED:
            group, last, said = group + last + 100, 0.0, True
        elif word in _HUNDREDS:
            group, last = (group + (last or 1)) * 100, 0.0
        elif word in _HALF:
            last += 0.5
        elif word in _ONE_SCALE:
            total, group, last, said = total + (group + last + 1) * _ONE_SCALE[word], 0, 0, True
        elif word in _SCALES:
            if not (group or last):
                return None
            total, group, last = total + (group + last) * _SCALES[word], 0.0, 0.0
    return total + group + last if said else None


def spelled_numbers(text: str) -> str:
    """`text` (case-folded) with each run of number words replaced by its digits."""

    def digits(match: re.Match[str]) -> str:
        words = [w for w in re.split(r"[\s-]+", match.group()) if w and w != "and"]
        found = value(words)
        if found is None:
            return match.group()
        return f" {int(found)} " if found == int(found) else f" {found} "

    return _RUN.sub(digits, text)
