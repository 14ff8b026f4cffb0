"""What a hoax claim is recognised by in text: Indonesian terms, numbers and links.

A chain message is reworded, shortened and re-forwarded; these survive it:
- forwarding noise ("Diteruskan berkali-kali", "Forwarded many times", in the four
  languages) is stripped;
- accents are dropped (Sundanese and Javanese `é`, `è`, `ô`: `dicorét` → `dicoret`);
- letters repeated for emphasis are folded (`hoaxxx` → `hoax`), and digits used as
  letters inside words (`v4ksin` → `vaksin`);
- chat shorthand is spelled out from a shipped dictionary (`utk` → `untuk`, `gak` →
  `tidak`, `bansos` → `bantuan sosial`: `data/shorthand.tsv`);
- English, Sundanese and Javanese words read as the Indonesian word an archived claim
  would use (`data/glossary.tsv`), after their own affixes are taken off when the word
  itself is not listed (`vaccines` → `vaccine`, `stopped` → `stop`, `diumumkeun` →
  `umum`, `anake` → `anak`, `dijupuk` → `jupuk`); their function words are dropped;
- words are stemmed with Sastrawi, the Indonesian stemmer (`divaksin` → `vaksin`), and a
  noun in `-asi`/`-isasi` whose root is a dictionary word becomes that root (`vaksinasi`
  → `vaksin`);
- common words are dropped (Sastrawi's stop words and chain-message filler), but not
  negations, which change what a claim says;
- numbers stay, normalised: amounts without separators (`Rp 1.500.000`, `1,5 jt`,
  `500rb`, `Rp 175 million`, `300 ewu`, and in words: `sejuta`, `lima belas ribu`,
  `limolas ewu`, bot/desk/spelled_numbers.py), phone numbers as 62…
  (`0812-3456-7890`, `+62 812 3456 7890`), dates as day-month-year;
- links are kept apart, with or without a scheme (`bit.ly/Abc`, `www.x.com`,
  `bansos-kemensos.xyz/daftar`): no scheme, no `www.`, no tracking parameters; the
  path keeps its case, as link shorteners need.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from importlib import resources
from urllib.parse import parse_qsl, urlencode, urlsplit

from Sastrawi.Dictionary.ArrayDictionary import ArrayDictionary
from Sastrawi.Stemmer.Stemmer import Stemmer
from Sastrawi.Stemmer.StemmerFactory import StemmerFactory
from Sastrawi.StopWordRemover.StopWordRemoverFactory import StopWordRemoverFactory

from bot.desk.spelled_numbers import spelled_numbers

_TLDS = (
    "com|net|org|info|biz|xyz|top|site|online|club|shop|store|link|click|live|app|io|me|ly|"
    "id|co|tk|ml|ga|cf|gq|in|us|cc|tv|pw|ws|my|sg|ru|cn|gl|gd|to|is|li|at|gy|su|news|web|icu"
)
_URL = re.compile(
    r"(?:https?://|www\.)\S+"
    rf"|(?<![\w@.-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:{_TLDS})\b(?:/[^\s]*)?",
    re.IGNORECASE,
)
_TRACKING = re.compile(r"^(utm_|fbclid|gclid|igshid|si$|s$|ref$)")
_FORWARDED = re.compile(
    r"diteruskan\s+berkali-kali|forwarded\s+many\s+times|diteraskeun\s+sababaraha\s+kali"
    r"|diterusake\s+kaping-kaping|diteruskan|forwarded|diteraskeun|diterusake",
    re.IGNORECASE,
)
_REPEATS = re.compile(r"([^\W\d_])\1{2,}")
# "bener gak sih?": a question, not a negation.
_ASKING = re.compile(
    r"\b(?:bener|benar|betul|beneran)\s+(?:gak|ga|nggak|enggak|tidak|tdk|gk|ngga|engga)\b"
)
# Jakarta colloquial verb forms, tried when Sastrawi does not know a word: nyoblos →
# coblos, nyebar → sebar, ngelacak → lacak, ngungsi → ungsi, nempel → tempel, ditempelin
# → ditempel.
_COLLOQUIAL = (
    (re.compile(r"^nge(?=[a-z]{3})"), ("",)),
    (re.compile(r"^ny(?=[aeiou])"), ("c", "s")),
    (re.compile(r"^ng(?=[aeiou])"), ("", "k")),
    (re.compile(r"^n(?=[aeiou])"), ("t",)),
    (re.compile(r"^m(?=[aeiou])"), ("p",)),
    (re.compile(r"in$"), ("",)),
)
_LEET = {"4": "a", "3": "e", "1": "i", "0": "o", "5": "s", "7": "t", "@": "a", "$": "s"}
_LEET_INSIDE = re.compile(r"(?<=[^\W\d_])[431057@$]+(?=[^\W\d_])")
_PHONE = re.compile(r"(?<![\d+])(?:\+?62[ \t.-]?|0)8\d(?:[ \t.-]?\d){6,11}(?!\d)")  # one line
_DATE = re.compile(r"(?<!\d)(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})(?!\d)")
_AMOUNT = re.compile(
    r"(?<![\d.,])(\d{1,3}(?:[.,]\d{3})+|\d+(?:[.,]\d+)?)\s*"
    r"(jt|juta|yuta|million|mln|rb|ribu|rebu|ewu|thousand|k|miliar|milyar|billion|triliun)?\b",
    re.IGNORECASE,
)
_UNIT = re.compile(r"(?<=\d)(kg|gb|mb|km|va|mg|ml|cm|mm|sr)\b")  # 3kg is 3 kg, 75GB 75 GB
_TOKEN = re.compile(r"\d+[^\W\d_]+|[^\W\d_]+|\d+", re.UNICODE)  # 5g stays one token
_SCALE = {
    **dict.fromkeys(("jt", "juta", "yuta", "million", "mln"), 10**6),
    **dict.fromkeys(("rb", "ribu", "rebu", "ewu", "thousand", "k"), 10**3),
    **dict.fromkeys(("miliar", "milyar", "billion"), 10**9),
    "triliun": 10**12,
}
# Affixes of English, Sundanese and Javanese words, taken off (longest first) when the
# word is neither Indonesian nor in the glossary; the rest must be one of the two.
# English endings: the word without them must be in the glossary (`vaccines`, `stopped`).
_ENGLISH_SUFFIXES = (("ies", "y"), ("ied", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", ""))
# Sundanese and Javanese endings: the rest may also be an Indonesian root (`statusna`).
_REGIONAL_SUFFIXES = (
    *(("keunana", ""), ("keun", ""), ("anana", "an"), ("na", ""), ("ana", "")),  # Sundanese
    *(("nipun", ""), ("ipun", ""), ("ake", ""), ("ke", ""), ("ne", ""), ("e", "")),  # Javanese
    *(("an", ""), ("i", "")),
)
_FOREIGN_PREFIXES = ("dipun", "di", "ka", "nga", "ng", "ny", "pa", "sa", "ke", "n", "m", "")
NEGATIONS = frozenset({"tidak", "bukan", "belum", "jangan"})
MIN_WORD = 3


class _SetDictionary(ArrayDictionary):  # type: ignore[misc]
    """Sastrawi's dictionary as a set: its own is a list, searched for every lookup."""

    def __init__(self, words: list[str]) -> None:
        self.words = {w for w in words if w.strip()}

    def contains(self, word: str) -> bool:
        return word in self.words

    def count(self) -> int:
        return len(self.words)

    def add(self, word: str) -> None:
        if word and word.strip():
            self.words.add(word)


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer:
    """Sastrawi's stemmer with its root-word dictionary (loaded once)."""
    return Stemmer(_SetDictionary(StemmerFactory().get_words_from_file()))


@lru_cache(maxsize=1)
def shorthand() -> dict[str, tuple[str, ...]]:
    """The shipped shorthand dictionary: short form → the words it stands for."""
    text = _data("shorthand.tsv")
    table: dict[str, tuple[str, ...]] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            short, _, long = line.partition("\t")
            table[short] = tuple(long.split())
    return table


def _data(name: str) -> str:
    """A shipped data file of this package."""
    return resources.files("bot.desk").joinpath(f"data/{name}").read_text("utf-8")


# Bumped when a change to this module changes what `terms` gives for a text.
RULES = "5"
DATA_FILES = ("shorthand.tsv", "glossary.tsv", "filler.txt")


@lru_cache(maxsize=1)
def rules_version() -> str:
    """What `terms` is computed by: `RULES` and a digest of the word lists, so that any
    change to either (an upgrade) re-derives every stored fingerprint."""
    digest = hashlib.sha256("".join(_data(name) for name in DATA_FILES).encode())
    return f"{RULES}:{digest.hexdigest()[:12]}"


@lru_cache(maxsize=1)
def glossary() -> dict[str, str]:
    """English, Sundanese and Javanese words → the Indonesian an archived claim uses."""
    entries = (line.partition("\t") for line in _data("glossary.tsv").splitlines())
    return {plain(w): plain(long) for w, _, long in entries if w and not w.startswith("#")}


@lru_cache(maxsize=50_000)
def foreign_word(token: str) -> str | None:
    """The Indonesian a word of English, Sundanese or Javanese reads as: its glossary
    entry (the glossary lists no word that is also Indonesian in its own right, such as
    `bumi`); else, unless Sastrawi finds an Indonesian root in it, the entry of the word
    without its affixes (or the Indonesian root those affixes were put on: `diumumkeun`
    → `umum`); None when nothing is found."""
    table, known = glossary(), _stemmer().dictionary
    if token in table:  # listed: even a word Sastrawi's dictionary also has (`hospital`)
        return table[token]
    if known.contains(token) or known.contains(stem(token)):  # Indonesian, maybe affixed
        return None
    for base, regional in _bases(token):
        if base in table:
            return table[base]
        if regional and len(base) >= MIN_WORD + 1 and known.contains(base):
            return base
    return None


def _bases(token: str) -> Iterator[tuple[str, bool]]:
    """`token` without its affixes, longest first, each with whether the affixes were
    Sundanese or Javanese ones (so the rest may be an Indonesian root): an English ending
    (a doubled last consonant undone: `stopped` → `stop`), or a regional prefix and up
    to two regional suffixes (`kakuatanana` → `kuat`)."""
    for suffix, replacement in _ENGLISH_SUFFIXES:
        if token.endswith(suffix) and len(token) - len(suffix) >= MIN_WORD:
            base = token[: -len(suffix)] + replacement
            yield base, False
            if len(base) > MIN_WORD and base[-1] == base[-2] and base[-1] not in "aeiou":
                yield base[:-1], False
    for prefix in _FOREIGN_PREFIXES:
        if not token.startswith(prefix) or len(token) - len(prefix) < MIN_WORD + 1:
            continue
        rest = token[len(prefix) :]
        if prefix:
            yield rest, True
        for suffix, replacement in _REGIONAL_SUFFIXES:
            if not rest.endswith(suffix) or len(rest) - len(suffix) < MIN_WORD:
                continue
            base = rest[: -len(suffix)] + replacement
            yield base, True
            for second, again in _REGIONAL_SUFFIXES:
                if base.endswith(second) and len(base) - len(second) >= MIN_WORD:
                    yield base[: -len(second)] + again, True


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """Words that say nothing about a claim: Sastrawi's stop words and chain-message
    filler (`data/filler.txt`), negations excepted."""
    lines = [line for line in _data("filler.txt").splitlines() if not line.startswith("#")]
    filler = frozenset(plain(" ".join(lines)).split())
    return (frozenset(StopWordRemoverFactory().get_stop_words()) | filler) - NEGATIONS


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """A word's Indonesian root; `-asi`/`-isasi` nouns become their root word."""
    stemmer = _stemmer()
    root = str(stemmer.stem(word)) or word
    if not stemmer.dictionary.contains(root):
        root = _colloquial(word, stemmer) or root
    for suffix in ("isasi", "asi"):
        base = root.removesuffix(suffix)
        if base != root and len(base) >= MIN_WORD and stemmer.dictionary.contains(base):
            return base
    return root


def _colloquial(word: str, stemmer: Stemmer) -> str | None:
    """The dictionary root of a colloquial form, if a rewrite finds one."""
    for pattern, replacements in _COLLOQUIAL:
        if not pattern.search(word):
            continue
        for replacement in replacements:
            root = str(stemmer.stem(pattern.sub(replacement, word, count=1)))
            if root and stemmer.dictionary.contains(root):
                return root
    return None


def plain(text: str) -> str:
    """Case-folded and without accents (`Dicorét` → `dicoret`)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Case-folded, accents, forwarding noise and "is it true?" gone, repeated letters
    folded."""
    return _REPEATS.sub(r"\1", _ASKING.sub(" ", _FORWARDED.sub(" ", plain(text))))


def unleet(text: str) -> str:
    """Digits used as letters inside words read as those letters (`v4ksin` → `vaksin`);
    run after numbers are taken out, so `Rp150rb` stays an amount."""
    return _LEET_INSIDE.sub(lambda m: "".join(_LEET[c] for c in m.group()), text)


def links(text: str) -> frozenset[str]:
    """Links in a text, normalised: no scheme, no www., no tracking parameters."""
    found = set()
    for raw in _URL.findall(text):
        url = raw if raw.lower().startswith("http") else "http://" + raw
        parts = urlsplit(url.rstrip(".,;:)!?\"'"))
        host = parts.netloc.lower().removeprefix("www.")
        query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if not _TRACKING.match(k)])
        found.add(host + parts.path.rstrip("/") + ("?" + query if query else ""))
    return frozenset(found)


def _amount(match: re.Match[str]) -> str:
    """A number without separators, times its scale word (1,5 jt → 1500000)."""
    digits, scale = match.group(1), (match.group(2) or "").lower()
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", digits) and not scale:
        return f" {digits.replace('.', '').replace(',', '')} "
    value = float(digits.replace(",", "."))
    return f" {round(value * _SCALE.get(scale, 1))} "


def numbers(text: str) -> tuple[list[str], str]:
    """Phone numbers, dates and amounts as tokens, and the text without them."""
    found: list[str] = []

    def phone(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group())
        found.append("62" + digits.removeprefix("62").removeprefix("0"))
        return " "

    def day(match: re.Match[str]) -> str:
        d, m, y = (int(g) for g in match.groups())
        found.append(f"{d}-{m}-{y if y > 99 else 2000 + y}")
        return " "

    text = _PHONE.sub(phone, text)
    text = _DATE.sub(day, text)
    text = spelled_numbers(_UNIT.sub(r" \1", text))
    text = _AMOUNT.sub(_amount, text)
    return found, text


def terms(text: str) -> frozenset[str]:
    """The terms a claim is matched by: stemmed content words and normalised numbers."""
    found, rest = numbers(fold(_URL.sub(" ", text)))
    rest = _REPEATS.sub(r"\1", unleet(rest))
    table, noise = shorthand(), stop_words()
    out = set(found)
    for token in _TOKEN.findall(rest):
        if token not in table and token not in noise:  # filler read as filler (`sareng`)
            token = foreign_word(token) or token
        if token.isdigit():
            if len(token) >= 2:
                out.add(token.lstrip("0") or "0")
            continue
        if token[0].isdigit():  # 5g, 4g, 2x
            out.add(token)
            continue
        for word in table.get(token, tuple(token.split())):
            if word in noise or (len(word) < MIN_WORD and word not in NEGATIONS):
                continue
            root = stem(word)
            if root not in noise:
                out.add(root)
    return frozenset(out)
