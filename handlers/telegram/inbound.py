"""Feeding one Telegram update to the dispatcher, for the webhook and for polling alike.

`Inbound.handle` returns True when the update is done with (answered, dropped as a
redelivery, ignored, or failed on a bug the error handler apologised for) and False when
it must be delivered again later: Redis is unreachable, or another process kept the resident's
turn too long. Then the resident is told, once a minute and without Redis, that the
message will be answered (handlers/apologies.py).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Update
from aiogram.types.update import UpdateTypeLookupError

from handlers.apologies import Apologies
from handlers.inbox import TurnBusy, unavailable
from handlers.metrics import observe_update

log = logging.getLogger(__name__)


def parse_update(raw: dict[str, Any], bot: Bot) -> Update:
    """aiogram's `Update` from Telegram's JSON (pydantic's ValidationError if it is none).

    The keyboard of the message a button was pressed on is left out: no handler reads it,
    and it was half of such an update's parsing time (a kelurahan list has dozens of
    buttons, each a model of its own)."""
    query = raw.get("callback_query")
    if isinstance(query, dict):
        shown = query.get("message")
        if isinstance(shown, dict) and "reply_markup" in shown:
            shown = {k: v for k, v in shown.items() if k != "reply_markup"}
            raw = {**raw, "callback_query": {**query, "message": shown}}
    return Update.model_validate(raw, context={"bot": bot})


class Inbound:
    """The dispatcher, the bot, and what to say while the store is down."""

    def __init__(self, bot: Bot, dp: Dispatcher, apologies: Apologies) -> None:
        self.bot = bot
        self.dp = dp
        self.apologies = apologies

    async def handle(self, update: Update) -> bool:
        """Handle `update`; False if it must come again later (counted for /metrics)."""
        started = time.monotonic()
        outcome = await self._handle(update)
        observe_update("tg", outcome, time.monotonic() - started)
        return outcome in ("answered", "ignored", "error")

    async def _handle(self, update: Update) -> str:
        """answered, ignored, error (all done with), or retry, busy (to come again)."""
        try:
            update.event_type  # noqa: B018 (raises for an update that carries nothing we know)
        except UpdateTypeLookupError:
            log.info("update %s carries no known event; ignored", update.update_id)
            return "ignored"
        try:
            await self.dp.feed_update(self.bot, update)
        except Exception as exc:
            if not unavailable(exc):
                log.exception("update %s failed outside its handlers", update.update_id)
                return "error"
            if isinstance(exc, TurnBusy):
                log.warning("update %s: its conversation is busy elsewhere", update.update_id)
                return "busy"
            log.warning("update %s not handled, Redis is unreachable: %s", update.update_id, exc)
            await self._apologise(update)
            return "retry"
        return "answered"

    async def _apologise(self, update: Update) -> None:
        """Tell a resident in a private chat that their message will be answered later."""
        message = update.message or (
            update.callback_query.message if update.callback_query else None
        )
        user = update.message.from_user if update.message else None
        if update.callback_query is not None:
            user = update.callback_query.from_user
        if message is None or user is None or message.chat.type != "private":
            return
        if not self.apologies.due(f"tg:{message.chat.id}"):
            return
        try:
            await self.bot.send_message(message.chat.id, self.apologies.text(user.language_code))
        except TelegramAPIError as exc:
            log.info("could not apologise to chat %s: %s", message.chat.id, exc.message)
