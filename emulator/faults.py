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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

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


class _Rule(Protocol):
    remaining: int

    def to_json(self) -> dict[str, Any]: ...


class _Storm(Protocol):
    until: float


RuleT = TypeVar("RuleT", bound=_Rule)
StormT = TypeVar("StormT", bound=_Storm)


class FaultBook(Generic[RuleT, StormT]):
    """Pending fault rules and a storm: what the Bot API's and the Graph API's fault
    injection share. Subclasses say what a rule and a storm hold and what they answer."""

    def __init__(self) -> None:
        self.rules: list[RuleT] = []
        self.storm: StormT | None = None
        self._ids = itertools.count(1)

    def clear(self) -> None:
        """Remove every rule and stop the storm."""
        self.rules.clear()
        self.storm = None

    def live_storm(self) -> tuple[StormT, float] | None:
        """The storm still blowing and its seconds left (an ended storm is dropped)."""
        if self.storm is None:
            return None
        left = self.storm.until - time.monotonic()
        if left <= 0:
            self.storm = None
            return None
        return self.storm, left

    def take(self, matches: Callable[[RuleT], bool]) -> RuleT | None:
        """Use up one call of the first matching rule (a used-up rule is removed)."""
        for rule in self.rules:
            if matches(rule):
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self.rules.remove(rule)
                return rule
        return None

    def storm_json(self, storm: StormT) -> dict[str, Any]:
        """The storm's own fields, for `to_json`."""
        raise NotImplementedError

    def to_json(self) -> dict[str, Any]:
        """Pending rules and the storm (with its seconds left)."""
        live = self.live_storm()
        storm = {"seconds_left": round(live[1], 3), **self.storm_json(live[0])} if live else None
        return {"rules": [rule.to_json() for rule in self.rules], "storm": storm}


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


class FaultInjector(FaultBook[FaultRule, Storm]):
    """Pending fault rules and the current storm of the Bot API side."""

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

    def storm_json(self, storm: Storm) -> dict[str, Any]:
        """The storm's selector and retry_after."""
        return {"method": storm.method, "retry_after": storm.retry_after, "bot_id": storm.bot_id}

    def pick(self, bot_id: int, method: str) -> tuple[ApiError | None, float]:
        """Return the error to answer with (or None) and a delay for this call."""
        method = method.lower()
        live = self.live_storm()
        if live is not None:
            storm, left = live
            if _matches(storm.method, method) and storm.bot_id in (None, bot_id):
                retry = storm.retry_after or max(1, math.ceil(left))
                return too_many_requests(retry), 0.0
        rule = self.take(lambda r: r.bot_id in (None, bot_id) and _matches(r.method, method))
        if rule is None:
            return None, 0.0
        if rule.kind == "delay":
            return None, rule.delay
        if rule.kind == "429":
            return too_many_requests(rule.retry_after), 0.0
        return ApiError(int(rule.kind), SERVER_ERRORS[rule.kind]), 0.0
