"""WhatsApp delivery statuses → announcement ledgers, in whatever order they arrive.

The API accepting a message records it `sent`; Meta then reports sent, delivered, read
or failed by webhook, in no guaranteed order. A recipient's state only moves to a better
outcome: sent < failed < delivered < read. A failure replaces the ledger's `sent` with the
failure and its error code; a `failed` that arrives after `delivered` or `read` changes
nothing (the resident has the message), and a `delivered`/`read` after a `failed` puts
the ledger back to sent.
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

from bot.announcements.store import SENT, Announcements
from bot.platform.addresses import Address
from bot.platform.store import Redis

KEEP = 7 * 86400
RANK = {"sent": 1, "failed": 2, "delivered": 3, "read": 4}

# Move a recipient's state forward only, atomically (statuses of one message may be
# handled by several processes at once). The ranks are RANK's.
# KEYS: [1] kim:bc:{id}:wastate
# ARGV: [1] recipient, [2] the new status
# Returns the previous state when the new one replaced it, else false.
ADVANCE = """
local rank = {sent = 1, failed = 2, delivered = 3, read = 4}
local current = redis.call('HGET', KEYS[1], ARGV[1]) or 'sent'
if (rank[ARGV[2]] or 0) > (rank[current] or 0) then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  return current
end
return false
"""


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
    if status not in RANK:
        return announcement_id  # a status the ledger does not track
    state = f"kim:bc:{announcement_id}:wastate"
    previous = redis.register_script(ADVANCE)(keys=[state], args=[recipient, status])
    if not previous:
        return announcement_id  # no better than what is known: a late or repeated status
    if status == "failed":
        announcements.correct(announcement_id, recipient, f"f:whatsapp error {error_code or '?'}")
    elif previous == "failed":
        announcements.correct(announcement_id, recipient, SENT)
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
