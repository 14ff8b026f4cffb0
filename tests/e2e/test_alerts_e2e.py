"""Issue 17 end to end, through the emulator and the real `kimbot run` (one bot, its one
worker): while a broadcast to 600 residents goes out at Telegram's 30/s, an Extreme
warning for Kecamatan Pulomerak is ingested with `kimbot alerts ingest`. Its residents
get it, each once, in their language with their kelurahan named, before the broadcast
sends anything more; then the broadcast resumes and reaches everyone once; the emulator
(flood control on, 30/s) answered no request with 429."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from rq import Worker

from bot.platform.addresses import Address
from bot.platform.config import Config, load_config
from bot.platform.store import connect
from broadcasts.dispatch import RQDispatch
from emulator.client import SimClient
from handlers.wiring import build_services
from tests.support.constants import BAGENDUNG, BOT_ID, BOT_TOKEN, ROOT
from tests.support.people import body
from tests.support.processes import bot_env, start_bot, start_emulator, write_config

pytestmark = pytest.mark.e2e

BULK, WARNED = 600, 120  # 24 s of sending at 30/s
TEXT = "Kerja bakti Minggu 07.00 di RW 02 Bagendung, bawa cangkul."
PULOMERAK = "36.72.03"
ALERT = ROOT / "tests" / "data" / "cap" / "pulomerak-landslide.template.xml"


def alert_document() -> bytes:
    """The warning, sent a minute ago and valid for six hours."""
    now = datetime.now(ZoneInfo("Asia/Jakarta")).replace(microsecond=0)
    return (
        ALERT.read_text(encoding="utf-8")
        .format(
            prefix="E2E-LONGSOR",
            stamp=int(now.timestamp()),
            sent=(now - timedelta(minutes=1)).isoformat(),
            expires=(now + timedelta(hours=6)).isoformat(),
        )
        .encode()
    )


async def users(api: str, count: int) -> list[int]:
    """`count` users who started the bot (before it runs: their /start is dropped)."""
    async with SimClient(api) as sim:
        slots = asyncio.Semaphore(32)

        async def one(n: int) -> int:
            async with slots:
                user = await sim.create_user(f"Warga {n}", language_code="id")
                await sim.start(user["id"])
                return int(user["id"])

        made = await asyncio.gather(*(one(n) for n in range(count)))
        method = f"/bot{BOT_TOKEN}/getUpdates"
        last = await sim.call("POST", method, {"offset": -1, "timeout": 0})
        if last:  # confirm the last one too: the bot starts with none pending
            await sim.call("POST", method, {"offset": last[-1]["update_id"] + 1, "timeout": 0})
    return list(made)


async def sim_get(api: str, path: str, **params: str) -> Any:
    """One `/sim` answer."""
    async with SimClient(api) as sim:
        return await sim.call("GET", path, query=params)


def wait(check: Any, seconds: float, what: str) -> None:
    """Until `check()` is true, or fail naming `what`."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds:.0f} s: {what}")
        time.sleep(0.1)


def test_an_extreme_warning_overtakes_a_running_broadcast(
    tmp_path: Path, redis_url: str, config: Config
) -> None:
    """The scenario of the module docstring."""
    redis = connect(redis_url)
    redis.flushdb()
    emulator, api = start_emulator(tmp_path, log_size=20_000)
    try:
        chats = asyncio.run(users(api, BULK + WARNED))
        path = write_config(config, tmp_path / "config.yaml")
        bot = start_bot(tmp_path, api, path, redis_url)
        try:
            scenario(tmp_path, api, path, redis_url, chats)
        finally:
            bot.stop()
    finally:
        emulator.stop()
        redis.flushdb()
        redis.close()


def scenario(tmp: Path, api: str, path: Path, redis_url: str, chats: list[int]) -> None:
    """Subscribe, broadcast, ingest the warning mid-way, and check what everyone got."""
    rq = connect(redis_url, decode=False)
    services = build_services(load_config(path), connect(redis_url), dispatch=RQDispatch(rq))
    bulk, warned = chats[:BULK], chats[BULK:]
    villages = [v.code for v in services.regions.villages(PULOMERAK)]
    for chat in bulk:
        services.residents.consent(Address.telegram(chat), "id", "v1", time.time())
        services.residents.subscribe(Address.telegram(chat), BAGENDUNG, time.time())
    for n, chat in enumerate(warned):
        services.residents.consent(Address.telegram(chat), ("id", "en")[n % 2], "v1", time.time())
        services.residents.subscribe(
            Address.telegram(chat), villages[n % len(villages)], time.time()
        )
    wait(lambda: Worker.count(connection=rq) >= 1, 60, "the worker of `kimbot run`")
    store = services.announcements
    broadcast = store.create(None, [BAGENDUNG], time.time(), text=TEXT)
    services.dispatch.submit(broadcast.id)

    def sent(announcement_id: str) -> int:
        found = store.get(announcement_id)
        return found.counts.get("sent", 0) if found else 0

    wait(lambda: sent(broadcast.id) >= 150, 60, "the broadcast under way")
    document = tmp / "longsor.xml"
    document.write_bytes(alert_document())
    command = [sys.executable, "-m", "handlers.cli", "alerts", "ingest", str(document)]
    done = subprocess.run(
        [*command, "--config", str(path)],
        env=bot_env(tmp, api, redis_url),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "· Actual/Alert · Extreme · Kec. Pulomerak · auto" in done.stdout
    assert "  delivery: sending as broadcast #2" in done.stdout
    in_the_middle = sent(broadcast.id)
    assert in_the_middle < BULK

    def finished(announcement_id: str) -> bool:
        found = store.get(announcement_id)
        return found is not None and found.state == "done"

    wait(lambda: finished("2"), 120, "the warning delivered")
    wait(lambda: finished(broadcast.id), 180, "the broadcast finished")
    assert sent("2") == WARNED
    assert sent(broadcast.id) == BULK

    log = asyncio.run(
        sim_get(api, "/sim/log", bot=str(BOT_ID), method="sendMessage", limit="100000")
    )
    ok = [e for e in log["entries"] if e["status"] == 200]
    to_warned = [e["seq"] for e in ok if int(e["params"]["chat_id"]) in set(warned)]
    to_bulk = [e["seq"] for e in ok if int(e["params"]["chat_id"]) in set(bulk)]
    assert len(to_warned) == WARNED
    assert len(to_bulk) == BULK
    first, last = min(to_warned), max(to_warned)
    assert [s for s in to_bulk if first < s < last] == []  # the broadcast waited meanwhile
    assert max(to_bulk) > last  # and went on after
    rejected = asyncio.run(sim_get(api, "/sim/log", bot=str(BOT_ID), status="429", limit="100000"))
    assert rejected["entries"] == []
    deliveries = asyncio.run(sim_get(api, "/sim/deliveries", bot=str(BOT_ID)))["chats"]
    assert all(deliveries.get(str(c)) == 1 for c in chats)  # each once

    async def shown(chat: int) -> str:
        async with SimClient(api) as sim:
            return "\n".join(body(m) for m in await sim.messages(chat, from_bot=1))

    first_warned = asyncio.run(shown(warned[0]))
    place = services.regions[villages[0]].name
    assert "⚠️ PERINGATAN DINI" in first_warned
    assert f"Di mana: {place}, Kec. Pulomerak" in first_warned
    assert "Jauhi lereng dan tebing." in first_warned
    english = asyncio.run(shown(warned[1]))
    assert f"Where: {services.regions[villages[1]].name}, Kec. Pulomerak" in english
    record = services.alerts.get("1")
    assert record is not None
    assert record.ingested < record.first_sent <= record.last_sent
    rq.close()
