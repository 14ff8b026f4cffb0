"""Bot API methods about the bot, chats and members (everything but posting and updates)."""

from __future__ import annotations

import json
import re
import time
from typing import Any

from .chatops import (
    TOPIC_COLORS,
    approve_request,
    create_topic,
    decline_request,
    new_invite_link,
    remove_member,
)
from .errors import bad_request
from .media import file_json
from .registry import Call, find_chat, known_user, method, require_right, sendable_chat
from .shapes import chat_full_json, invite_link_json, me_json, member_json, topic_json
from .state import Chat, ChatAction, Member

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
DOWNLOAD_LIMIT = 20 * 1024 * 1024  # what bots may download through getFile
COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
SCOPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)


@method("getMe")
async def get_me(call: Call) -> Any:
    """Return the bot's own user."""
    return me_json(call.bot)


@method("getChat")
async def get_chat(call: Call) -> Any:
    """Return ChatFullInfo."""
    chat = find_chat(call, call.params.chat_ref())
    return chat_full_json(call.world, chat, call.bot)


def _group(call: Call) -> Chat:
    return find_chat(call, call.params.chat_ref())


@method("getChatMember")
async def get_chat_member(call: Call) -> Any:
    """Return a member of a chat (status left for users who are not in it)."""
    chat = _group(call)
    user = known_user(call, call.params.req_int("user_id"))
    if chat.type == "private":
        if user.id not in (chat.id, call.bot.id):
            raise bad_request("user not found")
        return member_json(call.world, chat, Member(user.id, "member"))
    member = chat.member(user.id) or Member(user.id, "left")
    return member_json(call.world, chat, member)


@method("getChatAdministrators")
async def get_chat_administrators(call: Call) -> Any:
    """Return the creator and administrators of a chat."""
    chat = _group(call)
    if chat.type == "private":
        raise bad_request("there are no administrators in the private chat")
    return [
        member_json(call.world, chat, m)
        for m in chat.members.values()
        if m.status in ("creator", "administrator")
    ]


@method("getChatMemberCount", "getChatMembersCount")
async def get_chat_member_count(call: Call) -> Any:
    """Return how many members a chat has."""
    chat = _group(call)
    if chat.type == "private":
        return 2
    return sum(1 for m in chat.members.values() if m.present)


@method("createChatInviteLink")
async def create_chat_invite_link(call: Call) -> Any:
    """Create an additional invite link (the bot needs can_invite_users)."""
    p = call.params
    chat = _group(call)
    require_right(call, chat, "can_invite_users")
    creates_request = p.flag("creates_join_request")
    limit = p.opt_int("member_limit")
    if creates_request and limit is not None:
        raise bad_request(
            "member_limit can't be specified for links requiring administrator approval"
        )
    if limit is not None and not 1 <= limit <= 99999:
        raise bad_request("USAGE_LIMIT_INVALID")
    name = p.opt_str("name")
    if name is not None and len(name) > 32:
        raise bad_request("invite link name is too long")
    expire = p.opt_int("expire_date")
    link = new_invite_link(
        chat,
        call.bot.id,
        name=name,
        expire_date=expire,
        member_limit=limit,
        creates_join_request=creates_request,
    )
    call.world.changed()
    return invite_link_json(call.world, chat, link)


@method("approveChatJoinRequest")
async def approve_chat_join_request(call: Call) -> Any:
    """Approve a pending join request."""
    chat = _group(call)
    require_right(call, chat, "can_invite_users")
    user = known_user(call, call.params.req_int("user_id"))
    if approve_request(call.world, chat, user.id, call.bot.id) is None:
        raise bad_request("HIDE_REQUESTER_MISSING")
    return True


@method("declineChatJoinRequest")
async def decline_chat_join_request(call: Call) -> Any:
    """Decline a pending join request."""
    chat = _group(call)
    require_right(call, chat, "can_invite_users")
    user = known_user(call, call.params.req_int("user_id"))
    if not decline_request(call.world, chat, user.id):
        raise bad_request("HIDE_REQUESTER_MISSING")
    return True


@method("createForumTopic")
async def create_forum_topic(call: Call) -> Any:
    """Create a topic in a forum supergroup."""
    p = call.params
    chat = _group(call)
    if chat.type != "supergroup" or not chat.is_forum:
        raise bad_request("the chat is not a forum")
    require_right(call, chat, "can_manage_topics", "not enough rights to create a topic")
    name = p.req_str("name", "TOPIC_TITLE_EMPTY")
    if len(name) > 128:
        raise bad_request("TOPIC_TITLE_INVALID")
    color = p.opt_int("icon_color") or TOPIC_COLORS[0]
    if color not in TOPIC_COLORS:
        raise bad_request("TOPIC_ICON_COLOR_INVALID")
    topic = create_topic(
        call.world, chat, call.bot.id, name, color, p.opt_str("icon_custom_emoji_id")
    )
    return topic_json(topic)


@method("sendChatAction")
async def send_chat_action(call: Call) -> Any:
    """Show a chat action such as typing (recorded for the web page)."""
    p = call.params
    action = p.req_str("action")
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    chat = sendable_chat(call, p.chat_ref())
    chat.action = ChatAction(call.bot.id, action, time.time())
    chat.notifier.notify()
    return True


@method("setChatMenuButton")
async def set_chat_menu_button(call: Call) -> Any:
    """Accept a menu button (stored, not shown)."""
    call.bot.settings["menu_button"] = call.params.opt_json("menu_button")
    return True


@method("getChatMenuButton")
async def get_chat_menu_button(call: Call) -> Any:
    """Return the stored menu button (commands by default)."""
    return call.bot.settings.get("menu_button") or {"type": "commands"}


@method("setMyName", "setMyDescription", "setMyShortDescription")
async def set_my_text(call: Call) -> Any:
    """Store the bot's name or descriptions."""
    p = call.params
    for key in ("name", "description", "short_description"):
        if key in p.values:
            call.bot.settings[f"{key}:{p.opt_str('language_code') or ''}"] = p.opt_str(key)
    return True


def _commands_key(call: Call) -> str:
    p = call.params
    scope = p.opt_json("scope") or {"type": "default"}
    if not isinstance(scope, dict) or scope.get("type") not in SCOPES:
        raise bad_request("can't parse BotCommandScope JSON object")
    language = p.opt_str("language_code") or ""
    if language and not re.match(r"^[a-z]{2}$", language):
        raise bad_request("invalid language code specified")
    return json.dumps(scope, sort_keys=True) + "|" + language


@method("setMyCommands")
async def set_my_commands(call: Call) -> Any:
    """Store the command list for a scope and language."""
    raw = call.params.opt_json("commands")
    if not isinstance(raw, list):
        raise bad_request("can't parse commands JSON object")
    if len(raw) > 100:
        raise bad_request("too many commands")
    commands = []
    for item in raw:
        if not isinstance(item, dict):
            raise bad_request("can't parse BotCommand JSON object")
        command = str(item.get("command", "")).removeprefix("/")
        description = str(item.get("description", ""))
        if not COMMAND_RE.match(command):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(description) <= 256:
            raise bad_request("command description must be non-empty")
        commands.append({"command": command, "description": description})
    call.bot.commands[_commands_key(call)] = commands
    return True


@method("getMyCommands")
async def get_my_commands(call: Call) -> Any:
    """Return the command list for a scope and language."""
    return call.bot.commands.get(_commands_key(call), [])


@method("deleteMyCommands")
async def delete_my_commands(call: Call) -> Any:
    """Forget the command list for a scope and language."""
    call.bot.commands.pop(_commands_key(call), None)
    return True


@method("leaveChat")
async def leave_chat(call: Call) -> Any:
    """Make the bot leave a group, supergroup or channel."""
    chat = _group(call)
    if chat.type == "private":
        raise bad_request("chat member status can't be changed in private chats")
    remove_member(call.world, chat, call.bot.id, call.bot.id)
    return True


@method("banChatMember", "kickChatMember")
async def ban_chat_member(call: Call) -> Any:
    """Ban a user from a chat (the bot needs can_restrict_members)."""
    chat = _group(call)
    require_right(
        call, chat, "can_restrict_members", "not enough rights to restrict/unrestrict chat member"
    )
    user = known_user(call, call.params.req_int("user_id"))
    target = chat.member(user.id)
    if target is not None and target.status == "creator":
        raise bad_request("can't remove chat owner")
    member = remove_member(call.world, chat, user.id, call.bot.id, status="kicked")
    member.until_date = call.params.opt_int("until_date") or 0
    return True


@method("unbanChatMember")
async def unban_chat_member(call: Call) -> Any:
    """Lift a ban (the user stays out of the chat)."""
    chat = _group(call)
    require_right(
        call, chat, "can_restrict_members", "not enough rights to restrict/unrestrict chat member"
    )
    user = known_user(call, call.params.req_int("user_id"))
    member = chat.member(user.id)
    if member is not None and member.status == "kicked":
        chat.members[user.id] = Member(user.id, "left")
        call.world.changed()
    return True


@method("pinChatMessage")
async def pin_chat_message(call: Call) -> Any:
    """Pin a message."""
    chat = _group(call)
    if chat.type != "private":
        require_right(
            call,
            chat,
            "can_pin_messages" if chat.type != "channel" else "can_edit_messages",
            "not enough rights to manage pinned messages in the chat",
        )
    message_id = call.params.req_int("message_id")
    if message_id not in chat.messages or chat.messages[message_id].deleted:
        raise bad_request("message to pin not found")
    chat.pinned_message_id = message_id
    call.world.changed()
    return True


@method("unpinChatMessage")
async def unpin_chat_message(call: Call) -> Any:
    """Unpin the pinned message."""
    chat = _group(call)
    chat.pinned_message_id = None
    call.world.changed()
    return True


@method("getFile")
async def get_file(call: Call) -> Any:
    """Return a File with the path to download it from."""
    file_id = call.params.req_str("file_id")
    stored = call.world.files.by_id.get(file_id)
    if stored is None:
        raise bad_request("invalid file_id")
    if stored.size > DOWNLOAD_LIMIT:
        raise bad_request("file is too big")
    return file_json(stored)
