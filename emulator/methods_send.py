"""Bot API methods that post messages: send*, copyMessage and forwardMessage."""

from __future__ import annotations

import posixpath
from typing import Any
from urllib.parse import urlsplit

from .content import FormattedText, Markup, format_text, validate_markup
from .errors import ApiError, bad_request
from .media import StoredFile
from .params import Upload
from .registry import Call, find_chat, method, sendable_chat
from .shapes import forward_origin as origin_of
from .shapes import message_json
from .state import Chat, Message

UPLOAD_LIMIT = 50 * 1024 * 1024
LINK_PREVIEW_FLAGS = ("is_disabled", "prefer_small_media", "prefer_large_media", "show_above_text")


def link_preview(call: Call) -> dict[str, Any] | None:
    """The LinkPreviewOptions of a call (only the fields Telegram knows), or None."""
    raw = call.params.opt_json("link_preview_options")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise bad_request("can't parse link preview options JSON object")
    out: dict[str, Any] = {flag: True for flag in LINK_PREVIEW_FLAGS if raw.get(flag) is True}
    url = raw.get("url")
    if isinstance(url, str) and url:
        out["url"] = url
    return out


def reply_target(chat: Chat, call: Call) -> int | None:
    """Return the message id the new message replies to, per reply_parameters."""
    p = call.params
    raw = p.opt_json("reply_parameters")
    allow = p.flag("allow_sending_without_reply")
    target: int | None = p.opt_int("reply_to_message_id")
    if raw is not None:
        if not isinstance(raw, dict) or not isinstance(raw.get("message_id"), int):
            raise bad_request("can't parse reply parameters JSON object")
        target = raw["message_id"]
        allow = bool(raw.get("allow_sending_without_reply", allow))
        other = raw.get("chat_id")
        if other is not None and str(other) != str(chat.id):
            if allow:
                return None
            raise bad_request("message to be replied not found")
    if target is None:
        return None
    found = chat.messages.get(target)
    if found is None or found.deleted:
        if allow:
            return None
        raise bad_request("message to be replied not found")
    return target


def thread_for(chat: Chat, call: Call, reply_to: int | None) -> tuple[int | None, bool]:
    """Return (message_thread_id, is_topic_message) for a new message."""
    thread = call.params.opt_int("message_thread_id")
    if chat.type != "supergroup":
        return None, False
    if thread is None and reply_to is not None:
        thread = chat.messages[reply_to].thread_id
    if thread is None:
        return None, False
    if chat.is_forum:
        topic = chat.topics.get(thread)
        if topic is None:
            raise bad_request("message thread not found")
        if topic.closed:
            raise bad_request("TOPIC_CLOSED")
        return thread, True
    if thread not in chat.messages:
        raise bad_request("message thread not found")
    return thread, False


def post(
    call: Call,
    chat: Chat,
    *,
    text: FormattedText | None = None,
    caption: FormattedText | None = None,
    media_kind: str | None = None,
    file: StoredFile | None = None,
    payload: dict[str, Any] | None = None,
    markup: Markup | None = None,
    forward_origin: dict[str, Any] | None = None,
    reply: bool = True,
) -> Message:
    """Create a bot message after the reply, topic and flood-control checks."""
    reply_to = reply_target(chat, call) if reply else None
    thread, is_topic = thread_for(chat, call, reply_to)
    call.limiter.check(chat.id, chat.type == "private", call.params.flag("allow_paid_broadcast"))
    preview = link_preview(call) if text is not None else None
    channel = chat.type == "channel"
    message = call.world.new_message(
        chat,
        None if channel else call.bot.id,
        sender_chat_id=chat.id if channel else None,
        text=text,
        caption=caption,
        media_kind=media_kind,
        file=file,
        payload=payload or {},
        reply_markup=markup.inline if markup else None,
        reply_keyboard=markup.data if markup and not markup.inline else None,
        reply_to=reply_to,
        thread_id=thread,
        is_topic_message=is_topic,
        forward_origin=forward_origin,
        author_bot_id=call.bot.id,
        protect_content=call.params.flag("protect_content"),
        link_preview=preview,
    )
    call.counters.count(call.bot.id, chat.id)
    return message


def markup_of(call: Call) -> Markup | None:
    """Return the validated reply_markup of the call."""
    return validate_markup(call.params.opt_json("reply_markup"))


@method("sendMessage")
async def send_message(call: Call) -> Any:
    """Send a text message."""
    p = call.params
    text = format_text(p.opt_str("text"), p.opt_str("parse_mode"), p.opt_json("entities"))
    chat = sendable_chat(call, p.chat_ref())
    return message_json(call.world, post(call, chat, text=text, markup=markup_of(call)))


def store_media(call: Call, kind: str, field: str) -> StoredFile:
    """Turn a media parameter (upload, URL or file_id) into a stored file."""
    p = call.params
    ref = p.input_file(field)
    if ref is None:
        raise bad_request(f"there is no {field} in the request")
    files = call.world.files
    if isinstance(ref, Upload):
        if len(ref.data) > UPLOAD_LIMIT:
            raise ApiError(413, "Request Entity Too Large")
        stored = files.add_upload(kind, ref.data, ref.filename, ref.content_type)
    elif ref.startswith(("http://", "https://")):
        name = posixpath.basename(urlsplit(ref).path) or None
        stored = files.add(kind, None, file_name=name, source_url=ref)
    else:
        return files.reuse(ref, kind)
    if kind == "video":
        stored.width = p.opt_int("width") or stored.width
        stored.height = p.opt_int("height") or stored.height
        stored.duration = p.opt_int("duration") or stored.duration
    return stored


async def send_media(call: Call, kind: str) -> Any:
    """Shared body of sendPhoto/sendDocument/sendVideo."""
    p = call.params
    caption = format_text(
        p.opt_str("caption"),
        p.opt_str("parse_mode"),
        p.opt_json("caption_entities"),
        caption=True,
    )
    markup = markup_of(call)
    chat = sendable_chat(call, p.chat_ref())
    stored = store_media(call, kind, kind)
    message = post(call, chat, caption=caption, media_kind=kind, file=stored, markup=markup)
    return message_json(call.world, message)


@method("sendPhoto")
async def send_photo(call: Call) -> Any:
    """Send a photo."""
    return await send_media(call, "photo")


@method("sendDocument")
async def send_document(call: Call) -> Any:
    """Send a general file."""
    return await send_media(call, "document")


@method("sendVideo")
async def send_video(call: Call) -> Any:
    """Send a video."""
    return await send_media(call, "video")


def source_message(call: Call, missing: str) -> Message:
    """Return the message named by from_chat_id/message_id."""
    p = call.params
    chat = find_chat(call, p.chat_ref("from_chat_id"))
    message = chat.messages.get(p.req_int("message_id"))
    if message is None or message.deleted:
        raise bad_request(missing)
    return message


@method("copyMessage")
async def copy_message(call: Call) -> Any:
    """Copy a message without a link to the original; answer {"message_id": N}."""
    p = call.params
    source = source_message(call, "message to copy not found")
    if source.service is not None or source.protect_content:
        raise bad_request("message can't be copied")
    caption = source.caption
    if p.has("caption") or p.has("caption_entities"):
        if source.media_kind not in ("photo", "document", "video", "voice"):
            raise bad_request("message caption can't be set for this message")
        caption = format_text(
            p.opt_str("caption"),
            p.opt_str("parse_mode"),
            p.opt_json("caption_entities"),
            caption=True,
        )
    markup = markup_of(call)
    chat = sendable_chat(call, p.chat_ref())
    message = post(
        call,
        chat,
        text=source.text,
        caption=caption,
        media_kind=source.media_kind,
        file=source.file,
        payload=dict(source.payload),
        markup=markup,
    )
    return {"message_id": message.message_id}


@method("forwardMessage")
async def forward_message(call: Call) -> Any:
    """Forward a message, keeping its origin."""
    p = call.params
    source = source_message(call, "message to forward not found")
    if source.service is not None or source.protect_content:
        raise bad_request("message can't be forwarded")
    chat = sendable_chat(call, p.chat_ref())
    message = post(
        call,
        chat,
        text=source.text,
        caption=source.caption,
        media_kind=source.media_kind,
        file=source.file,
        payload=dict(source.payload),
        forward_origin=origin_of(call.world, source),
        reply=False,
    )
    return message_json(call.world, message)
