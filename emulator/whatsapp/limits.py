"""Throughput and pair limits, fault injection, the request log and delivery counts.

- Throughput: a token bucket per business number holding one second's worth of messages
  (Meta's default 80/s); an empty bucket answers 130429.
- Pair limit: more than `pair_limit` messages to one person within `pair_window` seconds
  answers 131056 (a sliding window per recipient).
- Faults: the next N matching Graph API calls answer a chosen error code (or wait first);
  a storm answers every matching call with a code (130429 by default) for some seconds.
Rejected calls consume nothing.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter, deque
from dataclasses import dataclass
from typing import Any

from emulator.faults import FaultBook

from .errors import KNOWN, GraphError

ENDPOINTS = ("messages", "media", "media_url", "download", "*")


class Throughput:
    """A token bucket: `rate` messages per second, bursting to one second's worth."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.tokens = max(1.0, rate)
        self.stamp = time.monotonic()

    def _refill(self) -> None:
        """Add the tokens earned since the last look, up to the capacity."""
        current = time.monotonic()
        capacity = max(1.0, self.rate)
        self.tokens = min(capacity, self.tokens + (current - self.stamp) * self.rate)
        self.stamp = current

    def available(self) -> bool:
        """True if a message may go out now."""
        self._refill()
        return self.tokens >= 1.0

    def take(self) -> None:
        """Use one token (after `available()` said yes)."""
        self._refill()
        self.tokens -= 1.0


class PairLimits:
    """Messages per recipient within a sliding window."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self.sent: dict[str, deque[float]] = {}

    def _recent(self, key: str) -> deque[float]:
        """The send times to `key` still inside the window (older ones are dropped)."""
        stamps = self.sent.setdefault(key, deque())
        horizon = time.monotonic() - self.window
        while stamps and stamps[0] <= horizon:
            stamps.popleft()
        return stamps

    def available(self, key: str) -> bool:
        """True if one more message to `key` stays within the limit."""
        return len(self._recent(key)) < self.limit

    def take(self, key: str) -> None:
        """Count one message to `key`."""
        self._recent(key).append(time.monotonic())


@dataclass
class FaultRule:
    """The next `remaining` matching calls answer `code` (after `delay` seconds)."""

    id: int
    code: int | None
    remaining: int
    endpoint: str = "messages"
    status: int | None = None
    delay: float = 0.0
    details: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The rule as JSON."""
        return {
            "id": self.id,
            "code": self.code,
            "remaining": self.remaining,
            "endpoint": self.endpoint,
            "status": self.status,
            "delay": self.delay,
            "details": self.details,
        }


@dataclass
class Storm:
    """Until `until` (monotonic), every matching call answers `code`."""

    until: float
    code: int
    endpoint: str


class WaFaults(FaultBook[FaultRule, Storm]):
    """Pending fault rules and the current storm of the Graph API side."""

    def add(
        self,
        code: int | None,
        count: int = 1,
        *,
        endpoint: str = "messages",
        status: int | None = None,
        delay: float = 0.0,
        details: str | None = None,
    ) -> FaultRule:
        """Queue a fault: the next `count` calls to `endpoint` answer `code`.

        `code` None with a `delay` only slows the calls down.
        """
        if endpoint not in ENDPOINTS:
            raise ValueError(f"endpoint must be one of {', '.join(ENDPOINTS)}")
        if count < 1 or delay < 0:
            raise ValueError("count must be >= 1 and delay >= 0")
        if code is None and delay <= 0:
            raise ValueError("give an error code, a delay, or both")
        if status is not None and not 400 <= status <= 599:
            raise ValueError("status must be an HTTP error status (400-599)")
        rule = FaultRule(next(self._ids), code, count, endpoint, status, delay, details)
        self.rules.append(rule)
        return rule

    def start_storm(self, seconds: float, code: int = 130429, endpoint: str = "messages") -> Storm:
        """Answer every matching call with `code` for `seconds`."""
        if seconds <= 0:
            raise ValueError("seconds must be > 0")
        if endpoint not in ENDPOINTS:
            raise ValueError(f"endpoint must be one of {', '.join(ENDPOINTS)}")
        self.storm = Storm(time.monotonic() + seconds, code, endpoint)
        return self.storm

    def storm_json(self, storm: Storm) -> dict[str, Any]:
        """The storm's code and endpoint."""
        return {"code": storm.code, "endpoint": storm.endpoint}

    def pick(self, endpoint: str) -> tuple[GraphError | None, float]:
        """The error to answer a call to `endpoint` with (or None), and a delay."""
        live = self.live_storm()
        if live is not None and live[0].endpoint in ("*", endpoint):
            return GraphError(live[0].code), 0.0
        rule = self.take(lambda r: r.endpoint in ("*", endpoint))
        if rule is None:
            return None, 0.0
        if rule.code is None:
            return None, rule.delay
        error = GraphError(rule.code, rule.details, status=rule.status)
        if rule.code not in KNOWN and rule.details is None:
            error.details = "Injected by the emulator's fault rules."
        return error, rule.delay


@dataclass
class GraphLogEntry:
    """One Graph API call."""

    seq: int
    time: float
    method: str
    endpoint: str
    path: str
    recipient: str | None
    type: str | None
    status: int
    code: int | None
    message_id: str | None
    duration_ms: float

    def to_json(self) -> dict[str, Any]:
        """The entry as JSON."""
        return {
            "seq": self.seq,
            "time": self.time,
            "method": self.method,
            "endpoint": self.endpoint,
            "path": self.path,
            "recipient": self.recipient,
            "type": self.type,
            "status": self.status,
            "code": self.code,
            "message_id": self.message_id,
            "duration_ms": self.duration_ms,
        }


class GraphLog:
    """A bounded log of Graph API calls and delivered counts per recipient."""

    def __init__(self, size: int = 10_000) -> None:
        self.entries: deque[GraphLogEntry] = deque(maxlen=size)
        self.delivered: Counter[str] = Counter()
        self.total = 0
        self._seq = itertools.count(1)

    def add(
        self,
        method: str,
        endpoint: str,
        path: str,
        status: int,
        started: float,
        *,
        recipient: str | None = None,
        kind: str | None = None,
        code: int | None = None,
        message_id: str | None = None,
    ) -> None:
        """Record one call."""
        self.total += 1
        self.entries.append(
            GraphLogEntry(
                next(self._seq),
                time.time(),
                method,
                endpoint,
                path,
                recipient,
                kind,
                status,
                code,
                message_id,
                round((time.monotonic() - started) * 1000, 3),
            )
        )

    def query(
        self,
        *,
        endpoint: str | None = None,
        code: int | None = None,
        status: int | None = None,
        recipient: str | None = None,
        after: int = 0,
        limit: int = 1000,
    ) -> list[dict[str, Any]]:
        """The newest matching entries, oldest first."""
        found = [
            e
            for e in self.entries
            if e.seq > after
            and (endpoint is None or e.endpoint == endpoint)
            and (code is None or e.code == code)
            and (status is None or e.status == status)
            and (recipient is None or e.recipient == recipient)
        ]
        return [e.to_json() for e in found[-limit:]] if limit > 0 else []

    def clear(self) -> None:
        """Forget every entry."""
        self.entries.clear()
        self.total = 0

    def deliveries(self) -> dict[str, Any]:
        """`{"total": N, "recipients": {key: N}}` of accepted, deliverable messages."""
        return {"total": sum(self.delivered.values()), "recipients": dict(self.delivered)}
