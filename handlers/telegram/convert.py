"""Telegram updates → the core's `Incoming`."""

from __future__ import annotations

from aiogram.types import CallbackQuery, Message

from bot.addresses import Address
from bot.messages import Incoming, Kind, MediaRef


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
    common = {
        "language_code": user.language_code if user else None,
        "forwarded": message.forward_origin is not None,
    }
    text = message.text or message.caption or ""
    if message.text is not None:
        command = parse_command(message.text)
        if command is not None and not common["forwarded"]:
            return Incoming(address, "command", text=text, command=command[0], args=command[1], **common)  # type: ignore[arg-type]
        return Incoming(address, "text", text=text, **common)  # type: ignore[arg-type]
    kind: Kind
    media: MediaRef | None = None
    location = None
    if message.photo:
        biggest = message.photo[-1]
        kind, media = "photo", MediaRef("photo", biggest.file_id, biggest.file_size)
    elif message.document:
        doc = message.document
        kind, media = "document", MediaRef("document", doc.file_id, doc.file_size, doc.mime_type)
    elif message.video:
        video = message.video
        kind, media = "video", MediaRef("video", video.file_id, video.file_size, video.mime_type)
    elif message.location:
        kind, location = "location", (message.location.latitude, message.location.longitude)
    elif message.contact:
        kind = "contact"
    elif message.sticker:
        kind = "sticker"
    elif message.voice or message.audio or message.video_note:
        kind = "voice"
    else:
        kind = "other"
    return Incoming(address, kind, text=text, media=media, location=location, **common)  # type: ignore[arg-type]


def incoming_button(query: CallbackQuery, data: str) -> Incoming:
    """A button press as the core sees it."""
    return Incoming(
        Address.telegram(query.from_user.id),
        "button",
        button=data,
        language_code=query.from_user.language_code,
    )
