"""The in-process emulator from the test's side: aiogram Bots on its Bot API, pywa clients
on its WhatsApp Cloud API stand-in, and small aiohttp servers for its webhooks to reach."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiohttp import ClientSession, web
from pywa_async.client import WhatsApp

from emulator import Emulator, SimClient
from emulator.whatsapp import WaSimClient, WhatsAppConfig
from handlers.whatsapp.settings import WhatsAppSettings
from handlers.whatsapp.webhook import signature_valid
from tests.support.constants import BOT_TOKEN, SITI_BSUID, SITI_PHONE, WA_PHONE_NUMBER_ID
from tests.support.whatsapp import SETTINGS


@asynccontextmanager
async def bot_at(base_url: str, token: str = BOT_TOKEN) -> AsyncIterator[Bot]:
    """An aiogram Bot talking to the emulator at base_url; its session is closed on exit."""
    bot = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(base_url)))
    try:
        yield bot
    finally:
        await bot.session.close()


@asynccontextmanager
async def running_emulator(**kwargs: Any) -> AsyncIterator[tuple[Emulator, SimClient, Bot]]:
    """Run Emulator(**kwargs) with an aiogram Bot for BOT_TOKEN and a user-API client on it."""
    async with (
        Emulator(**kwargs) as emu,
        bot_at(emu.base_url) as bot,
        SimClient(emu.base_url) as sim,
    ):
        yield emu, sim, bot


@asynccontextmanager
async def serving(app: web.Application) -> AsyncIterator[str]:
    """`app` on a free loopback port for the block; yields its base URL."""
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


async def garbling_proxy(upstream: str, garble: list[str]) -> web.Application:
    """A proxy in front of the emulator that spoils its next answers, one per entry of
    `garble`: "cut" (the emulator's real answer cut in half) or "html" (a proxy's 502
    page instead of it); every other request and answer passes as is."""
    http = ClientSession()

    async def forward(request: web.Request) -> web.Response:
        body = await request.read()
        async with http.post(
            upstream + request.path, data=body, headers={"Content-Type": request.content_type}
        ) as answer:
            raw, status = await answer.read(), answer.status
        if garble:
            how = garble.pop(0)
            if how == "html":
                return web.Response(status=502, text="<html>Bad Gateway</html>")
            return web.Response(status=status, body=raw[: len(raw) // 2])
        return web.Response(status=status, body=raw, content_type="application/json")

    async def close(_: web.Application) -> None:
        await http.close()

    app = web.Application()
    app.router.add_post("/{tail:.*}", forward)
    app.on_cleanup.append(close)
    return app


@dataclass
class Receiver:
    """A small aiohttp webhook receiver that checks the signature and keeps every body."""

    secret: str = SETTINGS.app_secret
    bodies: list[dict[str, Any]] = field(default_factory=list)
    signed: list[bool] = field(default_factory=list)
    fail_next: int = 0
    url: str = ""

    async def receive(self, request: web.Request) -> web.Response:
        """Check X-Hub-Signature-256 with KIM Bot's own check, then keep the body."""
        raw = await request.read()
        if self.fail_next:
            self.fail_next -= 1
            return web.Response(status=500, text="try again")
        self.signed.append(
            signature_valid(self.secret, raw, request.headers.get("X-Hub-Signature-256"))
        )
        self.bodies.append(json.loads(raw))
        return web.Response(text="ok")

    def statuses(self) -> list[dict[str, Any]]:
        """Every status item received, in arrival order."""
        return [
            status
            for body in self.bodies
            for entry in body["entry"]
            for change in entry["changes"]
            for status in change["value"].get("statuses", [])
        ]


@dataclass
class Stand:
    """A running emulator with WhatsApp, a user-API client, pywa, and a webhook receiver."""

    emu: Emulator
    sim: WaSimClient
    wa: WhatsApp
    receiver: Receiver


def pywa_client(base_url: str, token: str = SETTINGS.token) -> tuple[WhatsApp, httpx.AsyncClient]:
    """A pywa_async client pointed at the stand-in exactly as KIM Bot's CloudAPI points it."""
    session = httpx.AsyncClient(timeout=10.0)
    wa = WhatsApp(
        phone_id=WA_PHONE_NUMBER_ID,
        token=token,
        session=session,
        server=None,
        verify_token=SETTINGS.verify_token,
        app_secret=SETTINGS.app_secret,
        validate_updates=True,
    )
    session.base_url = httpx.URL(base_url + "/graph" + session.base_url.path)
    return wa, session


@asynccontextmanager
async def running_receiver() -> AsyncIterator[Receiver]:
    """A webhook receiver serving POST /whatsapp/webhook on a free port."""
    receiver = Receiver()
    app = web.Application()
    app.router.add_post("/whatsapp/webhook", receiver.receive)
    async with serving(app) as url:
        receiver.url = url + "/whatsapp/webhook"
        yield receiver


def business(**settings: Any) -> WhatsAppConfig:
    """The stand-in's business number: the tests' phone number id, token and app secret."""
    return WhatsAppConfig(
        phone_number_id=WA_PHONE_NUMBER_ID,
        access_token=SETTINGS.token,
        app_secret=SETTINGS.app_secret,
        **settings,
    )


def kim_settings(base_url: str) -> WhatsAppSettings:
    """KIM Bot's WhatsApp settings, its API URL on the emulator's stand-in (as the demo)."""
    return replace(SETTINGS, api_url=base_url + "/graph")


@asynccontextmanager
async def running_stand(receiver: Receiver, **rules: Any) -> AsyncIterator[Stand]:
    """The emulator with WhatsApp enabled (two approved templates, fast statuses to the
    receiver; `rules` change that), and clients for both sides."""
    settings: dict[str, Any] = {"status_delay": 0.005, "webhook_backoff": 0.01} | rules
    templates: list[Any] = ["pengumuman:id:2", ("sapaan", "en_US", 0)]
    config = business(webhook_url=receiver.url, templates=templates, **settings)
    async with Emulator(whatsapp=config) as emu, WaSimClient(emu.base_url) as sim:
        wa, session = pywa_client(emu.base_url)
        try:
            yield Stand(emu, sim, wa, receiver)
        finally:
            await session.aclose()


async def add_siti(sim: WaSimClient, write: bool = True) -> dict[str, Any]:
    """Siti, with a phone number and a BSUID; by default she wrote first (window open)."""
    user = await sim.wa_user("Siti", wa_id=SITI_PHONE, user_id=SITI_BSUID)
    if write:
        await sim.wa_send(SITI_BSUID, "DAFTAR kel_3672021001")
    return user


async def started_user(sim: SimClient, name: str = "Budi") -> int:
    """A new user who has opened the bot; their id."""
    user = await sim.create_user(name)
    await sim.start(user["id"])
    return int(user["id"])
