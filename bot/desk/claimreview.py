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

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from bot.desk.claimreview_reader import Reader, Review, is_link
from bot.desk.hoaxes import TEXT_THRESHOLD, Claim, Fingerprint, HoaxArchive
from bot.desk.ratings import accepted, rating_value

MAX_BYTES = 20 * 1024 * 1024
_NOT_WORD = re.compile(r"[\W_]+")


class ClaimReviewError(ValueError):
    """A file that cannot be imported: `problems`, one line each, and a `hint` (the rating
    names understood, when a rating was not) or ""."""

    def __init__(self, problems: list[str], hint: str = "") -> None:
        super().__init__("\n".join([*problems, hint] if hint else problems))
        self.problems = problems
        self.hint = hint


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
    reader = Reader(name, ZoneInfo(zone), now)
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
    return next((line for line in _lines(claim.sources) if is_link(line)), "")


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
        if review.url and pages.holds(review.url, key, review.text):
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
                fingerprint=Fingerprint.of(review.text, []),
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

    def holds(self, url: str, key: str, text: str) -> bool:
        """Whether this page already reviews this claim (`key` its `claim_key`), or one alike."""
        page = url_key(url)
        texts = self._texts.get(page)
        if not texts:
            return False
        if any(claim_key(text) == key for text in texts):
            return True
        if page not in self._prints:  # fingerprints only for pages that come up again
            self._prints[page] = [Fingerprint.of(text, []) for text in texts]
        fingerprint = Fingerprint.of(text, [])
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


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]
