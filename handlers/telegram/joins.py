"""Approval-only KIM groups: approve our subscribers' join requests, decline the rest."""

from __future__ import annotations

import asyncio
import logging

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ChatJoinRequest

from bot.platform.addresses import Address
from bot.regions.joins import decide_join
from bot.services import Services
from handlers.telegram.render import send_reply

log = logging.getLogger(__name__)


def join_router(services: Services) -> Router:
    """The router for `chat_join_request` updates."""
    router = Router(name="joins")

    @router.chat_join_request()
    async def on_join_request(request: ChatJoinRequest, bot: Bot) -> None:
        """Approve or decline, then tell the requester privately."""
        user = Address.telegram(request.from_user.id)
        decision = await asyncio.to_thread(
            decide_join, services, user, request.chat.id, request.from_user.language_code
        )
        if decision.message is None:
            return
        if decision.approve:
            await request.approve()
        else:
            await request.decline()
        try:
            await send_reply(bot, request.user_chat_id, decision.message)
        except TelegramAPIError as exc:  # the user may have blocked the bot meanwhile
            log.info("could not tell a requester about their join request: %s", exc.message)

    return router
