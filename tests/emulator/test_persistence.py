"""The emulator's state file: save the world, start a new emulator from it, continue."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramForbiddenError, TelegramMigrateToChat
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from aiohttp import web

from emulator import Emulator, SimClient, make_png
from emulator.persistence import FORMAT_VERSION, StateKeeper, dump_world, parse_state
from tests.support.constants import BOT_ID, BOT_SPEC, ROOT
from tests.support.stand_in import running_emulator, serving

ALL = [
    "message",
    "edited_message",
    "channel_post",
    "callback_query",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
]
KEYBOARD = InlineKeyboardMarkup(
    inline_keyboard=[
        [InlineKeyboardButton(text="Daftar", callback_data="register")],
        [InlineKeyboardButton(text="Situs", url="https://kim.example.id")],
    ]
)


def running(
    path: Path, **kwargs: Any
) -> AbstractAsyncContextManager[tuple[Emulator, SimClient, Bot]]:
    """Run an emulator with a state file plus a user-API client and an aiogram Bot."""
    return running_emulator(tokens=[BOT_SPEC], state_file=path, **kwargs)


async def drain(bot: Bot) -> list[Update]:
    """Fetch and confirm every pending update."""
    updates = await bot.get_updates(timeout=0, allowed_updates=ALL)
    if updates:
        await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    return updates


def without_time(document: dict[str, Any]) -> dict[str, Any]:
    """Return a dumped world without its save time."""
    return {key: value for key, value in document.items() if key != "saved_at"}


async def snapshot(sim: SimClient, bot: Bot, world: dict[str, Any]) -> dict[str, Any]:
    """Everything the user API and the Bot API show about the test world."""
    out: dict[str, Any] = {
        "state": await sim.call("GET", "/sim/state"),
        "bots": await sim.call("GET", "/sim/bots"),
        "me": (await bot.get_me()).model_dump(),
        "commands": [c.model_dump() for c in await bot.get_my_commands()],
        "callback": await sim.call("GET", f"/sim/callbacks/{world['query_id']}"),
        "updates": await sim.call("GET", "/sim/updates"),
    }
    for user_id in world["users"]:
        out[f"user {user_id}"] = await sim.call("GET", f"/sim/users/{user_id}")
        out[f"dialog {user_id}"] = await sim.call("GET", f"/sim/chats/{user_id}")
        out[f"dialog messages {user_id}"] = await sim.messages(user_id)
    for chat_id in world["chats"]:
        out[f"chat {chat_id}"] = await sim.call("GET", f"/sim/chats/{chat_id}")
        out[f"messages {chat_id}"] = await sim.messages(chat_id)
        if chat_id != world["old_group"]:
            out[f"getChat {chat_id}"] = (await bot.get_chat(chat_id)).model_dump()
    return out


async def build_world(sim: SimClient, bot: Bot) -> dict[str, Any]:
    """Create users, private chats, a join-request group, a channel, a migrated group, a forum."""
    await bot.set_my_commands([BotCommand(command="daftar", description="Daftar warga")])
    admin = await sim.create_user("Admin", username="kim_admin", language_code="id")
    alice = await sim.create_user("Alice", last_name="Wijaya", language_code="en")
    carol = await sim.create_user("Carol")
    dave = await sim.create_user("Dave")
    erin = await sim.create_user("Erin")
    ids = [u["id"] for u in (admin, alice, carol, dave, erin)]

    await sim.start(alice["id"], payload="kel_7")
    buttons = await bot.send_message(
        alice["id"], "<b>Halo</b> Alice", parse_mode="HTML", reply_markup=KEYBOARD
    )
    await bot.edit_message_text(
        "<b>Halo lagi</b> Alice",
        chat_id=alice["id"],
        message_id=buttons.message_id,
        parse_mode="HTML",
        reply_markup=KEYBOARD,
    )
    photo = await bot.send_photo(
        alice["id"], BufferedInputFile(make_png(8, 6), "poster.png"), caption="Poster"
    )
    gone = await bot.send_message(alice["id"], "sementara")
    await bot.delete_message(alice["id"], gone.message_id)
    await sim.send(alice["id"], photo=True, caption="dari warga")
    pressed = await sim.press(alice["id"], buttons.message_id, data="register")
    await bot.answer_callback_query(pressed["callback_query_id"], text="Terdaftar")

    await sim.start(carol["id"])
    await sim.action(carol["id"], "block")

    group = await sim.create_chat(
        "supergroup", "Warga RW 07", admin["id"], join_by_request=True, bots=[{"admin": True}]
    )
    link = await bot.create_chat_invite_link(group["id"], name="Warga", creates_join_request=True)
    await sim.action(dave["id"], "join", invite_link=link.invite_link)
    await sim.action(erin["id"], "join", chat_id=group["id"])

    channel = await sim.create_chat("channel", "Info KIM", admin["id"], bots=[{"admin": True}])
    post = await bot.send_message(channel["id"], "Pengumuman pertama")

    old_group = await sim.create_chat(
        "group", "RT 03", admin["id"], members=[alice["id"]], bots=[{"admin": False}]
    )
    migrated = await sim.call("POST", f"/sim/chats/{old_group['id']}/migrate")

    forum = await sim.create_chat(
        "supergroup", "Forum KIM", admin["id"], is_forum=True, bots=[{"admin": True}]
    )
    topic = await bot.create_forum_topic(forum["id"], "Pengumuman")
    await bot.send_message(forum["id"], "di topik", message_thread_id=topic.message_thread_id)
    await drain(bot)
    # one update the bot has not fetched yet: it must survive the restart
    pending = await sim.send(alice["id"], "belum dibaca")
    return {
        "users": ids,
        "alice": alice["id"],
        "carol": carol["id"],
        "dave": dave["id"],
        "erin": erin["id"],
        "group": group["id"],
        "link": link.invite_link,
        "channel": channel["id"],
        "post": post.message_id,
        "old_group": old_group["id"],
        "migrated": migrated["id"],
        "forum": forum["id"],
        "buttons": buttons.message_id,
        "photo": photo.message_id,
        "photo_file": photo.photo[-1].file_id if photo.photo else "",
        "query_id": pressed["callback_query_id"],
        "pending": pending["update_ids"][str(BOT_ID)],
        "chats": [group["id"], channel["id"], old_group["id"], migrated["id"], forum["id"]],
    }


async def test_world_survives_restart(tmp_path: Path) -> None:
    """Stop and start from the state file: the same world, the unconfirmed update, ids that
    continue, old files and buttons, blocks, migrations, join requests and editable posts."""
    path = tmp_path / "state.json"
    async with running(path) as (emu, sim, bot):
        world = await build_world(sim, bot)
        await snapshot(sim, bot, world)  # opens every dialog once, so the next one is stable
        before = await snapshot(sim, bot, world)
        dumped = without_time(dump_world(emu.world))
        last_update = emu.world.bots[BOT_ID].updates.last_id
        next_private_id = emu.world.dialog(BOT_ID, world["alice"]).next_message_id
        channel_next = emu.world.chats[world["channel"]].next_message_id
    saved = json.loads(path.read_bytes())
    assert saved["format_version"] == FORMAT_VERSION
    assert without_time(saved) == dumped

    async with running(path) as (emu, sim, bot):
        assert emu.state is not None
        assert emu.state.loaded
        assert without_time(dump_world(emu.world)) == dumped
        assert await snapshot(sim, bot, world) == before

        # the update the bot had not confirmed is still there, with its id
        updates = await bot.get_updates(timeout=0, allowed_updates=ALL)
        assert [u.update_id for u in updates] == [world["pending"]]
        assert updates[0].message is not None
        assert updates[0].message.text == "belum dibaca"
        await drain(bot)

        # ids continue: users, groups and message ids are never reused
        newcomer = await sim.create_user("Fajar")
        assert newcomer["id"] == max(world["users"]) + 1
        new_group = await sim.create_chat("group", "RT 04", newcomer["id"])
        assert new_group["id"] == world["old_group"] - 1
        sent = await sim.send(world["alice"], "lagi")
        assert sent["message"]["message_id"] == next_private_id
        assert sent["update_ids"][str(BOT_ID)] == last_update + 1

        # an announcement copies an old message by chat id + message id
        copied = await bot.copy_message(world["channel"], world["alice"], world["photo"])
        assert copied.message_id == channel_next
        posted = (await sim.messages(world["channel"]))[-1]
        assert posted["media"]["file_id"] == world["photo_file"]
        info = await bot.get_file(world["photo_file"])
        assert info.file_path is not None
        downloaded = await bot.download_file(info.file_path)
        assert downloaded is not None
        assert downloaded.read() == make_png(8, 6)

        # a button on an old message still works
        pressed = await sim.press(world["alice"], world["buttons"], data="register")
        callbacks = [u.callback_query for u in await drain(bot) if u.callback_query]
        assert [c.id for c in callbacks] == [pressed["callback_query_id"]]
        assert callbacks[0].message is not None
        assert callbacks[0].message.message_id == world["buttons"]
        assert await bot.answer_callback_query(callbacks[0].id, text="Lagi")
        answered = await sim.call("GET", f"/sim/callbacks/{pressed['callback_query_id']}")
        assert answered["answer"]["text"] == "Lagi"

        # the blocked user is still blocked; the migrated group still points on
        with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
            await bot.send_message(world["carol"], "halo")
        with pytest.raises(TelegramMigrateToChat) as caught:
            await bot.send_message(world["old_group"], "halo")
        assert caught.value.migrate_to_chat_id == world["migrated"]

        # pending join requests and the invite link survive
        assert await bot.approve_chat_join_request(world["group"], world["dave"])
        assert await bot.decline_chat_join_request(world["group"], world["erin"])
        member = await bot.get_chat_member(world["group"], world["dave"])
        assert member.status == "member"
        joined = await sim.action(newcomer["id"], "join", invite_link=world["link"])
        assert joined == {"status": "requested", "chat_id": world["group"]}

        # the channel post can still be edited by the bot
        edited = await bot.edit_message_text(
            "Pengumuman (diperbarui)", chat_id=world["channel"], message_id=world["post"]
        )
        assert not isinstance(edited, bool)
        assert edited.edit_date is not None


async def test_webhook_survives_restart(tmp_path: Path) -> None:
    """A webhook (URL, secret, allowed updates) survives a restart and receives the next update in
    sequence."""
    path = tmp_path / "state.json"
    received: asyncio.Queue[tuple[str | None, Any]] = asyncio.Queue()

    async def hook(request: web.Request) -> web.Response:
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        await received.put((secret, await request.json()))
        return web.json_response({})

    app = web.Application()
    app.router.add_post("/hook", hook)
    async with serving(app) as base:
        url = f"{base}/hook"
        async with running(path) as (_emu, sim, bot):
            assert await bot.set_webhook(url, secret_token="s3cret", allowed_updates=["message"])
            user = await sim.create_user("Budi")
            await sim.start(user["id"])
            _, first = await asyncio.wait_for(received.get(), 5)
        async with running(path) as (_emu, sim, bot):
            info = await bot.get_webhook_info()
            assert (info.url, info.allowed_updates) == (url, ["message"])
            await sim.send(user["id"], "setelah restart")
            secret, update = await asyncio.wait_for(received.get(), 5)
        assert secret == "s3cret"
        assert update["update_id"] == first["update_id"] + 1
        assert update["message"]["text"] == "setelah restart"


def unsaved(keeper: StateKeeper) -> bool:
    """Tell whether the world changed since the last save (a call, so mypy does not narrow it)."""
    return keeper.dirty


async def test_periodic_save_while_running(tmp_path: Path) -> None:
    """With an interval the state is saved while running, only when something changed."""
    path = tmp_path / "state.json"
    async with running(path, state_interval=0.05) as (emu, sim, _bot):
        user = await sim.create_user("Budi", language_code="id")
        for _ in range(100):
            if path.exists() and user["id"] in parse_state(path.read_bytes()).users:
                break
            await asyncio.sleep(0.02)
        else:
            pytest.fail("the state file was not written while running")
        # nothing changes: the file is not rewritten
        inode = path.stat().st_ino
        await asyncio.sleep(0.2)
        assert path.stat().st_ino == inode
        keeper = emu.state
        assert keeper is not None
        await sim.start(user["id"])
        assert unsaved(keeper)
        for _ in range(100):
            if path.stat().st_ino != inode and not unsaved(keeper):
                break
            await asyncio.sleep(0.02)
        else:
            pytest.fail("the change was not saved")
        # the second save reused cached JSON of unchanged parts and still matches
        saved = json.loads(path.read_bytes())
        assert without_time(saved) == without_time(dump_world(emu.world))
        assert parse_state(path.read_bytes()).dialog(BOT_ID, user["id"]).next_message_id == 2


CORRUPT = {
    "not-json": b"{not json",
    "empty": b"",
    "binary": b"\xff\xfe\x00garbage",
    "other-format": json.dumps({"format": "something-else"}).encode(),
    "future-version": json.dumps(
        {"format": "kimbot-telegram-emulator-state", "format_version": 99, "world": {}}
    ).encode(),
    "bad-user": json.dumps(
        {
            "format": "kimbot-telegram-emulator-state",
            "format_version": FORMAT_VERSION,
            "world": {
                "version": 1,
                "epoch": 0,
                "next_user_id": 700000002,
                "next_group_id": 4000000001,
                "next_supergroup_id": 1001000000001,
                "users": [{"id": "seven", "first_name": "X"}],
            },
        }
    ).encode(),
}


@pytest.mark.parametrize("content", list(CORRUPT.values()), ids=list(CORRUPT))
async def test_corrupt_file_is_moved_aside(
    tmp_path: Path, content: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    """An unusable state file is moved aside with a warning; a fresh world starts, saved on stop."""
    path = tmp_path / "state.json"
    path.write_bytes(content)
    with caplog.at_level(logging.WARNING, logger="emulator.persistence"):
        async with running(path) as (emu, sim, _bot):
            assert emu.state is not None
            assert not emu.state.loaded
            assert emu.world.users == {}
            assert list(emu.world.bots) == [BOT_ID]
            user = await sim.create_user("Budi")
    moved = [tmp_path / name for name in os.listdir(tmp_path) if ".corrupt-" in name]
    assert len(moved) == 1
    assert moved[0].read_bytes() == content
    assert "is unusable" in caplog.text
    assert str(moved[0]) in caplog.text
    # the next stop wrote a good file in its place
    assert user["id"] in parse_state(path.read_bytes()).users


async def test_missing_file_starts_empty(tmp_path: Path) -> None:
    """A missing state file starts an empty world, written on stop with no temp files; the current
    privacy flag applies after loading."""
    path = tmp_path / "new" / "state.json"
    async with running(path) as (emu, sim, _bot):
        assert emu.state is not None
        assert not emu.state.loaded
        assert emu.world.users == {}
        user = await sim.create_user("Budi")
    assert path.exists()
    assert os.listdir(path.parent) == ["state.json"]  # no temp files left behind
    async with running(path, privacy=False) as (emu, sim, bot):
        assert (await sim.call("GET", f"/sim/users/{user['id']}"))["first_name"] == "Budi"
        # the current privacy flag applies to a bot from the state file
        assert (await bot.get_me()).can_read_all_group_messages


async def test_command_line_state_file(tmp_path: Path) -> None:
    """`python -m emulator --state-file` creates the file (mode 600), loads it the next time and
    says which."""
    path = tmp_path / "state.json"
    args = ["-m", "emulator", "--port", "0", "--token", BOT_SPEC, "--state-file", str(path)]

    async def run(action: Any) -> list[str]:
        process = await asyncio.create_subprocess_exec(
            sys.executable, *args, cwd=ROOT, stdout=asyncio.subprocess.PIPE
        )
        assert process.stdout is not None
        first_line = await asyncio.wait_for(process.stdout.readline(), 10)
        lines = [first_line.decode().strip(), (await process.stdout.readline()).decode().strip()]
        url = lines[0].rsplit(" ", 1)[-1]
        async with SimClient(url) as sim:
            await action(sim)
        process.send_signal(signal.SIGTERM)
        rest, _ = await asyncio.wait_for(process.communicate(), 10)
        assert process.returncode == 0
        return lines + rest.decode().splitlines()

    created: list[int] = []

    async def first(sim: SimClient) -> None:
        created.append((await sim.create_user("Budi"))["id"])

    async def second(sim: SimClient) -> None:
        users = await sim.call("GET", "/sim/users")
        assert [u["id"] for u in users] == created

    out = await run(first)
    assert f"state file {path} (new: 0 users, 0 chats)" in out
    assert path.exists()
    assert os.stat(path).st_mode & 0o777 == 0o600
    out = await run(second)
    assert f"state file {path} (loaded: 1 users, 0 chats)" in out
