"""Builds the Telegram bot and dispatcher, and runs them by long polling or webhook.

Webhook mode serves `POST /telegram/webhook` on the given host and port (behind the
operator's HTTPS reverse proxy; handlers/telegram/webhook.py says what it answers when),
polling mode confirms only what it handled (handlers/telegram/polling.py). Either way
each update is handled once, in its conversation's turn (handlers/inbox.py).
`GET /healthz` answers `ok`.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from contextlib import suppress

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from aiohttp import web
from pydantic_core import from_json

from bot.dialogs import ADMIN_COMMANDS, RESIDENT_COMMANDS, Conversations
from bot.platform.addresses import Address
from bot.services import Services
from broadcasts.limiter import RateLimiter
from handlers.apologies import Apologies
from handlers.inbox import Inbox
from handlers.telegram.bulkapi import BulkApi
from handlers.telegram.desk import desk_router
from handlers.telegram.inbound import Inbound
from handlers.telegram.joins import join_router
from handlers.telegram.link import SharedSession
from handlers.telegram.middlewares import InboundUpdates, error_handler
from handlers.telegram.pacing import PacedReplies
from handlers.telegram.polling import Poller
from handlers.telegram.render import bot_defaults
from handlers.telegram.replies import ReplyingBot
from handlers.telegram.residents import ResidentChats, resident_router
from handlers.telegram.responses import KeptResponseModels
from handlers.telegram.webhook import MAX_CONNECTIONS, TelegramWebhook

log = logging.getLogger(__name__)


def build_bot(
    token: str, api_url: str | None = None, limiter: RateLimiter | None = None
) -> ReplyingBot:
    """A Bot talking to api.telegram.org, or to `api_url` (a local Bot API server).

    With a limiter, every message it sends first waits for a priority token.
    The Bot's `replies` send residents' replies on the lean path.
    """
    # pydantic's JSON parser reads Telegram's answers in about half json.loads's time; in a
    # rush the bot reads the same unconfirmed updates many times (handlers/telegram/polling.py)
    # residents' replies skip aiogram's models (handlers/telegram/replies.py); aiogram's
    # Bot shares the lean client's connections
    api = BulkApi(token, api_url)
    session = SharedSession(api, owns=True, json_loads=from_json)
    session.middleware(KeptResponseModels())
    if limiter is not None:
        session.middleware(PacedReplies(limiter))
    return ReplyingBot(token, api, session, limiter, bot_defaults())


def build_dispatcher(services: Services, conversations: Conversations) -> Dispatcher:
    """The router tree: join requests, then residents' private chats. `emit_shutdown()`
    closes what it opened, in the loop that served it."""
    # no aiogram FSM: conversation state lives in the core (Redis), so aiogram's per-update
    # FSM context (and its in-memory storage) would be work for nothing
    dp = Dispatcher(services=services, disable_fsm=True)
    inbox = Inbox(services.redis)
    dp.update.outer_middleware(InboundUpdates(inbox))
    dp.shutdown.register(inbox.aclose)  # its asyncio Redis client: `dp.emit_shutdown()`
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
    await record_links(bot, services)


async def record_links(bot: Bot, services: Services) -> None:
    """Tell the core the bot's username (for invitation links) and a join-request link
    to the staff group (for new staff), made once per group and kept."""
    me = await bot.get_me()
    links = services.bot_links
    group = services.config.roles.staff.group
    link = ""
    if group and Address.parse(group).platform == "tg":
        link = links.staff_group_link() if links.staff_group() == group else ""
        if not link:
            try:
                made = await bot.create_chat_invite_link(
                    int(Address.parse(group).chat_id), name="KIM staff", creates_join_request=True
                )
                link = made.invite_link
            except TelegramAPIError as exc:  # the bot is not an admin of the group (yet)
                log.warning("no join link for the staff group: %s", exc.message)
    links.set_telegram(me.username or "", link, (group or "") if link else "")


async def _set_admin_commands(bot: Bot, services: Services) -> None:
    """Admins see the broadcast commands too, in their own chat's menu."""
    roles = services.config.roles
    tr = services.translator(services.config.locales.default)
    commands = [
        BotCommand(command=ind, description=tr._(description))
        for ind, _en, description in RESIDENT_COMMANDS + ADMIN_COMMANDS
    ]
    admins = {a.id for a in roles.admins} | set(roles.superadmins)
    admins |= {str(g.holder) for g in services.roles.grants.everyone()}
    for text in sorted(admins):
        admin = Address.parse(text)
        if admin.platform != "tg":
            continue
        scope = BotCommandScopeChat(chat_id=int(admin.chat_id))
        try:
            await bot.set_my_commands(commands, scope=scope)
        except TelegramAPIError as exc:  # an admin who never started the bot
            log.info("no command menu for %s: %s", text, exc.message)


def inbound(bot: Bot, dp: Dispatcher, services: Services) -> Inbound:
    """What both transports feed updates through."""
    return Inbound(bot, dp, Apologies(services.config))


async def run_polling(bot: ReplyingBot, dp: Dispatcher, services: Services) -> None:
    """Long polling until SIGINT or SIGTERM."""
    await bot.delete_webhook(drop_pending_updates=False)
    await set_commands(bot, services)
    poller = Poller(inbound(bot, dp, services), bot.replies.api, dp.resolve_used_update_types())
    task = asyncio.get_running_loop().create_task(poller.run())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    waiter = loop.create_task(stop.wait())
    try:
        await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def webhook_app(bot: Bot, dp: Dispatcher, services: Services, secret: str) -> web.Application:
    """The aiohttp application serving Telegram's webhook (and /healthz)."""
    app = web.Application(client_max_size=1024 * 1024)
    TelegramWebhook(inbound(bot, dp, services), secret).register(app)

    async def healthz(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app.router.add_get("/healthz", healthz)
    return app


async def register_webhook(
    bot: Bot, dp: Dispatcher, services: Services, url: str, secret: str
) -> None:
    """Tell Telegram where to deliver updates, with the secret it must send back."""
    await set_commands(bot, services)
    await bot.set_webhook(
        url,
        secret_token=secret,
        allowed_updates=dp.resolve_used_update_types(),
        max_connections=MAX_CONNECTIONS,
    )
    log.info("webhook set to %s", url)
