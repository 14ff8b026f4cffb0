"""Senders waiting for the shared limiter queue in their process (broadcasts/waiting.py).

Real Redis; the limiter's clock is the real one unless a test freezes it. Grant times are
read from the limiter's own clock and compared with the limits it must keep: these are
checks of what the limiter allows, not of how fast anything runs.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from aiogram import Bot
from aiogram.methods import SendMessage, TelegramMethod
from redis.exceptions import ConnectionError as RedisConnectionError

from bot.platform.store import Redis, connect
from broadcasts.limiter import RateLimiter, Rates
from handlers.telegram.pacing import PacedReplies
from tests.support.processes import free_port


class Frozen:
    """Milliseconds that move only when told."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


async def replies(
    limiter: RateLimiter, chats: list[int]
) -> tuple[list[int], dict[int, list[float]]]:
    """One priority acquire per entry of `chats`, all queued at once; the order they were
    granted in (indices into `chats`) and, per chat, the limiter's clock at each grant."""
    order: list[int] = []
    times: dict[int, list[float]] = {}

    async def one(index: int, chat: int) -> None:
        assert await limiter.acquire(chat, priority=True) == 1
        order.append(index)
        times.setdefault(chat, []).append(limiter.clock_ms())

    await asyncio.gather(*(one(i, chat) for i, chat in enumerate(chats)))
    return order, times


async def test_queued_replies_are_all_granted_in_order_per_chat(redis: Redis) -> None:
    """Sixty replies to five chats, queued at once at 200/s: every one is granted, each
    chat's in the order they were asked for, and the first ones first overall."""
    limiter = RateLimiter(redis, 1, Rates(per_second=200, private_chat_per_second=40))
    chats = [100 + (i * 7) % 5 for i in range(60)]
    order, _ = await replies(limiter, chats)
    assert sorted(order) == list(range(60))
    for chat in set(chats):
        asked = [i for i, c in enumerate(chats) if c == chat]
        assert [i for i in order if chats[i] == chat] == asked
    assert set(order[:5]) == set(range(5))  # one per chat at the head: served first


async def test_per_chat_spacing_holds_under_a_burst_to_one_chat(redis: Redis) -> None:
    """Twelve replies to one private chat at once: after the chat's burst of 3, no grant
    comes before the chat's interval allows it (Telegram's 1/s, scaled to 20/s here)."""
    rates = Rates(per_second=1000, private_chat_per_second=20, chat_burst=3)
    limiter = RateLimiter(redis, 1, rates)
    asked = limiter.clock_ms()
    _, times = await replies(limiter, [555] * 12)
    grants = times[555]
    interval = 1050.0 / 20  # the limiter keeps 5% under the platform's rate
    assert len(grants) == 12
    for k, at in enumerate(grants):
        assert at >= asked + (k + 1 - rates.chat_burst) * interval


async def test_a_429_pause_holds_queued_replies(redis: Redis) -> None:
    """Replies queued during a pause (after a 429) are granted only once it is over."""
    limiter = RateLimiter(redis, 1, Rates(per_second=30))
    limiter.pause(0.4)
    until = limiter.clock_ms() + 400 - 5  # the pause was set a moment before this
    _, times = await replies(limiter, [10, 11, 12, 10])
    assert all(at >= until for grants in times.values() for at in grants)
    assert sum(map(len, times.values())) == 4


async def test_bulk_leaves_the_reserve_to_replies(redis: Redis) -> None:
    """With the clock frozen and bulk holding all it may, a queued bulk waiter stays
    waiting, while replies queued after it are granted from the reserve at once."""
    clock = Frozen()
    limiter = RateLimiter(redis, 1, Rates(per_second=30), clock)
    while limiter.try_acquire(tokens=50)[0]:  # bulk takes everything it may now
        pass
    bulk = asyncio.get_running_loop().create_task(limiter.acquire(tokens=50))
    await asyncio.sleep(0)
    order, _ = await replies(limiter, [21, 22])
    assert sorted(order) == [0, 1]
    assert not bulk.done()
    bulk.cancel()
    with pytest.raises(asyncio.CancelledError):
        await bulk


async def test_bulk_asks_for_many_tokens_at_once(redis: Redis) -> None:
    """A bulk acquire without a chat may be granted several tokens in one go."""
    limiter = RateLimiter(redis, 1, Rates(per_second=1000))
    assert await limiter.acquire(tokens=50) > 1


async def test_redis_down_fails_every_queued_waiter() -> None:
    """With Redis unreachable each waiting `acquire` raises the connection error (the
    caller's cue to send unpaced), none hangs."""
    gone = connect(f"redis://127.0.0.1:{free_port()}/0")
    limiter = RateLimiter(gone, 1, Rates(per_second=30))
    outcomes = await asyncio.gather(
        *(limiter.acquire(chat, priority=True) for chat in (1, 2, 3)), return_exceptions=True
    )
    assert all(isinstance(o, RedisConnectionError) for o in outcomes)


async def test_replies_go_out_unpaced_while_redis_is_down() -> None:
    """The apology path: the pacing middleware cannot ask the limiter, and sends anyway."""
    gone = connect(f"redis://127.0.0.1:{free_port()}/0")
    paced = PacedReplies(RateLimiter(gone, 1, Rates(per_second=30)))
    sent: list[TelegramMethod[Any]] = []

    async def make_request(bot: Bot, method: TelegramMethod[Any]) -> Any:
        sent.append(method)
        return "sent"

    bot = Bot("42:TESTtoken")
    try:
        for chat in (7, 8):
            message = SendMessage(chat_id=chat, text="Maaf, sebentar lagi kami jawab.")
            assert await paced(make_request, bot, message) == "sent"
    finally:
        await bot.session.close()
    assert [m.chat_id for m in sent if isinstance(m, SendMessage)] == [7, 8]


@pytest.mark.parametrize("in_loop", [False, True])
async def test_a_workers_room_asks_redis_on_the_loops_thread(redis: Redis, in_loop: bool) -> None:
    """The bot's limiter asks Redis through its asyncio client (its loop serves every
    conversation and must not block); a worker's (`in_loop`) with a blocking call on the
    loop's own thread. Neither goes through a pool thread, and both grant alike."""
    limiter = RateLimiter(redis, 1, Rates(per_second=200), in_loop=in_loop)
    blocking: set[int] = set()
    asked = limiter.try_many

    def watched(wanted: Any) -> Any:
        blocking.add(threading.get_ident())
        return asked(wanted)

    limiter.try_many = watched  # type: ignore[method-assign]
    grants = await asyncio.gather(*(limiter.acquire(100 + i) for i in range(10)))
    assert grants == [1] * 10
    assert blocking == ({threading.get_ident()} if in_loop else set())
    assert float(redis.get("kim:rl:1:all") or 0) > 0


async def test_the_bots_room_loads_the_script_again_after_redis_lost_it(redis: Redis) -> None:
    """After a Redis restart (`SCRIPT FLUSH`) the asyncio path loads the script and asks
    again: the waiters are granted, none twice."""
    limiter = RateLimiter(redis, 1, Rates(per_second=200))
    assert await limiter.ask([(7, True, 1)]) == [(1, 0.0)]
    redis.script_flush()
    results = await limiter.ask([(8, True, 1), (9, True, 1)])
    assert [granted for granted, _ in results] == [1, 1]


async def test_queued_replies_are_woken_a_few_at_a_time(redis: Redis) -> None:
    """Forty-five replies to different chats, queued at once at 30/s: after the burst the
    bucket allows, they are granted about three per round trip to Redis (one wake-up for
    three sends), every one of them, and never faster than the rate."""
    limiter = RateLimiter(redis, 1, Rates(per_second=30))
    granted: list[int] = []
    ask = limiter.ask

    async def counted(wanted: Any) -> list[tuple[int, float]]:
        results = await ask(wanted)
        granted.append(sum(1 for count, _ in results if count))
        return results

    limiter.ask = counted  # type: ignore[method-assign]
    started = limiter.clock_ms()
    order, times = await replies(limiter, list(range(1000, 1045)))
    assert sorted(order) == list(range(45))
    later = [n for n in granted[1:] if n]  # the first round trip took the burst
    assert sum(later) / len(later) >= 2.5
    last = max(at for grants in times.values() for at in grants)
    burst = (limiter.tolerance // limiter.interval) + 1  # what the bucket gives at once
    assert last - started >= (45 - burst - 1) * limiter.interval
