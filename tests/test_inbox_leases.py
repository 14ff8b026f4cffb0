"""Conversation turns held longer than their lease keep it, renewed together."""

from __future__ import annotations

import asyncio

from bot.platform.store import Redis
from handlers.inbox import Inbox, TurnBusy


async def test_long_turns_keep_their_leases_and_give_them_back(redis: Redis) -> None:
    """Two turns held for several lease lengths stay theirs: another replica cannot take
    either; once they end, it can at once."""
    inbox = Inbox(redis, lease_ms=400, renew_seconds=0.05)
    other = Inbox(redis, lease_ms=400, wait_seconds=0.0)
    held = asyncio.Event()

    async def hold(conversation: str, update: str) -> None:
        async with inbox.turn(conversation, update):
            await held.wait()

    holders = [asyncio.create_task(hold(c, f"tg:1:{n}")) for n, c in enumerate(["a", "b"])]
    await asyncio.sleep(1.5)
    for conversation in ["a", "b"]:
        try:
            async with other.turn(conversation, "tg:1:99"):
                raise AssertionError(f"{conversation}'s lease lapsed while held")
        except TurnBusy:
            pass
    held.set()
    await asyncio.gather(*holders)
    async with other.turn("a", "tg:1:100") as receipt:
        assert receipt.state is None
    assert not redis.keys("kim:turn:*")
    await inbox.aclose()
    await other.aclose()


async def test_a_rush_of_turns_starts_in_the_order_it_came(redis: Redis) -> None:
    """Updates of many conversations that arrive together get their turns in arrival
    order (getUpdates answers from the oldest unconfirmed update, so the oldest must not
    be served last), also on a fresh process whose client has no connection yet."""
    inbox = Inbox(redis)
    entered: list[int] = []

    async def turn(n: int) -> None:
        async with inbox.turn(f"chat-{n}", f"tg:1:{n}"):
            entered.append(n)

    await asyncio.gather(*(turn(n) for n in range(100)))
    assert entered == list(range(100))
    entered.clear()
    await asyncio.gather(*(turn(n) for n in range(100, 200)))
    assert entered == list(range(100, 200))
    await inbox.aclose()
