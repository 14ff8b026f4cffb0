"""What aiogram would post: the form fields of a Bot API method, for comparing the lean
client's JSON bodies (handlers/telegram/bulkapi.py, handlers/telegram/replies.py) with."""

from __future__ import annotations

import json
from enum import Enum
from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession

from handlers.telegram.render import bot_defaults
from tests.support.constants import BOT_TOKEN


def aiogram_fields(method: Any) -> dict[str, Any]:
    """The form fields aiogram posts for `method` with the bot's defaults, read back as
    JSON values."""
    bot = Bot(BOT_TOKEN, session=AiohttpSession(), default=bot_defaults())
    form = bot.session.build_form_data(bot, method)  # type: ignore[attr-defined]
    fields = {}
    for field in form._fields:
        value = field[2].value if isinstance(field[2], Enum) else field[2]
        try:
            fields[field[0]["name"]] = json.loads(str(value))
        except ValueError:
            fields[field[0]["name"]] = str(value)
    return fields
