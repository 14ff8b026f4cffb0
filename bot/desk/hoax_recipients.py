"""Who received an archived verdict: so that a correction or a retraction reaches them.

Two kinds of resident received a verdict: those whose hoax check was a ticket of the
claim's group (they got it as the ticket's answer), and those `/cekhoaks` answered at
once from the archive. The first are found through the claim's tickets, recorded here
when the verdict is given (for verdicts given before this record existed, the ticket
store finds its group's tickets: `Tickets.of_group`); the second are recorded here when
the answer is shown.

Redis keys (all owned here):
- `kim:hx:rcpt:{claim}` — sorted set: resident address → when the archive answered them
  with that claim. At most `MAX_PER_CLAIM` (the newest kept); entries older than
  `RETENTION_DAYS` are trimmed on the next write, and the key expires that long after it.
- `kim:hx:rcpt:of:{addr}` — set of claims the archive answered a resident with (for
  `/dataku`, `/hapusdata` and address moves); expires with them.
- `kim:hx:rcpt:recent` — sorted set: claim → when the archive last answered with it (which
  claims to count in trends without reading every claim).
- `kim:hx:tix:{claim}` — set of the tickets that got the claim's verdict (ids only).
Each archive answer also counts as an instant check in the dashboard's counters
(bot/insights/counters.py), in the same transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from redis.client import Pipeline

from bot.insights import counters
from bot.platform.addresses import Address
from bot.platform.store import Redis

MAX_PER_CLAIM = 10_000
RETENTION_DAYS = 180
RECENT = "kim:hx:rcpt:recent"


def _claim_key(claim_id: str) -> str:
    return f"kim:hx:rcpt:{claim_id}"


def _resident_key(address: Address) -> str:
    return f"kim:hx:rcpt:of:{address}"


def _tickets_key(claim_id: str) -> str:
    return f"kim:hx:tix:{claim_id}"


class HoaxRecipients:
    """The record of who received which archived verdict."""

    section = "hoax_answers"

    def __init__(self, redis: Redis, timezone: str = "UTC") -> None:
        self.redis = redis
        self.timezone = timezone

    # -- recording -------------------------------------------------------------------

    def record(self, claim_id: str, address: Address, now: float, village: str = "") -> None:
        """The archive answered `address` (of kelurahan `village`) with `claim_id` at `now`."""
        keep = RETENTION_DAYS * 86400
        key, mine = _claim_key(claim_id), _resident_key(address)
        pipe = self.redis.pipeline(transaction=True)
        week = counters.week_of(now, self.timezone)
        counters.hoax_checked(pipe, village, claim_id, week, instant=True)
        pipe.zadd(key, {str(address): now})
        pipe.zremrangebyscore(key, "-inf", f"({now - keep!r}")
        pipe.zremrangebyrank(key, 0, -MAX_PER_CLAIM - 1)
        pipe.expire(key, keep)
        pipe.sadd(mine, claim_id)
        pipe.expire(mine, keep)
        pipe.zadd(RECENT, {claim_id: now})
        pipe.zremrangebyscore(RECENT, "-inf", f"({now - keep!r}")
        pipe.execute()

    def record_tickets(self, claim_id: str, ticket_ids: list[str]) -> None:
        """The tickets that received the claim's verdict."""
        if ticket_ids:
            self.redis.sadd(_tickets_key(claim_id), *ticket_ids)

    def forget(self, claim_id: str, pipe: Pipeline | None = None) -> None:
        """The claim left the archive: nobody is told about it any more."""
        target = pipe if pipe is not None else self.redis.pipeline(transaction=True)
        target.delete(_claim_key(claim_id), _tickets_key(claim_id))
        target.zrem(RECENT, claim_id)
        if pipe is None:
            target.execute()

    # -- reading ---------------------------------------------------------------------

    def answered(self, claim_id: str, since: float = 0.0) -> list[tuple[Address, float]]:
        """Residents the archive answered with the claim (since `since`), oldest first."""
        found = cast(
            list[tuple[str, float]],
            self.redis.zrangebyscore(_claim_key(claim_id), since, "+inf", withscores=True),
        )
        return [(Address.parse(str(a)), float(at)) for a, at in found]

    def answered_addresses(self, claim_id: str) -> list[str]:
        """The addresses (as stored) the archive answered with the claim, for counting."""
        return [str(a) for a in self.redis.zrange(_claim_key(claim_id), 0, -1)]

    def recent_claims(self, since: float) -> list[str]:
        """Claims the archive answered someone with since `since`."""
        return [str(c) for c in self.redis.zrangebyscore(RECENT, since, "+inf")]

    def tickets(self, claim_id: str) -> list[str]:
        """The tickets recorded as having received the claim's verdict."""
        return sorted(str(t) for t in self.redis.smembers(_tickets_key(claim_id)))

    # -- personal data ---------------------------------------------------------------

    def export(self, address: Address) -> dict[str, Any]:
        """Which archived verdicts answered the resident, and when (ISO 8601, UTC)."""
        claims = sorted(str(c) for c in self.redis.smembers(_resident_key(address)))
        pipe = self.redis.pipeline(transaction=False)
        for claim_id in claims:
            pipe.zscore(_claim_key(claim_id), str(address))
        answered = {
            claim_id: datetime.fromtimestamp(float(at), ZoneInfo("UTC")).isoformat()
            for claim_id, at in zip(claims, pipe.execute(), strict=True)
            if at is not None
        }
        return {"archive_answers": answered} if answered else {}

    def erase(self, address: Address, pipe: Pipeline) -> None:
        """Take the resident out of every claim's recipients."""
        mine = _resident_key(address)
        for claim_id in self.redis.smembers(mine):
            pipe.zrem(_claim_key(str(claim_id)), str(address))
        pipe.delete(mine)

    def readdress(self, old: Address, new: Address, pipe: Pipeline) -> None:
        """The resident's place among each claim's recipients, now under `new`."""
        mine = _resident_key(old)
        for claim_id in self.redis.smembers(mine):
            key = _claim_key(str(claim_id))
            at = self.redis.zscore(key, str(old))
            if at is not None:
                pipe.zrem(key, str(old))
                pipe.zadd(key, {str(new): at})
        if self.redis.exists(mine):
            pipe.rename(mine, _resident_key(new))
