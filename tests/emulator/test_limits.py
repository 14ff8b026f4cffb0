"""Flood control and fault injection, seen through aiogram's exceptions."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramRetryAfter, TelegramServerError

from emulator import RateLimits, SimClient, SimError
from tests.support.constants import BOT_ID, BOT_TOKEN
from tests.support.stand_in import running_emulator


@pytest.fixture
def emulator_kwargs() -> dict[str, Any]:
    """The bare token, as this module has always started its emulator."""
    return {"tokens": [BOT_TOKEN]}


async def users(sim: SimClient, count: int) -> list[int]:
    """`count` users who have opened the bot; their ids."""
    out = []
    for i in range(count):
        user = await sim.create_user(f"Warga{i}")
        await sim.start(user["id"])
        out.append(int(user["id"]))
    return out


async def attempt(bot: Bot, chat_id: int, *, paid: bool | None = None) -> int | None:
    """Send one message; return retry_after when limited, else None."""
    try:
        await bot.send_message(chat_id, "info", allow_paid_broadcast=paid)
    except TelegramRetryAfter as exc:
        return exc.retry_after
    return None


async def test_global_rate_limit(bot: Bot, sim: SimClient) -> None:
    """Forty sends at once exceed the global rate: some get 429 with retry_after, the rest are
    delivered."""
    recipients = await users(sim, 40)
    results = await asyncio.gather(*(attempt(bot, uid) for uid in recipients))
    limited = [r for r in results if r is not None]
    assert 5 <= len(limited) <= 12
    assert all(r >= 1 for r in limited)
    deliveries = await sim.call("GET", "/sim/deliveries")
    assert deliveries["total"] == 40 - len(limited)


async def test_paid_broadcast_uses_higher_rate(bot: Bot, sim: SimClient) -> None:
    """allow_paid_broadcast raises the rate: forty sends at once all go through."""
    recipients = await users(sim, 40)
    results = await asyncio.gather(*(attempt(bot, uid, paid=True) for uid in recipients))
    assert results == [None] * 40


async def test_private_chat_limit(bot: Bot, sim: SimClient) -> None:
    """One private chat takes a burst of three, then 429."""
    (uid,) = await users(sim, 1)
    results = [await attempt(bot, uid) for _ in range(5)]
    assert results[:3] == [None, None, None]  # the burst
    assert results[3] is not None
    assert results[3] >= 1


async def test_group_limit_20_per_minute(bot: Bot, sim: SimClient) -> None:
    """A group takes twenty messages a minute, then one every three seconds."""
    owner = await sim.create_user("Owner")
    group = await sim.create_chat("supergroup", "RW 01", owner["id"], bots=[{"admin": True}])
    results = [await attempt(bot, group["id"]) for _ in range(22)]
    assert results[:20] == [None] * 20
    assert results[20] == 3  # one message per 3 s once the burst is spent


async def test_limits_can_be_changed_and_disabled(bot: Bot, sim: SimClient) -> None:
    """Limits can be switched off and changed while running."""
    (uid,) = await users(sim, 1)
    current = await sim.call("POST", "/sim/limits", {"enabled": False})
    assert current["enabled"] is False
    assert [await attempt(bot, uid) for _ in range(10)] == [None] * 10
    await sim.call("POST", "/sim/limits", {"enabled": True, "private_burst": 1})
    assert [await attempt(bot, uid) for _ in range(2)][1] == 1


async def test_no_limits_constructor() -> None:
    """An emulator started without limits never answers 429."""
    async with running_emulator(tokens=[BOT_TOKEN], limits=RateLimits(enabled=False)) as (
        _emu,
        sim,
        client,
    ):
        (uid,) = await users(sim, 1)
        results = await asyncio.gather(*(attempt(client, uid) for _ in range(50)))
        assert results == [None] * 50


async def test_edits_and_polling_are_not_limited(bot: Bot, sim: SimClient) -> None:
    """Edits and getUpdates do not count against the send limits."""
    (uid,) = await users(sim, 1)
    sent = await bot.send_message(uid, "v0")
    for i in range(1, 8):
        await bot.edit_message_text(f"v{i}", chat_id=uid, message_id=sent.message_id)
    for _ in range(40):
        await bot.get_updates(timeout=0)


async def test_injected_429_and_5xx(bot: Bot, sim: SimClient) -> None:
    """Injected 429s and server errors hit the named method the given number of times, then it
    works; the log shows each status."""
    (uid,) = await users(sim, 1)
    await sim.call(
        "POST",
        "/sim/faults",
        {"kind": "429", "count": 2, "method": "sendMessage", "retry_after": 7},
    )
    await sim.call("POST", "/sim/faults", {"kind": "500", "count": 1, "method": "getMe"})
    await sim.call("POST", "/sim/faults", {"kind": "502", "count": 1, "method": "getMe"})
    for _ in range(2):
        with pytest.raises(TelegramRetryAfter) as caught:
            await bot.send_message(uid, "x")
        assert caught.value.retry_after == 7
    with pytest.raises(TelegramServerError, match="Internal Server Error"):
        await bot.get_me()
    with pytest.raises(TelegramServerError, match="Bad Gateway"):
        await bot.get_me()
    assert (await bot.get_me()).id == BOT_ID
    await bot.send_message(uid, "ok now")
    log = await sim.call("GET", "/sim/log", query={"method": "sendMessage"})
    assert [e["status"] for e in log["entries"]] == [429, 429, 200]
    assert log["entries"][-1]["params"]["text"] == "ok now"


async def test_injected_delay(bot: Bot, sim: SimClient) -> None:
    """An injected delay slows one call, once."""
    await sim.call("POST", "/sim/faults", {"kind": "delay", "delay": 0.3, "method": "getMe"})
    started = time.monotonic()
    await bot.get_me()
    assert time.monotonic() - started >= 0.3
    assert (await sim.call("GET", "/sim/faults"))["rules"] == []


async def test_storm(bot: Bot, sim: SimClient) -> None:
    """A storm answers sends with 429 for a while; other methods are untouched; sending works after
    it."""
    (uid,) = await users(sim, 1)
    await sim.call("POST", "/sim/faults/storm", {"seconds": 0.5, "method": "send"})
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(uid, "x")
    assert caught.value.retry_after == 1
    assert (await bot.get_me()).id == BOT_ID  # other methods are untouched
    await asyncio.sleep(0.6)
    await bot.send_message(uid, "after the storm")


async def test_faults_default_scope_skips_get_updates(bot: Bot, sim: SimClient) -> None:
    """A fault without a method spares getUpdates."""
    await sim.call("POST", "/sim/faults", {"kind": "500"})
    assert await bot.get_updates(timeout=0) == []
    with pytest.raises(TelegramServerError):
        await bot.get_me()


async def test_log_and_counters_reset(bot: Bot, sim: SimClient) -> None:
    """The request log and the delivery counters can be cleared."""
    (uid,) = await users(sim, 1)
    await bot.send_message(uid, "satu")
    assert (await sim.call("GET", "/sim/deliveries"))["chats"] == {str(uid): 1}
    assert (await sim.call("GET", "/sim/log"))["total"] >= 1
    await sim.call("DELETE", "/sim/log")
    await sim.call("DELETE", "/sim/deliveries")
    assert (await sim.call("GET", "/sim/log"))["entries"] == []
    assert (await sim.call("GET", "/sim/deliveries"))["total"] == 0


async def test_bad_fault_requests(sim: SimClient) -> None:
    """Unknown fault kinds and bad limit settings are refused."""
    with pytest.raises(SimError, match="kind must be one of"):
        await sim.call("POST", "/sim/faults", {"kind": "418"})
    with pytest.raises(SimError, match="unknown rate-limit setting"):
        await sim.call("POST", "/sim/limits", {"speed": 3})
    with pytest.raises(SimError, match="positive number"):
        await sim.call("POST", "/sim/limits", {"global_per_second": -1})
