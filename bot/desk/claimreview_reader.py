"""Reading ClaimReview JSON-LD and CSV text into checked `Review`s, every problem named.

`Reader(name, zone, now).json(text)` / `.csv(text)` return the reviews that are whole and
append one line per problem to `reader.problems`: `name: item N (field.path): …` for
JSON (N counts the ClaimReviews found, from 1, in file order) and `name:LINE: column: …`
for CSV (the line its row starts on). What each field becomes: bot/desk/claimreview.py.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from bot.desk.ratings import verdict_of

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
Problem = Callable[[str, str], None]  # (field, what is wrong)


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


class Reader:
    """Reads one file's reviews, collecting every problem."""

    def __init__(self, name: str, zone: ZoneInfo, now: float) -> None:
        self.name, self.zone, self.now = name, zone, now
        self.problems: list[str] = []

    # JSON-LD

    def json(self, text: str) -> list[Review]:
        """The ClaimReviews of a JSON-LD text, in file order."""
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

        raw = item.get("claimReviewed")
        claim = _text(raw)
        if raw is None:
            problem("claimReviewed", "missing: the claim's text is required")
        elif claim is None and isinstance(raw, str | dict | list):
            problem("claimReviewed", "empty: the claim's text is required")
        elif claim is None:
            problem("claimReviewed", f"not text: {_shown(raw)}")
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
            if key.startswith("citation") and text and not is_link(text):
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

    def _rating(self, rating: Any, problem: Problem) -> str | None:
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
        """The rows of a CSV text with a header row."""
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

    def _link(self, value: Any, path: str, problem: Problem) -> str:
        link = _text(value)
        if link is None and isinstance(value, dict):
            link = _text(value.get("url") or value.get("@id"))
        if not link or not is_link(link):
            problem(path, f"not a link (http:// or https://): {_shown(value)}")
            return ""
        if len(link) > MAX_SOURCE:
            problem(path, f"a link of {len(link):,} characters, at most {MAX_SOURCE:,}")
            return ""
        return link

    def _date(self, value: Any, path: str, problem: Problem) -> float | None:
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
    yield from _each(item.get("citation"), "citation")
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


def is_link(text: str) -> bool:
    """An http(s) address with a host and no spaces."""
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in text


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
