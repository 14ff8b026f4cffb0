"""Update-level guards: drop redelivered updates; a failing update never stops the bot.

Redis key: `kim:seen:tg:{bot id}:{update_id}` — set when an update is first handled,
expires after a day. Telegram redelivers webhook updates it thinks were not received.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ErrorEvent, TelegramObject, Update

from bot.platform.i18n import Translator
from bot.platform.store import Redis

log = logging.getLogger(__name__)
SEEN_TTL = 24 * 3600


class SeenUpdates(BaseMiddleware):
    """Handles each update_id once."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        """Pass the update on only the first time it is seen."""
        if isinstance(event, Update):
            bot: Bot = data["bot"]
            key = f"kim:seen:tg:{bot.id}:{event.update_id}"
            fresh = await asyncio.to_thread(self.redis.set, key, "1", nx=True, ex=SEEN_TTL)
            if not fresh:
                log.info("update %s already handled; dropped", event.update_id)
                return None
        return await handler(event, data)


def error_handler(timezone: str) -> Callable[[ErrorEvent, Bot], Awaitable[bool]]:
    """Log a failed update with its id, and apologise to the resident if there is one."""

    async def on_error(event: ErrorEvent, bot: Bot) -> bool:
        update = event.update
        log.error("update %s failed", update.update_id, exc_info=event.exception)
        message = update.message or (
            update.callback_query.message if update.callback_query else None
        )
        user = update.message.from_user if update.message else None
        if update.callback_query:
            user = update.callback_query.from_user
        if message is None or user is None or message.chat.type != "private":
            return True
        tr = Translator(user.language_code or "id", timezone)
        try:
            await bot.send_message(
                message.chat.id,
                tr._("Sorry, something went wrong on our side. Please try again in a moment."),
            )
        except TelegramAPIError:
            log.info("could not apologise for a failed update")  # the chat id names a person
        return True

    return on_error
