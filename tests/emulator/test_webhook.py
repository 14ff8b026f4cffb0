"""Webhook delivery and whole-bot runs with aiogram's Dispatcher (polling and webhook)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramConflictError
from aiogram.filters import CommandStart
from aiogram.types import Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from emulator import Emulator, SimClient
from tests.support.constants import BOT_TOKEN
from tests.support.stand_in import bot_at, serving

SECRET = "s3cret-token_1"


@pytest.fixture
def emulator_kwargs() -> dict[str, Any]:
    """The bare token, and quick webhook retries."""
    return {"tokens": [BOT_TOKEN], "webhook_backoff": 0.05}


class Receiver:
    """A tiny webhook endpoint that records requests and can fail on purpose."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.calls: list[tuple[str | None, dict[str, object]]] = []
        self.got = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        """Record the secret header and the update; fail while failures remain."""
        self.calls.append(
            (request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json())
        )
        if self.failures > 0:
            self.failures -= 1
            return web.Response(status=500)
        self.got.set()
        return web.json_response({})


async def test_webhook_delivery_with_secret_and_retry(bot: Bot, sim: SimClient) -> None:
    """With a webhook set, updates are POSTed with the secret token, retried after 500s; getUpdates
    conflicts; the last error is reported."""
    receiver = Receiver(failures=2)
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    async with serving(app) as url:
        assert await bot.set_webhook(f"{url}/hook", secret_token=SECRET)
        info = await bot.get_webhook_info()
        assert info.url == f"{url}/hook"
        assert info.pending_update_count == 0
        with pytest.raises(TelegramConflictError, match="webhook is active"):
            await bot.get_updates()
        user = await sim.create_user("Budi")
        await sim.start(user["id"])
        await asyncio.wait_for(receiver.got.wait(), 5)
        assert len(receiver.calls) == 3  # two 500 answers, then success
        secret, update = receiver.calls[-1]
        assert secret == SECRET
        assert update["message"]["text"] == "/start"  # type: ignore[index]
        info = await bot.get_webhook_info()
        assert info.last_error_message is not None
        assert "500" in info.last_error_message
        assert info.pending_update_count == 0
        assert await bot.delete_webhook()
        assert await bot.get_updates(timeout=0) == []


async def test_set_webhook_drop_pending(bot: Bot, sim: SimClient) -> None:
    """drop_pending_updates clears what was waiting, on set and on delete."""
    user = await sim.create_user("Budi")
    await sim.start(user["id"])
    assert await bot.set_webhook("http://127.0.0.1:9/unused", drop_pending_updates=True)
    assert (await bot.get_webhook_info()).pending_update_count == 0
    assert await bot.delete_webhook(drop_pending_updates=True)


async def test_aiogram_webhook_dispatcher_answers_in_response(bot: Bot, sim: SimClient) -> None:
    """aiogram's webhook handler may answer in the HTTP response; the emulator makes that call."""
    dp = Dispatcher()

    @dp.message(CommandStart())
    async def start(message: Message) -> object:
        return message.answer(
            f"Selamat datang, {message.from_user.first_name if message.from_user else ''}!"
        )

    app = web.Application()
    SimpleRequestHandler(dp, bot, handle_in_background=False, secret_token=SECRET).register(
        app, path="/webhook"
    )
    async with serving(app) as url:
        try:
            await bot.set_webhook(f"{url}/webhook", secret_token=SECRET)
            user = await sim.create_user("Siti")
            await sim.start(user["id"], payload="rt05")
            reply = await sim.next_bot_message(user["id"], after=1)
            assert reply["text"] == "Selamat datang, Siti!"
            log = await sim.call("GET", "/sim/log", query={"method": "sendMessage"})
            assert log["entries"][-1]["via"] == "webhook-reply"
        finally:
            await bot.delete_webhook()


async def test_aiogram_polling_dispatcher(bot: Bot, sim: SimClient) -> None:
    """aiogram's polling dispatcher runs against the emulator: deep links and plain messages are
    answered."""
    dp = Dispatcher()
    payloads: list[str | None] = []

    @dp.message(CommandStart(deep_link=True))
    async def deep(message: Message) -> None:
        payloads.append(message.text)
        await message.answer("<b>Terdaftar</b> lewat tautan", parse_mode="HTML")

    @dp.message()
    async def echo(message: Message) -> None:
        await message.answer(f"Anda menulis: {message.text}")

    task = asyncio.create_task(
        dp.start_polling(bot, polling_timeout=1, handle_signals=False, close_bot_session=False)
    )
    try:
        user = await sim.create_user("Rina")
        sent = await sim.start(user["id"], payload="kelurahan_7")
        reply = await sim.next_bot_message(user["id"], after=sent["message"]["message_id"])
        assert reply["text"] == "Terdaftar lewat tautan"
        sent = await sim.send(user["id"], "jalan rusak")
        reply = await sim.next_bot_message(user["id"], after=sent["message"]["message_id"])
        assert reply["text"] == "Anda menulis: jalan rusak"
        assert payloads == ["/start kelurahan_7"]
    finally:
        await dp.stop_polling()
        await task


async def test_second_get_updates_terminates_the_first(bot: Bot, emu: Emulator) -> None:
    """A second getUpdates ends the first with a conflict, as on Telegram."""
    async with bot_at(emu.base_url) as other:
        first = asyncio.create_task(bot.get_updates(timeout=5))
        await asyncio.sleep(0.1)
        assert await other.get_updates(timeout=0) == []
        with pytest.raises(TelegramConflictError, match="terminated by other getUpdates request"):
            await first


async def test_webhook_allowed_updates(bot: Bot, sim: SimClient) -> None:
    """A webhook's allowed_updates are kept and filter what is pending."""
    assert await bot.set_webhook("http://127.0.0.1:9/never", allowed_updates=["callback_query"])
    info = await bot.get_webhook_info()
    assert info.allowed_updates == ["callback_query"]
    user = await sim.create_user("Budi")
    await sim.start(user["id"])
    assert (await bot.get_webhook_info()).pending_update_count == 0
    assert await bot.delete_webhook()
