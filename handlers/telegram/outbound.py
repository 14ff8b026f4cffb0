"""Telegram's side of `broadcasts.senders.Sender`: batches, notices, progress, media.

Built by a job from the worker's environment (`KIMBOT_TELEGRAM_TOKEN`, optionally
`KIMBOT_TELEGRAM_API_URL`) the first time the job needs Telegram. In a worker its
connection (`TelegramLink`: one aiohttp session, used by the bulk path's lean client and
by aiogram's Bot for notices, edits and downloads) is opened once and kept from job to
job (broadcasts/eventloop.py); a job run anywhere else opens its own and closes it.
Every message waits for a token from the shared limiter; notices take priority tokens,
and a 429 on a notice is waited out by the job's retry.
"""

from __future__ import annotations

import html
import io
from dataclasses import asdict
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Message
from aiogram.utils.token import extract_bot_id

from bot.platform.addresses import Address
from bot.platform.messages import Reply
from bot.polls.messages import personal_replies
from bot.services import Services
from broadcasts.eventloop import lasting
from broadcasts.limiter import RateLimiter, Rates
from broadcasts.senders import Batch
from handlers.settings import Settings
from handlers.telegram.bulk import BulkSender
from handlers.telegram.link import TelegramLink
from handlers.telegram.render import (
    edit_or_send,
    keyboard,
    send_attachment,
    send_reply,
)

CAPTION_LIMIT = 1024


class TelegramSender:
    """One job's connection to Telegram, at the bot's shared rate limit."""

    def __init__(self, services: Services, link: TelegramLink, owned: bool = True) -> None:
        self.services = services
        self.link = link
        self.owned = owned  # closed by this sender's `aclose`, not kept by the worker
        rate = services.config.broadcasts.rate_per_second
        self.limiter = RateLimiter(
            services.redis, link.bot_id, Rates(per_second=rate), in_loop=True
        )

    @classmethod
    def from_env(cls, services: Services) -> TelegramSender:
        """The sender of a worker whose environment holds the bot token; inside a worker's
        kept loop, on the connection the worker keeps for that bot."""
        settings = Settings.from_env()
        token, url = settings.require_token(), settings.telegram_api_url
        key = f"telegram:{extract_bot_id(token)}:{url or ''}"
        link, kept = lasting(key, lambda: TelegramLink(token, url), TelegramLink.close)
        return cls(services, link, owned=not kept)

    @property
    def bot(self) -> Bot:
        """aiogram's Bot on the link."""
        return self.link.bot

    async def deliver(self, batch: Batch) -> dict[str, Any]:
        """One batch's Telegram recipients (see `handlers.telegram.bulk`)."""
        bulk = BulkSender(
            api=self.link.api,
            store=self.services.announcements,
            residents=self.services.residents,
            limiter=self.limiter,
            paid=self.services.config.broadcasts.paid_broadcast,
            priority=bool(batch.announcement.alert),
            should_stop=batch.should_stop,
            now=self.services.clock.now,
            personal=lambda ann, recipients: personal_replies(self.services, ann, recipients),
        )
        return asdict(await bulk.deliver(batch.announcement, batch.recipients))

    async def notify(self, to: Address, reply: Reply) -> str:
        """Send (or, for a staff card that exists, edit) one message."""
        chat_id = int(to.chat_id)
        tickets = self.services.tickets
        await self.limiter.acquire(chat_id, priority=True)
        if reply.card_of:
            ticket = tickets.get(reply.card_of)
            if ticket is not None and ticket.card_message and ticket.card_chat == str(chat_id):
                await edit_or_send(self.bot, chat_id, ticket.card_message, reply)
                return "edited"
        sent: Message | None = None
        thread = reply.thread or None  # a desk's forum topic in its staff group
        if reply.media is not None:
            fits = len(reply.text) <= CAPTION_LIMIT  # else: the file, then the text
            markup = keyboard(reply) if fits else None
            caption = html.escape(reply.text, quote=False) if fits and reply.text else None
            file_id = reply.media.file_id
            if reply.media.kind == "photo":
                sent = await self.bot.send_photo(
                    chat_id, file_id, caption=caption, reply_markup=markup, message_thread_id=thread
                )
            elif reply.media.kind == "video":
                sent = await self.bot.send_video(
                    chat_id, file_id, caption=caption, reply_markup=markup, message_thread_id=thread
                )
            else:
                sent = await self.bot.send_document(
                    chat_id, file_id, caption=caption, reply_markup=markup, message_thread_id=thread
                )
            await self.limiter.acquire(chat_id, priority=True)
        if reply.media is None or len(reply.text) > CAPTION_LIMIT:
            sent = await send_reply(self.bot, chat_id, reply)
        elif reply.attachment is not None:
            await self.limiter.acquire(chat_id, priority=True)
            await send_attachment(self.bot, chat_id, reply.attachment, thread)
        if reply.card_of and sent is not None:
            tickets.set_card(reply.card_of, str(chat_id), sent.message_id)
        return "sent"

    async def edit(self, chat: Address, message_id: int, text: str, final: bool = False) -> None:
        """Replace a progress message's text; "not modified" and deleted ones are fine."""
        try:
            await self.bot.edit_message_text(
                text=html.escape(text, quote=False),
                chat_id=int(chat.chat_id),
                message_id=message_id,
            )
        except TelegramAPIError:  # "not modified", or the admin deleted the message
            return

    async def fetch_media(self, ref: str) -> bytes:
        """An admin's photo, video or document (`tg:<kind>:<file id>`), from Telegram."""
        file_id = ref.split(":", 2)[2]
        buffer = io.BytesIO()
        await self.bot.download(file_id, destination=buffer)
        return buffer.getvalue()

    async def aclose(self) -> None:
        """Close the job's HTTP session, unless the worker keeps it for the next job."""
        if self.owned:
            await self.link.close()
