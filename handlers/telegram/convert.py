"""Telegram updates → the core's `Incoming`."""

from __future__ import annotations

from aiogram.types import CallbackQuery, Message

from bot.platform.addresses import Address
from bot.platform.messages import Incoming, Kind, MediaRef


def parse_command(text: str) -> tuple[str, str] | None:
    """('start', 'kel_3672011002') for '/start@KimBot kel_3672011002'; None if not a command."""
    if not text.startswith("/") or len(text) < 2:
        return None
    head, _, args = text[1:].partition(" ")
    name = head.split("@", 1)[0].casefold()
    if not name or not all(c.isalnum() or c == "_" for c in name):
        return None
    return name, args.strip()


def incoming_message(message: Message) -> Incoming:
    """A private message as the core sees it."""
    user = message.from_user
    address = Address.telegram(message.chat.id)
    language = user.language_code if user else None
    sender = user.full_name if user else ""
    forwarded = message.forward_origin is not None
    message_id = message.message_id
    replied = message.reply_to_message
    reply_to = replied.message_id if replied else 0
    reply_text = (replied.text or replied.caption or "") if replied else ""
    text = message.text or message.caption or ""
    if message.text is not None:
        command = parse_command(message.text)
        if command is not None and not forwarded:
            name, args = command
            return Incoming(
                address,
                "command",
                text=text,
                command=name,
                args=args,
                language_code=language,
                message_id=message_id,
                reply_to=reply_to,
                reply_text=reply_text,
                name=sender,
            )
        return Incoming(
            address,
            "text",
            text=text,
            language_code=language,
            forwarded=forwarded,
            message_id=message_id,
            reply_to=reply_to,
        )
    kind, media, location = _content(message)
    return Incoming(
        address,
        kind,
        text=text,
        media=media,
        location=location,
        language_code=language,
        forwarded=forwarded,
        message_id=message_id,
        reply_to=reply_to,
    )


def _content(message: Message) -> tuple[Kind, MediaRef | None, tuple[float, float] | None]:
    """What kind of non-text message this is, with its file or position."""
    if message.photo:
        biggest = message.photo[-1]
        return "photo", MediaRef("photo", biggest.file_id, biggest.file_size), None
    if message.document:
        doc = message.document
        return "document", MediaRef("document", doc.file_id, doc.file_size, doc.mime_type), None
    if message.video:
        video = message.video
        return "video", MediaRef("video", video.file_id, video.file_size, video.mime_type), None
    if message.location:
        return "location", None, (message.location.latitude, message.location.longitude)
    if message.contact:
        return "contact", None, None
    if message.sticker:
        return "sticker", None, None
    if message.voice or message.audio or message.video_note:
        return "voice", None, None
    return "other", None, None


def incoming_button(query: CallbackQuery, data: str) -> Incoming:
    """A button press as the core sees it."""
    return Incoming(
        Address.telegram(query.from_user.id),
        "button",
        button=data,
        language_code=query.from_user.language_code,
        name=query.from_user.full_name,
    )
