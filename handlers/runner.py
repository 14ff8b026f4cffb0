"""`kimbot run`: Redis, the RQ worker child, and the Telegram bot, started and stopped together."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
from contextlib import ExitStack

from aiohttp import web

from bot.config import Config
from bot.dialogs import build_conversations
from bot.services import build_services
from bot.store import EmbeddedRedis, connect
from broadcasts.jobs import RQDispatch
from broadcasts.limiter import Rates, RateLimiter
from handlers.settings import Settings
from handlers.telegram.app import (
    build_bot,
    build_dispatcher,
    register_webhook,
    run_polling,
    webhook_app,
)

log = logging.getLogger(__name__)


def redis_for(settings: Settings, stack: ExitStack) -> str:
    """The Redis URL to use: REDIS_URL, or a freshly started embedded server's."""
    if settings.redis_url:
        return settings.redis_url
    embedded = stack.enter_context(EmbeddedRedis(settings.data_dir))
    return embedded.url


def start_worker(redis_url: str, config_path: str) -> subprocess.Popen[bytes]:
    """An RQ worker (with the scheduler) as a child process."""
    env = dict(os.environ, REDIS_URL=redis_url, KIMBOT_CONFIG=config_path)
    command = [sys.executable, "-m", "handlers.cli", "worker", "--config", config_path]
    return subprocess.Popen(command, env=env)  # noqa: S603 (our own interpreter and module)


def stop_child(child: subprocess.Popen[bytes]) -> None:
    """Ask a child to stop, and make sure it does."""
    if child.poll() is None:
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def run(
    config: Config,
    settings: Settings,
    webhook: bool,
    host: str,
    port: int,
    with_worker: bool,
) -> None:
    """Run the bot until interrupted."""
    token = settings.require_token()
    hook = settings.require_webhook() if webhook else None
    with ExitStack() as stack:
        url = redis_for(settings, stack)
        if with_worker:
            child = start_worker(url, os.path.abspath(settings.config_path))
            stack.callback(stop_child, child)
        services = build_services(
            config, connect(url), dispatch=RQDispatch(connect(url, decode=False))
        )
        services.redis.ping()
        conversations = build_conversations(services)
        limiter = RateLimiter(
            services.redis,
            int(token.split(":", 1)[0]),
            Rates(per_second=config.broadcasts.rate_per_second),
        )
        bot = build_bot(token, settings.telegram_api_url, limiter)
        dp = build_dispatcher(services, conversations)
        if hook is None:
            log.info("polling Telegram (Ctrl-C stops)")
            asyncio.run(run_polling(bot, dp, services))
            return
        public_url, secret = hook
        app = webhook_app(bot, dp, secret)

        async def on_startup(app: web.Application) -> None:
            await register_webhook(bot, dp, services, public_url, secret)

        app.on_startup.append(on_startup)
        log.info("serving the webhook on http://%s:%d/telegram/webhook", host, port)
        web.run_app(app, host=host, port=port, print=None)
