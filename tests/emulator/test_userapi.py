"""The user-side /sim API: people, chats, content kinds, long polling, control and the page."""

from __future__ import annotations

import asyncio
import base64

import aiohttp
import pytest
from aiogram import Bot
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from emulator import Emulator, SimClient, SimError, make_png
from tests.support.constants import BOT_ID, BOT_USERNAME
from tests.support.stand_in import bot_at

OTHER = "654321:OTHERtoken"


async def test_users_and_state(sim: SimClient) -> None:
    """Users are created with names, ids and usernames (taken ones refused) and listed in the state
    and user details."""
    user = await sim.create_user("Budi", last_name="Santoso", username="budi_s", language_code="id")
    assert user["name"] == "Budi Santoso"
    assert user["language_code"] == "id"
    admin = await sim.create_user("Admin KIM", id=1000001)
    assert admin["id"] == 1000001
    with pytest.raises(SimError, match="already taken"):
        await sim.create_user("Copy", id=1000001)
    with pytest.raises(SimError, match="invalid or already taken"):
        await sim.create_user("Copy", username="budi_s")
    state = await sim.call("GET", "/sim/state")
    assert [b["username"] for b in state["bots"]] == [BOT_USERNAME]
    assert {u["id"] for u in state["users"]} == {user["id"], admin["id"]}
    details = await sim.call("GET", f"/sim/users/{user['id']}")
    assert details["started_bots"] == []
    assert details["chats"] == []
    assert (await sim.call("GET", "/sim/users"))[0]["first_name"] == "Budi"


async def test_state_long_poll(sim: SimClient) -> None:
    """The state long poll returns as soon as the world changes."""
    version = (await sim.call("GET", "/sim/state"))["version"]

    async def later() -> None:
        await asyncio.sleep(0.1)
        await sim.create_user("Late")

    task = asyncio.create_task(later())
    state = await sim.call("GET", "/sim/state", query={"since": version, "wait": 5})
    await task
    assert state["version"] > version
    assert state["users"][0]["first_name"] == "Late"


async def test_every_content_kind_reaches_the_bot(bot: Bot, sim: SimClient) -> None:
    """Photos, documents, videos, stickers, voice, locations and contacts sent by a user reach the
    bot and the history; media can be downloaded."""
    user = await sim.create_user("Budi")
    uid = user["id"]
    await sim.start(uid)
    png = make_png(5, 7)
    await sim.send(uid, photo={"data": base64.b64encode(png).decode()}, caption="foto jalan")
    await sim.send(uid, photo=True)
    await sim.send(
        uid, document={"file_name": "laporan.pdf", "data": base64.b64encode(b"%PDF").decode()}
    )
    await sim.send(uid, video=True)
    await sim.send(uid, sticker={"emoji": "🙏"})
    await sim.send(uid, voice={"duration": 4})
    await sim.send(uid, location={"latitude": -6.0, "longitude": 106.05})
    await sim.send(uid, contact={"phone_number": "+628123456789"})
    updates = await bot.get_updates(timeout=0)
    messages = [u.message for u in updates if u.message]
    assert len(messages) == 9
    assert messages[1].photo is not None
    assert messages[1].photo[-1].width == 5
    assert messages[1].caption == "foto jalan"
    assert messages[3].document is not None
    assert messages[3].document.file_name == "laporan.pdf"
    assert messages[3].document.mime_type == "application/pdf"
    assert messages[4].video is not None
    assert messages[5].sticker is not None
    assert messages[5].sticker.emoji == "🙏"
    assert messages[6].voice is not None
    assert messages[6].voice.duration == 4
    assert messages[7].location is not None
    assert messages[7].location.latitude == -6.0
    assert messages[8].contact is not None
    assert messages[8].contact.first_name == "Budi"
    file = await bot.get_file(messages[1].photo[-1].file_id)
    assert file.file_path is not None
    assert (await bot.download_file(file.file_path)).read() == png  # type: ignore[union-attr]
    history = await sim.messages(uid)
    assert [m["kind"] for m in history[1:]] == [
        "photo",
        "photo",
        "document",
        "video",
        "sticker",
        "voice",
        "location",
        "contact",
    ]
    media_url = history[1]["media"]["url"]
    async with aiohttp.ClientSession() as http, http.get(sim.base_url + media_url) as response:
        assert response.status == 200
        assert await response.read() == png
    with pytest.raises(SimError, match="numeric latitude"):
        await sim.send(uid, location={"latitude": "north"})


async def test_commands_get_bot_command_entity(bot: Bot, sim: SimClient) -> None:
    """/start with a deep-link payload carries a bot_command entity; bad payloads are refused."""
    user = await sim.create_user("Budi")
    result = await sim.start(user["id"], payload="kel-12_a")
    assert result["message"]["text"] == "/start kel-12_a"
    assert result["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert result["update_ids"] == {str(BOT_ID): 1}
    with pytest.raises(SimError, match="deep-link payload"):
        await sim.start(user["id"], payload="bad payload!")


async def test_buttons_url_and_unknown(bot: Bot, sim: SimClient) -> None:
    """Buttons are pressed by text, position or data; URL buttons open their URL; unknown buttons
    and callbacks are errors."""
    user = await sim.create_user("Budi")
    await sim.start(user["id"])
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text="Buka situs", url="https://kim.example.id")],
            [InlineKeyboardButton(text="Pilih", callback_data="pick")],
        ]
    )
    sent = await bot.send_message(user["id"], "menu", reply_markup=keyboard)
    pressed = await sim.press(user["id"], sent.message_id, text="Buka situs")
    assert pressed == {"kind": "url", "url": "https://kim.example.id"}
    by_position = await sim.press(user["id"], sent.message_id, row=1, column=0)
    assert by_position["kind"] == "callback"
    with pytest.raises(SimError, match="no such button"):
        await sim.press(user["id"], sent.message_id, data="nope")
    with pytest.raises(SimError, match="callback query not found"):
        await sim.call("GET", "/sim/callbacks/1")


async def test_press_waits_for_answer(bot: Bot, sim: SimClient) -> None:
    """A press can wait for the bot's answer to its callback query."""
    user = await sim.create_user("Budi")
    await sim.start(user["id"])
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Ya", callback_data="yes")]]
    )
    sent = await bot.send_message(user["id"], "Lanjut?", reply_markup=keyboard)
    await bot.get_updates(offset=-1, timeout=0)

    async def answer_it() -> None:
        updates = await bot.get_updates(offset=-1, timeout=5, allowed_updates=["callback_query"])
        query = updates[-1].callback_query
        assert query is not None
        await bot.answer_callback_query(query.id, text="Oke")

    task = asyncio.create_task(answer_it())
    await asyncio.sleep(0.05)
    pressed = await sim.press(user["id"], sent.message_id, data="yes", wait=5)
    await task
    assert pressed["callback"]["answer"]["text"] == "Oke"


async def test_wait_for_bot_message_without_sleeping(bot: Bot, sim: SimClient) -> None:
    """Waiting for the bot's next message, edits since a version, and deleted messages, without
    sleeping."""
    user = await sim.create_user("Budi")
    said = await sim.start(user["id"])

    async def reply_later() -> None:
        await asyncio.sleep(0.1)
        await bot.send_message(user["id"], "Halo Budi")

    task = asyncio.create_task(reply_later())
    reply = await sim.next_bot_message(user["id"], after=said["message"]["message_id"])
    await task
    assert reply["text"] == "Halo Budi"
    with pytest.raises(TimeoutError):
        await sim.next_bot_message(user["id"], after=reply["message_id"], seconds=0.2)
    version = (await sim.call("GET", f"/sim/chats/{user['id']}"))["version"]
    await bot.edit_message_text("Halo lagi", chat_id=user["id"], message_id=reply["message_id"])
    changed = await sim.messages(user["id"], since=version, wait=1)
    assert [m["text"] for m in changed] == ["Halo lagi"]
    assert changed[0]["edited"]
    await bot.delete_message(user["id"], reply["message_id"])
    assert await sim.messages(user["id"], include_deleted=0, from_bot=1) == []
    one = await sim.call("GET", f"/sim/chats/{user['id']}/messages/{reply['message_id']}")
    assert one["deleted"] is True
    Message.model_validate(one["api"])


async def test_forward_and_reply_as_user(bot: Bot, sim: SimClient) -> None:
    """Users forward channel posts and their own messages (hidden when they hide forwards) and reply
    in groups; they cannot forward what they cannot see."""
    admin = await sim.create_user("Admin")
    citizen = await sim.create_user("Warga", hide_forwards=True)
    channel = await sim.create_chat(
        "channel", "Info Kelurahan", admin["id"], members=[citizen["id"]]
    )
    post = await sim.send(admin["id"], "Posyandu besok", chat_id=channel["id"])
    await sim.start(citizen["id"])
    forwarded = await sim.action(
        citizen["id"],
        "forward",
        from_chat_id=channel["id"],
        message_id=post["message"]["message_id"],
    )
    origin = forwarded["message"]["forward_origin"]
    assert origin["type"] == "channel"
    assert origin["chat"]["id"] == channel["id"]
    own = await sim.send(citizen["id"], "pertanyaan saya")
    group = await sim.create_chat(
        "group", "RT", admin["id"], members=[citizen["id"]], bots=[{"admin": True}]
    )
    again = await sim.action(
        citizen["id"],
        "forward",
        from_chat_id=citizen["id"],
        message_id=own["message"]["message_id"],
        chat_id=group["id"],
    )
    assert again["message"]["forward_origin"]["type"] == "hidden_user"
    reply = await sim.send(
        admin["id"],
        "dijawab",
        chat_id=group["id"],
        reply_to_message_id=again["message"]["message_id"],
    )
    assert reply["message"]["reply_to_message_id"] == again["message"]["message_id"]
    updates = await bot.get_updates(timeout=0)
    for update in updates:
        Update.model_validate(update.model_dump(by_alias=True, exclude_none=True))
    with pytest.raises(SimError, match="can't see"):
        await sim.action(admin["id"], "forward", from_chat_id=citizen["id"], message_id=1)


async def test_multiple_bots_have_own_dialogs(emu: Emulator, sim: SimClient) -> None:
    """A second bot has its own dialogs, update ids and history."""
    created = await sim.call("POST", "/sim/bots", {"token": OTHER, "username": "other_kim_bot"})
    assert created["id"] == 654321
    with pytest.raises(SimError, match="invalid bot token"):
        await sim.call("POST", "/sim/bots", {"token": "nonsense"})
    user = await sim.create_user("Budi")
    await sim.start(user["id"], bot="other_kim_bot")
    await sim.start(user["id"])
    await sim.send(user["id"], "untuk bot kedua", bot=654321)
    async with bot_at(emu.base_url, OTHER) as other:
        updates = await other.get_updates(timeout=0)
        assert [u.update_id for u in updates] == [1, 2]
        assert [u.message.text for u in updates if u.message] == ["/start", "untuk bot kedua"]
    first = await sim.messages(user["id"])
    second = await sim.messages(user["id"], bot="other_kim_bot")
    assert len(first) == 1
    assert len(second) == 2
    chats = await sim.call("GET", "/sim/chats", query={"user": user["id"]})
    assert {c.get("bot_id") for c in chats} == {BOT_ID, 654321}


async def test_reset_keeps_bots_and_update_ids(bot: Bot, sim: SimClient) -> None:
    """A reset empties people and chats but keeps bots and their update ids."""
    user = await sim.create_user("Budi")
    await sim.start(user["id"])
    await sim.call("POST", "/sim/reset", {"log": True})
    state = await sim.call("GET", "/sim/state")
    assert state["users"] == []
    assert state["chats"] == []
    assert len(state["bots"]) == 1
    assert await bot.get_updates(timeout=0) == []
    user = await sim.create_user("Baru")
    result = await sim.start(user["id"])
    assert result["update_ids"] == {str(BOT_ID): 2}


async def test_web_page_is_served(emu: Emulator) -> None:
    """The web simulator page and its assets are served."""
    async with aiohttp.ClientSession() as http:
        async with http.get(emu.base_url + "/") as response:
            page = await response.text()
            assert response.status == 200
            assert 'data-testid="message-input"' in page
            assert "app.js" in page
        for asset in ("app.js", "style.css"):
            async with http.get(f"{emu.base_url}/static/{asset}") as response:
                assert response.status == 200
                assert len(await response.read()) > 500
