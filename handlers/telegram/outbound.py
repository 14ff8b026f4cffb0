"""Telegram's side of `broadcasts.senders.Sender`: batches, notices, progress, media.

Built by a job from the worker's environment (`KIMBOT_TELEGRAM_TOKEN`, optionally
`KIMBOT_TELEGRAM_API_URL`) the first time the job needs Telegram. Every message waits
for a token from the shared limiter; notices take priority tokens, and a 429 on a
notice is waited out by the job's retry.
"""

from __future__ import annotations

import html
import io
from dataclasses import asdict
from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Message

from bot.platform.addresses import Address
from bot.platform.messages import Reply
from bot.services import Services
from broadcasts.limiter import RateLimiter, Rates
from broadcasts.senders import Batch
from handlers.settings import Settings
from handlers.telegram.bulk import BulkSender
from handlers.telegram.render import (
    bot_defaults,
    edit_or_send,
    keyboard,
    send_attachment,
    send_reply,
)

CAPTION_LIMIT = 1024


class JobSession(AiohttpSession):
    """aiogram's aiohttp session, closed without its 250 ms pause where no TLS was used.

    `AiohttpSession.close()` always sleeps 250 ms so that TLS connections can shut down
    cleanly. Every batch job closes its session, so against a plain-HTTP Bot API server
    (a local `telegram-bot-api`, the emulator) that pause was nearly half of a fast batch's
    time; with `https` the pause stays.
    """

    async def close(self) -> None:
        """Close the connections; wait for TLS shutdowns only when the API is https."""
        if self.api.base.startswith("https:"):
            await super().close()
        elif self._session is not None and not self._session.closed:
            await self._session.close()


def job_bot(token: str, api_url: str | None) -> Bot:
    """A Bot for one job (its session is closed by `TelegramSender.aclose`)."""
    session = JobSession(api=TelegramAPIServer.from_base(api_url)) if api_url else JobSession()
    return Bot(
        token,
        session=session,
        # HTML like the bot's own replies (the renderer escapes); bulk text and photo
        # captions pass parse_mode=None themselves, copies keep the original's.
        default=bot_defaults(),
    )


class TelegramSender:
    """One job's connection to Telegram, at the bot's shared rate limit."""

    def __init__(self, services: Services, bot: Bot) -> None:
        self.services = services
        self.bot = bot
        rate = services.config.broadcasts.rate_per_second
        self.limiter = RateLimiter(services.redis, bot.id, Rates(per_second=rate))

    @classmethod
    def from_env(cls, services: Services) -> TelegramSender:
        """The sender of a worker whose environment holds the bot token."""
        settings = Settings.from_env()
        return cls(services, job_bot(settings.require_token(), settings.telegram_api_url))

    async def deliver(self, batch: Batch) -> dict[str, Any]:
        """One batch's Telegram recipients (see `handlers.telegram.bulk`)."""
        bulk = BulkSender(
            bot=self.bot,
            store=self.services.announcements,
            residents=self.services.residents,
            limiter=self.limiter,
            paid=self.services.config.broadcasts.paid_broadcast,
            should_stop=batch.should_stop,
            now=self.services.clock.now,
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
        if reply.media is not None:
            fits = len(reply.text) <= CAPTION_LIMIT  # else: the file, then the text
            markup = keyboard(reply) if fits else None
            caption = html.escape(reply.text, quote=False) if fits and reply.text else None
            file_id = reply.media.file_id
            if reply.media.kind == "photo":
                sent = await self.bot.send_photo(
                    chat_id, file_id, caption=caption, reply_markup=markup
                )
            elif reply.media.kind == "video":
                sent = await self.bot.send_video(
                    chat_id, file_id, caption=caption, reply_markup=markup
                )
            else:
                sent = await self.bot.send_document(
                    chat_id, file_id, caption=caption, reply_markup=markup
                )
            await self.limiter.acquire(chat_id, priority=True)
        if reply.media is None or len(reply.text) > CAPTION_LIMIT:
            sent = await send_reply(self.bot, chat_id, reply)
        elif reply.attachment is not None:
            await self.limiter.acquire(chat_id, priority=True)
            await send_attachment(self.bot, chat_id, reply.attachment)
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
        """Close the job's HTTP session."""
        await self.bot.session.close()
