"""Chat operations shared by the Bot API and the user API.

Joining and leaving (with service messages and member updates), join requests,
invite links, forum topics and migrating a group to a supergroup.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from .events import emit_message, service_message, set_member
from .shapes import chat_json, invite_link_json, user_json
from .state import (
    ADMIN_RIGHTS,
    Chat,
    InviteLink,
    JoinRequest,
    Member,
    Topic,
    World,
    now,
    optional_rights,
)

TOPIC_COLORS = (7322096, 16766590, 13338331, 9367192, 16749490, 16478047)
JOIN_REQUEST_CONTACT_SECONDS = 300


def admin_rights(chat: Chat, overrides: dict[str, Any] | None = None) -> dict[str, bool]:
    """Return full administrator rights for a chat type, with overrides applied."""
    keys = list(ADMIN_RIGHTS) + list(optional_rights(chat))
    rights = {key: key not in ("can_promote_members",) for key in keys}
    if chat.type != "supergroup" or not chat.is_forum:
        rights.pop("can_manage_topics", None)
    for key, value in (overrides or {}).items():
        if key not in keys:
            raise ValueError(f"unknown administrator right {key!r}")
        rights[key] = bool(value)
    return rights


def add_member(
    world: World,
    chat: Chat,
    user_id: int,
    actor_id: int,
    *,
    status: str = "member",
    rights: dict[str, bool] | None = None,
    link: InviteLink | None = None,
    via_request: bool = False,
) -> Member:
    """Put a user or bot into a chat, announcing it like Telegram does."""
    was_present = chat.is_present(user_id)
    extra: dict[str, Any] = {}
    if link is not None:
        extra["invite_link"] = invite_link_json(world, chat, link)
    if via_request:
        extra["via_join_request"] = True
    member = set_member(world, chat, user_id, status, actor_id, rights=rights, extra=extra)
    if not was_present and chat.type != "channel":
        user = world.any_user(user_id)
        if user is not None:
            joined_alone = link is not None or via_request
            sender = user_id if joined_alone else actor_id
            service_message(world, chat, sender, {"new_chat_members": [user_json(user)]})
    return member


def remove_member(
    world: World, chat: Chat, user_id: int, actor_id: int, *, status: str = "left"
) -> Member:
    """Take a user or bot out of a chat (left or kicked)."""
    was_present = chat.is_present(user_id)
    member = set_member(world, chat, user_id, status, actor_id)
    if was_present and chat.type != "channel":
        user = world.any_user(user_id)
        if user is not None:
            service_message(world, chat, actor_id, {"left_chat_member": user_json(user)})
    return member


def new_invite_link(
    chat: Chat,
    creator_id: int,
    *,
    name: str | None = None,
    expire_date: int | None = None,
    member_limit: int | None = None,
    creates_join_request: bool = False,
    is_primary: bool = False,
) -> InviteLink:
    """Create an invite link `https://t.me/+<random>` for a chat."""
    link = InviteLink(
        f"https://t.me/+{secrets.token_urlsafe(12)}",
        creator_id,
        creates_join_request=creates_join_request,
        name=name,
        expire_date=expire_date,
        member_limit=member_limit,
        is_primary=is_primary,
    )
    chat.invite_links[link.link] = link
    return link


def find_link(world: World, url: str) -> tuple[Chat, InviteLink] | None:
    """Find the chat an invite link belongs to."""
    for chat in world.chats.values():
        link = chat.invite_links.get(url)
        if link is not None:
            return chat, link
    return None


def request_join(
    world: World, chat: Chat, user_id: int, link: InviteLink | None = None, bio: str | None = None
) -> JoinRequest:
    """Create a join request and send chat_join_request to the chat's inviting bots."""
    request = JoinRequest(user_id, now(), link.link if link else None, bio)
    chat.join_requests[user_id] = request
    user = world.users[user_id]
    payload: dict[str, Any] = {
        "chat": chat_json(world, chat),
        "from": user_json(user),
        "user_chat_id": user.id,
        "date": request.date,
    }
    if bio:
        payload["bio"] = bio
    if link is not None:
        payload["invite_link"] = invite_link_json(world, chat, link)
    for bot in world.bots.values():
        member = chat.member(bot.id)
        if (
            member is not None
            and member.status == "administrator"
            and member.can("can_invite_users")
        ):
            bot.contact_until[user_id] = time.time() + JOIN_REQUEST_CONTACT_SECONDS
            bot.updates.push("chat_join_request", payload)
    world.changed()
    return request


def approve_request(world: World, chat: Chat, user_id: int, actor_id: int) -> Member | None:
    """Approve a pending join request; return the new member or None if none pending."""
    request = chat.join_requests.pop(user_id, None)
    if request is None:
        return None
    link = chat.invite_links.get(request.invite_link or "")
    if link is not None:
        link.joined += 1
    return add_member(world, chat, user_id, actor_id, link=link, via_request=True)


def decline_request(world: World, chat: Chat, user_id: int) -> bool:
    """Decline a pending join request; return False if none was pending."""
    if chat.join_requests.pop(user_id, None) is None:
        return False
    world.changed()
    return True


def create_topic(
    world: World,
    chat: Chat,
    actor_id: int,
    name: str,
    icon_color: int = TOPIC_COLORS[0],
    icon_custom_emoji_id: str | None = None,
) -> Topic:
    """Create a forum topic; its thread id is the id of the service message."""
    created: dict[str, Any] = {"name": name, "icon_color": icon_color}
    if icon_custom_emoji_id:
        created["icon_custom_emoji_id"] = icon_custom_emoji_id
    message = world.new_message(chat, actor_id, service={"forum_topic_created": created})
    message.thread_id = message.message_id
    message.is_topic_message = True
    topic = Topic(message.message_id, name, icon_color, icon_custom_emoji_id)
    chat.topics[topic.thread_id] = topic
    emit_message(world, message)
    world.changed()
    return topic


def migrate_group(world: World, group: Chat, actor_id: int) -> Chat:
    """Upgrade a basic group to a supergroup, keeping members and announcing it."""
    if group.type != "group" or group.migrated_to is not None:
        raise ValueError("only a basic group that was not migrated yet can be migrated")
    supergroup = world.create_chat("supergroup", group.title or "", description=group.description)
    for user_id, member in group.members.items():
        if member.present:
            rights = dict(member.rights)
            if member.status == "administrator":
                rights = {**admin_rights(supergroup), **rights}
            supergroup.members[user_id] = Member(user_id, member.status, rights)
    supergroup.migrated_from = group.id
    service_message(world, group, actor_id, {"migrate_to_chat_id": supergroup.id})
    group.migrated_to = supergroup.id
    service_message(world, supergroup, actor_id, {"migrate_from_chat_id": group.id})
    world.changed()
    return supergroup
