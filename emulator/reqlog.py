"""The request log of Bot API calls and per-chat delivery counters."""

from __future__ import annotations

import itertools
import time
from collections import Counter, deque
from dataclasses import dataclass
from typing import Any


@dataclass
class LogEntry:
    """One Bot API call."""

    seq: int
    time: float
    bot_id: int | None
    method: str
    params: dict[str, str]
    status: int
    description: str | None
    duration_ms: float
    via: str

    def to_json(self) -> dict[str, Any]:
        """Return the entry as JSON."""
        return {
            "seq": self.seq,
            "time": self.time,
            "bot_id": self.bot_id,
            "method": self.method,
            "params": self.params,
            "status": self.status,
            "description": self.description,
            "duration_ms": self.duration_ms,
            "via": self.via,
        }


class RequestLog:
    """A bounded log of the most recent Bot API calls."""

    def __init__(self, size: int = 10_000) -> None:
        self.entries: deque[LogEntry] = deque(maxlen=size)
        self._seq = itertools.count(1)
        self.total = 0

    def add(
        self,
        bot_id: int | None,
        method: str,
        params: dict[str, str],
        status: int,
        description: str | None,
        started: float,
        via: str = "http",
    ) -> None:
        """Record one call."""
        self.total += 1
        duration = round((time.monotonic() - started) * 1000, 3)
        self.entries.append(
            LogEntry(
                next(self._seq),
                time.time(),
                bot_id,
                method,
                params,
                status,
                description,
                duration,
                via,
            )
        )

    def query(
        self,
        *,
        bot_id: int | None = None,
        method: str | None = None,
        status: int | None = None,
        after: int = 0,
        limit: int = 1000,
    ) -> list[dict[str, Any]]:
        """Return the newest matching entries in chronological order."""
        out = [
            e
            for e in self.entries
            if e.seq > after
            and (bot_id is None or e.bot_id == bot_id)
            and (method is None or e.method.lower() == method.lower())
            and (status is None or e.status == status)
        ]
        return [e.to_json() for e in out[-limit:]]

    def clear(self) -> None:
        """Forget every entry."""
        self.entries.clear()
        self.total = 0


class DeliveryCounters:
    """How many messages each bot delivered to each chat."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[int, int]] = Counter()

    def count(self, bot_id: int, chat_id: int) -> None:
        """Count one delivered message."""
        self.counts[(bot_id, chat_id)] += 1

    def to_json(self, bot_id: int | None = None) -> dict[str, Any]:
        """Return {"total": N, "chats": {chat_id: N}} (for one bot or all)."""
        chats: Counter[int] = Counter()
        for (bot, chat), n in self.counts.items():
            if bot_id is None or bot == bot_id:
                chats[chat] += n
        return {"total": sum(chats.values()), "chats": {str(k): v for k, v in chats.items()}}

    def clear(self) -> None:
        """Reset every counter."""
        self.counts.clear()
