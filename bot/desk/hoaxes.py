"""Hoax checks: the archive of verdicts staff gave, and grouping of pending requests.

A request is matched against the archive, and against requests still waiting for staff:
- text, by the terms it shares with a claim (`bot.desk.hoax_text`: Indonesian stems,
  shorthand spelled out, numbers; forwarding noise and common words ignored), so a
  reworded or re-forwarded chain message still matches;
- links, by their address without scheme, `www.` and tracking parameters (a shared page
  decides; a shared bare site counts as one more term);
- pictures, by perceptual hash (64-bit, computed by the channel adapter), within a small
  Hamming distance.
The archive's records and its index are kept by `bot.desk.hoax_index`.
Redis keys (owned here):
- `kim:hx:pending` — hash: group id (the first ticket's number) → JSON fingerprint.
- `kim:hx:group:{gid}` — set of tickets waiting for that group's verdict.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from bot.desk.hoax_index import ARCHIVE, ArchiveIndex, index_keys
from bot.desk.hoax_text import links, terms
from bot.platform.store import Redis

VERDICTS: tuple[str, ...] = (
    "hoaks",
    "disinformasi",
    "misinformasi",
    "malinformasi",
    "satire",
    "menyesatkan",
    "konteks keliru",
    "konten tiruan",
    "konten palsu",
    "dimanipulasi",
    "penipuan",
    "benar",
    "sebagian benar",
    "belum terverifikasi",
)
TEXT_THRESHOLD = 0.6
MIN_SHARED_WORDS = 4
# Numbers (amounts, dates, phone numbers, as hoax_text.terms writes them) are a claim's
# specifics: two texts that both carry numbers but share none are likely two claims (the
# same scam with another amount, a notice with another date), and sharing them is a sign
# of the same one. Chosen on the labelled sets (docs/benchmarks.md, "Matching quality").
NUMBERS_CONFLICT = 0.7
NUMBERS_SHARED = 0.15
PICTURE_DISTANCE = 8
PENDING = "kim:hx:pending"


def picture_distance(a: str, b: str) -> int:
    """Hamming distance of two hex perceptual hashes (64 when incomparable)."""
    try:
        return (int(a, 16) ^ int(b, 16)).bit_count()
    except ValueError:
        return 64


def _specific(link: str) -> bool:
    """A link to a page, not a bare site: sharing one names the same claim."""
    return "/" in link or "?" in link


def _numbers(words: frozenset[str]) -> frozenset[str]:
    """The terms that hold a digit (an amount, a date, a phone number, a count)."""
    return frozenset(w for w in words if any(ch.isdigit() for ch in w))


@dataclass(frozen=True)
class Fingerprint:
    """What a request or claim is recognised by."""

    words: frozenset[str] = frozenset()
    links: frozenset[str] = frozenset()
    pictures: tuple[str, ...] = ()

    @classmethod
    def of(cls, text: str, pictures: list[str]) -> Fingerprint:
        """The fingerprint of a request's text and pictures."""
        return cls(terms(text), links(text), tuple(p for p in pictures if p))

    @property
    def empty(self) -> bool:
        """Nothing to match on."""
        return not (self.words or self.links or self.pictures)

    def similarity(self, other: Fingerprint) -> float:
        """0..1: 1 for the same page link or a near picture; for text, shared terms (a
        shared bare site counts as one more shared term): mostly how much of the shorter
        text the longer holds, partly how alike the two are overall."""
        shared_links = self.links & other.links
        if any(_specific(link) for link in shared_links):
            return 1.0
        for mine in self.pictures:
            if any(picture_distance(mine, theirs) <= PICTURE_DISTANCE for theirs in other.pictures):
                return 1.0
        ours, others = self.words | self.links, other.words | other.links
        shared = ours & others
        if len(shared) < MIN_SHARED_WORDS:
            return 0.0
        jaccard = len(shared) / len(ours | others)
        containment = len(shared) / min(len(ours), len(others))
        # Containment weighs three times Jaccard: a forward is often a shortened claim,
        # and a resident's question wraps the claim in their own words; either way most
        # of the shorter text is in the longer one (bench/hoax_quality.py).
        score = (jaccard + 3 * containment) / 4
        our_numbers, their_numbers = _numbers(self.words), _numbers(other.words)
        if not (our_numbers and their_numbers):
            return score
        both = our_numbers & their_numbers
        if not both:
            return score * NUMBERS_CONFLICT
        boost = NUMBERS_SHARED * len(both) / len(our_numbers | their_numbers)
        return min(1.0, score * (1 + boost))

    def to_json(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "words": sorted(self.words),
            "links": sorted(self.links),
            "pictures": list(self.pictures),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fingerprint:
        """The form `to_json` wrote."""
        return cls(
            frozenset(data.get("words", [])),
            frozenset(data.get("links", [])),
            tuple(data.get("pictures", [])),
        )


@dataclass
class Claim:
    """A verdict in the archive."""

    id: str
    text: str
    verdict: str
    explanation: str
    sources: str
    at: float
    ticket: str = ""
    fingerprint: Fingerprint = field(default_factory=Fingerprint)


class HoaxArchive:
    """Verdicts given, and requests waiting for one."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self.index = ArchiveIndex(redis)

    def add_claim(self, claim: Claim) -> None:
        """Store (or replace) a verdict, indexed, so later requests are answered at once."""
        self.index.put(*_filed(claim))

    def add_claims(self, claims: Iterable[Claim]) -> int:
        """`add_claim` for many (imports, re-indexing), pipelined; returns how many."""
        return self.index.put_many(_filed(c) for c in claims)

    def remove_claim(self, claim_id: str) -> None:
        """Take a verdict out of the archive and its index."""
        self.index.remove(claim_id)

    def claim(self, claim_id: str) -> Claim | None:
        """One archived verdict."""
        raw = self.redis.hget(ARCHIVE, claim_id)
        return _claim(raw) if raw else None

    def claims(self) -> list[Claim]:
        """Every archived verdict (for exports: a full read)."""
        return [_claim(raw) for raw in self.redis.hvals(ARCHIVE)]

    def each_claim(self, batch: int = 500) -> Iterator[Claim]:
        """Every archived verdict, read `batch` at a time (memory bounded by the batch)."""
        for _, raw in self.redis.hscan_iter(ARCHIVE, count=batch):
            yield _claim(raw)

    def some_claims(self, ids: list[str]) -> list[Claim]:
        """These archived verdicts, in this order (ids not in the archive are left out)."""
        if not ids:
            return []
        return [_claim(raw) for raw in self.redis.hmget(ARCHIVE, ids) if raw]

    def newest(self, offset: int, count: int) -> tuple[list[Claim], int]:
        """A page of the archive, the newest verdicts first, and how many it holds."""
        ids, total = self.index.newest(offset, count)
        return self.some_claims(ids), total

    def count(self) -> int:
        """How many verdicts the archive holds."""
        return int(self.redis.hlen(ARCHIVE))

    def ensure_index(self, pending_text: Callable[[str], str | None] = lambda _group: None) -> int:
        """Re-derive every fingerprint and re-index when the index is of another version
        (or absent: archives from before the index); returns how many were re-indexed.
        Waiting groups are re-derived too, from the text `pending_text` gives for a group
        (its first ticket's), so that a check filed before the upgrade still gathers the
        same claim asked again after it; a group whose text is gone keeps its own."""
        if self.index.current():
            return 0
        claims = [_claim(raw) for _, raw in self.redis.hscan_iter(ARCHIVE, count=500)]
        for claim in claims:
            claim.fingerprint = Fingerprint.of(claim.text, list(claim.fingerprint.pictures))
        done = self.add_claims(claims)
        for group, raw in self.redis.hgetall(PENDING).items():
            text = pending_text(str(group))
            if text is not None:
                pictures = list(Fingerprint.from_json(json.loads(raw)).pictures)
                self.open_group(str(group), Fingerprint.of(text, pictures))
        self.index.mark_current()
        return done

    def scored(
        self, fingerprint: Fingerprint, *, keywords: bool = False
    ) -> list[tuple[Claim, float]]:
        """Candidate verdicts from the index with their similarity, best first (with
        `keywords`, a staff search, claims sharing a single term are candidates too)."""
        if fingerprint.empty:
            return []
        fp = fingerprint
        ids = self.index.candidates(fp.words, fp.links, fp.pictures, 1 if keywords else 2)
        if not ids:
            return []
        found = [(_claim(raw)) for raw in self.redis.hmget(ARCHIVE, ids) if raw]
        scored = [(c, fingerprint.similarity(c.fingerprint)) for c in found]
        return sorted(scored, key=lambda pair: (pair[1], pair[0].at), reverse=True)

    def best_claim(
        self, fingerprint: Fingerprint, threshold: float = TEXT_THRESHOLD
    ) -> tuple[Claim, float] | None:
        """The archived verdict most like this request, if at least `threshold` alike."""
        scored = self.scored(fingerprint)
        return scored[0] if scored and scored[0][1] >= threshold else None

    def pending_group(self, fingerprint: Fingerprint) -> str | None:
        """The waiting group this request belongs to, if any."""
        if fingerprint.empty:
            return None
        best: tuple[str, float] | None = None
        for group, raw in self.redis.hgetall(PENDING).items():
            score = fingerprint.similarity(Fingerprint.from_json(json.loads(raw)))
            if score >= TEXT_THRESHOLD and (best is None or score > best[1]):
                best = (str(group), score)
        return best[0] if best else None

    def open_group(self, group: str, fingerprint: Fingerprint) -> None:
        """A new claim starts waiting for staff."""
        self.redis.hset(PENDING, group, json.dumps(fingerprint.to_json()))

    def join_group(self, group: str, ticket_id: str) -> None:
        """A ticket waits with its group."""
        self.redis.sadd(f"kim:hx:group:{group}", ticket_id)

    def members(self, group: str) -> list[str]:
        """Tickets waiting in a group, in tracking-number order."""
        return sorted(str(t) for t in self.redis.smembers(f"kim:hx:group:{group}"))

    def close_group(self, group: str) -> None:
        """The group got its verdict."""
        pipe = self.redis.pipeline(transaction=True)
        pipe.hdel(PENDING, group)
        pipe.delete(f"kim:hx:group:{group}")
        pipe.execute()


def _claim(raw: str | bytes) -> Claim:
    """A claim from its stored record."""
    data = json.loads(raw)
    data.pop("index", None)
    data["fingerprint"] = Fingerprint.from_json(data["fingerprint"])
    return Claim(**data)


def _filed(claim: Claim) -> tuple[str, str, float, list[str]]:
    """A claim as the index files it: id, record JSON (with its index keys), when, the
    keys."""
    fp = claim.fingerprint
    keys = index_keys(fp.words, fp.links, fp.pictures)
    record = {**asdict(claim), "fingerprint": fp.to_json(), "index": keys}
    return claim.id, json.dumps(record), claim.at, keys
