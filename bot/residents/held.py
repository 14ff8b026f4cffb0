"""Messages held for a WhatsApp resident whose 24-hour window was closed.

Only an approved template may reach them then ("your ticket … has an answer: reply to
read it"); the message itself waits here and goes out with the answer to their next
message, when the window is open again.
Redis key: `kim:held:{addr}` — list of JSON replies (kept 30 days).
"""

from __future__ import annotations

import json
from typing import Any

from redis.client import Pipeline

from bot.platform.addresses import Address
from bot.platform.messages import Reply, reply_from_dict, reply_to_dict
from bot.platform.store import Redis

KEEP = 30 * 86400
MAX_HELD = 20


class HeldMessages:
    """Hold and release messages per resident."""

    section = "held messages"

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    def hold(self, address: Address, reply: Reply) -> None:
        """Keep a message until the resident writes again."""
        key = f"kim:held:{address}"
        pipe = self.redis.pipeline(transaction=True)
        pipe.rpush(key, json.dumps(reply_to_dict(reply)))
        pipe.ltrim(key, -MAX_HELD, -1)
        pipe.expire(key, KEEP)
        pipe.execute()

    def release(self, address: Address) -> list[Reply]:
        """Everything held for this resident, oldest first; the list is emptied."""
        key = f"kim:held:{address}"
        pipe = self.redis.pipeline(transaction=True)
        pipe.lrange(key, 0, -1)
        pipe.delete(key)
        raw, _ = pipe.execute()
        return [reply_from_dict(json.loads(item)) for item in raw]

    def export(self, address: Address) -> dict[str, Any]:
        """How many messages wait for the resident."""
        count = int(self.redis.llen(f"kim:held:{address}"))
        return {"waiting": count} if count else {}

    def erase(self, address: Address, pipe: Pipeline) -> None:
        """Forget held messages."""
        pipe.delete(f"kim:held:{address}")

    def readdress(self, old: Address, new: Address, pipe: Pipeline) -> None:
        """Held messages, now waiting for `new`."""
        if self.redis.exists(f"kim:held:{old}"):
            pipe.rename(f"kim:held:{old}", f"kim:held:{new}")
