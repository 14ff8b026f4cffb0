"""Fault injection: make upcoming Bot API calls fail or stall on demand.

A rule answers the next `count` matching calls with a 429 (with retry_after),
a 500/502, or delays them by `delay` seconds before normal processing. A storm
answers every matching call with 429 until it ends. Rules match one method
(case-insensitive), `send` (any message-sending method) or, by default, any
method except getUpdates, so a polling bot is not starved by accident.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass
from typing import Any

from .errors import ApiError, too_many_requests
from .limits import SEND_METHODS

KINDS = ("429", "500", "502", "delay")
SERVER_ERRORS = {"500": "Internal Server Error", "502": "Bad Gateway"}


def _matches(selector: str | None, method: str) -> bool:
    if selector is None or selector in ("", "*"):
        return method != "getupdates"
    if selector == "send":
        return method in SEND_METHODS
    return selector.lower() == method


@dataclass
class FaultRule:
    """One injected fault."""

    id: int
    kind: str
    remaining: int
    method: str | None = None
    retry_after: int = 1
    delay: float = 0.0
    bot_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the rule as JSON."""
        return {
            "id": self.id,
            "kind": self.kind,
            "remaining": self.remaining,
            "method": self.method,
            "retry_after": self.retry_after,
            "delay": self.delay,
            "bot_id": self.bot_id,
        }


@dataclass
class Storm:
    """A period during which matching calls answer 429."""

    until: float
    method: str | None
    retry_after: int | None
    bot_id: int | None


class FaultInjector:
    """Pending fault rules and the current storm."""

    def __init__(self) -> None:
        self.rules: list[FaultRule] = []
        self.storm: Storm | None = None
        self._ids = itertools.count(1)

    def add(
        self,
        kind: str,
        count: int = 1,
        *,
        method: str | None = None,
        retry_after: int = 1,
        delay: float = 0.0,
        bot_id: int | None = None,
    ) -> FaultRule:
        """Queue a fault for the next `count` matching calls."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")
        if count < 1 or retry_after < 1 or delay < 0:
            raise ValueError("count and retry_after must be >= 1, delay >= 0")
        rule = FaultRule(next(self._ids), kind, count, method, retry_after, delay, bot_id)
        self.rules.append(rule)
        return rule

    def start_storm(
        self,
        seconds: float,
        *,
        method: str | None = None,
        retry_after: int | None = None,
        bot_id: int | None = None,
    ) -> Storm:
        """Answer every matching call with 429 for the next `seconds`."""
        if seconds <= 0:
            raise ValueError("seconds must be > 0")
        self.storm = Storm(time.monotonic() + seconds, method, retry_after, bot_id)
        return self.storm

    def clear(self) -> None:
        """Remove every rule and stop the storm."""
        self.rules.clear()
        self.storm = None

    def to_json(self) -> dict[str, Any]:
        """Return the pending faults as JSON."""
        storm = None
        if self.storm is not None:
            left = self.storm.until - time.monotonic()
            if left > 0:
                storm = {
                    "seconds_left": round(left, 3),
                    "method": self.storm.method,
                    "retry_after": self.storm.retry_after,
                    "bot_id": self.storm.bot_id,
                }
        return {"rules": [rule.to_json() for rule in self.rules], "storm": storm}

    def pick(self, bot_id: int, method: str) -> tuple[ApiError | None, float]:
        """Return the error to answer with (or None) and a delay for this call."""
        method = method.lower()
        storm = self.storm
        if storm is not None:
            left = storm.until - time.monotonic()
            if left <= 0:
                self.storm = None
            elif _matches(storm.method, method) and storm.bot_id in (None, bot_id):
                retry = storm.retry_after or max(1, math.ceil(left))
                return too_many_requests(retry), 0.0
        for rule in self.rules:
            if rule.bot_id not in (None, bot_id) or not _matches(rule.method, method):
                continue
            rule.remaining -= 1
            if rule.remaining <= 0:
                self.rules.remove(rule)
            if rule.kind == "delay":
                return None, rule.delay
            if rule.kind == "429":
                return too_many_requests(rule.retry_after), 0.0
            return ApiError(int(rule.kind), SERVER_ERRORS[rule.kind]), 0.0
        return None, 0.0
