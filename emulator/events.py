"""Which bots get which updates when something happens in the world.

Message updates follow Telegram's rules: a private message goes to the bot of
that dialog; in groups a bot in privacy mode only sees commands, replies to
it, mentions of it and service messages, unless it is an administrator; channel
posts go to the bots administering the channel. Bots never see other bots'
messages.
"""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any

from .shapes import chat_json, member_json, message_json, user_json
from .state import BotAccount, Chat, Member, Message, World, now


def chat_instance(chat: Chat) -> str:
    """Return the stable chat_instance string of a chat for callback queries."""
    digest = hashlib.sha256(f"{chat.bot_id}:{chat.id}".encode()).digest()
    return str(int.from_bytes(digest[:8], "big") >> 1)


def _addressed(bot: BotAccount, chat: Chat, message: Message) -> bool:
    """Tell whether a group message reaches a bot in privacy mode."""
    if message.service is not None:
        return True
    if message.reply_to is not None:
        target = chat.messages.get(message.reply_to)
        if target is not None and target.from_id == bot.id:
            return True
    body = message.text or message.caption
    if body is None:
        return False
    username = (bot.user.username or "").lower()
    for entity in body.entities:
        piece = body.text[entity["offset"] : entity["offset"] + entity["length"]]
        if entity["type"] == "mention" and piece[1:].lower() == username:
            return True
        if entity["type"] == "bot_command" and entity["offset"] == 0:
            _, _, target_name = piece.partition("@")
            if not target_name or target_name.lower() == username:
                return True
    return False


def recipients(world: World, message: Message) -> list[BotAccount]:
    """Return the bots that receive a message sent by a person."""
    chat = message.chat
    if chat.type == "private":
        bot = world.bots.get(chat.bot_id or 0)
        if bot is None or message.from_id in bot.blocked:
            return []
        return [bot]
    out: list[BotAccount] = []
    for bot in world.bots.values():
        member = chat.member(bot.id)
        if member is None or not member.present or bot.id == message.from_id:
            continue
        if chat.type == "channel":
            if member.status == "administrator":
                out.append(bot)
        elif (
            bot.can_read_all_group_messages
            or member.status == "administrator"
            or _addressed(bot, chat, message)
        ):
            out.append(bot)
    return out


def emit_message(world: World, message: Message, *, edited: bool = False) -> dict[int, int]:
    """Queue message/edited_message/channel_post updates; return {bot_id: update_id}."""
    kind = "channel_post" if message.chat.type == "channel" else "message"
    if edited:
        kind = "edited_" + kind
    payload = message_json(world, message)
    out: dict[int, int] = {}
    for bot in recipients(world, message):
        update_id = bot.updates.push(kind, payload)
        if update_id is not None:
            out[bot.id] = update_id
    return out


def member_update_json(
    world: World,
    chat: Chat,
    actor_id: int,
    old: Member,
    new: Member,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Return a ChatMemberUpdated object."""
    actor = world.any_user(actor_id)
    out: dict[str, Any] = {
        "chat": chat_json(world, chat),
        "from": user_json(actor) if actor else {},
        "date": now(),
        "old_chat_member": member_json(world, chat, old),
        "new_chat_member": member_json(world, chat, new),
    }
    out.update(extra or {})
    return out


def emit_my_chat_member(
    world: World, bot: BotAccount, chat: Chat, actor_id: int, old: Member, new: Member
) -> int | None:
    """Tell a bot that its own membership changed."""
    return bot.updates.push("my_chat_member", member_update_json(world, chat, actor_id, old, new))


def emit_chat_member(
    world: World,
    chat: Chat,
    actor_id: int,
    old: Member,
    new: Member,
    extra: dict[str, Any] | None = None,
) -> None:
    """Tell the administrator bots of a chat that a member changed."""
    payload = member_update_json(world, chat, actor_id, old, new, extra)
    for bot in world.bots.values():
        member = chat.member(bot.id)
        if member is not None and member.status == "administrator" and bot.id != new.user_id:
            bot.updates.push("chat_member", payload)


def set_member(
    world: World,
    chat: Chat,
    user_id: int,
    status: str,
    actor_id: int,
    *,
    rights: dict[str, bool] | None = None,
    extra: dict[str, Any] | None = None,
) -> Member:
    """Change a membership and emit my_chat_member / chat_member updates."""
    old = chat.member(user_id) or Member(user_id, "left")
    old_copy = dataclasses.replace(old, rights=dict(old.rights))
    new = Member(user_id, status, dict(rights or {}))
    chat.members[user_id] = new
    bot = world.bots.get(user_id)
    if bot is not None:
        emit_my_chat_member(world, bot, chat, actor_id, old_copy, new)
    if (old_copy.status, old_copy.rights) != (new.status, new.rights):
        emit_chat_member(world, chat, actor_id, old_copy, new, extra)
    world.changed()
    return new


def service_message(
    world: World, chat: Chat, actor_id: int | None, fields: dict[str, Any], **kwargs: Any
) -> Message:
    """Post a service message (new members, migration, topic created…) and deliver it."""
    message = world.new_message(chat, actor_id, service=fields, **kwargs)
    emit_message(world, message)
    return message
