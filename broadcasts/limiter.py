"""The send-rate limiter every process shares, per bot, in Redis (one atomic Lua script).

It is a GCRA (generic cell rate algorithm) — a token bucket kept as one "theoretical
arrival time" (TAT) per key:
- the bot's overall rate (default 30/s; with paid broadcasts up to 1000/s);
- per chat: about 1/s for a private chat, 20/min for a group or channel;
- a pause after a 429, exactly `retry_after` long, that every worker honours.
Bulk sends may not use the last `reserve` of the bucket: replies to residents (which
acquire with priority) always find room, and bulk slows down while they use it. A bulk
request for many tokens that gets none is told to wait until a whole grant's worth is
free (as many as it asked, up to `grant`: 5 at 30/s), not the next single token; one
granted fewer than it asked (all there was) is told the same, and its waiting room does
not ask for it again before then. At 30/s two workers then ask about 12 times a second
between them instead of ~90, and send 5 at a time: on a small VPS every wake-up from
idle is dear (a virtual CPU's cold caches made the same work 1.4-3 times as costly
after an 8 ms sleep), and 0.2 s grants used 1.3 CPU-s per 1,000 messages where 0.1 s grants
(2 tokens) used 2.0 (docs/benchmarks.md).

Redis keys (`{bot}` is the bot's numeric id, never its token):
- `kim:rl:{bot}:all` — the overall TAT, in milliseconds.
- `kim:rl:{bot}:chat:{hash}` — a chat's TAT (expires when idle); keyed by a hash of the
  chat id, so no key names a resident (UU PDP erasure covers these without a lookup).
- `kim:rl:{bot}:pause` — until when every send waits (ms), after a 429.
Waiting senders queue in their process (broadcasts/waiting.py) and one task asks Redis
for the head of the queue, so a rush of replies costs about one round trip per token.
An `acquire` that had to wait is counted, with how long it waited, in the process's tally
(broadcasts/tally.py: `limiter_waits:bulk|reply`), for `/metrics`.
Times come from the caller's clock (NTP-synchronised machines), so tests can inject time.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import redis.asyncio as aioredis
import redis.client
from redis.exceptions import NoScriptError

from bot.platform.store import LoopClient, Redis
from broadcasts.waiting import WaitingRoom

Pipeline = redis.client.Pipeline | aioredis.client.Pipeline

# KEYS: [1] overall TAT, [2] pause-until, [3] chat TAT (may be "" for none)
# ARGV: [1] now (ms), [2] overall interval (ms), [3] overall tolerance (ms),
#       [4] reserve kept for priority sends (ms), [5] chat interval (ms, 0 = none),
#       [6] chat tolerance (ms), [7] tokens wanted (bulk without a chat key may ask many),
#       [8] tokens a waiting bulk request waits for (a grant's worth, see `RateLimiter`)
# Returns {granted, wait_us}: `granted` tokens are taken; with 0, try again after wait_us
# microseconds (whole milliseconds would lose up to 1 ms per token: 9/s became 8.93/s),
# when min(wanted, a full grant) tokens will be free. With fewer than wanted (and no chat
# key), wait_us is when that many will be free again; with all wanted, 0.
ACQUIRE = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local tolerance = tonumber(ARGV[3])
local reserve = tonumber(ARGV[4])
local chat_interval = tonumber(ARGV[5])
local chat_tolerance = tonumber(ARGV[6])
local wanted = tonumber(ARGV[7])
local pause = tonumber(redis.call('GET', KEYS[2]) or '0')
if pause > now then return {0, math.ceil((pause - now) * 1000)} end
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
-- (now - tat) first: both are ~1e12 ms, and adding the slack to one of them before
-- subtracting loses the last bits, so that a room of exactly one interval could come
-- out a hair short and grant nothing, ever (rates 3, 7, 9, …). The epsilon absorbs the
-- rest of the rounding. A wait is at least 1 ms, never a busy loop.
local room = (now - tat) + (tolerance - reserve)
local granted = math.floor(room / interval + 1e-9)
if granted > wanted then granted = wanted end
local want = math.max(1, math.min(wanted, tonumber(ARGV[8])))
if granted < 1 then
  return {0, math.max(1000, math.ceil((want * interval - room) * 1000))}
end
local chat_tat = 0
if KEYS[3] ~= '' and chat_interval > 0 then
  granted = 1
  chat_tat = tonumber(redis.call('GET', KEYS[3]) or '0')
  if chat_tat < now then chat_tat = now end
  if chat_tat + chat_interval - chat_tolerance > now then
    return {0, math.ceil((chat_tat + chat_interval - chat_tolerance - now) * 1000)}
  end
  chat_tat = chat_tat + chat_interval
  local chat_ttl = math.ceil(chat_tat - now + chat_tolerance + 1000)
  redis.call('SET', KEYS[3], tostring(chat_tat), 'PX', chat_ttl)
end
tat = tat + granted * interval
redis.call('SET', KEYS[1], tostring(tat), 'PX', math.ceil(tat - now + tolerance + 1000))
if granted < wanted then
  local left = room - granted * interval
  return {granted, math.max(0, math.ceil((want * interval - left) * 1000))}
end
return {granted, 0}
"""

# KEYS: [1] pause-until   ARGV: [1] until (ms), [2] now (ms)
# Extends the pause, never shortens it; the key expires a second after the pause ends.
PAUSE = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local wanted = tonumber(ARGV[1])
if wanted > current then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', math.ceil(wanted - tonumber(ARGV[2]) + 1000))
end
return 1
"""


@dataclass(frozen=True)
class Rates:
    """Limits for one bot."""

    per_second: float = 30.0
    private_chat_per_second: float = 1.0
    group_per_minute: float = 20.0
    reserve_fraction: float = 0.1  # of a second's worth of sends, kept for replies
    burst_seconds: float = 0.2  # how far ahead bulk may run in one grant
    chat_burst: int = 3  # messages a chat may receive back to back


LATE_MS = 25.0  # how late a woken sender may be without losing rate


def _ms() -> float:
    return time.time() * 1000.0


class RateLimiter:
    """Acquire permission to send, shared by every process using the same Redis."""

    def __init__(
        self,
        redis: Redis,
        bot_id: int,
        rates: Rates,
        clock_ms: Callable[[], float] = _ms,
        *,
        in_loop: bool = False,
    ) -> None:
        self.redis = redis
        self.in_loop = in_loop  # a worker's: its waiting room asks Redis on the loop's thread
        self.aio = LoopClient(redis)  # else through an asyncio client (`ask`)
        self.rates = rates
        self.clock_ms = clock_ms
        self._prefix = f"kim:rl:{bot_id}"
        self.script = redis.register_script(ACQUIRE)
        self._pause = redis.register_script(PAUSE)
        self.interval = 1000.0 / rates.per_second
        self.reserve = max(self.interval * 2, 1000.0 * rates.reserve_fraction)
        # How far ahead of now bulk may book: the burst, and at low rates (an interval over
        # 50 ms) one interval plus 50 ms, so a sender that polls a little late loses none
        # of its rate (with exactly one interval, 9/s polled every 10 ms gave 8.3/s).
        slack = max(self.interval + 50.0, 1000.0 * rates.burst_seconds)
        self.tolerance = self.reserve + slack
        # A bulk request that must wait waits for this many tokens: as many as fit in the
        # slack with `LATE_MS` (or an interval) to spare, so that a sender woken a little
        # late still loses none of its rate (at 30/s: 5 tokens, 33 ms to spare).
        lead = max(self.interval, LATE_MS)
        self.grant = max(1, int((slack - lead) / self.interval + 1e-9))
        # waiters asked for in one round trip: as many as a priority burst may take, and one
        self.batch = min(32, int(self.tolerance // self.interval) + 1)
        self._room: WaitingRoom | None = None

    def _chat(self, chat_id: int | None) -> tuple[str, float, float]:
        if chat_id is None:
            return "", 0.0, 0.0
        digest = hashlib.blake2b(str(chat_id).encode(), digest_size=8).hexdigest()
        key = f"{self._prefix}:chat:{digest}"
        # 5% slower than Telegram's own per-chat limits: clocks and queues differ
        if chat_id > 0:
            interval = 1050.0 / self.rates.private_chat_per_second
        else:
            interval = 63_000.0 / self.rates.group_per_minute
        return key, interval, interval * self.rates.chat_burst

    def request(
        self, chat_id: int | None = None, *, priority: bool = False, tokens: int = 1
    ) -> tuple[list[str], list[float]]:
        """`script`'s keys and arguments for one request now (tests batch many in a pipeline)."""
        chat_key, chat_interval, chat_tolerance = self._chat(chat_id)
        keys = [f"{self._prefix}:all", f"{self._prefix}:pause", chat_key]
        args = [
            self.clock_ms(),
            self.interval,
            self.tolerance,
            0.0 if priority else self.reserve,
            chat_interval,
            chat_tolerance,
            1.0 if chat_key else float(max(1, tokens)),
            float(self.grant),
        ]
        return keys, args

    def try_acquire(
        self, chat_id: int | None = None, *, priority: bool = False, tokens: int = 1
    ) -> tuple[int, float]:
        """Take up to `tokens` now; returns (granted, seconds to wait): with none granted,
        until the next grant; with fewer than asked, until as many are free again."""
        keys, args = self.request(chat_id, priority=priority, tokens=tokens)
        granted, wait = self.script(keys=keys, args=args)
        return int(granted), int(wait) / 1_000_000.0

    def try_many(self, wanted: Sequence[tuple[int | None, bool, int]]) -> list[tuple[int, float]]:
        """`try_acquire` for each (chat id, priority, tokens), in order, in one round trip.

        The pipeline calls the script by its hash (redis-py's pipelines of `Script` objects
        ask `SCRIPT EXISTS` first, a second round trip every time); only when Redis has
        lost the script (a restart, `SCRIPT FLUSH`) is it loaded and the calls sent again:
        a `NOSCRIPT` answer ran nothing.
        """
        try:
            return self._try_many(wanted)
        except NoScriptError:
            self.redis.script_load(ACQUIRE)
            return self._try_many(wanted)

    def _try_many(self, wanted: Sequence[tuple[int | None, bool, int]]) -> list[tuple[int, float]]:
        pipe = self.redis.pipeline(transaction=False)
        self._queue(pipe, wanted)
        return _grants(pipe.execute())

    def _queue(self, pipe: Pipeline, wanted: Sequence[tuple[int | None, bool, int]]) -> None:
        """The script's calls for `wanted`, by its hash, on `pipe`."""
        for chat_id, priority, tokens in wanted:
            keys, args = self.request(chat_id, priority=priority, tokens=tokens)
            pipe.evalsha(self.script.sha, len(keys), *keys, *args)

    async def ask(self, wanted: Sequence[tuple[int | None, bool, int]]) -> list[tuple[int, float]]:
        """`try_many` for the waiting room: in a worker (`in_loop`) that very call, on the
        loop's thread; elsewhere (the bot, whose loop serves every conversation and must
        not stall on a slow Redis) the same pipeline through the asyncio client."""
        if self.in_loop:
            return self.try_many(wanted)
        client = self.aio.client()
        try:
            return await self._ask(client, wanted)
        except NoScriptError:  # as in `try_many`
            await client.script_load(ACQUIRE)
            return await self._ask(client, wanted)

    async def _ask(
        self, client: aioredis.Redis, wanted: Sequence[tuple[int | None, bool, int]]
    ) -> list[tuple[int, float]]:
        pipe = client.pipeline(transaction=False)
        self._queue(pipe, wanted)
        return _grants(await pipe.execute())

    async def aclose(self) -> None:
        """Close the asyncio client (in the loop that used this limiter)."""
        await self.aio.aclose()

    async def acquire(
        self, chat_id: int | None = None, *, priority: bool = False, tokens: int = 1
    ) -> int:
        """Wait until at least one token is granted; return how many were.

        The wait is in this process's queue for this limiter (broadcasts/waiting.py):
        replies first, then bulk, in order of arrival, each woken when it is granted.
        """
        loop = asyncio.get_running_loop()
        if self._room is None or self._room.loop is not loop:
            self._room = WaitingRoom(self.ask, self.interval / 1000.0, self.batch, loop)
        return await self._room.acquire(chat_id, priority, tokens)

    def pause(self, seconds: float) -> None:
        """Every sender of this bot waits `seconds` from now (after a 429's retry_after)."""
        now = self.clock_ms()
        self._pause(keys=[f"{self._prefix}:pause"], args=[now + seconds * 1000.0, now])


def _grants(found: list[tuple[int, int]]) -> list[tuple[int, float]]:
    """The script's answers: (tokens granted, seconds to wait if none)."""
    return [(int(granted), int(wait) / 1_000_000.0) for granted, wait in found]
