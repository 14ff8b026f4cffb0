"""The real `kimbot run --metrics-port` (long polling) scraped while its worker delivers a
broadcast through the emulator, one 429 included."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.platform.addresses import Address
from bot.platform.config import Config
from bot.platform.store import Redis, connect
from bot.residents.records import Residents
from emulator import SimClient
from tests.support.constants import BAGENDUNG, ROOT
from tests.support.processes import free_port, start_bot, start_emulator, wait_http
from tests.support.worlds import build_world, world_config

pytestmark = pytest.mark.e2e
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]
SENT = (("kind", "broadcast"), ("outcome", "sent"), ("platform", "tg"))


def scrape(port: int) -> Samples:
    """One scrape of the bot's /metrics."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as answer:
        text = answer.read().decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def scrape_until(
    port: int, sample: tuple[str, tuple[tuple[str, str], ...]], value: float
) -> Samples:
    """Scrape until `sample` reaches `value` (or fail after a generous minute)."""
    deadline = time.monotonic() + 60
    while True:
        got = scrape(port)
        if got.get(sample, 0) >= value:
            return got
        if time.monotonic() > deadline:
            raise TimeoutError(f"{sample} never reached {value}: {got.get(sample)}")
        time.sleep(0.5)


async def residents_and_a_429(api: str, redis: Redis) -> None:
    """Three subscribers of Bagendung who opened the bot; the next sendMessage gets a 429."""
    async with SimClient(api) as sim:
        residents = Residents(redis)
        for _ in range(3):
            user = await sim.create_user("Warga", language_code="id")
            await sim.start(user["id"])
            residents.consent(Address.telegram(user["id"]), "id", "v1", 1.0)
            residents.subscribe(Address.telegram(user["id"]), BAGENDUNG, 2.0)
        fault = {"kind": "429", "count": 1, "retry_after": 1, "method": "sendMessage"}
        await sim.call("POST", "/sim/faults", fault)


def test_polling_bot_serves_metrics_of_its_worker(
    tmp_path: Path, redis_url: str, config: Config
) -> None:
    """Queue depths and workers at once; after a broadcast to Bagendung (three residents
    and its channel, one 429 on the way), the worker's sends and the 429 are there."""
    redis = connect(redis_url)
    redis.flushdb()
    emulator, api = start_emulator(tmp_path)
    bot = None
    try:
        world = asyncio.run(build_world(api))
        config_path = world_config(config, tmp_path / "config.yaml", world)
        port = free_port()
        bot = start_bot(tmp_path, api, config_path, redis_url, metrics_port=port)
        wait_http(f"http://127.0.0.1:{port}/healthz", server=bot)
        got = scrape_until(port, ("kimbot_workers", ()), 1)  # the worker child registered
        assert got[("kimbot_redis_up", ())] == 1
        assert got[("kimbot_queue_jobs", (("queue", "kim-bulk"), ("state", "queued")))] == 0
        asyncio.run(residents_and_a_429(api, redis))
        text = tmp_path / "pengumuman.txt"
        text.write_text("Kerja bakti Minggu pukul 07.00 di balai kelurahan.", encoding="utf-8")
        command = ["broadcast", "--config", str(config_path), "--to", BAGENDUNG]
        subprocess.run(
            [sys.executable, "-m", "handlers.cli", *command, "--text-file", str(text), "--detach"],
            env=dict(os.environ, REDIS_URL=redis_url),
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        got = scrape_until(port, ("kimbot_sends_total", SENT), 4)
        assert got[("kimbot_sends_total", SENT)] == 4  # three residents and the channel, once
        assert got[("kimbot_rate_limited_total", (("platform", "tg"),))] >= 1
        assert got[("kimbot_subscribers", ())] == 3
    finally:
        if bot is not None:
            bot.stop()
        emulator.stop()
        redis.flushdb()
        redis.close()
