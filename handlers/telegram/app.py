"""Builds the Telegram bot and dispatcher, and runs them by long polling or webhook.

Webhook mode serves `POST /telegram/webhook` on the given host and port (behind the
operator's HTTPS reverse proxy) and checks Telegram's secret-token header on every
request: a wrong or missing secret gets 401 and the update is not processed. A body
that is not a JSON update gets 400. `GET /healthz` answers `ok`.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from bot.dialogs import ADMIN_COMMANDS, RESIDENT_COMMANDS, Conversations
from bot.platform.addresses import Address
from bot.services import Services
from broadcasts.limiter import RateLimiter
from handlers.telegram.desk import desk_router
from handlers.telegram.joins import join_router
from handlers.telegram.middlewares import SeenUpdates, error_handler
from handlers.telegram.pacing import PacedReplies
from handlers.telegram.residents import ResidentChats, resident_router

log = logging.getLogger(__name__)
WEBHOOK_PATH = "/telegram/webhook"


def build_bot(token: str, api_url: str | None = None, limiter: RateLimiter | None = None) -> Bot:
    """A Bot talking to api.telegram.org, or to `api_url` (a local Bot API server).

    With a limiter, every message it sends first waits for a priority token.
    """
    session = (
        AiohttpSession(api=TelegramAPIServer.from_base(api_url)) if api_url else AiohttpSession()
    )
    if limiter is not None:
        session.middleware(PacedReplies(limiter))
    return Bot(
        token,
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


def build_dispatcher(services: Services, conversations: Conversations) -> Dispatcher:
    """The router tree: join requests, then residents' private chats."""
    dp = Dispatcher(services=services)
    dp.update.outer_middleware(SeenUpdates(services.redis))
    dp.include_router(join_router(services))
    dp.include_router(desk_router(services))
    dp.include_router(resident_router(ResidentChats(conversations)))
    dp.errors.register(error_handler(services.config.deployment.timezone))
    return dp


async def set_commands(bot: Bot, services: Services) -> None:
    """Command menus per language: English command names for English, Indonesian otherwise."""
    scope = BotCommandScopeAllPrivateChats()
    locales = services.config.locales
    for locale in locales.enabled:
        tr = services.translator(locale)
        commands = [
            BotCommand(command=en if locale == "en" else ind, description=tr._(description))
            for ind, en, description in RESIDENT_COMMANDS
        ]
        await bot.set_my_commands(commands, scope=scope, language_code=locale)
        if locale == locales.default:
            await bot.set_my_commands(commands, scope=scope)
    await _set_admin_commands(bot, services)


async def _set_admin_commands(bot: Bot, services: Services) -> None:
    """Admins see the broadcast commands too, in their own chat's menu."""
    roles = services.config.roles
    tr = services.translator(services.config.locales.default)
    commands = [
        BotCommand(command=ind, description=tr._(description))
        for ind, _en, description in RESIDENT_COMMANDS + ADMIN_COMMANDS
    ]
    admins = {a.id for a in roles.admins} | set(roles.superadmins)
    for text in sorted(admins):
        admin = Address.parse(text)
        if admin.platform != "tg":
            continue
        scope = BotCommandScopeChat(chat_id=int(admin.chat_id))
        try:
            await bot.set_my_commands(commands, scope=scope)
        except TelegramAPIError as exc:  # an admin who never started the bot
            log.info("no command menu for %s: %s", text, exc.message)


async def run_polling(bot: Bot, dp: Dispatcher, services: Services) -> None:
    """Long polling until interrupted."""
    await bot.delete_webhook(drop_pending_updates=False)
    await set_commands(bot, services)
    await dp.start_polling(bot, allowed_updates=dp.resolve_used_update_types(), handle_signals=True)


class _CheckedHandler(SimpleRequestHandler):
    """aiogram's webhook handler, answering 400 instead of 500 to a body that is not JSON."""

    async def handle(self, request: web.Request) -> web.Response:
        if not self.verify_secret(
            request.headers.get("X-Telegram-Bot-Api-Secret-Token", ""), self.bot
        ):
            return web.Response(body="Unauthorized", status=401)
        try:
            body: Any = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return web.Response(body="Bad Request: body is not JSON", status=400)
        if not isinstance(body, dict) or not isinstance(body.get("update_id"), int):
            return web.Response(body="Bad Request: not a Telegram update", status=400)
        return await super().handle(request)


def webhook_app(bot: Bot, dp: Dispatcher, secret: str) -> web.Application:
    """The aiohttp application serving Telegram's webhook (and /healthz)."""
    app = web.Application(client_max_size=1024 * 1024)
    _CheckedHandler(dispatcher=dp, bot=bot, secret_token=secret).register(app, path=WEBHOOK_PATH)
    setup_application(app, dp, bot=bot)

    async def healthz(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app.router.add_get("/healthz", healthz)
    return app


async def register_webhook(
    bot: Bot, dp: Dispatcher, services: Services, url: str, secret: str
) -> None:
    """Tell Telegram where to deliver updates, with the secret it must send back."""
    await set_commands(bot, services)
    await bot.set_webhook(url, secret_token=secret, allowed_updates=dp.resolve_used_update_types())
    log.info("webhook set to %s", url)
