"""Senders of one process that wait for the shared limiter: queued here and woken in turn.

`RateLimiter.acquire` does not ask Redis itself. It joins its limiter's waiting room, and
one task per room (the pump) asks for the waiters at the head of the queue, all in one
round trip (a pipeline of the limiter's script, one call per waiter, in queue order: the
script in Redis stays the authority every process and replica shares), hands out what
was granted, and sleeps until the earliest refused wait is over. A refused waiter's chat
is held until its wait is over; when the last waiter asked was refused too, the bucket is
taken for now and no bulk waiter (nor any reply, if that last one was a reply: the
replies' reserve is empty too) is asked again for that wait (everyone refused alike: the
bucket or a 429's pause), or for at most one overall interval (mixed refusals). A waiter
that arrives while the pump sleeps wakes it. So under load Redis is asked about once per
token, not once per waiter per token. Nor for every waiter at the head each time: once
the bucket was seen taken, the pump asks for as many waiters as tokens can have come free
since (one when the wait is over, then one per interval) and one more, to see it taken
again; a round trip that granted all it asked for is followed at once by one twice as
large (up to `batch`). At 30/s with a queue of replies that is two script calls per
token instead of `batch`. And once the replies' reserve was seen taken, a queue of
replies sleeps until a few tokens are free (`WAKE_BATCH`, 3: at most two intervals, 67 ms
at 30/s, later for the first of them) and they go out together: on a small VPS a
wake-up from idle costs more than the work it wakes for (an onboarding rush at 30/s used
33 ms of the bot's CPU per resident instead of 35.7-38.4, docs/benchmarks.md).

Order: replies (priority) before bulk, first come first served within each. A chat's
waiters never overtake one another (a reply to chat X waits while an earlier one to X
does), but a chat held back by its own per-chat interval does not hold back other chats.
A pause after a 429 is in Redis, so queued waiters keep being refused until it ends.
If Redis cannot be asked, every queued waiter gets the error (callers decide: replies go
out unpaced, handlers/telegram/pacing.py). No Redis keys of its own.

Where the round trip runs (`RateLimiter.ask`): in the bot's process, through an asyncio
Redis client (that loop serves every resident's conversation, and a slow Redis must not
stall it; a pool thread did the same at twice the CPU); in a worker (`in_loop`), a
blocking call on the loop's own thread, whose only work is the job's sends. Either way a
local Redis answers in ~0.1 ms, and the hand-over to a thread and back cost more than
the ask itself: 0.2-0.25 CPU-s per 1,000 messages of two workers at 30/s
(docs/benchmarks.md).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, field

from broadcasts.tally import TALLY

# Queued replies granted per wake-up once the reserve is taken. The two extra intervals
# a reply may wait are within the reserve (at least two intervals, limiter.py), so bulk,
# which may not use the reserve, still cannot take those tokens first.
WAKE_BATCH = 3
# (chat id or None, priority, tokens wanted) → [(granted, seconds to wait if none), ...]
Ask = Callable[[Sequence[tuple[int | None, bool, int]]], Awaitable[list[tuple[int, float]]]]
Key = int | tuple[str, bool]  # a chat, or ("any", priority) for sends to no chat in particular


@dataclass(eq=False)
class Waiter:
    """One `acquire` in the queue."""

    chat_id: int | None
    priority: bool
    tokens: int
    granted: asyncio.Future[int]
    refused_at: float = 0.0  # monotonic time of its first refusal (for the tally)

    @property
    def key(self) -> Key:
        """What it queues behind: earlier waiters for the same chat."""
        return ("any", self.priority) if self.chat_id is None else self.chat_id


@dataclass
class WaitingRoom:
    """The queues of one limiter in one event loop, and the pump that serves them."""

    ask: Ask  # one round trip to the limiter's script (RateLimiter.ask)
    interval: float  # seconds between two overall tokens
    batch: int  # waiters asked for in one round trip
    loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.get_running_loop)
    replies: deque[Waiter] = field(default_factory=deque)
    bulk: deque[Waiter] = field(default_factory=deque)
    held: dict[Key, float] = field(default_factory=dict)  # chat → not asked before
    held_all: dict[bool, float] = field(default_factory=dict)  # priority → none asked before
    pump: asyncio.Task[None] | None = None
    free_at: float | None = None  # one token free then, the last time the bucket was taken
    grown: int = 0  # waiters granted in the last round trip, when it granted them all
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def acquire(self, chat_id: int | None, priority: bool, tokens: int) -> int:
        """Wait in line until at least one token is granted; how many were."""
        waiter = Waiter(chat_id, priority, max(1, tokens), self.loop.create_future())
        (self.replies if priority else self.bulk).append(waiter)
        self.arrived.set()
        if self.pump is None or self.pump.done():
            self.pump = self.loop.create_task(self._run())
        try:
            return await waiter.granted
        finally:
            if not waiter.granted.done():  # cancelled while waiting: leave the line
                with suppress(ValueError):
                    (self.replies if priority else self.bulk).remove(waiter)
                self.arrived.set()  # the pump looks again (and ends if no one is left)

    def _queued(self) -> Iterator[Waiter]:
        yield from self.replies
        yield from self.bulk

    def _head(self, now: float) -> list[Waiter]:
        """The first waiters that may be asked for now: one per chat, none behind a held one."""
        picked: list[Waiter] = []
        passed: set[Key] = set()
        size = self._size(now)
        for waiter in self._queued():
            if waiter.key in passed:
                continue
            passed.add(waiter.key)
            if self._not_before(waiter, 0.0) > now:
                continue
            picked.append(waiter)
            if len(picked) == size:
                break
        return picked

    def _size(self, now: float) -> int:
        """How many waiters to ask for now: the tokens likely free, and one (see above)."""
        if self.free_at is None:
            return self.batch
        likely = 1 + int(max(0.0, now - self.free_at) / self.interval)
        return min(self.batch, max(2 * self.grown, likely + 1))

    async def _run(self) -> None:
        """Serve the queue until it is empty."""
        try:
            while self.replies or self.bulk:
                now = time.monotonic()
                head = self._head(now)
                if head and await self._ask(head, now):
                    continue
                await self._sleep()
        except BaseException as exc:
            self._fail(exc)
            if not isinstance(exc, Exception):
                raise

    async def _ask(self, head: list[Waiter], now: float) -> bool:
        """One round trip for `head`; False when the bucket looks taken for now."""
        wanted = [(w.chat_id, w.priority, w.tokens) for w in head]
        results = await self.ask(wanted)
        after = time.monotonic()
        self.held = {chat: t for chat, t in self.held.items() if t > after}
        waits = []
        for waiter, (granted, wait) in zip(head, results, strict=True):
            if granted:
                self._grant(waiter, granted)
                if wait > 0:  # fewer than asked, and told when as many are free again
                    self.held[waiter.key] = after + wait
                continue
            waiter.refused_at = waiter.refused_at or now
            self.held[waiter.key] = after + wait
            waits.append(wait)
        if results[-1][0]:
            self.grown = len(head)
            return True  # the last one still found room: ask the next ones at once
        alike = len(waits) > 1 and len(waits) == len(head) and max(waits) - min(waits) < 0.002
        until = after + (min(waits) if alike else min(min(waits), self.interval))
        self.free_at, self.grown = until, 0
        self.held_all[False] = until  # bulk
        if head[-1].priority:  # not even the replies' reserve had room
            # a queue of replies is woken for a few tokens at a time, not one per wake-up
            self.held_all[True] = until + (min(len(self.replies), WAKE_BATCH) - 1) * self.interval
        return False

    def _not_before(self, waiter: Waiter, now: float) -> float:
        """When `waiter` may be asked for again (`now` if it is not held)."""
        return max(self.held.get(waiter.key, now), self.held_all.get(waiter.priority, -math.inf))

    def _grant(self, waiter: Waiter, granted: int) -> None:
        (self.replies if waiter.priority else self.bulk).remove(waiter)
        if waiter.refused_at:
            kind = "reply" if waiter.priority else "bulk"
            TALLY.add(f"limiter_waits:{kind}")
            TALLY.add(f"limiter_wait_seconds:{kind}", time.monotonic() - waiter.refused_at)
        if not waiter.granted.done():
            waiter.granted.set_result(granted)

    async def _sleep(self) -> None:
        """Until the first held waiter may be asked again, or a new one arrives."""
        now = time.monotonic()
        until = min((self._not_before(w, now) for w in self._queued()), default=now)
        if until <= now:
            return
        self.arrived.clear()
        with suppress(TimeoutError):
            await asyncio.wait_for(self.arrived.wait(), until - now)

    def _fail(self, exc: BaseException) -> None:
        """Redis could not be asked (or the pump was cancelled): every waiter hears so."""
        for waiter in [*self._queued()]:
            if not waiter.granted.done():
                if isinstance(exc, Exception):
                    waiter.granted.set_exception(exc)
                else:
                    waiter.granted.cancel()
        self.replies.clear()
        self.bulk.clear()
        self.held.clear()
