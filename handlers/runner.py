"""`kimbot run`: Redis, the RQ worker child, the Telegram bot and the WhatsApp webhook.

- Telegram runs when `KIMBOT_TELEGRAM_TOKEN` is set: long polling, or with `--webhook`
  its webhook at `/telegram/webhook`.
- WhatsApp runs when `whatsapp.enabled` is true in config.yaml: its webhook at
  `/whatsapp/webhook`, on the same host and port (served in polling mode too).
- The web console (handlers/console) is served under `/console` on that port, polling
  deployments included, unless config.yaml says `console.enabled: false`.
- `/metrics` (handlers/metrics.py) is served on that port whenever it serves, and with
  `--metrics-port` on a port of its own with `/healthz`.
- With no `REDIS_URL`, the embedded Redis is started and owned here. An RQ worker child
  (unless `--no-worker`) gets its URL and is restarted, with backoff, whenever it dies
  (handlers/supervisor.py). Ctrl-C (or SIGTERM) stops the web server, the bot, the
  worker and then Redis; when `kimbot run` is killed outright, the kernel stops the
  worker and the embedded Redis (their parent-death signal).
- While it runs, its pid and config path are in the data dir (handlers/running.py), so
  `kimbot broadcast` and `kimbot tickets` read the config it runs with.
- SIGHUP reloads config.yaml without stopping the server (bot/people/reload.py says
  which sections take effect at once and which after a restart).
The access log shows paths only: query strings can carry WhatsApp's verify token.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
from contextlib import ExitStack, suppress

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.web_request import BaseRequest
from aiohttp.web_response import StreamResponse

from bot.dialogs import Conversations, build_conversations
from bot.insights.rebuild import ensure_counters
from bot.people.reload import reload_config
from bot.platform.config import Config, ConfigError
from bot.platform.heap import settle
from bot.platform.store import EmbeddedRedis, connect, wait_for_redis
from bot.services import Services
from broadcasts.dispatch import RQDispatch
from broadcasts.limiter import RateLimiter, Rates
from broadcasts.queues import release_scheduler_locks
from handlers.console.app import add_console
from handlers.metrics import add_metrics_route, serving_metrics
from handlers.processes import PARENT_ENV, stop_process
from handlers.running import announced
from handlers.settings import Settings, SettingsError
from handlers.supervisor import Supervisor
from handlers.telegram.app import (
    build_bot,
    build_dispatcher,
    register_webhook,
    run_polling,
    webhook_app,
)
from handlers.whatsapp.channel import WhatsAppChannel
from handlers.whatsapp.settings import WhatsAppSettings
from handlers.whatsapp.tracking import apply_status
from handlers.whatsapp.updates import DeliveryStatus
from handlers.whatsapp.webhook import add_whatsapp_routes
from handlers.wiring import build_services

log = logging.getLogger(__name__)


class PathOnlyAccessLogger(AbstractAccessLogger):
    """One line per request with the path only: query strings can carry secrets."""

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        """`127.0.0.1 "POST /telegram/webhook" 200 2 0.004s`."""
        self.logger.info(
            '%s "%s %s" %s %s %.3fs',
            request.remote,
            request.method,
            request.path,
            response.status,
            response.body_length,
            time,
        )


def redis_for(settings: Settings, stack: ExitStack) -> str:
    """The Redis URL to use: REDIS_URL, or a freshly started embedded server's."""
    if settings.redis_url:
        return settings.redis_url
    embedded = stack.enter_context(EmbeddedRedis(settings.data_dir))
    return embedded.url


def start_worker(redis_url: str, config_path: str) -> subprocess.Popen[bytes]:
    """An RQ worker (with the scheduler) as a child process, in a process group of its own:
    a terminal's Ctrl-C reaches `kimbot run` only, which stops the worker itself."""
    env = dict(os.environ, REDIS_URL=redis_url, KIMBOT_CONFIG=config_path)
    env[PARENT_ENV] = str(os.getpid())  # the worker dies with `kimbot run`
    command = [sys.executable, "-m", "handlers.cli", "worker", "--config", config_path]
    return subprocess.Popen(command, env=env, process_group=0)  # noqa: S603 (our own module)


def stop_child(child: subprocess.Popen[bytes]) -> None:
    """Ask a child (the worker) to stop, and make sure it does."""
    stop_process(child, signal.SIGTERM, 10)


def run(
    config: Config,
    settings: Settings,
    webhook: bool,
    host: str,
    port: int,
    with_worker: bool,
    metrics_port: int | None = None,
) -> None:
    """Run until interrupted. Settings are checked before anything starts."""
    token = (
        settings.require_token() if settings.telegram_token or not config.whatsapp.enabled else None
    )
    hook = settings.require_webhook() if webhook and token else None
    wa_settings = WhatsAppSettings.from_env() if config.whatsapp.enabled else None
    if webhook and not token and not wa_settings:
        raise SettingsError("--webhook needs KIMBOT_TELEGRAM_TOKEN or whatsapp.enabled")
    with ExitStack() as stack:
        url = redis_for(settings, stack)
        stack.enter_context(announced(settings.data_dir, settings.config_path))
        if settings.redis_url:  # an external server may not be up yet: wait, don't die
            wait_for_redis(lambda: url, "REDIS_URL")
        rq_redis = connect(url, decode=False)
        if not settings.redis_url:  # just started: whoever held RQ's scheduler is dead
            release_scheduler_locks(rq_redis)
        if with_worker:
            config_path = os.path.abspath(settings.config_path)
            worker = Supervisor("RQ worker", lambda: start_worker(url, config_path), stop_child)
            stack.enter_context(worker)
        dispatch = RQDispatch(rq_redis)
        services = build_services(config, connect(url), dispatch=dispatch)
        reindexed = services.hoaxes.ensure_index(lambda group: _ticket_text(services, group))
        if reindexed:
            log.info("hoax archive: %d verdicts re-indexed", reindexed)
        if ensure_counters(services):
            log.info("dashboard counters rebuilt from the records")
        conversations = build_conversations(services)
        # Everything loaded so far (modules, config, regions, catalogs) lives as long as
        # the process: out of the garbage collector's sight (a tenth of the bot's CPU in
        # an onboarding rush was its full collections walking it).
        settle()
        with suppress(KeyboardInterrupt):
            asyncio.run(
                serving_metrics(
                    services,
                    host,
                    metrics_port,
                    _serve(services, conversations, settings, token, hook, wa_settings, host, port),
                )
            )


async def _serve(
    services: Services,
    conversations: Conversations,
    settings: Settings,
    token: str | None,
    hook: tuple[str, str] | None,
    wa_settings: WhatsAppSettings | None,
    host: str,
    port: int,
) -> None:
    bot = dp = limiter = None
    if token:
        limiter = RateLimiter(
            services.redis,
            int(token.split(":", 1)[0]),
            Rates(per_second=services.config.broadcasts.rate_per_second),
        )
        bot = build_bot(token, settings.telegram_api_url, limiter)
        dp = build_dispatcher(services, conversations)
    app: web.Application | None = None
    if hook is not None and bot is not None and dp is not None:
        app = webhook_app(bot, dp, services, hook[1])
    if wa_settings is not None:
        if app is None:
            app = web.Application(client_max_size=1024 * 1024)
            app.router.add_get("/healthz", _healthz)

        async def on_status(status: DeliveryStatus) -> None:
            """Broadcast messages' statuses update their announcement's ledger."""
            await asyncio.to_thread(
                apply_status,
                services.redis,
                services.announcements,
                status.message_id,
                status.status,
                status.error_code,
            )

        channel = WhatsAppChannel.create(services, conversations, wa_settings, on_status=on_status)
        add_whatsapp_routes(app, channel)
    if services.config.console.enabled:
        if app is None:
            app = web.Application(client_max_size=1024 * 1024)
            app.router.add_get("/healthz", _healthz)
        add_console(app, services)
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(
        signal.SIGHUP, lambda: loop.create_task(_reload(services, settings.config_path))
    )
    runner = None
    if app is not None:
        add_metrics_route(app, services)
        runner = web.AppRunner(app, access_log_class=PathOnlyAccessLogger)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError as exc:
            raise SettingsError(
                f"cannot listen on {host}:{port} ({exc.strerror}): pick another --port"
                + (", or set console.enabled: false" if services.config.console.enabled else "")
            ) from exc
        log.info("serving on http://%s:%d", host, port)
        if services.config.console.enabled:
            local = f"http://{_reachable(host)}:{port}"
            await asyncio.to_thread(services.bot_links.set_console, local)
            shown = services.bot_links.console_base(services.config)
            log.info("web console on %s/console/ (/konsol in the bot sends a login link)", shown)
    try:
        if hook is not None and bot is not None and dp is not None:
            await register_webhook(bot, dp, services, hook[0], hook[1])
            await _until_signal()
        elif bot is not None and dp is not None:
            log.info("polling Telegram (Ctrl-C stops)")
            await run_polling(bot, dp, services)
        else:
            await _until_signal()
    finally:
        loop.remove_signal_handler(signal.SIGHUP)
        if runner is not None:
            await runner.cleanup()
        if bot is not None and dp is not None:
            await dp.emit_shutdown()
            await bot.session.close()
        if limiter is not None:
            await limiter.aclose()


async def _reload(services: Services, path: str) -> None:
    """SIGHUP: config.yaml again, while updates keep being served (bot/people/reload.py)."""
    try:
        done = await asyncio.to_thread(reload_config, services, path)
    except ConfigError as exc:
        log.error("config.yaml not reloaded, the running one stays: %s", exc)
        return
    log.info(
        "config.yaml reloaded: %s in effect; %s after a restart",
        ", ".join(done.applied) or "nothing changed",
        ", ".join(done.waiting) or "nothing waits",
    )


def _ticket_text(services: Services, ticket_id: str) -> str | None:
    """A ticket's text, for re-deriving a waiting hoax group's fingerprint (None: gone)."""
    ticket = services.tickets.get(ticket_id)
    return ticket.text if ticket is not None and ticket.text else None


async def _healthz(request: web.Request) -> web.Response:
    return web.Response(text="ok")


def _reachable(host: str) -> str:
    """The host a browser on this machine uses for `host` (any address: loopback)."""
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104


async def _until_signal() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
