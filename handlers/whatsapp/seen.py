"""Handle each WhatsApp message once: Meta redelivers a webhook it thinks went unanswered.

Redis key: `kim:seen:wa:{sha256 of the message id}` — set when a message is first
handled, expires after a day. The id is hashed because WhatsApp message ids embed the
sender's phone number, and /hapusdata must leave no key that mentions a resident.
"""

from __future__ import annotations

from bot.platform.store import Redis
from handlers.whatsapp.ids import digest

SEEN_TTL = 24 * 3600


def seen_key(message_id: str) -> str:
    """The Redis key marking `message_id` as handled."""
    return f"kim:seen:wa:{digest(message_id)}"


class SeenMessages:
    """Remembers, for a day, which message ids were handled."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    def first_time(self, message_id: str) -> bool:
        """Mark `message_id` handled; True only the first time (atomic SET NX)."""
        return bool(self.redis.set(seen_key(message_id), "1", nx=True, ex=SEEN_TTL))
