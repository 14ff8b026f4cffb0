"""Objects and errors as the real Bot API has them: administrator rights, error strings,
callback queries that are too old, protected content, link previews, the 20 MB download
limit."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import LinkPreviewOptions

from bot.dialogs import build_conversations
from bot.platform.clock import FixedClock
from bot.platform.config import Config
from bot.platform.store import Redis
from emulator import Emulator, SimClient
from emulator.errors import SimError
from emulator.methods_edit import STALE_QUERY
from handlers.telegram.app import build_bot, build_dispatcher
from handlers.wiring import build_services
from tests.support.constants import BOT_ID, BOT_TOKEN
from tests.support.stand_in import started_user

# ChatMemberAdministrator: always there, then by chat type. can_send_welcome_messages came
# with Bot API 10.3 (aiogram 3.31 requires it); the published 10.1 spec predates it.
ALWAYS = {
    "status",
    "user",
    "can_be_edited",
    "is_anonymous",
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_send_welcome_messages",
}
BY_TYPE = {
    "channel": {"can_post_messages", "can_edit_messages", "can_manage_direct_messages"},
    "supergroup": {"can_pin_messages", "can_manage_topics", "can_manage_tags"},
    "group": {"can_pin_messages", "can_manage_tags"},
}


async def raw(
    http: aiohttp.ClientSession, emu: Emulator, method: str, **params: Any
) -> tuple[int, dict[str, Any]]:
    """One raw Bot API call: (HTTP status, JSON body)."""
    async with http.post(f"{emu.base_url}/bot{BOT_TOKEN}/{method}", json=params) as response:
        return response.status, await response.json()


@pytest.mark.parametrize("chat_type", ["channel", "supergroup", "group"])
async def test_administrator_rights_have_exactly_the_spec_fields(
    emu: Emulator, http: aiohttp.ClientSession, sim: SimClient, chat_type: str
) -> None:
    """Exactly the required rights and each chat type's own optional ones, no others."""
    owner = await sim.create_user("Admin")
    chat = await sim.create_chat(chat_type, "KIM", owner["id"], bots=[{"admin": True}])
    status, body = await raw(http, emu, "getChatMember", chat_id=chat["id"], user_id=BOT_ID)
    assert status == 200
    member = body["result"]
    assert member["status"] == "administrator"
    allowed = ALWAYS | BY_TYPE[chat_type] | {"custom_title"}
    assert set(member) - allowed == set()
    assert set(member) >= ALWAYS


async def test_error_strings_are_the_servers(emu: Emulator, http: aiohttp.ClientSession) -> None:
    """Unknown method and setWebhook errors read as telegram-bot-api words them."""
    status, body = await raw(http, emu, "noSuchMethod")
    assert (status, body["description"]) == (404, "Not Found: method not found")
    cases = {
        "ftp://example.org/hook": "Bad Request: bad webhook: An HTTPS URL must be provided for "
        "webhook",
        "not a url": "Bad Request: invalid webhook URL specified",
    }
    for url, description in cases.items():
        status, body = await raw(http, emu, "setWebhook", url=url)
        assert (status, body["description"]) == (400, description)
    hook = "https://example.org/hook"
    status, body = await raw(http, emu, "setWebhook", url=hook, secret_token="bad token!")
    assert body["description"] == "Bad Request: secret token contains unallowed characters"
    status, body = await raw(http, emu, "setWebhook", url=hook, secret_token="a" * 257)
    assert body["description"] == "Bad Request: secret token is too long"
    status, body = await raw(http, emu, "getWebhookInfo")
    assert body["result"]["url"] == ""


async def test_a_callback_query_too_old_cannot_be_answered(bot: Bot, sim: SimClient) -> None:
    """About 15 minutes after the press the answer fails as Telegram's does; a fresh one works."""
    uid = await started_user(sim)
    keyboard = {"inline_keyboard": [[{"text": "Ya", "callback_data": "ya"}]]}
    sent = await bot.send_message(uid, "Setuju?", reply_markup=keyboard)  # type: ignore[arg-type]
    old = await sim.press(uid, sent.message_id, data="ya", age=15 * 60 + 1)
    with pytest.raises(TelegramBadRequest) as caught:
        await bot.answer_callback_query(old["callback_query_id"], "Terima kasih")
    assert caught.value.message == f"Bad Request: {STALE_QUERY}"
    fresh = await sim.press(uid, sent.message_id, data="ya", age=60)
    assert await bot.answer_callback_query(fresh["callback_query_id"], "Terima kasih") is True
    with pytest.raises(SimError, match="age"):
        await sim.press(uid, sent.message_id, data="ya", age=-1)


async def test_protected_content_cannot_be_forwarded_or_copied(bot: Bot, sim: SimClient) -> None:
    """protect_content is recorded; the bot can't copy or forward it, the person can't forward."""
    uid = await started_user(sim)
    other = await started_user(sim, "Siti")
    sent = await bot.send_message(uid, "Rahasia", protect_content=True)
    assert sent.has_protected_content is True
    with pytest.raises(TelegramBadRequest, match="message can't be copied"):
        await bot.copy_message(other, uid, sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message can't be forwarded"):
        await bot.forward_message(other, uid, sent.message_id)
    with pytest.raises(SimError, match="protected"):
        await sim.action(uid, "forward", from_chat_id=uid, message_id=sent.message_id)
    [shown] = [m for m in await sim.messages(uid) if m["message_id"] == sent.message_id]
    assert shown["protected"] is True
    plain = await bot.send_message(uid, "Biasa")
    assert plain.has_protected_content is None
    assert await bot.copy_message(other, uid, plain.message_id)


async def test_link_preview_options_are_kept_and_shown(bot: Bot, sim: SimClient) -> None:
    """The message keeps its link_preview_options; the simulator's view has them."""
    uid = await started_user(sim)
    off = await bot.send_message(
        uid, "https://example.org", link_preview_options=LinkPreviewOptions(is_disabled=True)
    )
    assert off.link_preview_options is not None
    assert off.link_preview_options.is_disabled is True
    on = await bot.send_message(uid, "https://example.org/a")
    assert on.link_preview_options is None
    views = {m["message_id"]: m for m in await sim.messages(uid)}
    assert views[off.message_id]["link_preview"] == {"is_disabled": True}
    assert views[on.message_id]["link_preview"] is None


async def test_get_file_refuses_files_over_20_mb(bot: Bot, sim: SimClient) -> None:
    """A 25 MB document can be sent on by file_id but not downloaded: file is too big."""
    uid = await started_user(sim)
    await bot.get_updates(timeout=0)
    big = await sim.send(uid, document={"file_name": "laporan.pdf", "size": 25 * 1024 * 1024})
    small = await sim.send(uid, document={"file_name": "surat.pdf", "size": 19 * 1024 * 1024})
    updates = await bot.get_updates(timeout=1)
    documents = [u.message.document for u in updates if u.message and u.message.document]
    assert [d.file_size for d in documents] == [25 * 1024 * 1024, 19 * 1024 * 1024]
    with pytest.raises(TelegramBadRequest, match=r"Bad Request: file is too big$"):
        await bot.get_file(documents[0].file_id)
    found = await bot.get_file(documents[1].file_id)
    assert found.file_size == 19 * 1024 * 1024
    assert await bot.send_document(uid, documents[0].file_id)
    assert big["message"]["media"]["size"] == 25 * 1024 * 1024
    assert small["message"]["media"]["size"] == 19 * 1024 * 1024


async def test_the_bot_answers_a_press_too_old_to_acknowledge(
    emu: Emulator, sim: SimClient, config: Config, redis: Redis, clock: FixedClock
) -> None:
    """A press the bot sees after 15 minutes: answerCallbackQuery fails the real way, the bot
    goes on and the resident still gets the next step, with no apology."""
    services = build_services(config, redis, clock)
    dp = build_dispatcher(services, build_conversations(services))
    bot = build_bot(BOT_TOKEN, emu.base_url)
    try:
        uid = await started_user(sim)
        for update in await bot.get_updates(timeout=1):
            await dp.feed_update(bot, update)
        [menu] = [m for m in await sim.messages(uid) if m["buttons"]]
        data = menu["buttons"][0][0]["callback_data"]
        after = (await sim.messages(uid))[-1]["message_id"]
        await sim.press(uid, menu["message_id"], data=data, age=20 * 60)
        offset = 0
        for update in await bot.get_updates(timeout=1):
            await dp.feed_update(bot, update)
            offset = update.update_id + 1
        await bot.get_updates(offset=offset, timeout=0)
    finally:
        await dp.emit_shutdown()
        await bot.session.close()
    log = await sim.call("GET", "/sim/log", query={"method": "answerCallbackQuery"})
    assert [(e["status"], e["description"]) for e in log["entries"]] == [
        (400, f"Bad Request: {STALE_QUERY}")
    ]
    history = await sim.messages(uid)
    changed = [m for m in history if m["message_id"] > after or m["edited"]]
    assert changed, "the resident got nothing after the press"
    assert not any("maaf" in (m["text"] or "").lower() for m in history)
