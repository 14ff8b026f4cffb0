"""One bot's connection to the Bot API: the lean client and aiogram's Bot on one session.

`BulkApi` (handlers/telegram/bulkapi.py) posts pre-serialised JSON and reads the answers as
plain JSON; aiogram's `Bot` builds and validates models, and is kept for what needs them
(uploads, downloads, the dispatcher). Both share one aiohttp connection pool, which the
link (or, in the bot process, the Bot's session) closes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import PRODUCTION, TelegramAPIServer
from aiogram.utils.token import extract_bot_id
from aiohttp import ClientSession

from handlers.telegram.bulkapi import BulkApi
from handlers.telegram.render import bot_defaults


class SharedSession(AiohttpSession):
    """aiogram's aiohttp session on the lean client's connections.

    aiogram's own session opens a connection pool per `Bot`, and its `close()` sleeps
    250 ms for TLS shutdowns. With `owns`, closing this session closes the lean client
    (the bot process: one Bot, closed once at shutdown); without, whoever made the
    client closes it (a worker's `TelegramLink`, kept from job to job).
    """

    def __init__(
        self,
        api: BulkApi,
        *,
        owns: bool = False,
        json_loads: Callable[..., Any] | None = None,
    ) -> None:
        server = TelegramAPIServer.from_base(api.api_url) if api.api_url else PRODUCTION
        super().__init__(api=server, json_loads=json_loads or json.loads)
        self.bulk = api
        self.owns = owns

    async def create_session(self) -> ClientSession:
        """The lean client's session."""
        return self.bulk.session()

    async def close(self) -> None:
        """Close the connections if this session owns them."""
        if self.owns:
            await self.bulk.close()


class TelegramLink:
    """A worker's connection to one bot: the lean client and, built when first needed,
    aiogram's Bot over the same aiohttp session."""

    def __init__(self, token: str, api_url: str | None) -> None:
        self.api = BulkApi(token, api_url)
        self.bot_id = extract_bot_id(token)
        self._bot: Bot | None = None

    @property
    def bot(self) -> Bot:
        """aiogram's Bot (notices, edits, downloads), on the link's session."""
        if self._bot is None:
            # HTML like the bot's own replies (the renderer escapes)
            self._bot = Bot(self.api.token, session=SharedSession(self.api), default=bot_defaults())
        return self._bot

    async def close(self) -> None:
        """Close the connections."""
        await self.api.close()
