"""aiogram's response models, kept alive for the bot's whole run.

aiogram validates every answer as `Response[<the method's result type>]`, and pydantic
keeps such parametrised models only in a weak cache: the garbage collector drops them
and the next answer builds the model again (about 5 ms of CPU; in an onboarding rush a
sixth of the bot's CPU went there). This request middleware holds the model of every
method the bot calls, so each is built once. (The bulk sender builds no models: it reads
Telegram's answers as plain JSON, handlers/telegram/bulkapi.py.)
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods import Response, TelegramMethod


class KeptResponseModels(BaseRequestMiddleware):
    """Holds `Response[T]` for each result type `T` of the methods called through it."""

    def __init__(self) -> None:
        self.kept: dict[Any, type[Response[Any]]] = {}

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[Any],
        bot: Bot,
        method: TelegramMethod[Any],
    ) -> Response[Any]:
        """Build (once) and hold the method's response model, then make the request."""
        returning = method.__returning__
        if returning not in self.kept:
            self.kept[returning] = Response[returning]  # type: ignore[valid-type]
        return await make_request(bot, method)
