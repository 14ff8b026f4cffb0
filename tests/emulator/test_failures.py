"""Telegram's failure modes as aiogram sees them, and bad input to the emulator itself."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNotFound,
    TelegramUnauthorizedError,
)
from aiogram.methods import TelegramMethod
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from emulator import Emulator, SimClient, SimError
from tests.support.constants import BOT_ID, BOT_TOKEN
from tests.support.stand_in import bot_at, started_user


@pytest.fixture
def emulator_kwargs() -> dict[str, Any]:
    """The bare token, as this module has always started its emulator."""
    return {"tokens": [BOT_TOKEN]}


async def test_blocked_user(bot: Bot, sim: SimClient) -> None:
    """A user who blocked the bot gives 403 until they unblock it."""
    uid = await started_user(sim)
    await sim.action(uid, "block")
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(uid, "halo")
    await sim.action(uid, "unblock")
    assert (await bot.send_message(uid, "halo lagi")).text == "halo lagi"


async def test_never_started_and_deactivated(bot: Bot, sim: SimClient) -> None:
    """The bot cannot write first to a user, nor to a deactivated account: 403."""
    stranger = await sim.create_user("Asing")
    with pytest.raises(TelegramForbiddenError, match="bot can't initiate conversation with a user"):
        await bot.send_message(stranger["id"], "halo")
    uid = await started_user(sim)
    await sim.call("POST", f"/sim/users/{uid}/deactivate")
    with pytest.raises(TelegramForbiddenError, match="user is deactivated"):
        await bot.send_message(uid, "halo")


async def test_unknown_chat_and_kicked_bot(bot: Bot, sim: SimClient) -> None:
    """Unknown chats are 'chat not found'; a bot kicked from a group gets 403."""
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(999_999, "halo")
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(-1009999999999, "halo")
    owner = await sim.create_user("Owner")
    group = await sim.create_chat("group", "RT 05", owner["id"], bots=[{"admin": False}])
    await bot.send_message(group["id"], "halo grup")
    await sim.call("DELETE", f"/sim/chats/{group['id']}/members/{BOT_ID}", query={"ban": 1})
    with pytest.raises(TelegramForbiddenError, match="bot was kicked from the group chat"):
        await bot.send_message(group["id"], "masih di sini?")


async def test_migrated_group(bot: Bot, sim: SimClient) -> None:
    """A group upgraded to a supergroup answers with migrate_to_chat_id; the supergroup works."""
    owner = await sim.create_user("Owner")
    group = await sim.create_chat("group", "RW 02", owner["id"], bots=[{"admin": True}])
    supergroup = await sim.call("POST", f"/sim/chats/{group['id']}/migrate")
    with pytest.raises(TelegramMigrateToChat) as caught:
        await bot.send_message(group["id"], "halo")
    assert caught.value.migrate_to_chat_id == supergroup["id"]
    assert "group chat was upgraded to a supergroup chat" in caught.value.message
    sent = await bot.send_message(supergroup["id"], "halo supergrup")
    assert sent.chat.type == "supergroup"


async def test_edit_and_delete_errors(bot: Bot, sim: SimClient) -> None:
    """Unchanged, missing or foreign messages cannot be edited or deleted; old callback queries are
    too old."""
    uid = await started_user(sim)
    sent = await bot.send_message(uid, "sama")
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text("sama", chat_id=uid, message_id=sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("baru", chat_id=uid, message_id=9999)
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(uid, 9999)
    own = await sim.send(uid, "pesan warga")
    with pytest.raises(TelegramBadRequest, match="message can't be edited"):
        await bot.edit_message_text("x", chat_id=uid, message_id=own["message"]["message_id"])
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query("123456789")


async def test_text_limits_and_markup(bot: Bot, sim: SimClient) -> None:
    """Texts over 4096 visible characters, long captions, empty or broken markup and oversized
    keyboards are refused as Telegram refuses them."""
    uid = await started_user(sim)
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(uid, "a" * 4097)
    assert len((await bot.send_message(uid, "a" * 4096)).text or "") == 4096
    # tags do not count: 4096 visible characters inside <b> are fine
    html = "<b>" + "b" * 4096 + "</b>"
    assert len((await bot.send_message(uid, html, parse_mode="HTML")).text or "") == 4096
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(uid, "<b></b>", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await bot.send_photo(uid, "https://example.com/a.png", caption="c" * 1025)
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(uid, "<b>tidak ditutup", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="can't parse entities: Unsupported start tag"):
        await bot.send_message(uid, "<blink>x</blink>", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match=r"Character '\.' is reserved"):
        await bot.send_message(uid, "Selesai.", parse_mode="MarkdownV2")
    too_long = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="x", callback_data="d" * 65)]]
    )
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(uid, "x", reply_markup=too_long)
    many = InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=str(i), callback_data=str(i)) for i in range(8)]
            for _ in range(13)
        ]
    )
    with pytest.raises(TelegramBadRequest, match="BUTTONS_TOO_MUCH"):
        await bot.send_message(uid, "x", reply_markup=many)


async def test_raw_error_shapes(emu: Emulator, http: aiohttp.ClientSession, sim: SimClient) -> None:
    """Raw HTTP errors look like Telegram's: 401, 404, 400 with descriptions; methods are case-
    insensitive; form and JSON bodies both work."""
    base = emu.base_url
    async with http.post(f"{base}/bot999:nope/getMe") as response:
        assert response.status == 401
        assert await response.json() == {
            "ok": False,
            "error_code": 401,
            "description": "Unauthorized",
        }
    async with http.post(f"{base}/bot{BOT_TOKEN}/noSuchMethod") as response:
        assert response.status == 404
        assert await response.json() == {
            "ok": False,
            "error_code": 404,
            "description": "Not Found: method not found",
        }
    async with http.get(f"{base}/bot{BOT_TOKEN}/GETME") as response:
        assert response.status == 200
        assert (await response.json())["result"]["id"] == BOT_ID
    async with http.post(
        f"{base}/bot{BOT_TOKEN}/sendMessage",
        data=b"{not json",
        headers={"Content-Type": "application/json"},
    ) as response:
        body = await response.json()
        assert response.status == 400
        assert body["description"].startswith("Bad Request: ")
    async with http.post(f"{base}/bot{BOT_TOKEN}/sendMessage", json={"text": "x"}) as response:
        body = await response.json()
        assert (response.status, body["description"]) == (400, "Bad Request: chat_id is empty")
    uid = await started_user(sim)
    async with http.post(f"{base}/bot{BOT_TOKEN}/sendMessage", json={"chat_id": uid}) as response:
        body = await response.json()
        assert body["description"] == "Bad Request: message text is empty"
    async with http.post(
        f"{base}/bot{BOT_TOKEN}/sendMessage",
        data={"chat_id": str(uid), "text": "hi", "reply_markup": "{broken"},
    ) as response:
        body = await response.json()
        assert response.status == 400
        assert "reply_markup" in body["description"]
    async with http.post(
        f"{base}/bot{BOT_TOKEN}/sendMessage",
        data={
            "chat_id": str(uid),
            "text": "form",
            "reply_markup": '{"inline_keyboard":[[{"text":"a","callback_data":"b"}]]}',
        },
    ) as response:
        body = await response.json()
        assert body["ok"]
        assert body["result"]["reply_markup"]["inline_keyboard"][0][0]["text"] == "a"
    async with http.post(
        f"{base}/bot{BOT_TOKEN}/sendMessage",
        json={"chat_id": uid, "text": "x", "message_id": "abc"},
    ) as response:  # sendMessage has no message_id: refused, not silently ignored
        body = await response.json()
        assert response.status == 400
        assert '"message_id" is not supported by sendMessage' in body["description"]
    async with http.post(
        f"{base}/bot{BOT_TOKEN}/deleteMessage", json={"chat_id": uid, "message_id": "abc"}
    ) as response:
        body = await response.json()
        assert response.status == 400
        assert "message_id" in body["description"]


async def test_bot_not_found_errors_via_aiogram(emu: Emulator) -> None:
    """A wrong token is TelegramUnauthorizedError in aiogram."""
    async with bot_at(emu.base_url, "42:WRONG") as wrong:
        with pytest.raises(TelegramUnauthorizedError):
            await wrong.get_me()


async def test_user_api_bad_input(
    sim: SimClient, http: aiohttp.ClientSession, emu: Emulator
) -> None:
    """The user API refuses bad JSON, unknown users, bots and chats, and sending where the user is
    not a member."""
    async with http.post(f"{emu.base_url}/sim/users", data=b"[1,") as response:
        assert response.status == 400
        assert (await response.json())["ok"] is False
    with pytest.raises(SimError, match="first_name is required"):
        await sim.create_user("")
    with pytest.raises(SimError, match="user not found"):
        await sim.send(424242, "halo")
    user = await sim.create_user("Ani")
    with pytest.raises(SimError, match="exactly one"):
        await sim.send(user["id"])
    with pytest.raises(SimError, match="bot not found"):
        await sim.send(user["id"], "x", bot="nobody_bot")
    with pytest.raises(SimError, match="chat not found"):
        await sim.send(user["id"], "x", chat_id=-5)
    owner = await sim.create_user("Owner")
    group = await sim.create_chat("group", "RT", owner["id"])
    with pytest.raises(SimError, match="not a member"):
        await sim.send(user["id"], "x", chat_id=group["id"])


async def test_not_found_is_404_not_400(emu: Emulator) -> None:
    """An unknown Bot API method is a 404 (TelegramNotFound), not a bad request."""
    async with bot_at(emu.base_url) as bot:

        class Unknown(TelegramMethod[bool]):
            __returning__ = bool
            __api_method__ = "noSuchMethod"

        with pytest.raises(TelegramNotFound):
            await bot(Unknown())
