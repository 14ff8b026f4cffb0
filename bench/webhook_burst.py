"""Benchmark a burst of updates at the real `kimbot run --webhook`: back-pressure, not a queue.

Everything runs on loopback: the Bot API emulator (flood control off, so replies are not
what is measured), `kimbot run --webhook` on the embedded Redis in a temp dir, and N
residents created in the emulator. The burst is N updates ("halo" from N different
residents) posted straight at the bot's webhook with the secret, `--concurrency` at a
time, as Telegram would after an outage; a 429 or 503 is posted again after `--retry`
seconds, as Telegram does. Each update's latency runs from its first attempt to its 200.
The bot's resident memory (RSS) is sampled every 0.1 s.

It prints one JSON line: updates, concurrency, seconds, handled_per_s, latency p50/p99/max,
statuses (counts by HTTP status over all attempts), attempts_max, residents answered once
and more than once (from the emulator's deliveries), rss_start_mb, rss_peak_mb,
rss_growth_mb.

    .venv/bin/python bench/webhook_burst.py                   # 10,000 updates
    .venv/bin/python bench/webhook_burst.py --updates 1000 --concurrency 200
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).resolve()
ROOT = SCRIPT.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import psutil  # noqa: E402
import yaml  # noqa: E402

TOKEN = "777002:BENCH-burst-token"  # noqa: S105 - known only to the local emulator
SECRET = "bench-Burst_secret"  # noqa: S105 - known only to this run
FIRST_USER = 720_000_001


def log(message: str) -> None:
    """Progress on stderr."""
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_http(url: str, seconds: float = 60) -> None:
    """Wait until `url` answers."""
    from handlers.processes import wait_http as wait

    if not wait(url, seconds):
        raise SystemExit(f"{url} did not come up")


def start_emulator(tmp: Path) -> tuple[subprocess.Popen[bytes], str]:
    """The emulator, flood control off."""
    api_port = free_port()
    emulator = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "emulator",
            "--port",
            str(api_port),
            "--token",
            f"{TOKEN}:kim_burst_bot",
            "--no-limits",
            "--log-size",
            "100",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=(tmp / "emulator.log").open("wb"),
    )
    api = f"http://127.0.0.1:{api_port}"
    wait_http(api + "/sim/bots")
    return emulator, api


def start_bot(tmp: Path, api: str) -> tuple[subprocess.Popen[bytes], int]:
    """`kimbot run --webhook` with replies unpaced; returns the process and its port."""
    bot_port = free_port()
    config = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    config["broadcasts"]["rate_per_second"] = 100_000
    config["limits"]["flood_messages_per_minute"] = 600
    (tmp / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    env = dict(
        os.environ,
        KIMBOT_TELEGRAM_TOKEN=TOKEN,
        KIMBOT_TELEGRAM_API_URL=api,
        KIMBOT_DATA_DIR=str(tmp / "data"),
        KIMBOT_WEBHOOK_SECRET=SECRET,
        KIMBOT_WEBHOOK_URL=f"http://127.0.0.1:{bot_port}/telegram/webhook",
    )
    env.pop("REDIS_URL", None)
    bot = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "handlers.cli",
            "run",
            "--config",
            str(tmp / "config.yaml"),
            "--webhook",
            "--port",
            str(bot_port),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(tmp / "bot.log").open("wb"),
    )
    wait_http(f"http://127.0.0.1:{bot_port}/healthz")
    return bot, bot_port


async def residents(session: aiohttp.ClientSession, api: str, count: int) -> list[int]:
    """`count` people in the emulator who opened the bot (before the bot runs: their /start
    updates are then fetched and confirmed here, so the burst is all the bot sees)."""
    ids = list(range(FIRST_USER, FIRST_USER + count))

    async def create(user: int) -> None:
        body = {"id": user, "first_name": f"Warga {user}", "language_code": "id"}
        async with session.post(api + "/sim/users", json=body) as response:
            response.raise_for_status()
        async with session.post(f"{api}/sim/users/{user}/start", json={}) as response:
            response.raise_for_status()

    for i in range(0, count, 50):
        await asyncio.gather(*(create(u) for u in ids[i : i + 50]))
    offset = 0
    while True:
        async with session.post(f"{api}/bot{TOKEN}/getUpdates", json={"offset": offset}) as r:
            updates = (await r.json())["result"]
        if not updates:
            return ids
        offset = updates[-1]["update_id"] + 1


def update(n: int, user: int) -> dict[str, Any]:
    """What Telegram posts when `user` writes "halo"."""
    chat = {"id": user, "type": "private", "first_name": f"Warga {user}"}
    sender = {"id": user, "is_bot": False, "first_name": f"Warga {user}", "language_code": "id"}
    message = {
        "message_id": n,
        "date": int(time.time()),
        "chat": chat,
        "from": sender,
        "text": "halo",
    }
    return {"update_id": 900_000_000 + n, "message": message}


async def burst(port: int, users: list[int], concurrency: int, retry: float) -> dict[str, Any]:
    """Post every update, `concurrency` at a time, each until it gets a 200."""
    url = f"http://127.0.0.1:{port}/telegram/webhook"
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    statuses: dict[int, int] = {}
    latencies: list[float] = []
    attempts_max = 0
    queue: asyncio.Queue[tuple[int, int]] = asyncio.Queue()
    for n, user in enumerate(users, 1):
        queue.put_nowait((n, user))
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def poster() -> None:
            nonlocal attempts_max
            while not queue.empty():
                n, user = queue.get_nowait()
                body = update(n, user)
                first = time.monotonic()
                attempts = 0
                while True:
                    attempts += 1
                    async with session.post(url, json=body, headers=headers) as response:
                        statuses[response.status] = statuses.get(response.status, 0) + 1
                        if response.status == 200:
                            break
                        if response.status not in (429, 503):
                            raise SystemExit(f"update {n}: HTTP {response.status}")
                    await asyncio.sleep(retry)
                latencies.append(time.monotonic() - first)
                attempts_max = max(attempts_max, attempts)

        await asyncio.gather(*(poster() for _ in range(concurrency)))
    latencies.sort()
    return {
        "latency_p50_s": round(latencies[len(latencies) // 2], 3),
        "latency_p99_s": round(latencies[int(len(latencies) * 0.99) - 1], 3),
        "latency_max_s": round(latencies[-1], 3),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "attempts_max": attempts_max,
    }


async def sample_rss(pid: int, peak: list[float], stop: asyncio.Event) -> None:
    """Keep the highest RSS (MB) of `pid` seen, every 0.1 s."""
    process = psutil.Process(pid)
    while not stop.is_set():
        peak[0] = max(peak[0], process.memory_info().rss / 1e6)
        await asyncio.sleep(0.1)


async def answered(session: aiohttp.ClientSession, api: str, users: list[int]) -> dict[str, int]:
    """How many residents got one reply, and how many more than one."""
    once = more = 0
    for user in users:
        async with session.get(f"{api}/sim/chats/{user}/messages", params={"from_bot": "1"}) as r:
            count = len((await r.json())["result"]["messages"])
        once += count == 1
        more += count > 1
    return {"answered_once": once, "answered_more_than_once": more}


async def measure(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """Start, create residents, burst, look."""
    emulator, api = start_emulator(tmp)
    bot: subprocess.Popen[bytes] | None = None
    try:
        async with aiohttp.ClientSession() as session:
            users = await residents(session, api, args.updates)
            bot, port = start_bot(tmp, api)
            await asyncio.sleep(2)  # setWebhook and the command menus are done by now
            rss_start = psutil.Process(bot.pid).memory_info().rss / 1e6
            peak = [rss_start]
            stop = asyncio.Event()
            sampler = asyncio.get_running_loop().create_task(sample_rss(bot.pid, peak, stop))
            log(f"burst of {args.updates} updates, {args.concurrency} at a time")
            started = time.monotonic()
            result = await burst(port, users, args.concurrency, args.retry)
            seconds = time.monotonic() - started
            stop.set()
            await sampler
            counts = await answered(session, api, users)
        return {
            "bench": "webhook_burst",
            "updates": args.updates,
            "concurrency": args.concurrency,
            "seconds": round(seconds, 1),
            "handled_per_s": round(args.updates / seconds, 1),
            **result,
            **counts,
            "rss_start_mb": round(rss_start, 1),
            "rss_peak_mb": round(peak[0], 1),
            "rss_growth_mb": round(peak[0] - rss_start, 1),
        }
    finally:
        for process in (bot, emulator):
            if process is None:
                continue
            process.send_signal(2)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def main() -> int:
    """Parse arguments, run, print the JSON line."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--updates", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=500)
    parser.add_argument(
        "--retry", type=float, default=1.0, help="seconds before posting a 429/503 again"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kimbot-burst-") as tmp:
        print(json.dumps(asyncio.run(measure(args, Path(tmp)))), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
