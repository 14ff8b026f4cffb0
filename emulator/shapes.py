"""Bot API JSON shapes of world objects: User, Chat, ChatFullInfo, ChatMember, Message…

Also the simulator's own, flatter message view used by the user API and the
web page (visible text, buttons, media kind, edit and delete status).
"""

from __future__ import annotations

from typing import Any

from .media import media_json
from .state import (
    ADMIN_RIGHTS,
    BotAccount,
    Chat,
    InviteLink,
    Member,
    Message,
    Topic,
    User,
    World,
    optional_rights,
)

JSON = dict[str, Any]


def user_json(user: User) -> JSON:
    """Return a Bot API User."""
    out: JSON = {"id": user.id, "is_bot": user.is_bot, "first_name": user.first_name}
    if user.last_name:
        out["last_name"] = user.last_name
    if user.username:
        out["username"] = user.username
    if user.language_code and not user.is_bot:
        out["language_code"] = user.language_code
    return out


def me_json(bot: BotAccount) -> JSON:
    """Return the User object getMe answers with."""
    return {
        **user_json(bot.user),
        "can_join_groups": bot.can_join_groups,
        "can_read_all_group_messages": bot.can_read_all_group_messages,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


def chat_json(world: World, chat: Chat) -> JSON:
    """Return a Bot API Chat."""
    if chat.type == "private":
        user = world.any_user(chat.id)
        out: JSON = {"id": chat.id, "type": "private"}
        if user is not None:
            out["first_name"] = user.first_name
            if user.last_name:
                out["last_name"] = user.last_name
            if user.username:
                out["username"] = user.username
        return out
    out = {"id": chat.id, "type": chat.type, "title": chat.title or ""}
    if chat.username:
        out["username"] = chat.username
    if chat.is_forum:
        out["is_forum"] = True
    return out


def chat_full_json(world: World, chat: Chat, bot: BotAccount) -> JSON:
    """Return the ChatFullInfo object getChat answers with."""
    out = chat_json(world, chat)
    out.update(
        accent_color_id=0,
        max_reaction_count=11,
        accepted_gift_types={
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    )
    if chat.description:
        out["description"] = chat.description
    if chat.join_by_request:
        out["join_by_request"] = True
    if chat.type in ("group", "supergroup"):
        out["permissions"] = dict.fromkeys(
            (
                "can_send_messages",
                "can_send_audios",
                "can_send_documents",
                "can_send_photos",
                "can_send_videos",
                "can_send_video_notes",
                "can_send_voice_notes",
                "can_send_polls",
                "can_send_other_messages",
                "can_add_web_page_previews",
                "can_invite_users",
            ),
            True,
        )
    primary = next((link for link in chat.invite_links.values() if link.is_primary), None)
    member = chat.member(bot.id)
    if primary is not None and member is not None and member.can("can_invite_users"):
        out["invite_link"] = primary.link
    if chat.pinned_message_id in chat.messages:
        pinned = chat.messages[chat.pinned_message_id]
        if not pinned.deleted:
            out["pinned_message"] = message_json(world, pinned, nested=True)
    return out


def member_json(world: World, chat: Chat, member: Member) -> JSON:
    """Return the ChatMember variant matching the member's status."""
    user = world.any_user(member.user_id)
    out: JSON = {"status": member.status, "user": user_json(user) if user else {}}
    if member.status == "creator":
        out["is_anonymous"] = False
        if member.custom_title:
            out["custom_title"] = member.custom_title
    elif member.status == "administrator":
        out["can_be_edited"] = False
        out["is_anonymous"] = False
        for right in (*ADMIN_RIGHTS, *optional_rights(chat)):
            out[right] = member.rights.get(right, False)
        if member.custom_title:
            out["custom_title"] = member.custom_title
    elif member.status == "kicked":
        out["until_date"] = member.until_date
    return out


def invite_link_json(world: World, chat: Chat, link: InviteLink) -> JSON:
    """Return a Bot API ChatInviteLink."""
    creator = world.any_user(link.creator_id)
    out: JSON = {
        "invite_link": link.link,
        "creator": user_json(creator) if creator else {},
        "creates_join_request": link.creates_join_request,
        "is_primary": link.is_primary,
        "is_revoked": link.is_revoked,
    }
    if link.name:
        out["name"] = link.name
    if link.expire_date is not None:
        out["expire_date"] = link.expire_date
    if link.member_limit is not None:
        out["member_limit"] = link.member_limit
    if link.creates_join_request:
        out["pending_join_request_count"] = sum(
            1 for r in chat.join_requests.values() if r.invite_link == link.link
        )
    return out


def topic_json(topic: Topic) -> JSON:
    """Return a Bot API ForumTopic."""
    out: JSON = {
        "message_thread_id": topic.thread_id,
        "name": topic.name,
        "icon_color": topic.icon_color,
    }
    if topic.icon_custom_emoji_id:
        out["icon_custom_emoji_id"] = topic.icon_custom_emoji_id
    return out


def message_json(world: World, message: Message, *, nested: bool = False) -> JSON:
    """Return a Bot API Message for the message's current state."""
    chat = message.chat
    out: JSON = {"message_id": message.message_id, "date": message.date}
    if message.thread_id is not None:
        out["message_thread_id"] = message.thread_id
    if message.from_id is not None:
        sender = world.any_user(message.from_id)
        if sender is not None:
            out["from"] = user_json(sender)
    if message.sender_chat_id is not None and message.sender_chat_id in world.chats:
        out["sender_chat"] = chat_json(world, world.chats[message.sender_chat_id])
    out["chat"] = chat_json(world, chat)
    if message.forward_origin is not None:
        out["forward_origin"] = message.forward_origin
    if message.is_topic_message:
        out["is_topic_message"] = True
    if message.reply_to is not None and not nested:
        target = chat.messages.get(message.reply_to)
        if target is not None and not target.deleted:
            out["reply_to_message"] = message_json(world, target, nested=True)
    if message.edit_date is not None:
        out["edit_date"] = message.edit_date
    if message.author_signature:
        out["author_signature"] = message.author_signature
    if message.text is not None:
        out["text"] = message.text.text
        if message.text.entities:
            out["entities"] = message.text.entities
    if message.media_kind in ("location", "contact"):
        out[message.media_kind] = message.payload
    elif message.media_kind and message.file is not None:
        out[message.media_kind] = media_json(message.media_kind, message.file, message.payload)
    if message.caption is not None:
        out["caption"] = message.caption.text
        if message.caption.entities:
            out["caption_entities"] = message.caption.entities
    if message.service:
        out.update(message.service)
    if message.link_preview is not None:
        out["link_preview_options"] = message.link_preview
    if message.protect_content:
        out["has_protected_content"] = True
    if message.reply_markup is not None:
        out["reply_markup"] = message.reply_markup
    return out


def forward_origin(world: World, source: Message) -> JSON:
    """Return the MessageOrigin of a message being forwarded (the original one if any)."""
    if source.forward_origin is not None:
        return source.forward_origin
    if source.chat.type == "channel":
        origin: JSON = {
            "type": "channel",
            "date": source.date,
            "chat": chat_json(world, source.chat),
            "message_id": source.message_id,
        }
        if source.author_signature:
            origin["author_signature"] = source.author_signature
        return origin
    sender = world.any_user(source.from_id) if source.from_id is not None else None
    if sender is None:
        return {"type": "chat", "date": source.date, "sender_chat": chat_json(world, source.chat)}
    if sender.hide_forwards:
        return {"type": "hidden_user", "date": source.date, "sender_user_name": sender.name}
    return {"type": "user", "date": source.date, "sender_user": user_json(sender)}


def sim_user_json(user: User) -> JSON:
    """Return the simulator's view of a user."""
    return {**user_json(user), "name": user.name, "deactivated": user.deactivated}


def sim_message_json(world: World, message: Message) -> JSON:
    """Return the simulator's flat view of a message (what a person sees)."""
    sender = world.any_user(message.from_id) if message.from_id is not None else None
    sender_chat = world.chats.get(message.sender_chat_id or 0)
    out: JSON = {
        "message_id": message.message_id,
        "chat_id": message.chat.id,
        "date": message.date,
        "from": (
            {
                "id": sender.id,
                "name": sender.name,
                "username": sender.username,
                "is_bot": sender.is_bot,
            }
            if sender
            else None
        ),
        "sender_chat": (
            {"id": sender_chat.id, "title": sender_chat.title} if sender_chat else None
        ),
        "kind": message.kind,
        "text": message.text.text if message.text else None,
        "entities": message.text.entities if message.text else [],
        "raw_text": message.text.raw if message.text else None,
        "parse_mode": message.text.parse_mode if message.text else None,
        "caption": message.caption.text if message.caption else None,
        "caption_entities": message.caption.entities if message.caption else [],
        "media": None,
        "payload": message.payload or None,
        "buttons": message.reply_markup["inline_keyboard"] if message.reply_markup else None,
        "reply_keyboard": message.reply_keyboard,
        "reply_to_message_id": message.reply_to,
        "message_thread_id": message.thread_id,
        "forward_origin": message.forward_origin,
        "edited": message.edit_date is not None,
        "edit_date": message.edit_date,
        "edit_count": message.edit_count,
        "deleted": message.deleted,
        "protected": message.protect_content,
        "link_preview": message.link_preview,
        "service": message.service,
        "version": message.version,
    }
    if message.file is not None:
        stored = message.file
        out["media"] = {
            "kind": message.media_kind,
            "file_id": stored.file_id,
            "file_name": stored.file_name,
            "mime_type": stored.mime_type,
            "width": stored.width,
            "height": stored.height,
            "size": stored.size,
            "url": f"/sim/files/{stored.file_id}" if stored.data is not None else stored.source_url,
        }
    return out


def sim_chat_json(world: World, chat: Chat) -> JSON:
    """Return the simulator's view of a chat with members, topics and requests."""
    out: JSON = {
        **chat_json(world, chat),
        "join_by_request": chat.join_by_request,
        "description": chat.description,
        "migrated_to": chat.migrated_to,
        "migrated_from": chat.migrated_from,
        "version": chat.version,
        "message_count": len(chat.messages),
        "members": [
            {
                "user_id": m.user_id,
                "status": m.status,
                "rights": m.rights,
                "is_bot": m.user_id in world.bots,
            }
            for m in chat.members.values()
        ],
        "topics": [topic_json(t) for t in chat.topics.values()],
        "invite_links": [
            invite_link_json(world, chat, link) for link in chat.invite_links.values()
        ],
        "join_requests": [
            {"user_id": r.user_id, "date": r.date, "invite_link": r.invite_link}
            for r in chat.join_requests.values()
        ],
        "action": (
            {"bot_id": chat.action.bot_id, "action": chat.action.action, "date": chat.action.date}
            if chat.action
            else None
        ),
    }
    if chat.type == "private":
        out["bot_id"] = chat.bot_id
    return out
