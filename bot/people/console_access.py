"""Signing in to the web console without a password: one-time links and sessions.

A role holder sends `/konsol` in a private chat with the bot (bot/dialogs/console_login.py)
and gets a link with a random token (`secrets.token_urlsafe`, 144 bits). The link works
once, for `console.link_minutes` (10 by default), and only `console.links_per_hour` are
given to one person an hour. Opening it starts a session: another random token, kept in
an HttpOnly cookie, that ends after `console.idle_minutes` without a request and at the
latest `console.session_hours` after it began. Every session has its own CSRF token for
the forms. "Log out everywhere" ends every session of the person at once.

Tokens are stored only as their SHA-256: whoever reads Redis can neither sign in nor ride
a session. Whether the person still holds a role is checked on every request by the
console (bot/people/viewer.py), not here: a revoked role ends console access at once.

Redis keys (owned here):
- `kim:login:{sha256}` — hash: who, expires, state (`open`, `used`); kept a day after
  issue so that a reused link is told "already used" rather than "not valid".
- `kim:login:rate:{address}` — links given to one person in the current hour.
- `kim:sess:{sha256}` — hash: who, csrf, started, seen; expires after the idle time.
- `kim:sess:of:{address}` — set: the hashes of a person's sessions (log out everywhere).
- `kim:login:of:{address}` — set: the hashes of a person's login links of the last day.

Links and sessions are personal data of their role holder: `/dataku` lists the live
sessions (when each began and was last used), `/hapusdata` ends them and deletes the
links, and a WhatsApp address that changes ends its sessions (the person signs in again).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any, Literal, cast

from redis.client import Pipeline

from bot.platform.addresses import Address, AddressError
from bot.platform.store import Redis

KEEP_SECONDS = 86400
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
LinkState = Literal["open", "used", "expired", "unknown"]

# KEYS: [1] the link; ARGV: [1] now. Returns the state it was in: "open" (now used), or
# why it could not be used.
_TAKE = """
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 'unknown' end
if state ~= 'open' then return state end
if tonumber(redis.call('HGET', KEYS[1], 'expires')) <= tonumber(ARGV[1]) then
  return 'expired'
end
redis.call('HSET', KEYS[1], 'state', 'used', 'used_at', ARGV[1])
return 'open'
"""


def _address(text: str) -> Address | None:
    try:
        return Address.parse(text)
    except AddressError:
        return None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _link_key(token: str) -> str:
    return "kim:login:" + _digest(token)


def _rate_key(who: Address) -> str:
    return f"kim:login:rate:{who}"


def _session_key(digest: str) -> str:
    return "kim:sess:" + digest


def _sessions_of(who: Address | str) -> str:
    return f"kim:sess:of:{who}"


def _links_of(who: Address) -> str:
    return f"kim:login:of:{who}"


@dataclass(frozen=True)
class Session:
    """A signed-in person's session (never with its token)."""

    id: str  # the token's SHA-256
    who: Address
    csrf: str
    started: float
    seen: float

    def csrf_ok(self, offered: str) -> bool:
        """Whether a form's token is this session's (compared in constant time)."""
        return bool(offered) and hmac.compare_digest(self.csrf, offered)


@dataclass(frozen=True)
class Opened:
    """What opening a login link did: its state before, and who it signs in."""

    state: LinkState
    who: Address | None = None


class ConsoleAccess:
    """Login links and sessions of the web console."""

    section = "console"

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._take = redis.register_script(_TAKE)

    # -- login links ---------------------------------------------------------------

    def issue_link(
        self, who: Address, now: float, *, valid_seconds: int, per_hour: int
    ) -> str | None:
        """A new one-time login token for `who`, or None when they already had `per_hour`
        links this hour."""
        pipe = self.redis.pipeline(transaction=True)
        pipe.set(_rate_key(who), 0, ex=3600, nx=True)  # the hour starts with the first
        pipe.incr(_rate_key(who))
        given = int(pipe.execute()[1])
        if given > per_hour:
            return None
        token = secrets.token_urlsafe(18)
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(
            _link_key(token),
            mapping={"who": str(who), "expires": repr(now + valid_seconds), "state": "open"},
        )
        pipe.expire(_link_key(token), max(valid_seconds, KEEP_SECONDS))
        pipe.sadd(_links_of(who), _digest(token))
        pipe.expire(_links_of(who), max(valid_seconds, KEEP_SECONDS))
        pipe.execute()
        return token

    def link_state(self, token: str, now: float) -> LinkState:
        """What a link's token is now, without using it (the page before signing in)."""
        if not _TOKEN.match(token):
            return "unknown"
        raw = cast(dict[str, str], self.redis.hgetall(_link_key(token)))
        if not raw:
            return "unknown"
        if raw.get("state") == "open" and float(raw.get("expires", 0)) <= now:
            return "expired"
        return cast(LinkState, raw.get("state", "unknown"))

    def open_link(self, token: str, now: float) -> Opened:
        """Use a login link: `open` with its person when this call used it, else why not."""
        if not _TOKEN.match(token):
            return Opened("unknown")
        state = cast(LinkState, str(self._take(keys=[_link_key(token)], args=[repr(now)])))
        if state != "open":
            return Opened(state)
        who = _address(str(self.redis.hget(_link_key(token), "who") or ""))
        return Opened("open", who) if who is not None else Opened("unknown")

    # -- sessions ------------------------------------------------------------------

    def start(self, who: Address, now: float, *, idle_seconds: int) -> tuple[str, Session]:
        """A new session for `who`: its token (for the cookie, shown once) and record."""
        token = secrets.token_urlsafe(32)
        session = Session(_digest(token), who, secrets.token_urlsafe(24), now, now)
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(
            _session_key(session.id),
            mapping={
                "who": str(who),
                "csrf": session.csrf,
                "started": repr(now),
                "seen": repr(now),
            },
        )
        pipe.expire(_session_key(session.id), idle_seconds)
        pipe.sadd(_sessions_of(who), session.id)
        pipe.execute()
        return token, session

    def session(
        self, token: str, now: float, *, idle_seconds: int, max_seconds: int
    ) -> Session | None:
        """The live session a cookie's token names, renewed for another idle period; None
        when it is malformed, unknown, idle too long or older than `max_seconds`."""
        if not _TOKEN.match(token):
            return None
        digest = _digest(token)
        raw = cast(dict[str, str], self.redis.hgetall(_session_key(digest)))
        who = _address(raw.get("who", "")) if raw else None
        if who is None:
            return None
        started = float(raw.get("started", 0))
        seen = float(raw.get("seen", 0))
        if now - started >= max_seconds or now - seen >= idle_seconds:
            self._drop(digest, who)
            return None
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(_session_key(digest), "seen", repr(now))
        pipe.expire(_session_key(digest), idle_seconds)
        pipe.execute()
        return Session(digest, who, raw.get("csrf", ""), started, now)

    def end(self, session: Session) -> None:
        """Log this session out."""
        self._drop(session.id, session.who)

    def end_all(self, who: Address) -> int:
        """Log every session of `who` out (also used when their role is taken away);
        returns how many were live."""
        digests = [str(d) for d in self.redis.smembers(_sessions_of(who))]
        pipe = self.redis.pipeline(transaction=True)
        for digest in digests:
            pipe.delete(_session_key(digest))
        pipe.delete(_sessions_of(who))
        results = pipe.execute()
        return sum(int(r) for r in results[: len(digests)])

    def live(self, who: Address) -> int:
        """How many sessions of `who` are live (cleaning the index of ended ones)."""
        digests = [str(d) for d in self.redis.smembers(_sessions_of(who))]
        gone = [d for d in digests if not self.redis.exists(_session_key(d))]
        if gone:
            self.redis.srem(_sessions_of(who), *gone)
        return len(digests) - len(gone)

    def _drop(self, digest: str, who: Address) -> None:
        pipe = self.redis.pipeline(transaction=True)
        pipe.delete(_session_key(digest))
        pipe.srem(_sessions_of(who), digest)
        pipe.execute()

    # -- personal data ---------------------------------------------------------------

    def export(self, address: Address) -> dict[str, Any]:
        """The live console sessions of `address` (when each began, was last used)."""
        sessions = []
        for digest in sorted(str(d) for d in self.redis.smembers(_sessions_of(address))):
            raw = cast(dict[str, str], self.redis.hgetall(_session_key(digest)))
            if raw:
                sessions.append(
                    {"started": float(raw.get("started", 0)), "seen": float(raw.get("seen", 0))}
                )
        return {"sessions": sessions} if sessions else {}

    def erase(self, address: Address, pipe: Pipeline) -> None:
        """Queue ending every session of `address` and deleting their login links."""
        for digest in self.redis.smembers(_sessions_of(address)):
            pipe.delete(_session_key(str(digest)))
        for digest in self.redis.smembers(_links_of(address)):
            pipe.delete("kim:login:" + str(digest))
        pipe.delete(_sessions_of(address), _links_of(address), _rate_key(address))

    def readdress(self, old: Address, new: Address, pipe: Pipeline) -> None:
        """Queue ending `old`'s sessions and links: the person signs in again as `new`."""
        self.erase(old, pipe)
