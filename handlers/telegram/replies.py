"""Residents' replies on the lean request path: JSON bodies built from the core's `Reply`.

In an onboarding rush the bot process spent a third of its CPU inside aiogram's `Bot`
calls: a pydantic model per request, its form body built field by field, the returned
`Message` validated into models nobody reads (docs/benchmarks.md, "Onboarding rush").
The replies to residents' messages and buttons (text, inline keyboards, edits, button
answers) are built here as JSON straight from the `Reply` and posted through the bot's
`BulkApi` (the same aiohttp session aiogram's `Bot` uses); answers are read as plain
JSON and Telegram's errors classified exactly as aiogram does (handlers/telegram/bulkapi.py).
What the lean path does not carry (a file to upload) goes through aiogram as before.

The messages are the same as `handlers/telegram/render.py` sends through aiogram (the
same HTML, keyboard, link-preview option and parse mode; tests/test_lean_replies.py
compares the two in the emulator), paced the same way (`handlers/telegram/pacing.py`):
a priority token per message, a 429 waited out. Edits and button answers are not paced.
"""

from __future__ import annotations

import html
import json
import logging
from typing import Any, Protocol

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.exceptions import TelegramBadRequest

from bot.platform.messages import Reply
from broadcasts.limiter import RateLimiter
from handlers.telegram.bulkapi import JSON, BadRequest, BulkApi
from handlers.telegram.link import SharedSession
from handlers.telegram.pacing import paced
from handlers.telegram.render import (
    TEXT_LIMIT,
    edit_or_send,
    html_text,
    markup_json,
    send_anew,
    send_attachment,
    send_reply,
    split,
    upload_first,
)

log = logging.getLogger(__name__)

# bot_defaults(), as the Bot API's JSON: HTML, and no link previews
DEFAULTS: dict[str, Any] = {"parse_mode": "HTML", "link_preview_options": {"is_disabled": True}}


def body(**fields: Any) -> bytes:
    """A JSON request body; fields that are None are left out, as aiogram does."""
    kept = {k: v for k, v in fields.items() if v is not None}
    return json.dumps(kept, ensure_ascii=False, separators=(",", ":")).encode()


class LeanReplies:
    """Sends, edits and button answers for one bot, on its lean client."""

    def __init__(self, api: BulkApi, limiter: RateLimiter | None, bot: Bot) -> None:
        self.api = api
        self.limiter = limiter
        self.bot = bot  # for uploads, which stay aiogram's

    async def send_text(
        self,
        chat_id: int,
        text: str,
        markup: dict[str, Any] | None = None,
        thread: int | None = None,
    ) -> int:
        """One HTML message, paced; its message id."""
        data = body(
            chat_id=chat_id, text=text, message_thread_id=thread, reply_markup=markup, **DEFAULTS
        )
        sent = await paced(self.limiter, chat_id, lambda: self.api.call("sendMessage", data, JSON))
        return int(sent["message_id"])

    async def send(self, chat_id: int, reply: Reply, thread: int | None = None) -> int | None:
        """`render.send_reply` on the lean path: the attachment first, then the text in
        parts of at most 4096 characters, the buttons with the last; the last message's id."""
        thread = thread or reply.thread or None
        sent: int | None = None
        if reply.attachment is not None:
            message = await send_attachment(self.bot, chat_id, reply.attachment, thread)
            sent = message.message_id
        if not reply.text and not reply.title:
            if reply.notice:
                return await self.send_text(
                    chat_id, html.escape(reply.notice, quote=False), thread=thread
                )
            return sent
        parts = split(html_text(reply))
        for i, part in enumerate(parts):
            markup = markup_json(reply) if i == len(parts) - 1 else None
            sent = await self.send_text(chat_id, part, markup, thread)
        return sent

    async def edit_or_send(
        self, chat_id: int, message_id: int, reply: Reply, thread: int | None = None
    ) -> None:
        """`render.edit_or_send` on the lean path: replace the pressed message with
        `reply`, or send it anew if it can't be edited."""
        thread = thread or reply.thread or None
        reply = await upload_first(self.bot, chat_id, reply, thread)
        text = html_text(reply)
        if len(text) <= TEXT_LIMIT:
            data = body(
                chat_id=chat_id,
                message_id=message_id,
                text=text,
                reply_markup=markup_json(reply),
                **DEFAULTS,
            )
            try:
                await self.api.call("editMessageText", data, JSON)
            except BadRequest as exc:
                if not send_anew(exc.description):
                    return
            else:
                return
        await self.send(chat_id, reply, thread)

    async def answer_query(self, query_id: str, text: str | None, show_alert: bool = False) -> None:
        """Answer a button press (a toast with `text`, if any); one that is too old to
        answer (a redelivery) is let go."""
        data = body(callback_query_id=query_id, text=text, show_alert=show_alert)
        try:
            await self.api.call("answerCallbackQuery", data, JSON)
        except BadRequest as exc:
            log.info("button press not answered: %s", exc.description)


class ReplyingBot(Bot):
    """aiogram's Bot over the lean client's session, with the lean reply path beside it.

    Closing the Bot's session closes the lean client too."""

    def __init__(
        self,
        token: str,
        api: BulkApi,
        session: SharedSession,
        limiter: RateLimiter | None,
        default: DefaultBotProperties,
    ) -> None:
        super().__init__(token, session=session, default=default)
        self.replies = LeanReplies(api, limiter, self)


class Replies(Protocol):
    """What the residents' router sends replies with."""

    async def send(self, chat_id: int, reply: Reply, thread: int | None = None) -> int | None:
        """Send `reply`; the last message's id."""

    async def edit_or_send(
        self, chat_id: int, message_id: int, reply: Reply, thread: int | None = None
    ) -> None:
        """Replace message `message_id` with `reply`, or send it anew."""

    async def answer_query(self, query_id: str, text: str | None, show_alert: bool = False) -> None:
        """Answer a button press."""


class AiogramReplies:
    """The same through aiogram's models, for a Bot not built by `build_bot` (a test's
    bot on a recording session)."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, chat_id: int, reply: Reply, thread: int | None = None) -> int | None:
        """`render.send_reply`."""
        sent = await send_reply(self.bot, chat_id, reply, thread)
        return sent.message_id if sent is not None else None

    async def edit_or_send(
        self, chat_id: int, message_id: int, reply: Reply, thread: int | None = None
    ) -> None:
        """`render.edit_or_send`."""
        await edit_or_send(self.bot, chat_id, message_id, reply, thread)

    async def answer_query(self, query_id: str, text: str | None, show_alert: bool = False) -> None:
        """answerCallbackQuery; one too old to answer is let go."""
        try:
            await self.bot.answer_callback_query(query_id, text=text, show_alert=show_alert)
        except TelegramBadRequest as exc:
            log.info("button press not answered: %s", exc.message)


def replies_for(bot: Bot) -> Replies:
    """The lean path of a bot from `handlers.telegram.app.build_bot`, else aiogram's."""
    return bot.replies if isinstance(bot, ReplyingBot) else AiogramReplies(bot)
