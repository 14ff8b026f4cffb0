"""Hoax checks: the archive of verdicts staff gave, and grouping of pending requests.

A request is matched against the archive, and against requests still waiting for staff:
- text, by the content words it shares with a claim (case, punctuation, emoji, links,
  "forwarded many times" noise and common words ignored), so a reworded or re-forwarded
  chain message still matches;
- links, by their address without scheme, `www.` and tracking parameters;
- pictures, by perceptual hash (64-bit, computed by the channel adapter), within a small
  Hamming distance.
Redis keys (owned here):
- `kim:hx:archive` — hash: claim id → JSON {text, words, links, pictures, verdict,
  explanation, sources, at, ticket}.
- `kim:hx:pending` — hash: group id (the first ticket's number) → JSON fingerprint.
- `kim:hx:group:{gid}` — set of tickets waiting for that group's verdict.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

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
PICTURE_DISTANCE = 8
ARCHIVE, PENDING = "kim:hx:archive", "kim:hx:pending"
_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)
_TRACKING = re.compile(r"^(utm_|fbclid|gclid|igshid|si$|s$|ref$)")
NOISE = frozenset(
    [
        "yang",
        "dan",
        "atau",
        "dari",
        "untuk",
        "dengan",
        "pada",
        "adalah",
        "akan",
        "ada",
        "tidak",
        "juga",
        "sudah",
        "saja",
        "karena",
        "bisa",
        "para",
        "kita",
        "kami",
        "anda",
        "mereka",
        "dia",
        "telah",
        "oleh",
        "sebagai",
        "dalam",
        "agar",
        "jika",
        "jadi",
        "lagi",
        "hanya",
        "bahwa",
        "ini",
        "itu",
        "ke",
        "di",
        "nya",
        "pun",
        "lah",
        "kah",
        "mohon",
        "tolong",
        "sebarkan",
        "share",
        "viral",
        "info",
        "berita",
        "pesan",
        "berantai",
        "diteruskan",
        "forwarded",
        "many",
        "times",
        "copas",
        "copy",
        "paste",
        "grup",
        "group",
        "kabar",
        "warga",
        "semua",
        "segera",
        "sekarang",
        "hari",
        "ini",
        "besok",
        "kemarin",
        "dapat",
        "telah",
        "akan",
        "wajib",
        "harap",
        "the",
        "and",
        "for",
        "with",
        "from",
        "that",
        "this",
        "are",
        "was",
        "were",
        "you",
        "your",
    ]
)


def words(text: str) -> frozenset[str]:
    """The content words of a text, folded."""
    return frozenset(w for w in _WORD.findall(_URL.sub(" ", text.casefold())) if w not in NOISE)


def links(text: str) -> frozenset[str]:
    """Links in a text, normalised: no scheme, no www., no tracking parameters."""
    found = set()
    for raw in _URL.findall(text):
        url = raw if raw.lower().startswith("http") else "http://" + raw
        parts = urlsplit(url.rstrip(".,;)!?"))
        host = parts.netloc.lower().removeprefix("www.")
        query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if not _TRACKING.match(k)])
        found.add(host + parts.path.rstrip("/") + ("?" + query if query else ""))
    return frozenset(found)


def picture_distance(a: str, b: str) -> int:
    """Hamming distance of two hex perceptual hashes (64 when incomparable)."""
    try:
        return (int(a, 16) ^ int(b, 16)).bit_count()
    except ValueError:
        return 64


@dataclass(frozen=True)
class Fingerprint:
    """What a request or claim is recognised by."""

    words: frozenset[str] = frozenset()
    links: frozenset[str] = frozenset()
    pictures: tuple[str, ...] = ()

    @classmethod
    def of(cls, text: str, pictures: list[str]) -> Fingerprint:
        """The fingerprint of a request's text and pictures."""
        return cls(words(text), links(text), tuple(p for p in pictures if p))

    @property
    def empty(self) -> bool:
        """Nothing to match on."""
        return not (self.words or self.links or self.pictures)

    def similarity(self, other: Fingerprint) -> float:
        """0..1: 1 for the same link or picture; for text, shared content words."""
        if self.links & other.links:
            return 1.0
        for mine in self.pictures:
            if any(picture_distance(mine, theirs) <= PICTURE_DISTANCE for theirs in other.pictures):
                return 1.0
        shared = self.words & other.words
        if len(shared) < MIN_SHARED_WORDS:
            return 0.0
        jaccard = len(shared) / len(self.words | other.words)
        containment = len(shared) / min(len(self.words), len(other.words))
        return (jaccard + containment) / 2

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

    def add_claim(self, claim: Claim) -> None:
        """Store a verdict so later requests are answered at once."""
        record = {**asdict(claim), "fingerprint": claim.fingerprint.to_json()}
        self.redis.hset(ARCHIVE, claim.id, json.dumps(record))

    def claims(self) -> list[Claim]:
        """Every archived verdict."""
        found = []
        for raw in self.redis.hvals(ARCHIVE):
            data = json.loads(raw)
            data["fingerprint"] = Fingerprint.from_json(data["fingerprint"])
            found.append(Claim(**data))
        return found

    def best_claim(self, fingerprint: Fingerprint) -> tuple[Claim, float] | None:
        """The archived verdict most like this request, if confidently alike."""
        if fingerprint.empty:
            return None
        scored = [(c, fingerprint.similarity(c.fingerprint)) for c in self.claims()]
        scored = [(c, s) for c, s in scored if s >= TEXT_THRESHOLD]
        return max(scored, key=lambda pair: (pair[1], pair[0].at)) if scored else None

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
