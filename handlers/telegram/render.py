"""The core's `Reply` → Telegram messages: HTML text, inline keyboards, edits, toasts.

Button data is versioned (`v1:<data>`, aiogram's CallbackData) so that buttons on old
messages keep working, or are recognised as stale, after an upgrade. Text longer than
Telegram's 4096 characters is split at line breaks; the buttons go with the last part.
A reply's attachment is uploaded as a document (`sendDocument`, multipart) before the text.
"""

from __future__ import annotations

import html
import logging
from dataclasses import replace
from typing import Any

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters.callback_data import MAX_CALLBACK_LENGTH, CallbackData
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
)

from bot.platform.messages import Attachment, Reply, split_text

log = logging.getLogger(__name__)
TEXT_LIMIT = 4096


def bot_defaults() -> DefaultBotProperties:
    """HTML (the renderer escapes) and no link previews, in the current Bot API's terms.

    `link_preview_is_disabled=True` would make aiogram also send the deprecated
    `disable_web_page_preview`; a `LinkPreviewOptions` sends only `link_preview_options`.
    """
    return DefaultBotProperties(
        parse_mode=ParseMode.HTML, link_preview=LinkPreviewOptions(is_disabled=True)
    )


class Press(CallbackData, prefix="v1"):
    """Version 1 of our callback data: the core's choice data, as is."""

    d: str


def button_data(data: str) -> str:
    """`Press(d=data).pack()`, without building the model: the same text, refused alike
    (a ':' in the data, or more than Telegram's 64 bytes)."""
    if ":" in data:
        raise ValueError(f"Separator symbol ':' can not be used in value d={data!r}")
    packed = f"{Press.__prefix__}:{data}"
    if len(packed.encode()) > MAX_CALLBACK_LENGTH:
        raise ValueError(f"Resulted callback data is too long! len({packed!r}.encode()) > 64")
    return packed


def markup_json(reply: Reply) -> dict[str, Any] | None:
    """The inline keyboard for a reply's links (first: the text points at them) and
    choices, as the Bot API's JSON."""
    rows: list[list[dict[str, str]]] = [
        [{"text": link.label, "url": link.url}] for link in reply.links
    ]
    rows += [
        [{"text": c.label, "callback_data": button_data(c.data)} for c in row]
        for row in reply.choices
        if row
    ]
    return {"inline_keyboard": rows} if rows else None


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """`markup_json` as aiogram's model."""
    markup = markup_json(reply)
    return InlineKeyboardMarkup.model_validate(markup) if markup else None


def html_text(reply: Reply) -> str:
    """The reply as Telegram HTML: a bold title, then the escaped text."""
    body = html.escape(reply.text, quote=False)
    if reply.title:
        title = f"<b>{html.escape(reply.title, quote=False)}</b>"
        return f"{title}\n\n{body}" if body else title
    return body


def split(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Split text into parts of at most `limit` characters (`bot.platform.messages`)."""
    return split_text(text, limit)


async def send_attachment(
    bot: Bot, chat_id: int, attachment: Attachment, thread: int | None = None
) -> Message:
    """Upload a file the core made and send it as a document."""
    upload = BufferedInputFile(attachment.data, filename=attachment.name)
    return await bot.send_document(chat_id, upload, message_thread_id=thread)


async def send_reply(
    bot: Bot, chat_id: int, reply: Reply, thread: int | None = None
) -> Message | None:
    """Send one reply as one or more messages (its attachment first); return the last one.
    In a forum group, into topic `thread` (else the reply's own `thread`, if any)."""
    thread = thread or reply.thread or None
    sent = (
        await send_attachment(bot, chat_id, reply.attachment, thread) if reply.attachment else None
    )
    if not reply.text and not reply.title:
        if reply.notice:
            notice = html.escape(reply.notice, quote=False)
            return await bot.send_message(chat_id, notice, message_thread_id=thread)
        return sent
    parts = split(html_text(reply))
    for i, part in enumerate(parts):
        markup = keyboard(reply) if i == len(parts) - 1 else None
        sent = await bot.send_message(chat_id, part, reply_markup=markup, message_thread_id=thread)
    return sent


async def edit_or_send(
    bot: Bot, chat_id: int, message_id: int, reply: Reply, thread: int | None = None
) -> None:
    """Replace the pressed message with `reply`; send it anew (into `thread`, in a forum
    group) if it can't be edited (an attachment can't be edited into a message: it is sent
    as a document of its own)."""
    thread = thread or reply.thread or None
    reply = await upload_first(bot, chat_id, reply, thread)
    text = html_text(reply)
    if len(text) <= TEXT_LIMIT:
        try:
            await bot.edit_message_text(
                text=text, chat_id=chat_id, message_id=message_id, reply_markup=keyboard(reply)
            )
        except TelegramBadRequest as exc:
            if not send_anew(exc.message):
                return
        else:
            return
    await send_reply(bot, chat_id, reply, thread)


async def upload_first(bot: Bot, chat_id: int, reply: Reply, thread: int | None) -> Reply:
    """Send the attachment of a reply that edits a message on its own (a file can't be
    edited into a message); the reply without it."""
    if reply.attachment is None:
        return reply
    await send_attachment(bot, chat_id, reply.attachment, thread)
    return replace(reply, attachment=None)


def send_anew(refusal: str) -> bool:
    """After Telegram refused an edit: send the reply as a new message, unless the message
    already says it ("not modified")."""
    if "not modified" in refusal:
        return False
    log.info("edit failed (%s); sending a new message", refusal)
    return True


async def answer_query(query: CallbackQuery, text: str | None, show_alert: bool = False) -> None:
    """Answer a button press; one that is too old to answer (a redelivery) is let go."""
    try:
        await query.answer(text, show_alert=show_alert)
    except TelegramBadRequest as exc:
        log.info("button press not answered: %s", exc.message)
