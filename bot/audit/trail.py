"""The audit trail: one entry per action an inspector may ask about, append-only.

Each entry is a Redis stream entry whose id is the moment it was recorded (milliseconds
from the services' clock, a sequence number after it when several fall in one
millisecond), with the fields: at (seconds), actor (an address such as `tg:700000001`,
or `operator` for the command line, `system` for jobs), actor_name, role, action (a key
of `ACTIONS`), object (what was acted on: `broadcast:12`, `ticket:ASP-2611-0042`), scope
(comma-separated region codes or `komunitas:<slug>`) and detail (a JSON object of counts
and short values). Nothing rewrites an entry; the retention trim (XTRIM MINID, from the
worker's daily maintenance) drops whole entries older than the retention period.

A resident is never written by their address: entries about one carry their pseudonym
(`p:` + 24 hex digits of HMAC-SHA256 of the address under a per-deployment key), in the
actor, the object or a detail value. Each pseudonym written is indexed, so /dataku finds
a resident's entries without reading the whole trail.

Redis keys (all owned here):
- `kim:audit` — stream: the trail.
- `kim:audit:key` — the deployment's pseudonym key (64 hex digits), created once.
- `kim:audit:of:{pseudonym}` — sorted set: ids of the entries carrying a pseudonym →
  their millisecond; expires with the retention period after its last entry.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from redis.client import Pipeline

from bot.audit.actions import ACTIONS
from bot.platform.addresses import Address
from bot.platform.clock import Clock
from bot.platform.store import Redis

STREAM = "kim:audit"
KEY = "kim:audit:key"
PSEUDONYM = re.compile(r"^p:[0-9a-f]{24}$")
PAGE = 500  # entries read per round trip
DAY = 86400

# KEYS: [1] the stream
# ARGV: [1] the moment in milliseconds, [2..] field/value pairs
# Returns the new entry's id: `<ms>-0`, or, when the stream already holds an id at or
# past that millisecond (several entries in one, or a clock set back), the next id after
# it. Redis 6.2 has no `<ms>-*` ids of its own; its last-generated-id survives trims.
_ADD = """
local ms = ARGV[1]
local seq = 0
if redis.call('EXISTS', KEYS[1]) == 1 then
  local info = redis.call('XINFO', 'STREAM', KEYS[1])
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' then
      local last_ms, last_seq = string.match(info[i + 1], '^(%d+)-(%d+)$')
      if string.len(last_ms) > string.len(ms)
          or (string.len(last_ms) == string.len(ms) and last_ms >= ms) then
        ms = last_ms
        seq = tonumber(last_seq) + 1
      end
    end
  end
end
return redis.call('XADD', KEYS[1], ms .. '-' .. seq, unpack(ARGV, 2))
"""


@dataclass(frozen=True)
class AuditEntry:
    """One entry of the trail."""

    id: str
    at: float
    actor: str
    actor_name: str
    role: str
    action: str
    object: str
    scope: str
    detail: Mapping[str, str | int] = field(default_factory=dict)

    @property
    def pseudonyms(self) -> set[str]:
        """Every resident's pseudonym the entry carries."""
        values = [self.actor, self.object, *(str(v) for v in self.detail.values())]
        return {v for v in values if PSEUDONYM.match(v)}


def _ms(moment: float) -> int:
    return int(moment * 1000)


def _index_key(pseudonym: str) -> str:
    return f"kim:audit:of:{pseudonym}"


class AuditTrail:
    """Record and read the trail; pseudonyms for residents."""

    def __init__(self, redis: Redis, clock: Clock, retention_days: int) -> None:
        self.redis = redis
        self.clock = clock
        self.retention_days = retention_days
        self._add = redis.register_script(_ADD)
        self._key: bytes | None = None

    # -- writing ------------------------------------------------------------------

    def record(
        self,
        action: str,
        *,
        actor: str,
        actor_name: str,
        role: str,
        object: str = "",
        scope: str = "",
        detail: Mapping[str, str | int] | None = None,
        pipeline: Pipeline | None = None,
    ) -> str:
        """Append one entry now; return its stream id ("" when queued on `pipeline`, which
        then carries the entry in the caller's transaction). An action outside `ACTIONS`
        raises ValueError: the export could not name it."""
        if action not in ACTIONS:
            raise ValueError(f"{action!r} is not an audit action (bot/audit/actions.py)")
        entry = AuditEntry(
            "", self.clock.now(), actor, actor_name, role, action, object, scope, detail or {}
        )
        fields = {
            "at": repr(entry.at),
            "actor": actor,
            "actor_name": actor_name,
            "role": role,
            "action": action,
            "object": object,
            "scope": scope,
            "detail": json.dumps(dict(entry.detail), ensure_ascii=False, sort_keys=True),
        }
        args: list[Any] = [_ms(entry.at)]
        for name, value in fields.items():
            args += [name, value]
        pipe = pipeline if pipeline is not None else self.redis.pipeline(transaction=True)
        self._add(keys=[STREAM], args=args, client=pipe)
        # The index gets the entry's millisecond; its exact id is read back at export.
        for pseudonym in entry.pseudonyms:
            pipe.zadd(_index_key(pseudonym), {str(_ms(entry.at)): _ms(entry.at)})
            pipe.expire(_index_key(pseudonym), self.retention_days * DAY)
        if pipeline is not None:
            return ""
        return str(pipe.execute()[0])

    def trim(self) -> int:
        """Drop the entries older than the retention period; return how many."""
        cutoff = _ms(self.clock.now() - self.retention_days * DAY)
        return int(self.redis.xtrim(STREAM, minid=f"{cutoff}-0", approximate=False))

    # -- reading ------------------------------------------------------------------

    def entries(
        self, start: float, end: float, *, action_prefix: str = "", actor: str = ""
    ) -> list[AuditEntry]:
        """The entries recorded in [start, end), oldest first, optionally only one action
        family (`broadcast.`) or one actor."""
        return [
            e
            for e in self._scan(f"{_ms(start)}-0", f"({_ms(end)}-0")
            if e.action.startswith(action_prefix) and (not actor or e.actor == actor)
        ]

    def _scan(self, low: str, high: str) -> Iterator[AuditEntry]:
        """Every entry between two stream ids, a page per round trip."""
        while True:
            page: list[tuple[str, dict[str, str]]] = self.redis.xrange(
                STREAM, low, high, count=PAGE
            )  # type: ignore[assignment]  # decoded: str ids and fields
            for entry_id, raw in page:
                yield _entry(entry_id, raw)
            if len(page) < PAGE:
                return
            low = "(" + page[-1][0]

    # -- residents ----------------------------------------------------------------

    def pseudonym(self, address: Address) -> str:
        """The resident's pseudonym: the same address always gives the same one, and
        without the deployment's key nobody can tell whose it is."""
        digest = hmac.new(self._secret(), str(address).encode(), hashlib.sha256).hexdigest()
        return "p:" + digest[:24]

    def _secret(self) -> bytes:
        if self._key is None:
            self.redis.set(KEY, secrets.token_bytes(32).hex(), nx=True)
            self._key = bytes.fromhex(str(self.redis.get(KEY)))
        return self._key

    def about(self, address: Address) -> list[AuditEntry]:
        """The entries carrying the resident's pseudonym, oldest first."""
        pseudonym = self.pseudonym(address)
        index = _index_key(pseudonym)
        cutoff = _ms(self.clock.now() - self.retention_days * DAY)
        self.redis.zremrangebyscore(index, "-inf", f"({cutoff}")
        pipe = self.redis.pipeline(transaction=False)
        for ms in self.redis.zrange(index, 0, -1):  # a few entries at most in each
            pipe.xrange(STREAM, f"{ms!s}-0", f"{ms!s}-18446744073709551615")
        found = [_entry(i, raw) for page in pipe.execute() for i, raw in page]
        return [e for e in found if pseudonym in e.pseudonyms]

    def export(self, address: Address) -> dict[str, Any]:
        """For /dataku: what the trail holds about the resident (their pseudonym's entries).

        The trail is no personal-data owner of bot/residents/privacy.py: an erasure leaves
        its entries (which carry only the pseudonym) and writes one more."""
        found = self.about(address)
        if not found:
            return {}
        return {
            "pseudonym": self.pseudonym(address),
            "entries": [
                {
                    "at": e.at,
                    "action": e.action,
                    "object": e.object,
                    "scope": e.scope,
                    "by": e.role,  # staff, system: never a staff member's name
                    "detail": dict(e.detail),
                }
                for e in found
            ],
        }


def _entry(entry_id: str, raw: Mapping[str, str]) -> AuditEntry:
    try:
        detail = json.loads(raw.get("detail") or "{}")
    except ValueError:
        detail = {}
    return AuditEntry(
        id=entry_id,
        at=float(raw.get("at") or 0),
        actor=raw.get("actor", ""),
        actor_name=raw.get("actor_name", ""),
        role=raw.get("role", ""),
        action=raw.get("action", ""),
        object=raw.get("object", ""),
        scope=raw.get("scope", ""),
        detail=detail if isinstance(detail, dict) else {},
    )
