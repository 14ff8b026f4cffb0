"""What people do: the user side of the simulator, independent of HTTP.

Each function checks that the action is possible for that person (membership,
blocking, existing buttons…), changes the world and queues the updates the
bots would get from Telegram. Problems raise SimError with an HTTP status.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
import time
from typing import Any

from .chatops import (
    add_member,
    admin_rights,
    find_link,
    remove_member,
    request_join,
)
from .content import CAPTION_LIMIT, TEXT_LIMIT, FormattedText
from .errors import ApiError, SimError
from .events import chat_instance, emit_message, emit_my_chat_member, set_member
from .media import StoredFile, make_png
from .shapes import forward_origin, message_json, user_json
from .state import BotAccount, CallbackRecord, Chat, Member, Message, User, World
from .textparse import detect_entities

MEDIA_KINDS = ("photo", "document", "video", "sticker", "voice")
CONTENT_KINDS = ("text", *MEDIA_KINDS, "location", "contact")
DEEP_LINK_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_SIM_FILE = 100 * 1024 * 1024  # enough to go over every Bot API file limit


def plain(text: str, limit: int = TEXT_LIMIT) -> FormattedText:
    """Return a person's text with the entities Telegram detects."""
    text = text.strip()
    if not text:
        raise SimError(400, "text is empty")
    if len(text) > limit:
        raise SimError(400, f"text is longer than {limit} characters")
    return FormattedText(text, detect_entities(text), raw=text)


def _bytes(spec: dict[str, Any], default: bytes) -> bytes:
    """The file's bytes: `data` (base64) or a sample, padded with zeros to `size` if given
    (a big file without sending it: e.g. 25 MB, over the 20 MB bots may download)."""
    raw = spec.get("data")
    if raw is None:
        data = default
    elif not isinstance(raw, str):
        raise SimError(400, "data must be base64 text")
    else:
        try:
            data = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise SimError(400, "data is not valid base64") from None
    size = spec.get("size")
    if size is None:
        return data
    if isinstance(size, bool) or not isinstance(size, int) or not 0 < size <= MAX_SIM_FILE:
        raise SimError(400, f"size must be 1 to {MAX_SIM_FILE} bytes")
    return data + bytes(max(0, size - len(data)))


def make_media(world: World, kind: str, spec: Any) -> tuple[StoredFile, dict[str, Any]]:
    """Create the file of a person's photo/document/video/sticker/voice."""
    spec = spec if isinstance(spec, dict) else {}
    files = world.files
    try:
        if kind == "photo":
            data = _bytes(spec, make_png(64, 48))
            return files.add_upload("photo", data, spec.get("file_name", "photo.png"), None), {}
        if kind == "sticker":
            data = _bytes(spec, make_png(16, 16, (250, 200, 40)))
            stored = files.add_upload("sticker", data, "sticker.webp", "image/webp")
            return stored, {"emoji": str(spec.get("emoji", "👍"))}
    except ApiError as exc:
        raise SimError(400, exc.description) from None
    if kind == "document":
        data = _bytes(spec, b"KIM simulator sample document\n")
        name = str(spec.get("file_name", "document.txt"))
        return files.add("document", data, file_name=name, mime_type=spec.get("mime_type")), {}
    if kind == "video":
        data = _bytes(spec, b"\x00\x00\x00\x18ftypmp42" + bytes(64))
        stored = files.add(
            "video",
            data,
            file_name=str(spec.get("file_name", "video.mp4")),
            mime_type="video/mp4",
            width=int(spec.get("width", 320)),
            height=int(spec.get("height", 240)),
            duration=int(spec.get("duration", 3)),
        )
        return stored, {}
    data = _bytes(spec, b"OggS" + bytes(60))
    stored = files.add("voice", data, mime_type="audio/ogg", duration=int(spec.get("duration", 2)))
    return stored, {}


def _location(spec: Any) -> dict[str, Any]:
    if not isinstance(spec, dict):
        raise SimError(400, "location needs latitude and longitude")
    try:
        lat, lon = float(spec["latitude"]), float(spec["longitude"])
    except (KeyError, TypeError, ValueError):
        raise SimError(400, "location needs numeric latitude and longitude") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise SimError(400, "location is out of range")
    return {"latitude": lat, "longitude": lon}


def _contact(spec: Any, user: User) -> dict[str, Any]:
    if not isinstance(spec, dict) or not spec.get("phone_number"):
        raise SimError(400, "contact needs phone_number")
    out: dict[str, Any] = {
        "phone_number": str(spec["phone_number"]),
        "first_name": str(spec.get("first_name") or user.first_name),
    }
    if spec.get("last_name"):
        out["last_name"] = str(spec["last_name"])
    if spec.get("user_id") is not None:
        out["user_id"] = int(spec["user_id"])
    return out


def target_chat(world: World, user: User, chat_id: int | None, bot: BotAccount | None) -> Chat:
    """Return the chat a person acts in: a group they belong to, or their dialog with a bot."""
    if chat_id is None or chat_id == user.id:
        if bot is None:
            raise SimError(404, "no such bot")
        return world.dialog(bot.id, user.id)
    chat = world.chats.get(chat_id)
    if chat is None:
        raise SimError(404, "chat not found")
    if chat.migrated_to is not None:
        raise SimError(409, f"the group was migrated to {chat.migrated_to}")
    if not chat.is_present(user.id):
        raise SimError(403, "the user is not a member of this chat")
    return chat


def _private_ready(world: World, user: User, chat: Chat) -> BotAccount:
    bot = world.bots[chat.bot_id or 0]
    if user.deactivated:
        raise SimError(403, "the user is deactivated")
    if user.id in bot.blocked:
        raise SimError(409, "the user blocked this bot; unblock it first")
    bot.started.add(user.id)
    return bot


def send(
    world: World,
    user: User,
    chat: Chat,
    body: dict[str, Any],
) -> tuple[Message, dict[int, int]]:
    """Post a person's message and deliver it; return it and {bot_id: update_id}."""
    kinds = [kind for kind in CONTENT_KINDS if body.get(kind) not in (None, False, "")]
    if len(kinds) != 1:
        raise SimError(400, f"give exactly one of: {', '.join(CONTENT_KINDS)}")
    kind = kinds[0]
    if chat.type == "private":
        _private_ready(world, user, chat)
    if chat.type == "channel":
        member = chat.member(user.id)
        if member is None or not member.can("can_post_messages"):
            raise SimError(403, "only channel administrators can post")
    fields: dict[str, Any] = {}
    if kind == "text":
        fields["text"] = plain(str(body["text"]))
    elif kind == "location":
        fields.update(media_kind="location", payload=_location(body["location"]))
    elif kind == "contact":
        fields.update(media_kind="contact", payload=_contact(body["contact"], user))
    else:
        stored, extra = make_media(world, kind, body[kind])
        fields.update(media_kind=kind, file=stored, payload=extra)
        if body.get("caption") and kind != "sticker":
            fields["caption"] = plain(str(body["caption"]), CAPTION_LIMIT)
    reply_to = body.get("reply_to_message_id")
    if reply_to is not None:
        target = chat.messages.get(int(reply_to))
        if target is None or target.deleted:
            raise SimError(400, "message to reply to not found")
        fields["reply_to"] = target.message_id
    thread = body.get("message_thread_id")
    if thread is None and reply_to is not None and chat.is_forum:
        thread = chat.messages[int(reply_to)].thread_id
    if thread is not None and chat.is_forum:
        if int(thread) not in chat.topics:
            raise SimError(400, "message thread not found")
        fields.update(thread_id=int(thread), is_topic_message=True)
    if "forward_origin" in body:
        fields["forward_origin"] = body["forward_origin"]
    if chat.type == "channel":
        message = world.new_message(chat, None, sender_chat_id=chat.id, **fields)
    else:
        message = world.new_message(chat, user.id, **fields)
    return message, emit_message(world, message)


def start(
    world: World, user: User, bot: BotAccount, payload: str | None
) -> tuple[Message, dict[int, int]]:
    """Open the bot (deep link `t.me/<bot>?start=<payload>`): sends `/start [payload]`."""
    if payload and not DEEP_LINK_RE.match(payload):
        raise SimError(400, "deep-link payload must be 1-64 characters of A-Z, a-z, 0-9, _ and -")
    if user.id in bot.blocked:
        bot.blocked.discard(user.id)
        _block_update(world, user, bot, blocked=False)
    chat = world.dialog(bot.id, user.id)
    return send(world, user, chat, {"text": f"/start {payload}" if payload else "/start"})


def forward(
    world: World, user: User, source: Message, chat: Chat
) -> tuple[Message, dict[int, int]]:
    """Forward a message the person can see into another chat."""
    if source.deleted or source.service is not None:
        raise SimError(400, "this message can't be forwarded")
    if source.protect_content:
        raise SimError(403, "the message is protected: it can't be forwarded or saved")
    fields: dict[str, Any] = {"forward_origin": forward_origin(world, source)}
    if chat.type == "private":
        _private_ready(world, user, chat)
    message = world.new_message(
        chat,
        user.id,
        text=source.text,
        caption=source.caption,
        media_kind=source.media_kind,
        file=source.file,
        payload=dict(source.payload),
        **fields,
    )
    return message, emit_message(world, message)


def find_button(message: Message, body: dict[str, Any]) -> dict[str, Any]:
    """Find the inline button a person presses, by callback data, text or position."""
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    if not rows:
        raise SimError(400, "the message has no inline keyboard")
    if body.get("row") is not None and body.get("column") is not None:
        try:
            return dict(rows[int(body["row"])][int(body["column"])])
        except (IndexError, ValueError, TypeError):
            raise SimError(400, "no button at that position") from None
    for row in rows:
        for button in row:
            if body.get("data") is not None and button.get("callback_data") == body["data"]:
                return dict(button)
            if body.get("text") is not None and button.get("text") == body["text"]:
                return dict(button)
    raise SimError(400, "no such button on the message")


def press(world: World, user: User, message: Message, body: dict[str, Any]) -> dict[str, Any]:
    """Press an inline button: a callback query for callback buttons, the URL for links."""
    if message.deleted:
        raise SimError(400, "the message was deleted")
    button = find_button(message, body)
    if "url" in button:
        return {"kind": "url", "url": button["url"]}
    if "copy_text" in button:
        return {"kind": "copy_text", "text": (button["copy_text"] or {}).get("text")}
    if "callback_data" not in button:
        raise SimError(400, "the simulator presses only callback, url and copy_text buttons")
    bot = world.bots.get(message.author_bot_id or 0)
    if bot is None:
        raise SimError(400, "the message was not sent by a bot")
    if message.chat.type == "private":
        _private_ready(world, user, message.chat)
    query_id = str(secrets.randbits(62))
    age = body.get("age", 0)  # seconds ago: the bot gets the press late (it was away)
    if isinstance(age, bool) or not isinstance(age, int | float) or age < 0:
        raise SimError(400, "age must be a number of seconds, 0 or more")
    pressed = time.time() - float(age)
    record = CallbackRecord(query_id, bot.id, user.id, message, button["callback_data"], pressed)
    world.callbacks[query_id] = record
    payload = {
        "id": query_id,
        "from": user_json(user),
        "message": message_json(world, message),
        "chat_instance": chat_instance(message.chat),
        "data": button["callback_data"],
    }
    update_id = bot.updates.push("callback_query", payload)
    return {"kind": "callback", "callback_query_id": query_id, "update_id": update_id}


def _block_update(world: World, user: User, bot: BotAccount, *, blocked: bool) -> None:
    chat = world.dialog(bot.id, user.id)
    member, kicked = Member(bot.id, "member"), Member(bot.id, "kicked")
    old, new = (member, kicked) if blocked else (kicked, member)
    emit_my_chat_member(world, bot, chat, user.id, old, new)


def set_blocked(world: World, user: User, bot: BotAccount, blocked: bool) -> None:
    """Block or unblock a bot (the bot gets my_chat_member like in Telegram)."""
    if (user.id in bot.blocked) == blocked:
        return
    if blocked:
        bot.blocked.add(user.id)
    else:
        bot.blocked.discard(user.id)
    _block_update(world, user, bot, blocked=blocked)
    world.changed()


def join(world: World, user: User, chat: Chat | None, link_url: str | None) -> dict[str, Any]:
    """Join a chat directly or through an invite link (may create a join request)."""
    link = None
    if link_url:
        found = find_link(world, link_url)
        if found is None:
            raise SimError(404, "invite link not found")
        chat, link = found
        if link.is_revoked or (link.expire_date is not None and link.expire_date < time.time()):
            raise SimError(410, "the invite link expired")
        if link.member_limit is not None and link.joined >= link.member_limit:
            raise SimError(410, "the invite link reached its member limit")
    if chat is None:
        raise SimError(400, "give chat_id or invite_link")
    member = chat.member(user.id)
    if member is not None and member.status == "kicked":
        raise SimError(403, "the user is banned in this chat")
    if chat.is_present(user.id):
        raise SimError(409, "the user is already a member")
    if user.id in chat.join_requests:
        raise SimError(409, "a join request is already pending")
    if (link is not None and link.creates_join_request) or (link is None and chat.join_by_request):
        request_join(world, chat, user.id, link)
        return {"status": "requested", "chat_id": chat.id}
    if link is not None:
        link.joined += 1
    add_member(world, chat, user.id, user.id, link=link)
    return {"status": "joined", "chat_id": chat.id}


def leave(world: World, user: User, chat: Chat) -> None:
    """Leave a group or channel."""
    if not chat.is_present(user.id):
        raise SimError(409, "the user is not a member")
    if chat.member(user.id) is not None and chat.members[user.id].status == "creator":
        raise SimError(409, "the creator can't leave in the simulator")
    remove_member(world, chat, user.id, user.id)


def edit(world: World, user: User, message: Message, text: str) -> dict[int, int]:
    """Edit a person's own text message; bots get edited_message."""
    member = message.chat.member(user.id)
    own_post = (
        message.chat.type == "channel"
        and message.author_bot_id is None
        and member is not None
        and member.can("can_edit_messages")
    )
    if message.deleted or message.text is None or not (message.from_id == user.id or own_post):
        raise SimError(400, "only the author's own text messages can be edited")
    new = plain(text)
    if new.text == message.text.text:
        raise SimError(409, "the text is unchanged")
    message.text = new
    message.edit_date = int(time.time())
    message.edit_count += 1
    world.touch(message)
    return emit_message(world, message, edited=True)


def add_bot_to_chat(
    world: World,
    chat: Chat,
    bot: BotAccount,
    actor_id: int,
    *,
    admin: bool,
    rights: dict[str, Any] | None = None,
) -> Member:
    """Add a bot to a chat as member or administrator (or change its rights)."""
    if chat.type == "channel" and not admin:
        raise SimError(400, "bots can only be administrators in channels")
    try:
        granted = admin_rights(chat, rights) if admin else None
    except ValueError as exc:
        raise SimError(400, str(exc)) from None
    if chat.is_present(bot.id):
        return set_member(
            world, chat, bot.id, "administrator" if admin else "member", actor_id, rights=granted
        )
    return add_member(
        world, chat, bot.id, actor_id, status="administrator" if admin else "member", rights=granted
    )
