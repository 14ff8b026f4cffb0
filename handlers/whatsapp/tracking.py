"""WhatsApp delivery statuses → announcement ledgers, in whatever order they arrive.

The API accepting a message records it `sent`; Meta then reports sent, delivered, read
or failed by webhook, in no guaranteed order. Delivered/read only ever move forward; a
failure replaces the ledger's `sent` with the failure and its error code.
Redis keys (owned here; message ids are hashed — they embed phone numbers):
- `kim:wa:msg:{hash}` — the announcement a WhatsApp message belongs to (7 days).
- `kim:bc:{id}:wamsg` — hash: message hash → recipient.
- `kim:bc:{id}:wastate` — hash: recipient → sent|delivered|read.
`StatusOwner` is these keys' personal-data owner: erasure and identity moves reach them
through `Privacy`, like every other store's.
"""

from __future__ import annotations

import hashlib
from typing import Any

from redis.client import Pipeline

from bot.announcements.store import Announcements
from bot.platform.addresses import Address
from bot.platform.store import Redis

KEEP = 7 * 86400
ORDER = {"sent": 1, "delivered": 2, "read": 3}


def _hash(message_id: str) -> str:
    return hashlib.blake2b(message_id.encode(), digest_size=12).hexdigest()


def remember(redis: Redis, announcement_id: str, recipient: str, message_id: str) -> None:
    """A broadcast message WhatsApp accepted: which announcement and recipient it is."""
    digest = _hash(message_id)
    pipe = redis.pipeline(transaction=False)
    pipe.set(f"kim:wa:msg:{digest}", announcement_id, ex=KEEP)
    pipe.hset(f"kim:bc:{announcement_id}:wamsg", digest, recipient)
    pipe.hsetnx(f"kim:bc:{announcement_id}:wastate", recipient, "sent")
    pipe.expire(f"kim:bc:{announcement_id}:wamsg", KEEP)
    pipe.expire(f"kim:bc:{announcement_id}:wastate", KEEP)
    pipe.execute()


def apply_status(
    redis: Redis, announcements: Announcements, message_id: str, status: str, error_code: int | None
) -> str | None:
    """Record one status webhook; returns the announcement it concerned, if any."""
    digest = _hash(message_id)
    announcement_id = redis.get(f"kim:wa:msg:{digest}")
    if not announcement_id:
        return None  # not a broadcast message (a reply), or too old
    announcement_id = str(announcement_id)
    recipient = redis.hget(f"kim:bc:{announcement_id}:wamsg", digest)
    if recipient is None:
        return None
    recipient = str(recipient)
    if status == "failed":
        announcements.correct(announcement_id, recipient, f"f:whatsapp error {error_code or '?'}")
        redis.hset(f"kim:bc:{announcement_id}:wastate", recipient, "failed")
        return announcement_id
    current = str(redis.hget(f"kim:bc:{announcement_id}:wastate", recipient) or "sent")
    if ORDER.get(status, 0) > ORDER.get(current, 0):
        redis.hset(f"kim:bc:{announcement_id}:wastate", recipient, status)
    return announcement_id


def tally(redis: Redis, announcement_id: str) -> dict[str, int]:
    """How many WhatsApp recipients are at each status."""
    counts: dict[str, int] = {}
    for state in redis.hvals(f"kim:bc:{announcement_id}:wastate"):
        counts[str(state)] = counts.get(str(state), 0) + 1
    return counts


class StatusOwner:
    """The WhatsApp statuses of broadcast messages, as personal data of their recipients."""

    section = "whatsapp_statuses"

    def __init__(self, redis: Redis, announcements: Announcements) -> None:
        self.redis = redis
        self.announcements = announcements

    def export(self, address: Address) -> dict[str, Any]:
        """Per announcement, how far WhatsApp got with this resident's message."""
        who = str(address)
        found = {}
        for announcement_id in self.announcements.ids():
            state = self.redis.hget(f"kim:bc:{announcement_id}:wastate", who)
            if state is not None:
                found[announcement_id] = str(state)
        return {"statuses": found} if found else {}

    def erase(self, address: Address, pipe: Pipeline) -> None:
        """Forget which messages went to `address` and how far they got."""
        who = str(address)
        for announcement_id in self.announcements.ids():
            base = f"kim:bc:{announcement_id}"
            pipe.hdel(base + ":wastate", who)
            for digest, recipient in self.redis.hscan_iter(base + ":wamsg"):
                if recipient == who:
                    pipe.hdel(base + ":wamsg", digest)

    def readdress(self, old: Address, new: Address, pipe: Pipeline) -> None:
        """The same statuses, now under the resident's new address."""
        was, now = str(old), str(new)
        for announcement_id in self.announcements.ids():
            base = f"kim:bc:{announcement_id}"
            for digest, recipient in self.redis.hscan_iter(base + ":wamsg"):
                if recipient == was:
                    pipe.hset(base + ":wamsg", digest, now)
            state = self.redis.hget(base + ":wastate", was)
            if state is not None:
                pipe.hdel(base + ":wastate", was)
                pipe.hset(base + ":wastate", now, str(state))
