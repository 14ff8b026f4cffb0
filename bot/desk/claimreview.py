"""ClaimReview in and out: fact-checkers' verdicts into the hoax archive, and ours out.

Import (`read_reviews`, then `plan`, then `HoaxArchive.add_claim` for each claim planned):
- JSON-LD as fact-checkers publish schema.org ClaimReview and Google Fact Check Tools
  reads it: one ClaimReview object, a list of them, an `@graph` (other objects in it, such
  as a WebPage, are passed over), a DataFeed (`dataFeedElement` → DataFeedItem `item`)
  or an ItemList (`itemListElement` → ListItem `item`), nested in any of these ways;
- CSV (UTF-8, comma or semicolon separated) with a header row naming its columns:
  `claim`, `verdict` (both required), `explanation`, `url`, `date` (or in Indonesian
  `klaim`, `putusan`, `penjelasan`, `tautan`, `tanggal`).
From a ClaimReview: the claim is `claimReviewed`; the verdict, `reviewRating`'s
`alternateName` (else its `name`) through `bot.desk.ratings`; the explanation,
`reviewBody`, else `description`, else `name`/`headline`; the sources, the review's `url`,
then its `citation`s, then `itemReviewed.appearance`/`firstAppearance` links; the date,
`datePublished` (ISO 8601; a date alone is midnight in the deployment's zone; none: the
time of the import).

Every problem is collected, named `file:line: …` (CSV) or `file: item N (field.path): …`
(JSON; N counts ClaimReviews from 1 in file order), and any problem means nothing is
imported: `read_reviews` raises `ClaimReviewError` with them all before anything is
written. Files over `MAX_BYTES` or with more than `MAX_ITEMS` reviews are refused.
`plan` skips a duplicate of a verdict in the archive or earlier in the file: by URL, the
same page (scheme, `www.` and a trailing slash aside) on a claim alike (a publisher's
rewording: as alike as a resident's request must be to be answered from the archive), and
by claim, the same text (case, accents and punctuation aside) whatever the page. One page
may review several claims: each is imported. The others become claims with id
`CR-<first 10 hex of sha1(URL and claim, else claim)>` and no ticket.

Export (`write_export`): every archived verdict with text, oldest first, as a JSON list of
ClaimReviews (author: the deployment's operator; `reviewRating` with the 1-5 value of
`bot.desk.ratings`, and as `alternateName` the verdict as residents see it, e.g.
"HOAKS"); exporting and importing again gives the same claims.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from bot.desk.hoaxes import TEXT_THRESHOLD, Claim, Fingerprint, HoaxArchive
from bot.desk.ratings import accepted, rating_value, verdict_of

MAX_BYTES = 20 * 1024 * 1024
MAX_ITEMS = 100_000
MAX_CLAIM = 50_000  # characters: up to ten forwarded messages, as a resident's request
MAX_EXPLANATION = 4096  # what staff can write in one message
MAX_SOURCE = 4096  # characters of one source: a link, or a line staff wrote
MAX_SOURCES = 100
MAX_DEPTH = 12  # wrappers inside wrappers
CSV_COLUMNS = ("claim", "verdict", "explanation", "url", "date")
CSV_ALIASES = {
    "klaim": "claim",
    "putusan": "verdict",
    "penjelasan": "explanation",
    "tautan": "url",
    "tanggal": "date",
}
FUTURE_SLACK = 86_400.0  # a date up to a day ahead is a time zone's doing, not an error
_NOT_WORD = re.compile(r"[\W_]+")


class ClaimReviewError(ValueError):
    """A file that cannot be imported: `problems`, one line each, and a `hint` (the rating
    names understood, when a rating was not) or ""."""

    def __init__(self, problems: list[str], hint: str = "") -> None:
        super().__init__("\n".join([*problems, hint] if hint else problems))
        self.problems = problems
        self.hint = hint


@dataclass(frozen=True)
class Review:
    """One verdict read from a file, checked, not yet in the archive."""

    where: str
    text: str
    verdict: str
    explanation: str
    sources: tuple[str, ...]
    url: str
    at: float


@dataclass
class Plan:
    """What an import writes, and what it skips."""

    claims: list[Claim] = field(default_factory=list)
    by_url: int = 0
    by_claim: int = 0

    @property
    def skipped(self) -> int:
        """Duplicates skipped in all."""
        return self.by_url + self.by_claim


def read_reviews(path: Path, zone: str, now: float) -> list[Review]:
    """Every review in a JSON-LD or CSV file, or ClaimReviewError naming every problem."""
    name = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ClaimReviewError(
                [
                    f"{name}: {size / 1024 / 1024:.1f} MB, more than the "
                    f"{MAX_BYTES // 1024 // 1024} MB an import takes: split it into smaller files"
                ]
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise ClaimReviewError([f"{name}: cannot read: {exc.strerror}"]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ClaimReviewError([f"{name}:{line}: not UTF-8 text: save it as UTF-8"]) from None
    reader = _Reader(name, ZoneInfo(zone), now)
    is_json = path.suffix.lower() in (".json", ".jsonld") or (
        path.suffix.lower() != ".csv" and text.lstrip()[:1] in ("{", "[")
    )
    reviews = reader.json(text) if is_json else reader.csv(text)
    if reader.problems:
        unknown = any("unknown rating" in p for p in reader.problems)
        raise ClaimReviewError(reader.problems, f"ratings understood: {accepted()}" * unknown)
    if not reviews:
        what = "ClaimReview" if is_json else "row"
        raise ClaimReviewError([f"{name}: no {what} in it: nothing to import"])
    return reviews


def claim_key(text: str) -> str:
    """A claim's text as duplicates are found: no case, accents, punctuation or spacing."""
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in plain if not unicodedata.combining(c)).casefold()
    return _NOT_WORD.sub(" ", plain).strip() or text.strip()


def url_key(url: str) -> str:
    """A link as duplicates are found: no scheme, `www.`, fragment or trailing slash."""
    parts = urlsplit(url.strip())
    host = parts.netloc.lower().removeprefix("www.")
    query = f"?{parts.query}" if parts.query else ""
    return f"{host}{parts.path.rstrip('/')}{query}"


def review_url(claim: Claim) -> str:
    """A verdict's own page: the first of its sources that is a link, or ""."""
    return next((line for line in _lines(claim.sources) if _is_link(line)), "")


def plan(archive: HoaxArchive, reviews: list[Review]) -> Plan:
    """The claims to add: each review not already in the archive or earlier in the file."""
    pages = _Pages()
    texts: set[str] = set()
    ids: set[str] = set()
    for claim in archive.each_claim():
        ids.add(claim.id)
        texts.add(claim_key(claim.text))
        if link := review_url(claim):
            pages.add(link, claim.text)
    result = Plan()
    for review in reviews:
        key = claim_key(review.text)
        fingerprint = Fingerprint.of(review.text, [])
        if review.url and pages.holds(review.url, key, fingerprint):
            result.by_url += 1
            continue
        if key in texts:
            result.by_claim += 1
            continue
        named = f"{url_key(review.url)}\n{key}" if review.url else key
        ident = "CR-" + hashlib.sha1(named.encode(), usedforsecurity=False).hexdigest()[:10]
        if ident in ids:  # an earlier import of it, edited since
            result.by_claim += 1
            continue
        ids.add(ident)
        texts.add(key)
        if review.url:
            pages.add(review.url, review.text)
        result.claims.append(
            Claim(
                id=ident,
                text=review.text,
                verdict=review.verdict,
                explanation=review.explanation,
                sources="\n".join(review.sources),
                at=review.at,
                ticket="",
                fingerprint=fingerprint,
            )
        )
    return result


class _Pages:
    """The claims reviewed on each page: one page may review several claims (so a URL alone
    is no duplicate), but the same page on a claim alike is (a publisher's rewording)."""

    def __init__(self) -> None:
        self._texts: dict[str, list[str]] = {}
        self._prints: dict[str, list[Fingerprint]] = {}

    def add(self, url: str, text: str) -> None:
        """A claim reviewed on that page."""
        page = url_key(url)
        self._texts.setdefault(page, []).append(text)
        if page in self._prints:
            self._prints[page].append(Fingerprint.of(text, []))

    def holds(self, url: str, key: str, fingerprint: Fingerprint) -> bool:
        """Whether this page already reviews this claim, or one alike."""
        page = url_key(url)
        texts = self._texts.get(page)
        if not texts:
            return False
        if any(claim_key(text) == key for text in texts):
            return True
        if page not in self._prints:  # fingerprints only for pages that come up again
            self._prints[page] = [Fingerprint.of(text, []) for text in texts]
        return any(fingerprint.similarity(p) >= TEXT_THRESHOLD for p in self._prints[page])


def claim_review(claim: Claim, author: str, zone: str) -> dict[str, Any]:
    """One archived verdict as a schema.org ClaimReview."""
    when = datetime.fromtimestamp(claim.at, ZoneInfo(zone)).replace(microsecond=0)
    item: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "claimReviewed": claim.text,
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": rating_value(claim.verdict),
            "bestRating": 5,
            "worstRating": 1,
            "alternateName": claim.verdict.upper(),
        },
        "itemReviewed": {"@type": "Claim"},
        "author": {"@type": "Organization", "name": author},
        "datePublished": when.isoformat(),
        "inLanguage": "id",
    }
    url = review_url(claim)
    if url:
        item["url"] = url
    if claim.explanation:
        item["reviewBody"] = claim.explanation
    others = [line for line in _lines(claim.sources) if line != url]
    if others:
        item["citation"] = others
    return item


def write_export(archive: HoaxArchive, out: TextIO, author: str, zone: str) -> tuple[int, int]:
    """Every verdict with text, oldest first, as a JSON list of ClaimReviews written to
    `out` a batch at a time; returns (written, left out: a picture alone is no claim text)."""
    order: list[tuple[float, str]] = []
    left_out = 0
    for claim in archive.each_claim():
        if claim.text.strip():
            order.append((claim.at, claim.id))
        else:
            left_out += 1
    order.sort()
    out.write("[")
    written = 0
    for start in range(0, len(order), 500):
        batch = archive.some_claims([ident for _, ident in order[start : start + 500]])
        for claim in batch:
            body = json.dumps(claim_review(claim, author, zone), ensure_ascii=False, indent=2)
            out.write(("\n" if not written else ",\n") + body)
            written += 1
    out.write("\n]\n" if written else "]\n")
    return written, left_out


class _Reader:
    """Reads one file's reviews, collecting every problem."""

    def __init__(self, name: str, zone: ZoneInfo, now: float) -> None:
        self.name, self.zone, self.now = name, zone, now
        self.problems: list[str] = []

    # JSON-LD

    def json(self, text: str) -> list[Review]:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            self.problems.append(f"{self.name}:{exc.lineno}:{exc.colno}: malformed JSON: {exc.msg}")
            return []
        except RecursionError:
            self.problems.append(f"{self.name}: malformed JSON: nested too deeply")
            return []
        found: list[dict[str, Any]] = []
        try:
            _collect(data, 0, found)
        except _TooMany:
            self.problems.append(
                f"{self.name}: more than {MAX_ITEMS:,} ClaimReviews, the most an import "
                "takes: split it into smaller files"
            )
            return []
        except _TooDeep:
            self.problems.append(
                f"{self.name}: ClaimReviews nested more than {MAX_DEPTH} levels deep"
            )
            return []
        reviews = []
        for number, item in enumerate(found, 1):
            review = self._json_review(item, f"{self.name}: item {number}")
            if review is not None:
                reviews.append(review)
        return reviews

    def _json_review(self, item: dict[str, Any], where: str) -> Review | None:
        before = len(self.problems)

        def problem(path: str, what: str) -> None:
            self.problems.append(f"{where} ({path}): {what}")

        claim = _text(item.get("claimReviewed"))
        if claim is None:
            problem("claimReviewed", "missing: the claim's text is required")
        elif len(claim) > MAX_CLAIM:
            problem("claimReviewed", f"{len(claim):,} characters, at most {MAX_CLAIM:,}")
        verdict = self._rating(item.get("reviewRating"), problem)
        explanation, path = "", ""
        for path in ("reviewBody", "description", "name", "headline"):
            explanation = _text(item.get(path)) or ""
            if explanation:
                break
        if len(explanation) > MAX_EXPLANATION:
            problem(
                path,
                f"{len(explanation):,} characters, at most {MAX_EXPLANATION:,}: "
                "a summary in `description` is enough",
            )
        url = ""
        if "url" in item:
            url = self._link(item["url"], "url", problem)
        sources = [url] if url else []
        for key, value in _links_in(item):
            if isinstance(value, dict) and not (value.get("url") or value.get("@id")):
                if not key.startswith("citation"):
                    continue  # an appearance described, not linked: nothing to take
                value = value.get("name")
            text = _text(value)
            if key.startswith("citation") and text and not _is_link(text):
                if len(text) > MAX_SOURCE:
                    problem(key, f"{len(text):,} characters, at most {MAX_SOURCE:,}")
                sources.append(" ".join(text.split()))
            elif link := self._link(value, key, problem):
                sources.append(link)
        sources = list(dict.fromkeys(sources))
        if len(sources) > MAX_SOURCES:
            problem(
                "url, citation, itemReviewed.appearance",
                f"{len(sources)} sources, at most {MAX_SOURCES}",
            )
        at = self._date(item.get("datePublished"), "datePublished", problem)
        if len(self.problems) > before or claim is None or verdict is None or at is None:
            return None
        return Review(where, claim, verdict, explanation, tuple(sources), url, at)

    def _rating(self, rating: Any, problem: Any) -> str | None:
        if isinstance(rating, list):
            rating = next((r for r in rating if isinstance(r, dict)), None)
        if not isinstance(rating, dict):
            problem("reviewRating", "missing: a Rating with an alternateName is required")
            return None
        names = [(k, _text(rating.get(k))) for k in ("alternateName", "name")]
        given = [(k, n) for k, n in names if n]
        if not given:
            problem("reviewRating.alternateName", "missing: the rating's name is required")
            return None
        for _key, name in given:
            if found := verdict_of(name):
                return found
        key, name = given[0]
        problem(f"reviewRating.{key}", f"unknown rating {name!r}")
        return None

    # CSV

    def csv(self, text: str) -> list[Review]:
        first = text.split("\n", 1)[0]
        delimiter = ";" if first.count(";") > first.count(",") else ","
        rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            header = next(rows, None)
        except csv.Error as exc:
            self.problems.append(f"{self.name}:1: {exc}")
            return []
        if header is None or not any(cell.strip() for cell in header):
            self.problems.append(
                f"{self.name}:1: no header: the first row names the columns "
                f"({', '.join(CSV_COLUMNS)})"
            )
            return []
        columns = self._header(header)
        if columns is None:
            return []
        reviews: list[Review] = []
        count = 0
        line = rows.line_num + 1
        while True:
            try:
                row = next(rows)
            except StopIteration:
                break
            except csv.Error as exc:
                self.problems.append(f"{self.name}:{line}: {exc}")
                break
            count += 1
            if count > MAX_ITEMS:
                self.problems.append(
                    f"{self.name}: more than {MAX_ITEMS:,} rows, the most an import takes: "
                    "split it into smaller files"
                )
                return []
            if any(cell.strip() for cell in row):
                review = self._csv_review(row, columns, f"{self.name}:{line}")
                if review is not None:
                    reviews.append(review)
            line = rows.line_num + 1
        return reviews

    def _header(self, header: list[str]) -> dict[str, int] | None:
        columns: dict[str, int] = {}
        for index, cell in enumerate(header):
            name = cell.strip().lower()
            name = CSV_ALIASES.get(name, name)
            if name not in CSV_COLUMNS:
                self.problems.append(
                    f"{self.name}:1: unknown column {cell.strip()!r} "
                    f"(the columns are {', '.join(CSV_COLUMNS)})"
                )
            elif name in columns:
                self.problems.append(f"{self.name}:1: column {name!r} twice")
            else:
                columns[name] = index
        for needed in ("claim", "verdict"):
            if needed not in columns:
                self.problems.append(f"{self.name}:1: no {needed!r} column (it is required)")
        return None if self.problems else columns

    def _csv_review(self, row: list[str], columns: dict[str, int], where: str) -> Review | None:
        before = len(self.problems)

        def problem(column: str, what: str) -> None:
            self.problems.append(f"{where}: {column}: {what}")

        if len(row) > len(columns):
            self.problems.append(f"{where}: {len(row)} fields, the header has {len(columns)}")
            return None
        cells = {name: (row[i].strip() if i < len(row) else "") for name, i in columns.items()}
        claim, explanation = cells["claim"], cells.get("explanation", "")
        if not claim:
            problem("claim", "empty: the claim's text is required")
        elif len(claim) > MAX_CLAIM:
            problem("claim", f"{len(claim):,} characters, at most {MAX_CLAIM:,}")
        verdict = verdict_of(cells["verdict"])
        if not cells["verdict"]:
            problem("verdict", "empty: a verdict is required")
        elif verdict is None:
            problem("verdict", f"unknown rating {cells['verdict']!r}")
        if len(explanation) > MAX_EXPLANATION:
            problem("explanation", f"{len(explanation):,} characters, at most {MAX_EXPLANATION:,}")
        url = self._link(cells["url"], "url", problem) if cells.get("url") else ""
        at = self._date(cells.get("date") or None, "date", problem)
        if len(self.problems) > before or verdict is None or at is None:
            return None
        return Review(where, claim, verdict, explanation, (url,) if url else (), url, at)

    # fields

    def _link(self, value: Any, path: str, problem: Any) -> str:
        link = _text(value)
        if link is None and isinstance(value, dict):
            link = _text(value.get("url") or value.get("@id"))
        if not link or not _is_link(link):
            problem(path, f"not a link (http:// or https://): {_shown(value)}")
            return ""
        if len(link) > MAX_SOURCE:
            problem(path, f"a link of {len(link):,} characters, at most {MAX_SOURCE:,}")
            return ""
        return link

    def _date(self, value: Any, path: str, problem: Any) -> float | None:
        if value is None or value == "":
            return self.now
        text = _text(value)
        when = _parse_date(text, self.zone) if text else None
        if when is None:
            example = "2026-11-03 or 2026-11-03T14:30:00+07:00"
            problem(path, f"not a date like {example}: {_shown(value)}")
            return None
        if when > self.now + FUTURE_SLACK:
            problem(path, f"{text} is in the future")
            return None
        return when


class _TooMany(Exception):
    pass


class _TooDeep(Exception):
    pass


def _types(node: dict[str, Any]) -> set[str]:
    """An object's @type names without their vocabulary ("schema:ClaimReview" → ClaimReview)."""
    found = node.get("@type", [])
    names = found if isinstance(found, list) else [found]
    return {str(n).rsplit("/", 1)[-1].rsplit(":", 1)[-1] for n in names if isinstance(n, str)}


def _collect(node: Any, depth: int, found: list[dict[str, Any]]) -> None:
    """Append every ClaimReview inside `node`, in document order."""
    if depth > MAX_DEPTH:
        raise _TooDeep
    if isinstance(node, list):
        for child in node:
            _collect(child, depth + 1, found)
        return
    if not isinstance(node, dict):
        return
    types = _types(node)
    if "ClaimReview" in types or (not types and "claimReviewed" in node):
        if len(found) >= MAX_ITEMS:
            raise _TooMany
        found.append(node)
        return
    for wrapper in ("@graph", "dataFeedElement", "itemListElement"):
        if wrapper in node:
            _collect(node[wrapper], depth + 1, found)
    if "item" in node and (types & {"DataFeedItem", "ListItem"} or not types):
        _collect(node["item"], depth + 1, found)


def _links_in(item: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """(field path, value) of a ClaimReview's citations and its claim's appearances."""
    for key in ("citation",):
        yield from _each(item.get(key), key)
    reviewed = item.get("itemReviewed")
    if isinstance(reviewed, list):
        reviewed = next((r for r in reviewed if isinstance(r, dict)), None)
    if isinstance(reviewed, dict):
        for key in ("firstAppearance", "appearance"):
            yield from _each(reviewed.get(key), f"itemReviewed.{key}")


def _each(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    if value is None:
        return
    if isinstance(value, list):
        for n, one in enumerate(value):
            yield f"{path}[{n}]", one
    else:
        yield path, value


def _text(value: Any) -> str | None:
    """A JSON-LD text value: a string, a {"@value": …}, or the first of a list of them."""
    if isinstance(value, list):
        return next((t for t in (_text(v) for v in value) if t), None)
    if isinstance(value, dict):
        value = value.get("@value")
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _shown(value: Any) -> str:
    """A bad value, short enough for an error line."""
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "…"


def _is_link(text: str) -> bool:
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in text


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _parse_date(text: str, zone: ZoneInfo) -> float | None:
    """ISO 8601 (a date, or a date and time with or without an offset), or 03-11-2026 and
    03/11/2026 as Indonesians write a date; a time without an offset is the deployment's."""
    text = unicodedata.normalize("NFKC", text).strip()
    try:
        if "T" in text or " " in text or ":" in text:
            when = datetime.fromisoformat(text)
            if when.tzinfo is None:
                when = when.replace(tzinfo=zone)
            return when.timestamp()
        for form in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"):
            try:
                day = datetime.strptime(text, form).date()
            except ValueError:
                continue
            return datetime.combine(day, time(), zone).timestamp()
    except ValueError:
        return None
    return None
