"""The core's `Reply` → WhatsApp messages to send (pure functions, no I/O).

Text: the title as a `*bold*` line, a blank line, then the text. Nothing is escaped
(WhatsApp has no escapes), but a formatting character that could open `*bold*`,
`_italic_`, `~strike~` or `` `code` `` is swapped for a look-alike that formats nothing,
so names and typed text quoted back never turn into formatting; URLs are left alone.
A reply's `notice` (a toast on Telegram) opens the message, or is the whole message when
the reply has no text. `edit` is ignored: WhatsApp cannot edit, every reply is new.

Choices, in reading order:
- 1-3, each label within 20 characters and unique → reply buttons (id = choice data);
- up to 10 → one list message (button label from the caller, e.g. "Pilih"); a label
  longer than 24 characters is shortened with "…" and kept whole in the row description;
- more than 10, or data too long for an id (or with spaces at its ends) → the text with a
  numbered list ("1. Cilegon"); the core accepts a typed number for the numbered choice.
Links: exactly one link and no choices → a CTA URL button; otherwise `Label: URL` lines.

A reply's attachment comes first, as a document the sender uploads (`OutFile`), typed as
one of the document types WhatsApp takes (JSON goes as text/plain; its name keeps .json).

Limits: text messages 4096 characters, split at line breaks; interactive messages have
a 1024-character body, so a longer text goes first as text messages and the last part
carries the buttons.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from bot.platform.messages import Attachment, Choice, Link, Reply, split_text

TEXT_LIMIT = 4096
BODY_LIMIT = 1024
BUTTON_TITLE_LIMIT = 20
BUTTON_ID_LIMIT = 256
MAX_BUTTONS = 3
ROW_TITLE_LIMIT = 24
ROW_DESCRIPTION_LIMIT = 72
ROW_ID_LIMIT = 200
MAX_ROWS = 10
LIST_LABEL_LIMIT = 20
LINK_LABEL_LIMIT = 20
ELLIPSIS = "…"
# A formatting character at the start of a word is replaced by one that looks alike.
LOOKALIKE = {"*": "∗", "_": "＿", "~": "∼", "`": "ˋ"}
# The document types the Cloud API takes (its "Supported document types"); others are
# refused at upload or at sending.
DOCUMENT_TYPES = (
    "text/plain",
    "application/pdf",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
)


@dataclass(frozen=True)
class OutText:
    """A plain text message."""

    text: str


@dataclass(frozen=True)
class ReplyButton:
    """One reply button: `id` comes back when it is pressed."""

    id: str
    title: str


@dataclass(frozen=True)
class OutButtons:
    """A message with up to three reply buttons."""

    text: str
    buttons: tuple[ReplyButton, ...]


@dataclass(frozen=True)
class ListRow:
    """One row of a list message: `id` comes back when it is picked."""

    id: str
    title: str
    description: str = ""


@dataclass(frozen=True)
class OutList:
    """A message whose button (`label`) opens a list of up to ten rows."""

    text: str
    label: str
    rows: tuple[ListRow, ...]


@dataclass(frozen=True)
class OutLink:
    """A message with one button that opens a URL."""

    text: str
    label: str
    url: str


@dataclass(frozen=True)
class OutMedia:
    """A photo, document or video already on WhatsApp's servers (numeric media id)."""

    kind: Literal["photo", "document", "video"]
    media_id: str


@dataclass(frozen=True)
class OutFile:
    """A file the bot made: uploaded when it is sent, then sent as a document."""

    name: str
    mime_type: str
    data: bytes

    @classmethod
    def of(cls, attachment: Attachment) -> OutFile:
        """The attachment, typed as a document type WhatsApp takes."""
        mime = attachment.mime_type
        if mime not in DOCUMENT_TYPES and (mime.startswith("text/") or mime.endswith("json")):
            mime = "text/plain"
        return cls(attachment.name, mime, attachment.data)


@dataclass(frozen=True)
class OutTemplate:
    """An approved template (the only thing allowed outside the 24-hour window)."""

    name: str
    language: str
    params: tuple[str, ...] = ()


Outgoing = OutText | OutButtons | OutList | OutLink | OutMedia | OutFile | OutTemplate


def template_param(text: str, limit: int = 900) -> str:
    """Text fit for a template parameter: lines joined with " · ", every run of whitespace
    (tabs, several spaces) one space, at most `limit` characters (cut with "…").

    Meta refuses parameters with newlines, tabs or more than four consecutive spaces, and
    template bodies over 1024 characters once filled in."""
    flat = " · ".join(line.strip() for line in text.splitlines() if line.strip())
    flat = " ".join(flat.replace("\t", " ").split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def render(reply: Reply, list_label: str) -> list[Outgoing]:
    """The WhatsApp messages for one reply; `list_label` names a list message's button."""
    out: list[Outgoing] = [OutFile.of(reply.attachment)] if reply.attachment else []
    media = reply.media
    if media is not None and media.file_id.isascii() and media.file_id.isdigit():
        out.append(OutMedia(media.kind, media.file_id))
    body = compose(reply)
    choices = reply.flat_choices
    if not choices:
        link = reply.links[0] if len(reply.links) == 1 else None
        if link is not None and body and link.url.startswith(("https://", "http://")):
            label = shorten(link.label, LINK_LABEL_LIMIT) or shorten(link.url, LINK_LABEL_LIMIT)
            return out + interactive(body, lambda part: OutLink(part, label, link.url))
        return out + [OutText(part) for part in split(with_links(body, reply.links)) if part]
    body = with_links(body, reply.links)
    make = _buttons(choices) or _list(choices, list_label)
    if make is None:
        return out + [OutText(part) for part in split(join(body, numbered(choices)))]
    return out + interactive(body or shorten(list_label, BODY_LIMIT) or ELLIPSIS, make)


def compose(reply: Reply) -> str:
    """The reply's notice, bold title and text as one WhatsApp-formatted text."""
    title = " ".join(defuse(reply.title).split()).replace("*", LOOKALIKE["*"])
    main = join(f"*{title}*" if title else "", defuse(reply.text))
    return join(defuse(reply.notice), main)


def join(*parts: str) -> str:
    """Non-empty parts separated by a blank line."""
    return "\n\n".join(p for p in parts if p)


def defuse(text: str) -> str:
    """Swap formatting characters that start a word for look-alikes; URLs stay as they are."""
    pieces = []
    for token in _tokens(text):
        if token.startswith(("https://", "http://")) or not any(c in LOOKALIKE for c in token):
            pieces.append(token)
            continue
        chars = list(token)
        for i, char in enumerate(chars):
            if char not in LOOKALIKE or i + 1 >= len(chars) or chars[i + 1].isspace():
                continue
            if i == 0 or not token[i - 1].isalnum():
                chars[i] = LOOKALIKE[char]
        pieces.append("".join(chars))
    return "".join(pieces)


def _tokens(text: str) -> list[str]:
    """`text` cut into runs of whitespace and runs of anything else, losslessly."""
    tokens: list[str] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or text[i].isspace() != text[i - 1].isspace():
            tokens.append(text[start:i])
            start = i
    return tokens


def shorten(text: str, limit: int) -> str:
    """`text` on one line, cut to `limit` characters with "…" when longer."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + ELLIPSIS


def with_links(body: str, links: tuple[Link, ...]) -> str:
    """The body with one `Label: URL` line per link."""
    lines = "\n".join(f"{defuse(shorten(link.label, 200))}: {link.url}" for link in links)
    return join(body, lines)


def numbered(choices: list[Choice]) -> str:
    """'1. label' lines, in the order the core numbers them."""
    return "\n".join(f"{i}. {defuse(shorten(c.label, 200))}" for i, c in enumerate(choices, 1))


def split(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Split text into parts of at most `limit` characters (`bot.platform.messages`)."""
    return split_text(text, limit)


def interactive(body: str, make: Callable[[str], Outgoing]) -> list[Outgoing]:
    """An interactive message; a body over 1024 characters sends its start as text first."""
    if len(body) <= BODY_LIMIT:
        return [make(body)]
    start = _tail_start(body, BODY_LIMIT)
    head, tail = body[:start].rstrip(), body[start:].lstrip()
    return [*(OutText(part) for part in split(head) if part), make(tail)]


def _tail_start(text: str, limit: int) -> int:
    """Where the last part (at most `limit` characters) starts: after a line break or space."""
    earliest = len(text) - limit
    for separator in ("\n", " "):
        cut = text.find(separator, earliest - 1)
        if cut != -1 and text[cut + 1 :].strip():
            return cut + 1
    return earliest


def _buttons(choices: list[Choice]) -> Callable[[str], Outgoing] | None:
    """Reply buttons, when every choice fits one unshortened."""
    titles = [" ".join(c.label.split()) for c in choices]
    fits = (
        len(choices) <= MAX_BUTTONS
        and all(0 < len(t) <= BUTTON_TITLE_LIMIT for t in titles)
        and len(set(titles)) == len(titles)
        and _ids_fit(choices, BUTTON_ID_LIMIT)
    )
    if not fits:
        return None
    buttons = tuple(ReplyButton(c.data, t) for c, t in zip(choices, titles, strict=True))
    return lambda part: OutButtons(part, buttons)


def _list(choices: list[Choice], label: str) -> Callable[[str], Outgoing] | None:
    """A list message, when there are at most ten choices with ids that fit."""
    if len(choices) > MAX_ROWS or not _ids_fit(choices, ROW_ID_LIMIT):
        return None
    rows = tuple(_row(c) for c in choices)
    button = shorten(label, LIST_LABEL_LIMIT) or ELLIPSIS
    return lambda part: OutList(part, button, rows)


def _row(choice: Choice) -> ListRow:
    """A list row; a shortened title keeps the whole label in the description."""
    full = " ".join(choice.label.split()) or ELLIPSIS
    title = shorten(full, ROW_TITLE_LIMIT)
    description = shorten(full, ROW_DESCRIPTION_LIMIT) if title != full else ""
    return ListRow(choice.data, title, description)


def _ids_fit(choices: list[Choice], limit: int) -> bool:
    """Every choice has non-empty, distinct data within `limit` characters and without
    leading or trailing whitespace (Meta refuses such ids); else they go as numbered text."""
    data = [c.data for c in choices]
    fit = all(0 < len(d) <= limit and d == d.strip() for d in data)
    return fit and len(set(data)) == len(data)
