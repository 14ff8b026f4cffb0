"""Hostile input at both webhooks, with the right secret or signature: fuzzed updates,
deep nesting, lone surrogates, slow bodies. Nothing malformed reaches a handler, nothing
escapes as an unretrieved task or a 500, and well-formed updates keep working."""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.platform.clock import FixedClock
from bot.platform.config import Config
from bot.platform.store import Redis
from handlers.telegram.app import webhook_app
from handlers.telegram.webhook import WEBHOOK_PATH
from handlers.wiring import build_services
from tests.support.admins import RecordingDispatch, with_admins
from tests.support.fuzz import fuzzed, nested
from tests.support.telegram import TelegramWorld

SECRET = "fuzz-Secret_1"
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
STAFF_GROUP = -1009999
FUZZED = 10_000


@pytest.fixture
async def telegram(
    config: Config, redis: Redis, clock: FixedClock
) -> AsyncIterator[tuple[TelegramWorld, TestClient[Any, Any]]]:
    """The real dispatcher behind the real webhook handler, on a recording session."""
    roomy = with_admins(config)
    roomy = roomy.model_copy(
        update={"limits": roomy.limits.model_copy(update={"flood_messages_per_minute": 100_000})}
    )
    world = TelegramWorld(build_services(roomy, redis, clock, RecordingDispatch()))
    app = webhook_app(world.bot, world.dp, world.services, SECRET)
    async with TestClient(TestServer(app)) as client:
        yield world, client
    await world.aclose()


def telegram_seeds(world: TelegramWorld) -> list[dict[str, Any]]:
    """One well-formed update of every kind the bot takes, as JSON."""
    u = world.updates
    user = u.user(880001)
    staff = u.user(880002)
    updates = [
        u.message(user, "/start"),
        u.message(user, "/start kel_3672011002"),
        u.message(user, "halo"),
        u.message(user, "/aspirasi"),
        u.message(user, "/cekhoaks"),
        u.sticker(user),
        u.press(user, "v1:lang:id"),
        u.press(user, "v1:x"),
        u.join_request(user, -1001000000001),
        u.group_message(staff, STAFF_GROUP, "/antrian"),
        u.group_message(staff, STAFF_GROUP, "jawaban"),
    ]
    return [update.model_dump(mode="json", exclude_none=True) for update in updates]


class Escapes:
    """Everything that got away: unretrieved task exceptions and errors logged."""

    def __init__(self) -> None:
        self.loop_errors: list[str] = []

    def install(self) -> None:
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(lambda _loop, ctx: self.loop_errors.append(str(ctx)))


async def test_ten_thousand_fuzzed_updates_escape_nothing(
    telegram: tuple[TelegramWorld, TestClient[Any, Any]], caplog: pytest.LogCaptureFixture
) -> None:
    """10,000 fuzzed bodies with the right secret: each answered 200 or 400, no 5xx, no
    task exception, no handler failure; a clean update afterwards is still answered."""
    world, client = telegram
    escapes = Escapes()
    escapes.install()
    rng = random.Random(20261201)
    statuses: dict[int, int] = {}
    caplog.set_level(logging.ERROR)
    for body in fuzzed(rng, telegram_seeds(world), FUZZED):
        response = await client.post(WEBHOOK_PATH, data=body, headers=HEADERS)
        statuses[response.status] = statuses.get(response.status, 0) + 1
        response.release()
    print("statuses", statuses)
    failures = sorted(
        {
            str(r.exc_info[1])[:150] if r.exc_info else r.getMessage()
            for r in caplog.records
            if r.levelno >= logging.ERROR
        }
    )
    print("\n".join(failures))
    assert set(statuses) <= {200, 400}
    assert escapes.loop_errors == []
    assert failures == []
    user = world.updates.user(880099)
    clean = world.updates.message(user, "/start").model_dump(mode="json", exclude_none=True)
    before = len(world.session.requests)
    response = await client.post(WEBHOOK_PATH, json=clean, headers=HEADERS)
    assert response.status == 200
    assert len(world.session.requests) > before


@pytest.mark.parametrize("levels", [33, 1000, 100_000])
async def test_deeply_nested_json_is_a_400(
    telegram: tuple[TelegramWorld, TestClient[Any, Any]], levels: int
) -> None:
    """Nesting past 32 levels is refused before parsing goes anywhere near a handler."""
    world, client = telegram
    response = await client.post(WEBHOOK_PATH, data=nested(levels), headers=HEADERS)
    assert response.status == 400
    assert world.session.requests == []


async def test_a_lone_surrogate_in_text_cannot_break_a_reply(
    telegram: tuple[TelegramWorld, TestClient[Any, Any]], redis: Redis
) -> None:
    """A complaint typed with half an emoji is quoted and stored with U+FFFD in its place:
    every reply still encodes as UTF-8 (as it must to reach Telegram), and it is filed."""
    world, client = telegram
    user = world.updates.user(880100)
    await world.subscribe(user)
    await world.feed(world.updates.message(user, "/aspirasi"))
    await world.press(user, "Pengaduan")
    await world.press(user, "Kesehatan")
    text = world.updates.message(user, "jalan rusak X").model_dump(mode="json", exclude_none=True)
    raw = json.dumps(text).replace("jalan rusak X", "jalan rusak \\ud83d").encode()
    assert (await client.post(WEBHOOK_PATH, data=raw, headers=HEADERS)).status == 200
    await world.press(user, "Lanjut")
    await world.press(user, "Anonim")
    assert "jalan rusak \ufffd" in world.session.texts(user.id)[-1]
    await world.press(user, "Kirim")
    for said in world.session.texts(user.id):
        said.encode("utf-8")  # a lone surrogate would raise here, as in the real session
    (ticket,) = redis.zrange("kim:tk:res:tg:880100", 0, -1)
    assert redis.hget(f"kim:tk:{ticket}", "text") == "jalan rusak \ufffd"


async def test_a_body_that_trickles_in_times_out(
    telegram: tuple[TelegramWorld, TestClient[Any, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sender that announces a body and stalls halfway gets 408 once the wait is over."""
    monkeypatch.setattr("handlers.bodies.BODY_SECONDS", 0.5)
    world, client = telegram
    reader, writer = await asyncio.open_connection(client.host, client.port)
    head = (
        f"POST {WEBHOOK_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"X-Telegram-Bot-Api-Secret-Token: {SECRET}\r\nContent-Length: 400\r\n\r\n"
    )
    writer.write(head.encode() + b'{"update_id": 1, ')
    await writer.drain()
    status_line = await asyncio.wait_for(reader.readline(), 10)
    writer.close()
    assert status_line.split()[1] == b"408"
    assert world.session.requests == []
