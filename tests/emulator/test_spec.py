"""The emulator speaks the current Bot API: a parameter the spec no longer has is refused,
and the bot's own Bot (handlers/telegram) sends only current parameters."""

from __future__ import annotations

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest

from bot.platform.messages import Reply
from emulator import Emulator, SimClient
from emulator.apispec import ALIASES, PARAMETERS
from emulator.registry import METHODS
from handlers.telegram.app import build_bot
from handlers.telegram.render import send_reply
from tests.support.constants import BOT_TOKEN
from tests.support.stand_in import started_user


def test_every_method_has_its_parameter_set() -> None:
    """Each method the emulator serves has the current spec's parameters (aliases too)."""
    served = {canonical for canonical, _handler in METHODS.values()}
    missing = {name for name in served if ALIASES.get(name, name) not in PARAMETERS}
    assert missing == set()
    assert "disable_web_page_preview" not in PARAMETERS["sendMessage"]
    assert "link_preview_options" in PARAMETERS["sendMessage"]
    assert "reply_to_message_id" not in PARAMETERS["sendPhoto"]


@pytest.mark.parametrize(
    ("method", "params", "hint"),
    [
        ("sendMessage", {"text": "x", "disable_web_page_preview": True}, "link_preview_options"),
        ("sendMessage", {"text": "x", "reply_to_message_id": 1}, "reply_parameters"),
        ("editMessageText", {"message_id": 1, "text": "x", "disable_web_page_preview": True}, ""),
        ("copyMessage", {"from_chat_id": 1, "message_id": 1, "reply_to_message_id": 1}, ""),
        ("sendMessage", {"text": "x", "no_such_thing": 1}, ""),
    ],
)
async def test_removed_parameter_is_refused(
    emu: Emulator,
    http: aiohttp.ClientSession,
    sim: SimClient,
    method: str,
    params: dict[str, object],
    hint: str,
) -> None:
    """A deliberate request with a parameter the current Bot API does not have gets a 400 that
    names it (and its successor), and nothing is sent."""
    uid = await started_user(sim)
    before = len(await sim.messages(uid))
    url = f"{emu.base_url}/bot{BOT_TOKEN}/{method}"
    async with http.post(url, json={"chat_id": uid, **params}) as response:
        body = await response.json()
    assert response.status == 400
    assert body["ok"] is False
    assert body["error_code"] == 400
    name = next(key for key in params if key not in ("text", "message_id", "from_chat_id"))
    assert body["description"].startswith(f'Bad Request: parameter "{name}" is not supported')
    assert hint in body["description"]
    assert len(await sim.messages(uid)) == before


async def test_old_aiogram_defaults_are_caught(emu: Emulator, sim: SimClient) -> None:
    """`link_preview_is_disabled=True` makes aiogram send disable_web_page_preview: refused."""
    uid = await started_user(sim)
    old = Bot(
        BOT_TOKEN,
        session=AiohttpSession(api=TelegramAPIServer.from_base(emu.base_url)),
        default=DefaultBotProperties(link_preview_is_disabled=True),
    )
    try:
        with pytest.raises(TelegramBadRequest, match="disable_web_page_preview"):
            await old.send_message(uid, "https://example.org")
    finally:
        await old.session.close()


async def test_the_bot_sends_current_parameters(emu: Emulator, sim: SimClient) -> None:
    """The bot's own Bot sends replies with link_preview_options, and the message keeps them."""
    uid = await started_user(sim)
    bot = build_bot(BOT_TOKEN, emu.base_url)
    try:
        sent = await send_reply(bot, uid, Reply(text="Lihat https://example.org", title="Info"))
    finally:
        await bot.session.close()
    assert sent is not None
    log = await sim.call("GET", "/sim/log", query={"method": "sendMessage"})
    assert [entry["status"] for entry in log["entries"]] == [200]
