"""Replies go through the same shared rate limiter as broadcasts, with priority.

`paced` sends one message that way (the lean reply path, handlers/telegram/replies.py,
and the aiogram request middleware `PacedReplies` alike): before every message-sending
call it takes a token
(priority: bulk leaves room for these) for the bot and the chat. Edits, callback answers
and join-request decisions are not paced: Telegram does not count them as messages.
A 429 on a reply is waited out exactly (`retry_after`) and the reply sent again, up to
`ATTEMPTS` times; it is never dropped for being early. Each 429 is counted for the
metrics (broadcasts/tally.py). With Redis unreachable the limiter cannot be asked, and
the message (an apology, handlers/apologies.py) goes out unpaced: Telegram's own 429
still holds it back.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import (
    CopyMessage,
    ForwardMessage,
    Response,
    SendDocument,
    SendMessage,
    SendPhoto,
    SendVideo,
    TelegramMethod,
)

from broadcasts.limiter import RateLimiter
from broadcasts.tally import TALLY
from handlers.inbox import UNAVAILABLE
from handlers.telegram.bulkapi import RetryAfter

log = logging.getLogger(__name__)
T = TypeVar("T")

PACED = (SendMessage, SendPhoto, SendDocument, SendVideo, CopyMessage, ForwardMessage)
ATTEMPTS = 4


async def paced(
    limiter: RateLimiter | None, chat_id: int | None, send: Callable[[], Awaitable[T]]
) -> T:
    """`send()` once the limiter grants a priority token for the bot and `chat_id`; a 429
    (aiogram's or the lean client's) is waited out and the message sent again."""
    for attempt in range(1, ATTEMPTS + 1):
        if limiter is not None:
            try:
                await limiter.acquire(chat_id, priority=True)
            except UNAVAILABLE:
                log.warning("the rate limiter is unreachable; sending unpaced")
        try:
            return await send()
        except (TelegramRetryAfter, RetryAfter) as exc:
            TALLY.add("rate_limited:tg")
            if attempt == ATTEMPTS:
                raise
            await asyncio.sleep(exc.retry_after)
    raise AssertionError("unreachable")


class PacedReplies(BaseRequestMiddleware):
    """Wait for the shared limiter before sending a message."""

    def __init__(self, limiter: RateLimiter) -> None:
        self.limiter = limiter

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[Any],
        bot: Bot,
        method: TelegramMethod[Any],
    ) -> Response[Any]:
        """Take a priority token for message-sending methods, then send; wait out a 429."""
        if not isinstance(method, PACED):
            return await make_request(bot, method)
        chat = getattr(method, "chat_id", None)
        return await paced(
            self.limiter, chat if isinstance(chat, int) else None, lambda: make_request(bot, method)
        )
