"""WhatsApp inbound messages → the core's `Incoming`.

| WhatsApp `type` | `Incoming.kind` |
| --- | --- |
| text starting with `/` (not forwarded) | command (`/start kel_…` → start, args) |
| text that is a poster link's prefilled text (`DAFTAR kel_…`) | command start |
| other text | text |
| interactive `button_reply` / `list_reply` | button (the choice data) |
| template quick-reply `button` | button (its payload) |
| image / document / video | photo / document / video, with a `MediaRef` |
| audio (voice notes and audio files) | voice |
| location / contacts / sticker | location / contact / sticker |
| reaction, unsupported, request_welcome, anything else | other |

Media captions arrive as `text`. WhatsApp does not tell the app's language, so
`language_code` is None and the core uses the resident's stored locale or the default.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

from bot.platform.addresses import Address
from bot.platform.messages import Incoming, MediaRef
from handlers.whatsapp.links import start_payload
from handlers.whatsapp.updates import InboundMessage

MEDIA: dict[str, Literal["photo", "document", "video"]] = {
    "image": "photo",
    "document": "document",
    "video": "video",
}
SIMPLE: dict[str, Literal["location", "contact", "sticker", "voice"]] = {
    "contacts": "contact",
    "sticker": "sticker",
    "audio": "voice",
}


def parse_command(text: str) -> tuple[str, str] | None:
    """('start', 'kel_3672011002') for '/start kel_3672011002'; None if not a command."""
    if not text.startswith("/") or len(text) < 2:
        return None
    head, _, args = text[1:].partition(" ")
    name = head.casefold()
    if not name or not all(c.isalnum() or c == "_" for c in name):
        return None
    return name, args.strip()


def incoming(message: InboundMessage) -> Incoming:
    """The core's view of one inbound WhatsApp message."""
    content, address, kind = message.content, message.address, message.type
    context = _mapping(content.get("context"))
    forwarded = bool(context.get("forwarded") or context.get("frequently_forwarded"))
    if kind == "text":
        return text_incoming(address, _str(_mapping(content.get("text")).get("body")), forwarded)
    if kind == "interactive":
        return _interactive(address, _mapping(content.get("interactive")))
    if kind == "button":
        payload = _str(_mapping(content.get("button")).get("payload"))
        return (
            Incoming(address, "button", button=payload) if payload else Incoming(address, "other")
        )
    if kind in MEDIA:
        return _media(address, MEDIA[kind], _mapping(content.get(kind)), forwarded)
    if kind == "location":
        return _location(address, _mapping(content.get("location")), forwarded)
    if kind in SIMPLE:
        return Incoming(address, SIMPLE[kind], forwarded=forwarded)
    return Incoming(address, "other", forwarded=forwarded)


def text_incoming(address: Address, text: str, forwarded: bool = False) -> Incoming:
    """A typed text: a command, a poster link's prefilled text, or plain text."""
    if not forwarded:
        command = parse_command(text)
        if command is not None:
            name, args = command
            return Incoming(address, "command", text=text, command=name, args=args)
        payload = start_payload(text)
        if payload is not None:
            return Incoming(address, "command", text=text, command="start", args=payload)
    return Incoming(address, "text", text=text, forwarded=forwarded)


def _interactive(address: Address, interactive: Mapping[str, Any]) -> Incoming:
    """A pressed reply button or a picked list row carries our choice data as its id."""
    kind = interactive.get("type")
    if kind in ("button_reply", "list_reply"):
        data = _str(_mapping(interactive.get(kind)).get("id"))
        if data:
            return Incoming(address, "button", button=data)
    return Incoming(address, "other")


def _media(
    address: Address,
    kind: Literal["photo", "document", "video"],
    media: Mapping[str, Any],
    forwarded: bool,
) -> Incoming:
    """A photo, document or video, referenced by its WhatsApp media id."""
    media_id = _str(media.get("id"))
    size = media.get("file_size")
    ref = MediaRef(
        kind,
        media_id,
        size if isinstance(size, int) and not isinstance(size, bool) else None,
        _str(media.get("mime_type")) or None,
    )
    caption = _str(media.get("caption"))
    return Incoming(
        address, kind, text=caption, media=ref if media_id else None, forwarded=forwarded
    )


def _location(address: Address, location: Mapping[str, Any], forwarded: bool) -> Incoming:
    """A shared location; one without valid coordinates is 'other'."""
    latitude, longitude = _number(location.get("latitude")), _number(location.get("longitude"))
    if latitude is None or longitude is None or abs(latitude) > 90 or abs(longitude) > 180:
        return Incoming(address, "other", forwarded=forwarded)
    return Incoming(address, "location", location=(latitude, longitude), forwarded=forwarded)


def _number(value: Any) -> float | None:
    """A finite number, or None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _mapping(value: Any) -> Mapping[str, Any]:
    """`value` if it is a mapping, else an empty one."""
    return value if isinstance(value, Mapping) else {}


def _str(value: Any) -> str:
    """`value` if it is a string, else ''."""
    return value if isinstance(value, str) else ""
