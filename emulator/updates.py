"""Per-bot update queues: update ids, allowed_updates filtering and wake-ups.

Each bot has one queue. getUpdates reads it (long polling waits on the
queue's notifier); when a webhook is set the webhook worker drains it instead.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ALL_UPDATE_TYPES = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
    "message_reaction",
    "message_reaction_count",
    "inline_query",
    "chosen_inline_result",
    "callback_query",
    "shipping_query",
    "pre_checkout_query",
    "purchased_paid_media",
    "poll",
    "poll_answer",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "chat_boost",
    "removed_chat_boost",
)
# Telegram leaves these out unless they are listed in allowed_updates explicitly.
OPT_IN_TYPES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class Notifier:
    """Wake every coroutine waiting for a change."""

    def __init__(self) -> None:
        self._waiters: list[asyncio.Future[None]] = []

    def notify(self) -> None:
        """Wake all current waiters."""
        waiters, self._waiters = self._waiters, []
        for fut in waiters:
            if not fut.done():
                fut.set_result(None)

    async def wait(self, seconds: float) -> bool:
        """Wait up to `seconds` for notify(); return True if woken."""
        if seconds <= 0:
            return False
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(fut)
        try:
            await asyncio.wait_for(fut, seconds)
        except TimeoutError:
            return False
        finally:
            if fut in self._waiters:
                self._waiters.remove(fut)
        return True


async def wait_until(notifier: Notifier, ready: Callable[[], object], seconds: float) -> None:
    """Wait until ready() is truthy or `seconds` pass."""
    deadline = time.monotonic() + max(0.0, seconds)
    while not ready():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return
        await notifier.wait(remaining)


@dataclass
class Webhook:
    """A bot's webhook settings and delivery status."""

    url: str
    secret_token: str | None = None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None
    delivered: int = 0


@dataclass
class QueuedUpdate:
    """One update waiting to be fetched or delivered."""

    update_id: int
    kind: str
    payload: dict[str, Any]

    def json(self) -> dict[str, Any]:
        """Return the Update object."""
        return {"update_id": self.update_id, self.kind: self.payload}


@dataclass
class UpdateQueue:
    """Updates of one bot, with Telegram's confirmation-by-offset semantics."""

    last_id: int = 0
    allowed: list[str] | None = None
    webhook: Webhook | None = None
    poll_generation: int = 0
    pending: deque[QueuedUpdate] = field(default_factory=deque)
    notifier: Notifier = field(default_factory=Notifier)

    def is_allowed(self, kind: str) -> bool:
        """Tell whether the bot currently accepts this update type."""
        if not self.allowed:
            return kind not in OPT_IN_TYPES
        return kind in self.allowed

    def push(self, kind: str, payload: dict[str, Any]) -> int | None:
        """Queue an update and return its update_id (None when filtered out)."""
        if not self.is_allowed(kind):
            return None
        self.last_id += 1
        self.pending.append(QueuedUpdate(self.last_id, kind, payload))
        self.notifier.notify()
        return self.last_id

    def set_allowed(self, allowed: list[str] | None) -> None:
        """Change allowed_updates and forget queued updates of other types."""
        self.allowed = allowed
        self.pending = deque(u for u in self.pending if self.is_allowed(u.kind))

    def confirm(self, offset: int) -> None:
        """Forget updates below a positive offset, or all but the last -offset ones."""
        if offset > 0:
            while self.pending and self.pending[0].update_id < offset:
                self.pending.popleft()
        elif offset < 0:
            while len(self.pending) > -offset:
                self.pending.popleft()

    def take(self, limit: int) -> list[dict[str, Any]]:
        """Return up to limit queued updates (they stay until confirmed)."""
        return [u.json() for _, u in zip(range(limit), self.pending, strict=False)]

    def clear(self) -> None:
        """Drop every pending update, keeping the update_id counter."""
        self.pending.clear()
        self.notifier.notify()
