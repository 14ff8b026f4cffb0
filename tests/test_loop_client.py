"""`LoopClient` (bot/platform/store.py) used from more than one event loop, on a real Redis:
each loop gets a working client, and a client left behind on another loop is closed there
or kept, never finalised by the garbage collector (which pytest here reports as an error)."""

from __future__ import annotations

import asyncio
import gc
import threading

from bot.platform.store import LoopClient, Redis


def connections(redis: Redis) -> int:
    """Clients connected to the server now."""
    return len(redis.client_list())


def test_a_client_used_on_two_loops_in_turn_works_on_each(redis: Redis) -> None:
    """Two `asyncio.run`s, one after the other (the first loop closes with its client
    open): the second gets its own client, and collecting garbage reports nothing."""
    shared = LoopClient(redis)

    async def ping() -> bool:
        return bool(await shared.client().ping())

    assert asyncio.run(ping())
    assert asyncio.run(ping())
    asyncio.run(shared.aclose())
    gc.collect()


def test_a_client_left_on_a_running_loop_is_closed_on_that_loop(redis: Redis) -> None:
    """Used first on a loop another thread keeps running, then on this thread's: the first
    client is closed on its own loop, and the server sees its connection go."""
    shared = LoopClient(redis)
    other = asyncio.new_event_loop()
    thread = threading.Thread(target=other.run_forever, daemon=True)
    thread.start()
    try:
        before = connections(redis)

        async def ping() -> bool:
            return bool(await shared.client().ping())

        assert asyncio.run_coroutine_threadsafe(ping(), other).result(10)
        assert connections(redis) == before + 1

        async def here() -> int:
            assert await ping()
            await asyncio.sleep(0.2)  # the other loop closes its client meanwhile
            found = connections(redis)
            await shared.aclose()
            return found

        assert asyncio.run(here()) == before + 1  # this loop's only
    finally:
        other.call_soon_threadsafe(other.stop)
        thread.join(10)
        other.close()
    gc.collect()
