"""KIM Bot's real WhatsApp adapter and core against the stand-in: no mocks in between.

The bot's webhook (handlers.whatsapp.webhook) runs on a local aiohttp server; its sender
reaches the stand-in through `KIMBOT_WA_API_URL=<emulator>/graph`; the stand-in's
webhook URL is set at run time, as the demo does once the bot is listening.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.dialogs import build_conversations
from bot.platform.addresses import Address
from bot.platform.clock import FixedClock
from bot.platform.config import Config
from bot.platform.store import Redis
from bot.residents.records import Residents
from emulator import Emulator
from emulator.whatsapp import WaSimClient
from handlers.whatsapp.channel import WhatsAppChannel
from handlers.whatsapp.updates import DeliveryStatus
from handlers.whatsapp.webhook import add_whatsapp_routes
from handlers.wiring import build_services
from tests.support.constants import BAGENDUNG, SITI_PHONE
from tests.support.stand_in import business, kim_settings, serving
from tests.support.whatsapp import with_whatsapp


@dataclass
class Bot:
    """The stand-in, the user-API client and what KIM Bot's channel passed on."""

    sim: WaSimClient
    redis: Redis
    statuses: list[DeliveryStatus]


@pytest.fixture
async def kim(config: Config, redis: Redis, clock: FixedClock) -> AsyncIterator[Bot]:
    """The emulator with WhatsApp, and KIM Bot's WhatsApp channel on its own server."""
    services = build_services(with_whatsapp(config), redis, clock)
    statuses: list[DeliveryStatus] = []

    async def on_status(status: DeliveryStatus) -> None:
        statuses.append(status)

    async with (
        Emulator(whatsapp=business(status_delay=0.001)) as emu,
        WaSimClient(emu.base_url) as sim,
    ):
        channel = WhatsAppChannel.create(
            services,
            build_conversations(services),
            kim_settings(emu.base_url),
            on_status=on_status,
            retry_delays=(0.0,),
        )
        app = web.Application()
        add_whatsapp_routes(app, channel)
        async with serving(app) as url:
            await sim.wa_config(webhook_url=f"{url}/whatsapp/webhook")
            yield Bot(sim, redis, statuses)


async def reply(sim: WaSimClient, key: str, after: int) -> dict[str, Any]:
    """The bot's last message after message `after`, once the bot has stopped answering."""
    first = await sim.wa_next_business_message(key, after=after, seconds=10)
    assert first is not None, "the bot did not answer"
    messages = [first]
    while fresh := await sim.wa_messages(key, after=messages[-1]["seq"], wait=0.3):
        messages += fresh
    return messages[-1]


async def test_resident_subscribes_from_a_poster_link(kim: Bot) -> None:
    """DAFTAR kel_… → privacy notice with reply buttons → agree → subscribed, menu list."""
    sim = kim.sim
    siti = await sim.wa_user("Siti", wa_id=SITI_PHONE)
    sent = await sim.wa_send(siti["key"], "DAFTAR kel_3672021001")
    notice = await reply(sim, siti["key"], sent["message"]["seq"])
    assert "Pemberitahuan privasi" in notice["text"]
    assert "✅ Saya setuju" in [b["title"] for b in notice["buttons"]]

    pressed = await sim.wa_press(siti["key"], title="✅ Saya setuju")
    done = await reply(sim, siti["key"], pressed["message"]["seq"])
    assert "Kelurahan Bagendung" in done["text"]
    assert done["list"] is not None
    rows = [row["title"] for row in done["list"]["sections"][0]["rows"]]
    assert "🌐 Bahasa" in rows
    resident = Address.parse(f"wa:{siti['user_id']}")
    assert Residents(kim.redis).is_subscriber(resident, BAGENDUNG)


async def test_statuses_reach_the_channel(kim: Bot) -> None:
    """Signed status webhooks pass KIM Bot's signature check and reach its callback."""
    sim = kim.sim
    siti = await sim.wa_user("Siti", wa_id=SITI_PHONE)
    await sim.wa_send(siti["key"], "DAFTAR kel_3672021001")
    deadline = time.monotonic() + 10
    while {s.status for s in kim.statuses} != {"sent", "delivered", "read"}:
        assert time.monotonic() < deadline, "no statuses reached the channel"
        await asyncio.sleep(0.02)
    assert {str(s.recipient) for s in kim.statuses} == {f"wa:{siti['user_id']}"}
    hooks = await sim.wa_webhooks(body=0)
    assert all(h["http_status"] == 200 for h in hooks if h["done"])


async def test_my_data_arrives_as_a_document(kim: Bot) -> None:
    """/dataku: KIM Bot uploads data-kimbot.json (as text/plain, a document type WhatsApp
    takes), sends it as a document, then the data in words; the file holds the stored JSON."""
    sim = kim.sim
    siti = await sim.wa_user("Siti", wa_id=SITI_PHONE)
    sent = await sim.wa_send(siti["key"], "DAFTAR kel_3672021001")
    await reply(sim, siti["key"], sent["message"]["seq"])
    pressed = await sim.wa_press(siti["key"], title="✅ Saya setuju")
    await reply(sim, siti["key"], pressed["message"]["seq"])
    asked = await sim.wa_send(siti["key"], "/dataku")
    text = await reply(sim, siti["key"], asked["message"]["seq"])
    assert "Kelurahan Bagendung" in text["text"]
    assert "WIB" in text["text"]
    assert "{" not in text["text"]
    messages = await sim.wa_messages(siti["key"], after=asked["message"]["seq"])
    document = next(m for m in messages if m["type"] == "document")
    assert document["seq"] < text["seq"]
    assert document["media"]["filename"] == "data-kimbot.json"
    url = sim.base_url + document["media"]["url"]
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        held = json.loads(await response.read())
    assert held["resident"]["village"] == "36.72.02.1001"
    assert held["resident"]["consent_version"]
