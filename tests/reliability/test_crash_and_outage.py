"""The real `kimbot run` under the faults of an operator's first bad week: SIGKILLed while
handling residents' messages, and Redis stopped and started again. Debian's redis-server
is the store (it is the one that can be stopped); the emulator plays Telegram.

Figures (answered, apologised, how long) are printed; nothing here asserts a timing.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.platform.config import Config
from emulator import SimClient
from tests.support.processes import Process, free_port, start_bot, start_emulator, wait_http
from tests.support.redis_server import debian_redis
from tests.support.worlds import build_world, world_config

pytestmark = pytest.mark.e2e
APOLOGY = "layanan kami sedang terganggu"


@dataclass
class Stack:
    """Redis, the emulator and the bot, each of which a test can take down."""

    tmp: Path
    config_path: Path = field(init=False)
    api: str = ""
    redis_port: int = 0
    webhook_port: int | None = None
    stack: ExitStack = field(default_factory=ExitStack)
    bot: Process | None = None
    redis_url: str = ""

    def start_redis(self) -> None:
        self.redis_url = self.stack.enter_context(
            debian_redis(self.tmp / "redis", port=self.redis_port)
        )

    def stop_redis(self) -> None:
        """Stop redis-server (it saves and exits): everything after the first enter is its."""
        self.stack.close()
        self.stack = ExitStack()

    def start_bot(self) -> None:
        self.bot = start_bot(
            self.tmp, self.api, self.config_path, self.redis_url, webhook_port=self.webhook_port
        )
        if self.webhook_port is not None:
            wait_http(f"http://127.0.0.1:{self.webhook_port}/healthz", server=self.bot)
        else:
            time.sleep(1)  # polling starts after its setup calls; updates wait at the emulator

    def kill_bot(self) -> None:
        assert self.bot is not None
        self.bot.kill()


@contextmanager
def running(tmp: Path, config: Config, webhook: bool) -> Iterator[Stack]:
    """A fresh stack; everything it started is stopped at the end."""
    (tmp / "redis").mkdir()
    emulator, api = start_emulator(tmp, webhook_retries=60)
    stack = Stack(
        tmp, api=api, redis_port=free_port(), webhook_port=free_port() if webhook else None
    )
    try:
        stack.start_redis()
        world = asyncio.run(build_world(api))
        stack.config_path = world_config(config, tmp / "config.yaml", world)
        stack.start_bot()
        yield stack
    finally:
        if stack.bot is not None:
            stack.bot.stop()
        stack.stop_redis()
        emulator.stop()


async def residents(sim: SimClient, count: int, tag: str) -> list[int]:
    """New people who have not talked to the bot yet."""
    return [
        (await sim.create_user(f"Warga {tag}{n}", language_code="id"))["id"] for n in range(count)
    ]


async def ready(sim: SimClient) -> None:
    """Wait until the bot answers at all (it starts in a few seconds on a busy machine)."""
    (someone,) = await residents(sim, 1, "warm-up")
    sent = await sim.send(someone, "/start")
    assert await answered(sim, someone, sent["message"]["message_id"], 60)


async def answered(sim: SimClient, user: int, after: int, seconds: float) -> list[str]:
    """Texts the bot sent the person after message `after`, waiting up to `seconds`."""
    found = await sim.messages(user, after=after, wait=seconds, from_bot=1)
    return [str(m.get("text") or m.get("caption") or "") for m in found]


@pytest.mark.parametrize("mode", ["polling", "webhook"])
def test_a_bot_killed_while_handling_answers_every_message_after_restart(
    tmp_path: Path, config: Config, mode: str
) -> None:
    """Four residents send a photo; while the bot is fetching them (getFile held by the
    emulator) it is SIGKILLed, then started again: all four are answered, once."""
    with running(tmp_path, config, mode == "webhook") as stack:

        async def scenario() -> list[int]:
            async with SimClient(stack.api) as sim:
                people = await residents(sim, 4, mode)
                await sim.call(
                    "POST",
                    "/sim/faults",
                    {"kind": "delay", "method": "getFile", "count": 4, "delay": 6},
                )
                sent = [await sim.send(user, photo={}) for user in people]
                await asyncio.sleep(2)  # the bot took them and waits for getFile
                for user, message in zip(people, sent, strict=True):
                    assert await answered(sim, user, message["message"]["message_id"], 0) == []
                stack.kill_bot()
                started = time.monotonic()
                stack.start_bot()
                counts = []
                for user, message in zip(people, sent, strict=True):
                    texts = await answered(sim, user, message["message"]["message_id"], 60)
                    counts.append(len(texts))
                await asyncio.sleep(1)  # anything sent twice would show by now
                counts = [
                    len(await answered(sim, u, m["message"]["message_id"], 0))
                    for u, m in zip(people, sent, strict=True)
                ]
                print(
                    f"{mode}: answered {sum(1 for c in counts if c)} of 4 within "
                    f"{time.monotonic() - started:.1f} s of the restart; replies {counts}"
                )
                return counts

        counts = asyncio.run(scenario())
        assert all(count >= 1 for count in counts)


def test_redis_stopped_then_back_apologises_then_answers_everything(
    tmp_path: Path, config: Config
) -> None:
    """Redis stops; three residents write; each hears an apology (once), and once Redis is
    back each message is answered."""
    down_for = 12.0
    with running(tmp_path, config, webhook=False) as stack:

        async def scenario() -> dict[str, Any]:
            async with SimClient(stack.api) as sim:
                people = await residents(sim, 3, "redis")
                await ready(sim)
                stack.stop_redis()
                stopped = time.monotonic()
                sent = [await sim.send(user, "/start") for user in people]
                apologies, last_seen = [], []
                for user, message in zip(people, sent, strict=True):
                    found = await sim.messages(
                        user, after=message["message"]["message_id"], wait=15, from_bot=1
                    )
                    apologies.append([str(m.get("text")) for m in found])
                    last_seen.append(found[-1]["message_id"] if found else 0)
                await asyncio.sleep(max(0.0, down_for - (time.monotonic() - stopped)))
                stack.start_redis()
                back = time.monotonic()
                replies = []
                for user, after in zip(people, last_seen, strict=True):
                    replies.append(await answered(sim, user, after, 90))
                return {
                    "apologies": apologies,
                    "replies": replies,
                    "answered_after_s": round(time.monotonic() - back, 1),
                }

        result = asyncio.run(scenario())
        print(
            f"redis down {down_for:.0f} s: {sum(map(len, result['apologies']))} apologies to 3 "
            f"residents, all answered {result['answered_after_s']} s after it came back"
        )
        for texts in result["apologies"]:
            assert len(texts) == 1
            assert APOLOGY in texts[0]
        for texts in result["replies"]:
            assert any("Pilih bahasa" in t or "Selamat datang" in t for t in texts)


@pytest.mark.parametrize("how", ["SIGINT", "SIGTERM"])
def test_the_bot_stops_on_a_signal_while_redis_is_down(
    tmp_path: Path, config: Config, how: str
) -> None:
    """Ctrl-C (and the service manager's SIGTERM) stop `kimbot run` with Redis unreachable
    and a resident's message held: it exits by itself, not by SIGKILL."""
    import signal

    with running(tmp_path, config, webhook=False) as stack:

        async def scenario() -> None:
            async with SimClient(stack.api) as sim:
                (user,) = await residents(sim, 1, how)
                await ready(sim)
                stack.stop_redis()
                await sim.send(user, "halo")
                await asyncio.sleep(2)

        asyncio.run(scenario())
        assert stack.bot is not None
        popen = stack.bot.popen
        started = time.monotonic()
        popen.send_signal(getattr(signal, how))
        try:
            code = popen.wait(timeout=30)
        except Exception:
            popen.kill()
            raise
        print(f"{how} with Redis down: exited {code} after {time.monotonic() - started:.1f} s")
        stack.bot.stop()
        stack.bot = None
        assert code != -signal.SIGKILL
