"""Each inbound update handled once, in its conversation's turn, across every bot process.

Both channels hand every update (a Telegram update, a WhatsApp message) to `Inbox.turn`:

1. **One turn per conversation.** An in-process lock keeps a process's updates for one
   conversation in arrival order; a lease in Redis keeps replicas apart, so a double tap
   or a webhook retry that reaches another process waits for the first to finish. The
   lease is renewed while its holder works (one task renews all of a process's leases in
   one round trip), and lapses on its own if the holder dies.
2. **A receipt per update**, read in the same round trip that takes the lease:
   - absent: never handled (or handled more than a day ago): handle it;
   - `r:` + replies: the core answered and its effects are stored, but the replies may
     not all have gone out (the process died): send those replies, do not ask the core
     again;
   - `d`: handled and answered: drop the redelivery.
3. The receipt becomes `d` only when the handler returns, so a crash means redelivery,
   not loss. A handler that raises a bug is marked `d` too (after the error handler has
   apologised), so a poison update is not retried for ever; when Redis itself is
   unreachable nothing is marked and the error goes to the transport, which asks the
   platform to deliver again later.

Redis keys:
- `kim:turn:{digest of the conversation}` — the lease (a random token, milliseconds TTL).
- `kim:seen:{platform}:{update key}` — the receipt, for a day (`r:` receipts for an hour).
  Update keys are Telegram's `{bot id}:{update_id}` and the SHA-256 of WhatsApp message
  ids (which embed phone numbers); neither names a resident.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import secrets
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import redis

from bot.platform.messages import Reply, reply_from_dict, reply_to_dict
from bot.platform.store import LoopClient, Redis

log = logging.getLogger(__name__)
T = TypeVar("T")

LEASE_MS = 10_000
RENEW_SECONDS = 3.0
WAIT_SECONDS = 30.0
DONE_TTL = 24 * 3600
ANSWERED_TTL = 3600
DONE = "d"
ANSWERED = "r:"

# Take the lease; if taken, return the receipt (false if none). Not taken: -1.
_TAKE = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return redis.call('GET', KEYS[2])
end
return -1
"""
# Extend the lease if it is still ours.
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
# Optionally write the receipt, then give the lease back if it is still ours.
_GIVE = """
if ARGV[2] ~= '' then
  redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3])
end
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
end
return 1
"""

UNAVAILABLE: tuple[type[Exception], ...] = (redis.ConnectionError, redis.TimeoutError)


class TurnBusy(Exception):
    """Another process kept this conversation's turn for longer than we may wait."""


def unavailable(exc: BaseException) -> bool:
    """True when `exc` means Redis (or a turn) cannot be had now: try the update later."""
    return isinstance(exc, (*UNAVAILABLE, TurnBusy))


@dataclass
class Receipt:
    """How far an update got before; handlers store the core's replies through it."""

    inbox: Inbox
    key: str
    state: str | None

    @property
    def done(self) -> bool:
        """The update was handled and answered before: drop it."""
        return self.state == DONE

    def stored_replies(self) -> list[Reply] | None:
        """The replies the core gave last time, if it answered but sending did not finish."""
        if not self.state or not self.state.startswith(ANSWERED):
            return None
        return [reply_from_dict(item) for item in json.loads(self.state[len(ANSWERED) :])]

    def answer(self, compute: Callable[[], list[Reply]]) -> list[Reply]:
        """The replies to send: stored ones on a redelivery, else `compute()` (the core),
        stored before they are sent. Blocking: call it in the core's worker thread."""
        stored = self.stored_replies()
        if stored is not None:
            return stored
        replies = compute()
        payload = json.dumps([reply_to_dict(reply) for reply in replies], ensure_ascii=False)
        self.inbox.redis.set(self.key, ANSWERED + payload, ex=ANSWERED_TTL)
        self.state = ANSWERED + payload
        return replies


class Inbox:
    """Turns and receipts on one Redis.

    Leases are taken, renewed and given back on the event loop, through an asyncio client
    to the same server as `redis_client` (which must come from `bot.platform.store.connect`):
    a thread hand-over there and back cost twice the CPU of the call itself, three times
    per update (docs/benchmarks.md, "Onboarding rush"). Receipts are written by the
    handler's blocking work (`Receipt.answer`, in the core's thread) on `redis_client`.
    Close with `aclose` in the loop that used it.
    """

    def __init__(
        self,
        redis_client: Redis,
        *,
        lease_ms: int = LEASE_MS,
        wait_seconds: float = WAIT_SECONDS,
        renew_seconds: float = RENEW_SECONDS,
    ) -> None:
        self.redis = redis_client
        self.aio = LoopClient(redis_client)
        self.lease_ms = lease_ms
        self.wait_seconds = wait_seconds
        self.renew_seconds = renew_seconds
        self._held: dict[str, str] = {}  # lease → our token, while its turn is held
        self._keeper: asyncio.Task[None] | None = None
        self._local: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    async def aclose(self) -> None:
        """Close the asyncio client (call it in the loop that used the inbox)."""
        await self.aio.aclose()

    def _lock(self, conversation: str) -> asyncio.Lock:
        lock = self._local.get(conversation)
        if lock is None:
            lock = asyncio.Lock()
            self._local[conversation] = lock
        return lock

    @asynccontextmanager
    async def turn(self, conversation: str, update: str) -> AsyncIterator[Receipt]:
        """Hold `conversation`'s turn and yield the receipt of `update` (`{platform}:{update
        key}`, see above).

        On a normal exit, or on an exception that is not `unavailable`, the receipt becomes
        `d`; the exception goes on either way.
        """
        async with self._lock(conversation):
            lease = "kim:turn:" + hashlib.blake2b(conversation.encode(), digest_size=12).hexdigest()
            receipt_key = f"kim:seen:{update}"
            token = secrets.token_hex(8)
            state = await self._acquire(lease, token, receipt_key)
            self._hold(lease, token)
            mark = DONE
            try:
                yield Receipt(self, receipt_key, state)
            except BaseException as exc:
                if unavailable(exc) or not isinstance(exc, Exception):
                    mark = ""  # not handled: the platform delivers it again
                raise
            finally:
                del self._held[lease]
                await self._release(lease, token, receipt_key, mark)

    async def _acquire(self, lease: str, token: str, receipt_key: str) -> str | None:
        """Wait for the lease (backing off from 10 ms to 200 ms); the receipt's state."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.wait_seconds
        pause = 0.01
        while True:
            found: Any = await self.aio.script(_TAKE)(
                keys=[lease, receipt_key], args=[token, self.lease_ms]
            )
            if found != -1:
                return None if found is None else str(found)
            if loop.time() > deadline:
                raise TurnBusy(lease)
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.2)

    def _hold(self, lease: str, token: str) -> None:
        """Keep `lease` renewed until its turn ends (`_held` loses it)."""
        self._held[lease] = token
        loop = asyncio.get_running_loop()
        if self._keeper is None or self._keeper.done() or self._keeper.get_loop() is not loop:
            self._keeper = loop.create_task(self._keep())

    async def _keep(self) -> None:
        """Renew every lease this process holds, all in one round trip, every
        `renew_seconds` while any is held (a rush of long turns costs one call per tick,
        not one per turn; a lease taken between two ticks is renewed at the next)."""
        while self._held:
            await asyncio.sleep(self.renew_seconds)
            held = list(self._held.items())
            try:
                await self._renew_all(held)
            except redis.RedisError as exc:  # the holders go on; the leases may lapse
                log.warning("could not renew conversations' turns: %s", exc.__class__.__name__)

    async def _renew_all(self, held: list[tuple[str, str]]) -> None:
        pipe = self.aio.client().pipeline(transaction=False)
        renew = self.aio.script(_RENEW)
        for lease, token in held:
            await renew(keys=[lease], args=[token, self.lease_ms], client=pipe)
        await pipe.execute()

    async def _release(self, lease: str, token: str, receipt_key: str, mark: str) -> None:
        """Write the receipt (if any) and give the lease back."""
        try:
            await self.aio.script(_GIVE)(keys=[lease, receipt_key], args=[token, mark, DONE_TTL])
        except UNAVAILABLE:
            if mark:
                raise
            # Redis is gone already; the lease lapses by itself.
