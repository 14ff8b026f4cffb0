"""The hoax archive's inverted index in Redis: a query reads a bounded candidate set.

Keys (owned here):
- `kim:hx:archive` — hash: claim id → JSON record {id, text, verdict, explanation,
  sources, at, ticket, fingerprint, index (the keys below it is filed under)};
- `kim:hx:t:{term}` — set of claim ids whose text has that term (see hoax_text.terms);
- `kim:hx:l:{link}` — set of claim ids carrying that normalised link;
- `kim:hx:p:{band}:{hex}` — set of claim ids with a picture whose 64-bit perceptual hash
  has those 16 bits in band 0-3. Two hashes within Hamming distance 8 agree within
  distance 2 in at least one band, so a query looks up each band's 137 neighbours;
- `kim:hx:when` — sorted set: claim id → when its verdict was given (the archive newest
  first, a page at a time, for the console);
- `kim:hx:index` — the version of the matching rules the index was built with
  (`hoax_text.rules_version`); another version is re-derived and rebuilt at start.

A record carries the index keys it was filed under, and one Lua script replaces a record
and its index entries together, so a reader never sees a claim indexed under terms it no
longer has, and erasure leaves nothing behind.

A query takes at most `MAX_TERMS` of its terms, rarest first, and reads their members
until `MEMBER_BUDGET` ids have been read; the `CANDIDATES` claims sharing most of those
terms, plus every claim sharing a link or a near picture (up to `CANDIDATES` each), are
the candidates that get scored. Memory and time per query are bounded by those numbers,
whatever the archive's size. A term in more than `MEMBER_BUDGET` claims says too little
to find candidates by; it still counts in the score.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import combinations

from bot.desk.hoax_text import rules_version
from bot.platform.store import Redis

ARCHIVE = "kim:hx:archive"
WHEN = "kim:hx:when"
VERSION_KEY = "kim:hx:index"
TERM, LINK, PICTURE = "kim:hx:t:", "kim:hx:l:", "kim:hx:p:"
MAX_TERMS = 16
MEMBER_BUDGET = 6_000
CANDIDATES = 50
BANDS, BAND_BITS, BAND_RADIUS = 4, 16, 2

# KEYS[1]: the archive hash, KEYS[2]: the claims by time. ARGV[1]: claim id; ARGV[2]:
# the record's JSON, or "" to delete it; ARGV[3]: when its verdict was given; ARGV[4..]:
# the index keys of the new record. Old entries go first.
_PUT = """
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old then
  local ok, data = pcall(cjson.decode, old)
  if ok and type(data) == 'table' and type(data['index']) == 'table' then
    for _, key in ipairs(data['index']) do redis.call('SREM', key, ARGV[1]) end
  end
end
if ARGV[2] == '' then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
for i = 4, #ARGV do redis.call('SADD', ARGV[i], ARGV[1]) end
return 1
"""


# KEYS: a query's term sets. ARGV: the member budget, the most terms to read, how many
# claims to return, how many of the terms read a claim must share (1 when fewer were
# read). The rarest terms are read (within the budget), their members counted here, in
# Redis, and the claims sharing most of them returned, most first. Reads only.
_SHARED = """
local sizes = {}
for i, key in ipairs(KEYS) do sizes[i] = {key, redis.call('SCARD', key)} end
table.sort(sizes, function(a, b) return a[2] < b[2] end)
local budget, most, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local counts, read = {}, 0
for _, entry in ipairs(sizes) do
  if read >= most then break end
  if entry[2] > 0 and entry[2] <= budget then
    budget = budget - entry[2]
    read = read + 1
    for _, member in ipairs(redis.call('SMEMBERS', entry[1])) do
      counts[member] = (counts[member] or 0) + 1
    end
  end
end
local floor = tonumber(ARGV[4])
if read < floor then floor = 1 end
local found = {}
for member, count in pairs(counts) do
  if count >= floor then found[#found + 1] = {member, count} end
end
table.sort(found, function(a, b)
  if a[2] ~= b[2] then return a[2] > b[2] end
  return a[1] < b[1]
end)
local out = {}
for i = 1, math.min(limit, #found) do out[i] = found[i][1] end
return out
"""


def picture_bands(hexhash: str) -> list[str]:
    """A perceptual hash's four 16-bit bands as `band:hex` (none for a malformed hash)."""
    try:
        value = int(hexhash, 16)
    except ValueError:
        return []
    if not 0 <= value < 1 << (BANDS * BAND_BITS):
        return []
    mask = (1 << BAND_BITS) - 1
    return [f"{b}:{(value >> (b * BAND_BITS)) & mask:04x}" for b in range(BANDS)]


def _near(band: str) -> Iterator[str]:
    """A band value and every value within `BAND_RADIUS` bits of it."""
    index, _, hexvalue = band.partition(":")
    value = int(hexvalue, 16)
    for radius in range(BAND_RADIUS + 1):
        for bits in combinations(range(BAND_BITS), radius):
            flipped = value
            for bit in bits:
                flipped ^= 1 << bit
            yield f"{index}:{flipped:04x}"


def index_keys(terms: Iterable[str], links: Iterable[str], pictures: Iterable[str]) -> list[str]:
    """The keys a claim with these terms, links and pictures is filed under."""
    keys = {TERM + t for t in terms} | {LINK + link for link in links}
    keys |= {PICTURE + band for p in pictures for band in picture_bands(p)}
    return sorted(keys)


class ArchiveIndex:
    """Filing records with their index entries, and finding candidates for a query."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._put = redis.register_script(_PUT)
        self._shared = redis.register_script(_SHARED)

    def put(self, claim_id: str, record: str, at: float, keys: list[str]) -> None:
        """Store a record given at `at` (its JSON must list `keys` under "index") and
        index it."""
        self._put(keys=[ARCHIVE, WHEN], args=[claim_id, record, repr(at), *keys])

    def put_many(
        self, entries: Iterable[tuple[str, str, float, list[str]]], batch: int = 500
    ) -> int:
        """`put` for many records, `batch` scripts per round trip (each still atomic)."""
        done = 0
        pipe = self.redis.pipeline(transaction=False)
        for claim_id, record, at, keys in entries:
            self._put(keys=[ARCHIVE, WHEN], args=[claim_id, record, repr(at), *keys], client=pipe)
            done += 1
            if done % batch == 0:
                pipe.execute()
        pipe.execute()
        return done

    def remove(self, claim_id: str) -> None:
        """Delete a record and every index entry of it."""
        self._put(keys=[ARCHIVE, WHEN], args=[claim_id, "", "0"])

    def newest(self, offset: int, count: int) -> tuple[list[str], int]:
        """Claim ids by when their verdict was given, newest first, `count` from `offset`;
        and how many there are."""
        pipe = self.redis.pipeline(transaction=False)
        pipe.zrevrange(WHEN, offset, offset + count - 1)
        pipe.zcard(WHEN)
        ids, total = pipe.execute()
        return [str(i) for i in ids], int(total)

    def current(self) -> bool:
        """Whether the index was built by these matching rules."""
        return self.redis.get(VERSION_KEY) == rules_version()

    def mark_current(self) -> None:
        """Record that the index is built by these matching rules."""
        self.redis.set(VERSION_KEY, rules_version())

    def candidates(
        self,
        terms: Iterable[str],
        links: Iterable[str],
        pictures: Iterable[str],
        min_shared: int = 2,
    ) -> list[str]:
        """Claim ids worth scoring for a query: bounded in number, whatever the archive.
        A claim must share `min_shared` of the terms read (a resident's forwarded message:
        2; a staff member's keywords: 1)."""
        link_keys = [LINK + link for link in links]
        bands = [band for p in pictures for band in picture_bands(p)]
        term_keys = [TERM + t for t in sorted(terms)][: MAX_TERMS * 2]
        pipe = self.redis.pipeline(transaction=False)
        for key in link_keys:
            pipe.srandmember(key, CANDIDATES)
        for band in bands:
            pipe.sunion([PICTURE + near for near in _near(band)])
        if term_keys:
            limits = [MEMBER_BUDGET, MAX_TERMS, CANDIDATES, min_shared]
            self._shared(keys=term_keys, args=limits, client=pipe)
        results = pipe.execute()
        chosen: list[str] = []
        for found in results[: len(link_keys) + len(bands)]:
            chosen.extend(sorted(str(i) for i in found)[:CANDIDATES])
        if term_keys:
            chosen.extend(str(i) for i in results[-1])
        return list(dict.fromkeys(chosen))
