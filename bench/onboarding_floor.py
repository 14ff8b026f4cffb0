"""What an onboarding costs the bot at least: the core's five steps, and one Bot API call.

`bench/onboarding.py` measures the whole bot process during a rush. This one takes the
two parts no transport change can remove apart, each on its own:

- `core`: the resident dialog alone, in this process, on an embedded Redis (as the
  default install runs it): /start → [Bahasa Indonesia] → [✅ Saya setuju] → a kecamatan
  → a kelurahan, for N residents one after another, as `Conversations.handle` is called
  by either channel. Reported: CPU (user and kernel) per onboarding, Redis commands and
  round trips (requests written to the socket: a pipeline is one) per onboarding.
- `http`: one sendMessage with an 8-button keyboard through the bot's lean client
  (`handlers/telegram/bulkapi.py`, aiohttp) to the emulator in a child process with its
  limits off, from 50 chats at once: this process's CPU per call.

Then `floor`: the core's CPU plus the HTTP calls an onboarding makes at least (4
messages, 4 button answers, 1 edit, and one getUpdates per update: 14), before the
inbox's leases and receipts, the limiter, aiogram's parsing and dispatch of the updates,
and the thread hand-overs.

One JSON line per part, then the floor. Ports: the emulator on a free loopback port.

    .venv/bin/python bench/onboarding_floor.py
    .venv/bin/python bench/onboarding_floor.py --residents 500 --calls 3000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import redis.connection  # noqa: E402

from bot.dialogs import build_conversations  # noqa: E402
from bot.platform.addresses import Address  # noqa: E402
from bot.platform.config import load_config  # noqa: E402
from bot.platform.messages import Incoming, Reply  # noqa: E402
from bot.platform.store import EmbeddedRedis, connect  # noqa: E402
from emulator.client import SimClient  # noqa: E402
from handlers.telegram.bulkapi import JSON, BulkApi  # noqa: E402
from handlers.wiring import build_services  # noqa: E402

TOKEN = "777004:BENCH-floor-token"  # noqa: S105 - known only to the local emulator
CALLS_PER_ONBOARDING = 14  # 4 sends, 4 button answers, 1 edit, 5 getUpdates
STEPS = ("/start", "Bahasa Indonesia", "✅", "kecamatan", "kelurahan")
NAV = ("›", "‹", "«")


def cpu() -> tuple[float, float]:
    """This process's (user, kernel) CPU seconds so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime, usage.ru_stime


class RoundTrips:
    """Counts requests redis-py writes to its sockets (one per command or pipeline)."""

    count = 0

    @classmethod
    @contextmanager
    def counting(cls) -> Iterator[None]:
        original: Callable[..., None] = redis.connection.AbstractConnection.send_packed_command

        def counted(self: Any, command: Any, check_health: bool = True) -> None:
            cls.count += 1
            original(self, command, check_health)

        redis.connection.AbstractConnection.send_packed_command = counted  # type: ignore[method-assign]
        try:
            yield
        finally:
            redis.connection.AbstractConnection.send_packed_command = original  # type: ignore[method-assign]


def pick(replies: list[Reply], step: str) -> str:
    """The data of the button this step presses."""
    choices = [c for r in replies for row in r.choices for c in row]
    if step in ("kecamatan", "kelurahan"):
        places = [c for c in choices if not c.label.startswith(NAV)]
        return places[0].data
    return next(c.data for c in choices if step in c.label)


def core(residents: int) -> dict[str, Any]:
    """The dialog's five steps for `residents` people on an embedded Redis."""
    config = load_config(ROOT / "config.yaml")
    with EmbeddedRedis(Path(tempfile.mkdtemp(prefix="kimbot-floor-"))) as server:
        client = connect(server.url)
        conversations = build_conversations(build_services(config, client))

        def onboard(chat_id: int) -> None:
            address = Address.telegram(chat_id)
            replies = conversations.handle(
                Incoming(address, "command", text="/start", command="start", language_code="id")
            )
            for step in STEPS[1:]:
                data = pick(replies, step)
                replies = conversations.handle(
                    Incoming(address, "button", button=data, language_code="id")
                )
            assert any("berlangganan" in r.text for r in replies), replies

        for n in range(20):  # translations, templates and caches loaded once
            onboard(900_000_000 + n)
        commands = int(client.info("stats")["total_commands_processed"])
        with RoundTrips.counting():
            RoundTrips.count = 0
            user, kernel = cpu()
            for n in range(residents):
                onboard(910_000_000 + n)
            user2, kernel2 = cpu()
            trips = RoundTrips.count
        commands = int(client.info("stats")["total_commands_processed"]) - commands - 1
        client.close()
    per = 1000 / residents
    return {
        "bench": "onboarding_floor",
        "part": "core",
        "residents": residents,
        "cpu_ms_per_onboarding": round((user2 - user + kernel2 - kernel) * per, 2),
        "kernel_cpu_ms_per_onboarding": round((kernel2 - kernel) * per, 2),
        "redis_commands_per_onboarding": round(commands / residents, 1),
        "redis_round_trips_per_onboarding": round(trips / residents, 1),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_emulator() -> tuple[subprocess.Popen[bytes], str]:
    """The emulator with its limits off, on a free loopback port; (process, URL)."""
    port = free_port()
    command = [sys.executable, "-m", "emulator", "--port", str(port), "--no-limits"]
    command += ["--token", f"{TOKEN}:kimfloorbot"]
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return process, f"http://127.0.0.1:{port}"


async def http(url: str, calls: int, chats: int = 50) -> dict[str, Any]:
    """`calls` sendMessage calls through the lean client, `chats` at a time."""
    api = BulkApi(TOKEN, url)
    try:
        users = await _people(url, chats)
        markup = {
            "inline_keyboard": [
                [{"text": f"Kecamatan {i}", "callback_data": f"v1:k.{i}"}] for i in range(8)
            ]
        }
        text = "Anda tinggal di kecamatan mana? Pilih di bawah ini."

        async def send(chat_id: int, times: int) -> None:
            fields = {"chat_id": chat_id, "text": text, "reply_markup": markup}
            data = json.dumps({**fields, "parse_mode": "HTML"}, ensure_ascii=False).encode()
            for _ in range(times):
                await api.call("sendMessage", data, JSON)

        await asyncio.gather(*(send(u, 3) for u in users))  # connections opened, warm
        each = max(1, calls // chats)
        user, kernel = cpu()
        started = time.monotonic()
        await asyncio.gather(*(send(u, each) for u in users))
        seconds = time.monotonic() - started
        user2, kernel2 = cpu()
    finally:
        await api.close()
    done = each * chats
    return {
        "bench": "onboarding_floor",
        "part": "http",
        "calls": done,
        "concurrency": chats,
        "cpu_us_per_call": round((user2 - user + kernel2 - kernel) * 1e6 / done),
        "kernel_cpu_us_per_call": round((kernel2 - kernel) * 1e6 / done),
        "calls_per_s": round(done / seconds, 1),
    }


async def _people(url: str, chats: int) -> list[int]:
    """`chats` emulator users who opened the bot (once the emulator answers)."""
    async with SimClient(url) as sim:
        for _ in range(300):
            try:
                await sim.call("GET", "/sim/bots")
                break
            except (OSError, aiohttp.ClientError):
                await asyncio.sleep(0.1)
        users = []
        for n in range(chats):
            user = await sim.create_user(f"Warga {n}", language_code="id")
            await sim.start(user["id"])
            users.append(int(user["id"]))
    return users


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--residents", type=int, default=300, help="onboardings of the core")
    parser.add_argument("--calls", type=int, default=2000, help="sendMessage calls")
    args = parser.parse_args()
    found = core(args.residents)
    print(json.dumps(found), flush=True)
    emulator, url = start_emulator()
    try:
        calls = asyncio.run(http(url, args.calls))
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)
    print(json.dumps(calls), flush=True)
    http_ms = calls["cpu_us_per_call"] * CALLS_PER_ONBOARDING / 1000
    print(
        json.dumps(
            {
                "bench": "onboarding_floor",
                "part": "floor",
                "core_cpu_ms": found["cpu_ms_per_onboarding"],
                "http_calls": CALLS_PER_ONBOARDING,
                "http_cpu_ms": round(http_ms, 2),
                "floor_cpu_ms_per_onboarding": round(found["cpu_ms_per_onboarding"] + http_ms, 2),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
