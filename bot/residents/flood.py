"""Per-resident flood limit: one polite warning, then silence until the minute passes.

Redis key: `kim:flood:{addr}` — counter of messages in the current window (expires with
the window). Other residents are unaffected: each has their own counter.
"""

from __future__ import annotations

from typing import Any, Literal

from redis.client import Pipeline

from bot.platform.addresses import Address
from bot.platform.store import Redis

Verdict = Literal["ok", "warn", "drop"]
WINDOW_SECONDS = 60


class FloodGuard:
    """Counts each resident's messages per window."""

    section = "flood"

    def __init__(self, redis: Redis, per_minute: int) -> None:
        self.redis = redis
        self.per_minute = per_minute

    def queue(self, address: Address, pipe: Pipeline) -> int:
        """Queue the count of one message on `pipe` (it shares the round trip of a turn's
        first reads, bot/dialogs/engine.py); `verdict` reads the results. How many
        commands it queued."""
        key = f"kim:flood:{address}"
        pipe.set(key, 0, ex=WINDOW_SECONDS, nx=True)  # a new window starts expiring
        pipe.incr(key)
        pipe.ttl(key)
        return 3

    def verdict(self, address: Address, results: list[Any]) -> Verdict:
        """The verdict from `queue`'s results."""
        _, count, ttl = results
        if ttl < 0:  # a counter left without expiry (before the SET above): give it one
            self.redis.expire(f"kim:flood:{address}", WINDOW_SECONDS)
        if count <= self.per_minute:
            return "ok"
        return "warn" if count == self.per_minute + 1 else "drop"

    def export(self, address: Address) -> dict[str, Any]:
        """Nothing: a message count that expires within a minute records nothing about you."""
        return {}

    def erase(self, address: Address, pipe: Pipeline) -> None:
        """Forget the counter."""
        pipe.delete(f"kim:flood:{address}")

    def readdress(self, old: Address, new: Address, pipe: Pipeline) -> None:
        """A new address starts with a fresh minute; the old counter goes."""
        pipe.delete(f"kim:flood:{old}")
