"""One-time invitation links that give a role: `t.me/<bot>?start=inv_<token>`.

A superadmin (or an admin, for kelurahan inside their kecamatan) creates an invitation
for one role and scope with `/undang` (bot/dialogs/invite.py). The token is random
(`secrets.token_urlsafe`, 144 bits), travels only in the link, and is stored as its
SHA-256: whoever reads Redis cannot open an invitation. It works once, for `VALID_HOURS`;
afterwards its record stays `KEEP_DAYS` more, so that an old link gets "already used" or
"expired" rather than "not valid".

Redis keys (owned here):
- `kim:inv:{sha256(token)}` — hash: kind, scope, by (the inviter's address), at,
  expires, state (`open`, `used`, `declined`), used_by, used_at; expires `KEEP_DAYS`
  after the invitation does.
Taking an invitation (`take`) is one Lua script: it checks the state and the expiry and
marks it used or declined in one step, so two people opening the same link at once
cannot both get the role.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Literal, cast

from bot.people.grants import Kind
from bot.platform.store import Redis

VALID_HOURS = 72
KEEP_DAYS = 30
PREFIX = "inv_"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,40}$")
State = Literal["open", "used", "declined", "expired", "unknown"]

# KEYS: [1] the invitation; ARGV: [1] now, [2] new state, [3] who
# Returns the state it was in: "open" (now taken), or why it could not be taken.
_TAKE = """
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 'unknown' end
if state ~= 'open' then return state end
if tonumber(redis.call('HGET', KEYS[1], 'expires')) <= tonumber(ARGV[1]) then
  return 'expired'
end
redis.call('HSET', KEYS[1], 'state', ARGV[2], 'used_by', ARGV[3], 'used_at', ARGV[1])
return 'open'
"""


def _key(token: str) -> str:
    return "kim:inv:" + digest(token)


def digest(token: str) -> str:
    """What an invitation is stored under (and named by in the audit trail)."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Invitation:
    """An invitation as stored (never with its token)."""

    id: str  # the token's SHA-256
    kind: Kind
    scope: str
    by: str
    at: float
    expires: float
    state: State
    used_by: str = ""


class Invitations:
    """Creating, reading and taking invitations."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._take = redis.register_script(_TAKE)

    def create(self, kind: Kind, scope: str, by: str, now: float) -> tuple[str, Invitation]:
        """A new invitation; returns its token (for the link, shown once) and its record."""
        token = secrets.token_urlsafe(18)
        expires = now + VALID_HOURS * 3600
        fields: dict[str, str | float] = {
            "kind": kind,
            "scope": scope,
            "by": by,
            "at": now,
            "expires": expires,
            "state": "open",
        }
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(_key(token), mapping=fields)  # type: ignore[arg-type]
        pipe.expire(_key(token), VALID_HOURS * 3600 + KEEP_DAYS * 86400)
        pipe.execute()
        return token, Invitation(digest(token), kind, scope, by, now, expires, "open")

    def get(self, token: str, now: float) -> Invitation | None:
        """The invitation a link's token names (state `expired` once past its time), or
        None for a token that is malformed or was never issued (or is long gone)."""
        if not _TOKEN.match(token):
            return None
        raw = cast(dict[str, str], self.redis.hgetall(_key(token)))
        if not raw or raw.get("kind") not in ("admin", "staff"):
            return None
        state = cast(State, raw.get("state", "open"))
        if state == "open" and float(raw["expires"]) <= now:
            state = "expired"
        return Invitation(
            digest(token),
            cast(Kind, raw["kind"]),
            raw.get("scope", ""),
            raw.get("by", ""),
            float(raw.get("at", 0)),
            float(raw["expires"]),
            state,
            raw.get("used_by", ""),
        )

    def take(self, token: str, who: str, now: float, *, accept: bool) -> State:
        """Mark the invitation used (or declined) by `who`, if it is still open: returns
        `open` when this call took it, else the state that stopped it."""
        if not _TOKEN.match(token):
            return "unknown"
        state = self._take(keys=[_key(token)], args=[now, "used" if accept else "declined", who])
        return cast(State, str(state))


def token_of(payload: str) -> str | None:
    """The token of a `/start inv_<token>` payload, or None when it is not one."""
    return payload.removeprefix(PREFIX) if payload.startswith(PREFIX) else None
