"""Groups, channels, forum topics, join requests and invite links."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import ChatInviteLink, ForumTopic, Update

from emulator import SimClient, SimError
from tests.support.constants import BOT_ID, BOT_USERNAME

ALL = [
    "message",
    "channel_post",
    "callback_query",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
]


async def people(sim: SimClient, *names: str) -> list[dict[str, Any]]:
    """A new user for each first name."""
    return [await sim.create_user(name) for name in names]


async def drain(bot: Bot) -> list[Update]:
    """Fetch and confirm every pending update."""
    updates = await bot.get_updates(timeout=0, allowed_updates=ALL)
    if updates:
        await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    return updates


async def test_join_request_approve_and_decline(bot: Bot, sim: SimClient) -> None:
    """Join requests through a link or the chat arrive as updates; approve admits with a member
    update, decline leaves them out, twice is an error."""
    await drain(bot)
    admin, alice, bob = await people(sim, "Admin", "Alice", "Bobby")
    group = await sim.create_chat(
        "supergroup", "Warga RW 07", admin["id"], join_by_request=True, bots=[{"admin": True}]
    )
    link = await bot.create_chat_invite_link(group["id"], name="Warga", creates_join_request=True)
    assert isinstance(link, ChatInviteLink)
    assert link.invite_link.startswith("https://t.me/+")
    assert link.creates_join_request
    assert link.name == "Warga"
    assert link.creator.id == BOT_ID
    assert (await sim.action(alice["id"], "join", invite_link=link.invite_link))[
        "status"
    ] == "requested"
    assert (await sim.action(bob["id"], "join", chat_id=group["id"]))["status"] == "requested"
    requests = [u.chat_join_request for u in await drain(bot) if u.chat_join_request]
    assert [(r.from_user.id, r.invite_link is not None) for r in requests] == [
        (alice["id"], True),
        (bob["id"], False),
    ]
    # the bot may write to a user who asked to join
    await bot.send_message(requests[0].user_chat_id, "Mohon tunggu persetujuan")
    assert await bot.approve_chat_join_request(group["id"], alice["id"])
    assert await bot.decline_chat_join_request(group["id"], bob["id"])
    with pytest.raises(TelegramBadRequest, match="HIDE_REQUESTER_MISSING"):
        await bot.approve_chat_join_request(group["id"], alice["id"])
    with pytest.raises(TelegramBadRequest, match="HIDE_REQUESTER_MISSING"):
        await bot.decline_chat_join_request(group["id"], bob["id"])
    assert (await bot.get_chat_member(group["id"], alice["id"])).status == "member"
    assert (await bot.get_chat_member(group["id"], bob["id"])).status == "left"
    updates = await drain(bot)
    member_updates = [u.chat_member for u in updates if u.chat_member]
    assert member_updates
    assert member_updates[0].new_chat_member.user.id == alice["id"]
    assert member_updates[0].via_join_request
    joined = [u.message for u in updates if u.message and u.message.new_chat_members]
    assert joined
    assert joined[0].new_chat_members is not None
    assert joined[0].new_chat_members[0].id == alice["id"]


async def test_invite_link_requires_admin_right(bot: Bot, sim: SimClient) -> None:
    """Creating invite links needs the admin right; a member limit of one admits one person."""
    admin = await sim.create_user("Admin")
    group = await sim.create_chat("supergroup", "Grup", admin["id"], bots=[{"admin": False}])
    with pytest.raises(TelegramBadRequest, match="CHAT_ADMIN_REQUIRED"):
        await bot.create_chat_invite_link(group["id"])
    await sim.call(
        "POST",
        f"/sim/chats/{group['id']}/bots",
        {"admin": True, "rights": {"can_invite_users": True}},
    )
    link = await bot.create_chat_invite_link(group["id"], member_limit=1)
    newcomer, late = await people(sim, "Baru", "Telat")
    assert (await sim.action(newcomer["id"], "join", invite_link=link.invite_link))[
        "status"
    ] == "joined"
    with pytest.raises(SimError, match="member limit"):
        await sim.action(late["id"], "join", invite_link=link.invite_link)


async def test_forum_topics(bot: Bot, sim: SimClient) -> None:
    """Forum topics: the bot creates one and posts in it; replies stay in the topic; unknown threads
    and non-forums are refused."""
    admin, staff = await people(sim, "Admin", "Staf")
    topics = {"admin": True, "rights": {"can_manage_topics": True}}
    forum = await sim.create_chat(
        "supergroup", "Staf KIM", admin["id"], is_forum=True, members=[staff["id"]], bots=[topics]
    )
    topic = await bot.create_forum_topic(forum["id"], "Laporan Warga")
    assert isinstance(topic, ForumTopic)
    assert topic.name == "Laporan Warga"
    sent = await bot.send_message(
        forum["id"], "Laporan baru", message_thread_id=topic.message_thread_id
    )
    assert sent.message_thread_id == topic.message_thread_id
    assert sent.is_topic_message
    assert sent.chat.is_forum
    with pytest.raises(TelegramBadRequest, match="message thread not found"):
        await bot.send_message(forum["id"], "x", message_thread_id=9999)
    await drain(bot)
    reply = await sim.send(
        staff["id"],
        "/ok ditangani",
        chat_id=forum["id"],
        reply_to_message_id=sent.message_id,
    )
    assert reply["message"]["message_thread_id"] == topic.message_thread_id
    updates = await drain(bot)
    message = updates[-1].message
    assert message is not None
    assert message.is_topic_message
    assert message.reply_to_message is not None
    assert message.reply_to_message.message_id == sent.message_id
    user_topic = await sim.call("POST", f"/sim/chats/{forum['id']}/topics", {"name": "Umum"})
    assert user_topic["message_thread_id"] > topic.message_thread_id
    plain = await sim.create_chat("supergroup", "Bukan forum", admin["id"], bots=[{"admin": True}])
    with pytest.raises(TelegramBadRequest, match="the chat is not a forum"):
        await bot.create_forum_topic(plain["id"], "x")


async def test_channel_posts_and_bot_announcements(bot: Bot, sim: SimClient) -> None:
    """A channel admin bot posts by @username as the channel; admins' posts reach the bot; readers
    cannot post."""
    admin, reader = await people(sim, "Admin", "Pembaca")
    channel = await sim.create_chat(
        "channel",
        "Kelurahan Sukamaju",
        admin["id"],
        username="sukamaju_info",
        members=[reader["id"]],
    )
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(channel["id"], "x")
    await sim.call("POST", f"/sim/chats/{channel['id']}/bots", {"admin": True})
    post = await bot.send_message("@sukamaju_info", "Kerja bakti Minggu pagi")
    assert post.chat.type == "channel"
    assert post.from_user is None
    assert post.sender_chat is not None
    assert post.sender_chat.id == channel["id"]
    await drain(bot)
    await sim.send(admin["id"], "Pengumuman admin", chat_id=channel["id"])
    updates = await drain(bot)
    assert updates[-1].channel_post is not None
    assert updates[-1].channel_post.text == "Pengumuman admin"
    with pytest.raises(SimError, match="only channel administrators"):
        await sim.send(reader["id"], "boleh?", chat_id=channel["id"])
    history = await sim.messages(channel["id"])
    assert [m["text"] for m in history] == ["Kerja bakti Minggu pagi", "Pengumuman admin"]
    assert history[0]["sender_chat"]["title"] == "Kelurahan Sukamaju"


async def test_privacy_mode_in_groups(bot: Bot, sim: SimClient) -> None:
    """In privacy mode a bot sees only commands and mentions for it; as admin, everything."""
    admin, member = await people(sim, "Admin", "Anggota")
    group = await sim.create_chat(
        "group", "RT 01", admin["id"], members=[member["id"]], bots=[{"admin": False}]
    )
    added = await drain(bot)
    assert any(u.my_chat_member for u in added)
    texts = [
        "obrolan biasa",
        f"/lapor@{BOT_USERNAME} jalan",
        "/lapor@other_bot x",
        f"hai @{BOT_USERNAME}",
    ]
    for text in texts:
        await sim.send(member["id"], text, chat_id=group["id"])
    seen = [u.message.text for u in await drain(bot) if u.message]
    assert seen == [f"/lapor@{BOT_USERNAME} jalan", f"hai @{BOT_USERNAME}"]
    await sim.call("POST", f"/sim/chats/{group['id']}/bots", {"admin": True})
    await drain(bot)
    await sim.send(member["id"], "sekarang terlihat", chat_id=group["id"])
    seen = [u.message.text for u in await drain(bot) if u.message]
    assert seen == ["sekarang terlihat"]


async def test_member_updates_and_leaving(bot: Bot, sim: SimClient) -> None:
    """Joining and leaving give chat_member updates and service messages; the bot leaving gives
    my_chat_member."""
    admin, member = await people(sim, "Admin", "Anggota")
    group = await sim.create_chat("supergroup", "RW", admin["id"], bots=[{"admin": True}])
    await drain(bot)
    await sim.call("POST", f"/sim/chats/{group['id']}/members", {"user_id": member["id"]})
    await sim.action(member["id"], "leave", chat_id=group["id"])
    updates = await drain(bot)
    statuses = [
        (u.chat_member.old_chat_member.status, u.chat_member.new_chat_member.status)
        for u in updates
        if u.chat_member
    ]
    assert statuses == [("left", "member"), ("member", "left")]
    service = [u.message for u in updates if u.message]
    assert service[0].new_chat_members
    assert service[1].left_chat_member
    assert await bot.leave_chat(group["id"])
    updates = await drain(bot)
    mine = [u.my_chat_member for u in updates if u.my_chat_member]
    assert mine[-1].new_chat_member.status == "left"


async def test_migration_updates(bot: Bot, sim: SimClient) -> None:
    """Migrating a group gives migrate_to/migrate_from messages and keeps its members in the
    supergroup."""
    admin = await sim.create_user("Admin")
    group = await sim.create_chat("group", "RT 09", admin["id"], bots=[{"admin": True}])
    await drain(bot)
    supergroup = await sim.call("POST", f"/sim/chats/{group['id']}/migrate")
    messages = [u.message for u in await drain(bot) if u.message]
    assert messages[0].migrate_to_chat_id == supergroup["id"]
    assert messages[1].migrate_from_chat_id == group["id"]
    members: list[dict[str, Any]] = supergroup["members"]
    assert {m["user_id"] for m in members} == {admin["id"], BOT_ID}
