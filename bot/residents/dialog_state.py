"""Where a resident is in a conversation, kept in Redis with a TTL.

Redis key: `kim:dlg:{addr}` — JSON of `DialogState`, expiring `dialog_ttl_minutes` after
the last step, so an abandoned conversation is forgotten on its own.

Every step gets a fresh `nonce` that its buttons carry (`<nonce>.<value>`): a button from
an older step, an older message, or a forged callback does not match and changes nothing.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass, field
from typing import Any

from redis.client import Pipeline

from bot.platform.addresses import Address
from bot.platform.store import Redis


def new_nonce() -> str:
    """A short random step token."""
    return secrets.token_hex(3)


@dataclass
class DialogState:
    """A conversation in progress."""

    flow: str
    step: str
    nonce: str = field(default_factory=new_nonce)
    locale: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    offered: list[str] = field(default_factory=list)


class DialogStore:
    """Load and save conversation state."""

    section = "conversation"

    def __init__(self, redis: Redis, ttl_seconds: int) -> None:
        self.redis = redis
        self.ttl = ttl_seconds

    def load(self, address: Address) -> DialogState | None:
        """The conversation in progress, or None (none, expired, or unreadable)."""
        return self.loaded(self.redis.get(f"kim:dlg:{address}"))

    def queue_load(self, address: Address, pipe: Pipeline) -> int:
        """Queue `load`'s read on `pipe` (to share a round trip); `loaded` reads it.
        How many commands it queued."""
        pipe.get(f"kim:dlg:{address}")
        return 1

    @staticmethod
    def loaded(raw: Any) -> DialogState | None:
        """The state from its stored JSON (None: none, or unreadable)."""
        if not raw:
            return None
        try:
            return DialogState(**json.loads(raw))
        except (ValueError, TypeError):
            return None

    def save(self, address: Address, state: DialogState) -> None:
        """Store the state and restart its TTL."""
        self.redis.set(f"kim:dlg:{address}", json.dumps(asdict(state)), ex=self.ttl)

    def clear(self, address: Address) -> None:
        """End the conversation."""
        self.redis.delete(f"kim:dlg:{address}")

    def export(self, address: Address) -> dict[str, Any]:
        """The conversation in progress, if any."""
        state = self.load(address)
        if state is None or state.flow == "menu":  # "the menu is showing" says nothing
            return {}
        return {"flow": state.flow, "step": state.step, "data": state.data}

    def erase(self, address: Address, pipe: Pipeline) -> None:
        """Forget the conversation."""
        pipe.delete(f"kim:dlg:{address}")

    def readdress(self, old: Address, new: Address, pipe: Pipeline) -> None:
        """The conversation in progress, now under `new`."""
        if self.redis.exists(f"kim:dlg:{old}"):
            pipe.rename(f"kim:dlg:{old}", f"kim:dlg:{new}")
