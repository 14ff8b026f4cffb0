"""What channels hand the core (`Incoming`) and what the core answers (`Reply`).

Channel-neutral on purpose: Telegram renders choices as inline keyboards, WhatsApp as
reply buttons or list messages, a text-only channel as a numbered list, and a resident
may always type a choice's number instead of pressing it.

Text that comes in is made valid Unicode first: JSON may carry a lone surrogate
(`"\ud83d"`), which no UTF-8 encoder accepts, so it would break storing the text and
every reply that quotes it. Each one becomes U+FFFD.

A reply may carry an `Attachment`: a file the core made (a resident's data as JSON),
sent as a document on every channel, at most `MAX_ATTACHMENT_BYTES`. Queued replies keep
its bytes in base64 (`reply_to_dict`), so they travel through Redis like any reply.
"""

from __future__ import annotations

import base64
import re
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from bot.platform.addresses import Address

Kind = Literal[
    "text",
    "command",
    "button",
    "photo",
    "document",
    "video",
    "location",
    "contact",
    "sticker",
    "voice",
    "other",
]


_SURROGATE = re.compile("[\ud800-\udfff]")
MAX_ATTACHMENT_BYTES = 5_000_000  # far below Telegram's 50 MB and WhatsApp's 100 MB
_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def clean_text(text: str) -> str:
    """`text` with every lone surrogate replaced by U+FFFD (valid to encode as UTF-8)."""
    return _SURROGATE.sub("\ufffd", text)


@dataclass(frozen=True)
class MediaRef:
    """A file on the platform: its id there, and what kind of file it is."""

    kind: Literal["photo", "document", "video"]
    file_id: str
    size: int | None = None
    mime_type: str | None = None
    fingerprint: str = ""  # a picture's perceptual hash (hex), when the channel computed it


class AttachmentError(ValueError):
    """A file that cannot be attached: too large, or a name no channel takes as is."""


@dataclass(frozen=True)
class Attachment:
    """A file the bot made, sent as a document: its file name, MIME type and bytes."""

    name: str
    mime_type: str
    data: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not _FILE_NAME.match(self.name):
            raise AttachmentError(f"{self.name!r} is not a plain file name")
        if len(self.data) > MAX_ATTACHMENT_BYTES:
            raise AttachmentError(
                f"{self.name} has {len(self.data)} bytes, at most {MAX_ATTACHMENT_BYTES}"
            )


@dataclass(frozen=True)
class Incoming:
    """One thing a person did in a private chat with the bot."""

    address: Address
    kind: Kind
    text: str = ""
    command: str = ""
    args: str = ""
    button: str = ""
    media: MediaRef | None = None
    location: tuple[float, float] | None = None
    language_code: str | None = None
    forwarded: bool = False
    message_id: int = 0
    reply_to: int = 0
    reply_text: str = ""  # text or caption of the message replied to
    name: str = ""  # the sender's profile name (kept only if they accept a role)

    def __post_init__(self) -> None:
        for name in ("text", "command", "args", "button", "reply_text", "name"):
            value = getattr(self, name)
            if _SURROGATE.search(value):
                object.__setattr__(self, name, clean_text(value))


@dataclass(frozen=True)
class Choice:
    """A button; `data` comes back in `Incoming.button` when pressed (at most 60 bytes)."""

    label: str
    data: str


@dataclass(frozen=True)
class Link:
    """A button that opens a URL (a channel, a group invite)."""

    label: str
    url: str


@dataclass(frozen=True)
class Reply:
    """One message from the bot.

    `title` is shown emphasised above `text`. `edit` asks the channel to replace the
    message whose button was pressed, where it can; `notice` is a short toast for the
    button press itself. `progress_of` marks the message that will show an
    announcement's delivery progress: the channel records its message id. `card_of`
    marks a ticket's staff card: sent once, then edited in place. `attachment` is sent
    as a document just before the text. `thread` is the forum topic of a group chat the
    message goes to (Telegram's `message_thread_id`; 0: none, or the group's General).
    """

    text: str
    title: str = ""
    choices: tuple[tuple[Choice, ...], ...] = ()
    links: tuple[Link, ...] = ()
    edit: bool = False
    notice: str = ""
    media: MediaRef | None = None
    progress_of: str = ""
    card_of: str = ""
    ticket: str = ""  # a resident's notice about this ticket (WhatsApp's template names it)
    attachment: Attachment | None = None
    thread: int = 0

    @property
    def flat_choices(self) -> list[Choice]:
        """The choices in reading order, as a resident would number them."""
        return [c for row in self.choices for c in row]


def rows(choices: list[Choice], per_row: int) -> tuple[tuple[Choice, ...], ...]:
    """Lay choices out `per_row` to a row."""
    return tuple(tuple(choices[i : i + per_row]) for i in range(0, len(choices), per_row))


def reply_to_dict(reply: Reply) -> dict[str, Any]:
    """A reply as plain JSON-able data (for a queued notification; an attachment's bytes
    in base64)."""
    data = asdict(reply)
    if reply.attachment is not None:
        file = reply.attachment
        encoded = base64.b64encode(file.data).decode("ascii")
        data["attachment"] = {"name": file.name, "mime_type": file.mime_type, "base64": encoded}
    return data


def reply_from_dict(data: dict[str, Any]) -> Reply:
    """The reply `reply_to_dict` wrote."""
    media = data.get("media")
    file = data.get("attachment")
    attachment = (
        Attachment(
            str(file["name"]),
            str(file["mime_type"]),
            base64.b64decode(file["base64"], validate=True),
        )
        if file
        else None
    )
    return Reply(
        text=str(data.get("text", "")),
        title=str(data.get("title", "")),
        choices=tuple(tuple(Choice(**c) for c in row) for row in data.get("choices", ())),
        links=tuple(Link(**link) for link in data.get("links", ())),
        edit=bool(data.get("edit", False)),
        notice=str(data.get("notice", "")),
        media=MediaRef(**media) if media else None,
        progress_of=str(data.get("progress_of", "")),
        card_of=str(data.get("card_of", "")),
        ticket=str(data.get("ticket", "")),
        attachment=attachment,
        thread=int(data.get("thread") or 0),
    )


def split_text(text: str, limit: int) -> list[str]:
    """Split text into parts of at most `limit` characters, at line breaks when possible
    (every channel has a message length limit: Telegram and WhatsApp 4096)."""
    parts: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut <= 0:
            cut = limit
        parts.append(text[:cut])
        text = text[cut:].lstrip("\n")
    parts.append(text)
    return parts
