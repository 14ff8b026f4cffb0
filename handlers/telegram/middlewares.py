"""Update-level guards: each update in its conversation's turn, once; a failing update
never stops the bot.

`InboundUpdates` runs every update inside `handlers.inbox.Inbox.turn` (update key
`tg:{bot id}:{update_id}`), drops one that was handled before, and
hands the receipt to the handlers as `receipt`. The error handler apologises for a bug;
Redis being unreachable is not its business (the transport answers that, see
handlers/telegram/inbound.py).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ErrorEvent, TelegramObject, Update

from bot.platform.i18n import Translator
from handlers.inbox import Inbox, unavailable

log = logging.getLogger(__name__)


def conversation_of(update: Update) -> str:
    """Whose turn an update takes: the private chat, group or user it concerns."""
    message = update.message or update.edited_message
    if message is not None:
        return f"tg:{message.chat.id}"
    query = update.callback_query
    if query is not None:
        if query.message is not None:
            return f"tg:{query.message.chat.id}"
        return f"tg:{query.from_user.id}"
    if update.chat_join_request is not None:
        return f"tg:{update.chat_join_request.from_user.id}"
    member = update.my_chat_member or update.chat_member
    if member is not None:
        return f"tg:{member.chat.id}"
    return f"tg:update:{update.update_id}"


class InboundUpdates(BaseMiddleware):
    """Handles each update_id once, in its conversation's turn."""

    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        """Pass the update on unless its receipt says it was handled."""
        if not isinstance(event, Update):
            return await handler(event, data)
        bot: Bot = data["bot"]
        update = f"tg:{bot.id}:{event.update_id}"
        async with self.inbox.turn(conversation_of(event), update) as receipt:
            if receipt.done:
                log.info("update %s already handled; dropped", event.update_id)
                return None
            data["receipt"] = receipt
            return await handler(event, data)


def error_handler(timezone: str) -> Callable[[ErrorEvent, Bot], Awaitable[bool]]:
    """Log a failed update with its id, and apologise to the resident if there is one.

    Redis being unreachable is left unhandled: it reaches the transport, which asks
    Telegram to deliver the update again (handlers/telegram/inbound.py)."""

    async def on_error(event: ErrorEvent, bot: Bot) -> bool:
        update = event.update
        if unavailable(event.exception):
            raise event.exception
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
