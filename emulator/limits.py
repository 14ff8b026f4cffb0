"""Telegram-like flood control: token buckets per bot, per chat and for paid broadcasts.

Only message-sending methods are counted. A limited call answers 429 with
`retry_after` computed from the bucket that ran dry, rounded up to whole
seconds (at least 1), the way Telegram reports it.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from .errors import too_many_requests

SEND_METHODS = frozenset(
    {
        "sendmessage",
        "sendphoto",
        "senddocument",
        "sendvideo",
        "sendaudio",
        "sendanimation",
        "sendvoice",
        "sendvideonote",
        "sendsticker",
        "sendlocation",
        "sendvenue",
        "sendcontact",
        "sendpoll",
        "senddice",
        "sendmediagroup",
        "copymessage",
        "copymessages",
        "forwardmessage",
        "forwardmessages",
    }
)


@dataclass
class RateLimits:
    """Flood-control settings of the emulator (one set shared by every bot)."""

    enabled: bool = True
    global_per_second: float = 30.0
    private_per_second: float = 1.0
    private_burst: int = 3
    group_per_minute: float = 20.0
    group_burst: int = 20
    paid_per_second: float = 1000.0

    def to_json(self) -> dict[str, Any]:
        """Return the settings as JSON."""
        return asdict(self)

    def updated(self, changes: dict[str, Any]) -> RateLimits:
        """Return a copy with some settings changed (unknown keys raise ValueError)."""
        names = {f.name: f.type for f in fields(self)}
        data = asdict(self)
        for key, value in changes.items():
            if key not in names:
                raise ValueError(f"unknown rate-limit setting {key!r}")
            if key == "enabled":
                if not isinstance(value, bool):
                    raise ValueError("enabled must be a boolean")
                data[key] = value
                continue
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise ValueError(f"{key} must be a positive number")
            data[key] = int(value) if key.endswith("burst") else float(value)
        return RateLimits(**data)


@dataclass
class TokenBucket:
    """A classic token bucket."""

    rate: float
    capacity: float
    tokens: float = -1.0
    stamp: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        if self.tokens < 0:
            self.tokens = self.capacity

    def wait_time(self, now: float) -> float:
        """Refill and return how long until one token is available."""
        if now > self.stamp:
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
        if self.tokens >= 1:
            return 0.0
        return (1 - self.tokens) / self.rate

    def take(self) -> None:
        """Consume one token."""
        self.tokens -= 1


class RateLimiter:
    """The buckets of one bot."""

    def __init__(self, limits: RateLimits) -> None:
        self.limits = limits
        self.overall = TokenBucket(limits.global_per_second, max(1.0, limits.global_per_second))
        self.paid = TokenBucket(limits.paid_per_second, max(1.0, limits.paid_per_second))
        self.chats: dict[int, TokenBucket] = {}

    def _chat_bucket(self, chat_id: int, private: bool) -> TokenBucket:
        bucket = self.chats.get(chat_id)
        if bucket is None:
            if private:
                bucket = TokenBucket(self.limits.private_per_second, self.limits.private_burst)
            else:
                bucket = TokenBucket(self.limits.group_per_minute / 60.0, self.limits.group_burst)
            self.chats[chat_id] = bucket
        return bucket

    def check(self, chat_id: int, private: bool, paid: bool) -> None:
        """Consume tokens for one message or raise a 429 ApiError."""
        if not self.limits.enabled:
            return
        now = time.monotonic()
        buckets = [self.paid if paid else self.overall, self._chat_bucket(chat_id, private)]
        wait = max(bucket.wait_time(now) for bucket in buckets)
        if wait > 0:
            raise too_many_requests(max(1, math.ceil(wait)))
        for bucket in buckets:
            bucket.take()


class RateLimitRegistry:
    """Rate limiters of every bot, sharing one settings object."""

    def __init__(self, limits: RateLimits | None = None) -> None:
        self.limits = limits or RateLimits()
        self.by_bot: dict[int, RateLimiter] = {}

    def for_bot(self, bot_id: int) -> RateLimiter:
        """Return (creating) the limiter of a bot."""
        limiter = self.by_bot.get(bot_id)
        if limiter is None:
            limiter = self.by_bot[bot_id] = RateLimiter(self.limits)
        return limiter

    def configure(self, limits: RateLimits) -> None:
        """Replace the settings and start with full buckets."""
        self.limits = limits
        self.by_bot.clear()

    def reset(self) -> None:
        """Refill every bucket."""
        self.by_bot.clear()
