"""A real aiogram Bot against the emulator: every method and every response shape."""

from __future__ import annotations

import asyncio
from typing import Any

from aiogram import Bot
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BufferedInputFile,
    ChatFullInfo,
    ChatMemberAdministrator,
    ChatMemberOwner,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageId,
    ReplyParameters,
    TelegramObject,
    Update,
)
from pydantic import BaseModel

from emulator import SimClient, make_png
from tests.support.constants import BOT_ID, BOT_USERNAME

EVERY_KIND = [
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "callback_query",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
]


def assert_no_extra(obj: Any) -> None:
    """Fail if the emulator produced a field aiogram does not know (models allow extras)."""
    if isinstance(obj, TelegramObject):
        assert not obj.model_extra, f"unknown fields in {type(obj).__name__}: {obj.model_extra}"
    if isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            assert_no_extra(getattr(obj, name))
    elif isinstance(obj, list | tuple):
        for item in obj:
            assert_no_extra(item)


async def started_user(sim: SimClient, name: str = "Budi") -> int:
    """A new user who has opened the bot; their id."""
    user = await sim.create_user(name, username=f"{name.lower()}_w", language_code="id")
    await sim.start(user["id"])
    return int(user["id"])


async def test_get_me(bot: Bot) -> None:
    """getMe names the test bot (id, username) in Telegram's exact shape."""
    me = await bot.get_me()
    assert me.is_bot
    assert me.id == BOT_ID
    assert me.username == BOT_USERNAME
    assert_no_extra(me)


async def test_send_message_html_with_keyboard(bot: Bot, sim: SimClient) -> None:
    """An HTML message with an inline keyboard: plain text, entities at UTF-16 offsets, the keyboard
    back, and the user's history showing source and buttons."""
    uid = await started_user(sim)
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text="Daftar", callback_data="register:1")],
            [InlineKeyboardButton(text="Situs", url="https://kim.example.id")],
        ]
    )
    sent = await bot.send_message(
        uid,
        "<b>Halo</b> <i>warga</i> &lt;RT 05&gt; 👋 <a href='https://x.id'>link</a>",
        parse_mode="HTML",
        reply_markup=keyboard,
    )
    assert_no_extra(sent)
    assert sent.text == "Halo warga <RT 05> 👋 link"
    assert sent.from_user is not None
    assert sent.from_user.is_bot
    assert sent.chat.type == "private"
    assert sent.chat.id == uid
    kinds = [(e.type, e.offset, e.length) for e in sent.entities or []]
    assert ("bold", 0, 4) in kinds
    assert ("italic", 5, 5) in kinds
    # the emoji counts as two UTF-16 units, so the link starts at 22, not 21
    assert ("text_link", 22, 4) in kinds
    assert sent.reply_markup is not None
    assert sent.reply_markup.model_dump() == keyboard.model_dump()
    history = await sim.messages(uid)
    assert history[-1]["text"] == sent.text
    assert history[-1]["raw_text"].startswith("<b>Halo</b>")
    assert history[-1]["parse_mode"] == "HTML"
    assert history[-1]["buttons"][0][0]["callback_data"] == "register:1"


async def test_markdown_v2_message(bot: Bot, sim: SimClient) -> None:
    """A MarkdownV2 message: escapes removed, bold and code entities placed."""
    uid = await started_user(sim)
    sent = await bot.send_message(uid, "*Info* RT\\.05 \\- `kode`", parse_mode="MarkdownV2")
    assert sent.text == "Info RT.05 - kode"
    assert [(e.type, e.offset, e.length) for e in sent.entities or []] == [
        ("bold", 0, 4),
        ("code", 13, 4),
    ]


async def test_photo_upload_get_file_and_download(bot: Bot, sim: SimClient) -> None:
    """An uploaded photo with a caption: sizes, getFile and download give the bytes back; its
    file_id can be sent again."""
    uid = await started_user(sim)
    png = make_png(32, 16)
    sent = await bot.send_photo(
        uid, BufferedInputFile(png, "poster.png"), caption="<b>Poster</b>", parse_mode="HTML"
    )
    assert_no_extra(sent)
    assert sent.photo is not None
    assert sent.caption == "Poster"
    size = sent.photo[-1]
    assert (size.width, size.height, size.file_size) == (32, 16, len(png))
    info = await bot.get_file(size.file_id)
    assert_no_extra(info)
    assert info.file_path is not None
    downloaded = await bot.download_file(info.file_path)
    assert downloaded is not None
    assert downloaded.read() == png
    again = await bot.send_photo(uid, size.file_id)
    assert again.photo is not None
    assert again.photo[-1].file_id == size.file_id


async def test_document_and_video(bot: Bot, sim: SimClient) -> None:
    """Documents and videos keep their file name and dimensions and show in the history by kind."""
    uid = await started_user(sim)
    doc = await bot.send_document(uid, BufferedInputFile(b"a,b\n1,2\n", "data.csv"), caption="CSV")
    assert_no_extra(doc)
    assert doc.document is not None
    assert doc.document.file_name == "data.csv"
    video = await bot.send_video(
        uid, BufferedInputFile(b"\x00" * 100, "clip.mp4"), width=640, height=360, duration=5
    )
    assert_no_extra(video)
    assert video.video is not None
    assert (video.video.width, video.video.duration) == (640, 5)
    history = await sim.messages(uid)
    assert [m["kind"] for m in history[-2:]] == ["document", "video"]


async def test_copy_and_forward(bot: Bot, sim: SimClient) -> None:
    """copyMessage and forwardMessage deliver the user's text; a forward names its origin."""
    alice = await started_user(sim, "Alice")
    bob = await started_user(sim, "Bobby")
    said = await sim.send(alice, "Laporan jalan rusak di RT 3")
    copied = await bot.copy_message(bob, alice, said["message"]["message_id"])
    assert isinstance(copied, MessageId)
    assert_no_extra(copied)
    forwarded = await bot.forward_message(bob, alice, said["message"]["message_id"])
    assert_no_extra(forwarded)
    assert forwarded.forward_origin is not None
    assert forwarded.forward_origin.type == "user"
    history = await sim.messages(bob)
    texts = [m["text"] for m in history if m["from"]["is_bot"]]
    assert texts == ["Laporan jalan rusak di RT 3", "Laporan jalan rusak di RT 3"]
    assert history[-1]["forward_origin"]["sender_user"]["id"] == alice


async def test_edits_and_delete(bot: Bot, sim: SimClient) -> None:
    """Edits change text, keyboard and caption (a text edit without a keyboard drops it); deleted
    messages stay in the history, marked."""
    uid = await started_user(sim)
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="OK", callback_data="ok")]]
    )
    sent = await bot.send_message(uid, "Versi 1", reply_markup=keyboard)
    edited = await bot.edit_message_text(
        "Versi <b>2</b>", chat_id=uid, message_id=sent.message_id, parse_mode="HTML"
    )
    assert isinstance(edited, Message)
    assert_no_extra(edited)
    assert edited.text == "Versi 2"
    assert edited.edit_date is not None
    assert edited.reply_markup is None  # editMessageText without a keyboard removes it
    marked = await bot.edit_message_reply_markup(
        chat_id=uid, message_id=sent.message_id, reply_markup=keyboard
    )
    assert isinstance(marked, Message)
    assert marked.reply_markup is not None
    assert marked.reply_markup.model_dump() == keyboard.model_dump()
    photo = await bot.send_photo(uid, BufferedInputFile(make_png(), "p.png"), caption="a")
    recaptioned = await bot.edit_message_caption(
        chat_id=uid, message_id=photo.message_id, caption="b"
    )
    assert isinstance(recaptioned, Message)
    assert recaptioned.caption == "b"
    assert await bot.delete_message(uid, sent.message_id) is True
    history = await sim.messages(uid)
    first = next(m for m in history if m["message_id"] == sent.message_id)
    assert first["deleted"]
    assert first["edited"]
    assert first["text"] == "Versi 2"
    assert first["edit_count"] == 2


async def test_reply_parameters(bot: Bot, sim: SimClient) -> None:
    """reply_parameters make the bot's message a reply to the user's."""
    uid = await started_user(sim)
    said = await sim.send(uid, "pertanyaan")
    mid = said["message"]["message_id"]
    answer = await bot.send_message(
        uid, "jawaban", reply_parameters=ReplyParameters(message_id=mid)
    )
    assert answer.reply_to_message is not None
    assert answer.reply_to_message.message_id == mid
    assert_no_extra(answer)


async def test_callback_query_and_answer(bot: Bot, sim: SimClient) -> None:
    """A pressed button reaches the bot as a callback query; its answer (text, alert) is what the
    user sees."""
    uid = await started_user(sim)
    updates = await bot.get_updates(timeout=0)
    offset = updates[-1].update_id + 1
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Setuju", callback_data="agree")]]
    )
    sent = await bot.send_message(uid, "Setuju?", reply_markup=keyboard)
    pressed = await sim.press(uid, sent.message_id, data="agree")
    assert pressed["kind"] == "callback"
    updates = await bot.get_updates(offset=offset, timeout=2)
    assert len(updates) == 1
    query = updates[0].callback_query
    assert query is not None
    assert query.data == "agree"
    assert query.from_user.id == uid
    assert_no_extra(updates[0])
    waiter = asyncio.create_task(sim.call("GET", f"/sim/callbacks/{query.id}", query={"wait": 5}))
    await asyncio.sleep(0.05)
    assert await bot.answer_callback_query(query.id, text="Terima kasih", show_alert=True)
    answered = await waiter
    assert answered["answered"]
    assert answered["answer"]["text"] == "Terima kasih"
    assert answered["answer"]["show_alert"] is True


async def test_get_updates_long_poll_and_offset(bot: Bot, sim: SimClient) -> None:
    """getUpdates waits for the next update and returns early; updates stay until an offset confirms
    them."""
    user = await sim.create_user("Sari")

    async def later() -> None:
        await asyncio.sleep(0.2)
        await sim.send(user["id"], "/start")

    task = asyncio.create_task(later())
    loop = asyncio.get_running_loop()
    began = loop.time()
    updates = await bot.get_updates(timeout=5)
    assert loop.time() - began < 3
    await task
    assert len(updates) == 1
    assert updates[0].message is not None
    assert updates[0].message.text == "/start"
    first = updates[0].update_id
    await sim.send(user["id"], "dua")
    again = await bot.get_updates(timeout=0)
    assert [u.update_id for u in again] == [first, first + 1]  # not confirmed yet
    confirmed = await bot.get_updates(offset=first + 1, timeout=0)
    assert [u.update_id for u in confirmed] == [first + 1]
    assert await bot.get_updates(offset=first + 2, timeout=0) == []


async def test_allowed_updates(bot: Bot, sim: SimClient) -> None:
    """allowed_updates filters what getUpdates returns."""
    uid = await started_user(sim)
    await bot.get_updates(offset=-1, timeout=0, allowed_updates=["callback_query"])
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="A", callback_data="a")]]
    )
    sent = await bot.send_message(uid, "pilih", reply_markup=keyboard)
    await sim.send(uid, "this message is filtered out")
    await sim.press(uid, sent.message_id, data="a")
    updates = await bot.get_updates(offset=-1, timeout=1)
    assert [u.event_type for u in updates] == ["callback_query"]


async def test_commands_chat_action_menu(bot: Bot, sim: SimClient) -> None:
    """Command menus per scope and language, chat actions and the menu button are kept and read
    back."""
    uid = await started_user(sim)
    commands = [
        BotCommand(command="start", description="Mulai"),
        BotCommand(command="lapor", description="Lapor"),
    ]
    assert await bot.set_my_commands(commands)
    assert await bot.set_my_commands(
        [BotCommand(command="help", description="Help")],
        scope=BotCommandScopeAllPrivateChats(),
        language_code="en",
    )
    assert [c.model_dump() for c in await bot.get_my_commands()] == [
        c.model_dump() for c in commands
    ]
    english = await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="en")
    assert [c.command for c in english] == ["help"]
    assert await bot.delete_my_commands()
    assert await bot.get_my_commands() == []
    assert await bot.send_chat_action(uid, "typing")
    assert await bot.set_chat_menu_button()
    chat = await sim.call("GET", f"/sim/chats/{uid}")
    assert chat["action"]["action"] == "typing"


async def test_chat_info_members_and_admins(bot: Bot, sim: SimClient) -> None:
    """getChat, administrators, members and member count describe a supergroup and a user."""
    owner = await sim.create_user("Owner")
    member = await sim.create_user("Member")
    group = await sim.create_chat(
        "supergroup", "Staff KIM", owner["id"], members=[member["id"]], bots=[{"admin": True}]
    )
    info = await bot.get_chat(group["id"])
    assert isinstance(info, ChatFullInfo)
    assert_no_extra(info)
    assert info.title == "Staff KIM"
    assert info.type == "supergroup"
    private = await bot.get_chat(member["id"])
    assert private.first_name == "Member"
    admins = await bot.get_chat_administrators(group["id"])
    assert_no_extra(admins)
    assert {type(a) for a in admins} == {ChatMemberOwner, ChatMemberAdministrator}
    me = await bot.get_chat_member(group["id"], BOT_ID)
    assert isinstance(me, ChatMemberAdministrator)
    assert me.can_invite_users
    them = await bot.get_chat_member(group["id"], member["id"])
    assert them.status == "member"
    assert_no_extra(them)
    assert await bot.get_chat_member_count(group["id"]) == 3


async def test_every_update_kind_parses(bot: Bot, sim: SimClient) -> None:
    """Every update kind the bot asks for (edits, channel posts, buttons, joins, blocks) parses in
    aiogram with no unknown fields."""
    owner = await sim.create_user("Owner")
    await sim.start(owner["id"])
    guest = await sim.create_user("Guest")
    await bot.get_updates(timeout=0, allowed_updates=EVERY_KIND)
    channel = await sim.create_chat(
        "channel", "Kelurahan Sukamaju", owner["id"], bots=[{"admin": True}], join_by_request=True
    )
    said = await sim.send(owner["id"], "ubah saya")
    await sim.action(owner["id"], "edit", message_id=said["message"]["message_id"], text="diubah")
    post = await sim.send(owner["id"], "Pengumuman", chat_id=channel["id"])
    await sim.action(
        owner["id"],
        "edit",
        chat_id=channel["id"],
        message_id=post["message"]["message_id"],
        text="Pengumuman!",
    )
    await sim.action(guest["id"], "join", chat_id=channel["id"])
    await bot.approve_chat_join_request(channel["id"], guest["id"])
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="x", callback_data="x")]]
    )
    sent = await bot.send_message(owner["id"], "tombol", reply_markup=keyboard)
    await sim.press(owner["id"], sent.message_id, data="x")
    await sim.action(owner["id"], "block")
    raw = await sim.call("GET", "/sim/updates")
    kinds = set()
    for item in raw["updates"]:
        update = Update.model_validate(item, context={"bot": bot})
        assert_no_extra(update)
        kinds.add(update.event_type)
    assert kinds >= set(EVERY_KIND)
    fetched = await bot.get_updates(timeout=0)
    assert len(fetched) == len(raw["updates"])


async def test_remaining_methods_parse(bot: Bot, sim: SimClient) -> None:
    """Bot profile, menu button, pins, bans and webhook info answer in shapes aiogram parses."""
    owner = await sim.create_user("Owner")
    member = await sim.create_user("Member")
    group = await sim.create_chat(
        "supergroup", "RW 03", owner["id"], members=[member["id"]], bots=[{"admin": True}]
    )
    assert await bot.set_my_name("KIM Bot")
    assert await bot.set_my_description("Informasi warga", language_code="id")
    assert await bot.set_my_short_description("KIM")
    button = await bot.get_chat_menu_button()
    assert button.type == "commands"
    sent = await bot.send_message(group["id"], "Penting")
    assert await bot.pin_chat_message(group["id"], sent.message_id)
    info = await bot.get_chat(group["id"])
    assert_no_extra(info)
    assert info.pinned_message is not None
    assert info.pinned_message.message_id == sent.message_id
    assert await bot.unpin_chat_message(group["id"])
    assert await bot.ban_chat_member(group["id"], member["id"])
    banned = await bot.get_chat_member(group["id"], member["id"])
    assert_no_extra(banned)
    assert banned.status == "kicked"
    assert await bot.unban_chat_member(group["id"], member["id"])
    assert (await bot.get_chat_member(group["id"], member["id"])).status == "left"
    webhook = await bot.get_webhook_info()
    assert_no_extra(webhook)
    assert webhook.url == ""
