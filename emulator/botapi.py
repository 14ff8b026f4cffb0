"""The bot side: `/bot<token>/<method>` and `/file/bot<token>/<path>` like api.telegram.org.

Every call goes through the same pipeline: resolve the token (401) and the
method (404 `Not Found: method not found`), read the parameters and refuse any the
method does not have in the current Bot API (400, see apispec.py), apply injected
faults, run the handler,
turn ApiError into Telegram's error JSON, and record the call in the log.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

from aiohttp import web

from . import methods_chat, methods_edit, methods_send, methods_updates
from .apispec import unknown_parameter
from .errors import METHOD_NOT_FOUND, NOT_FOUND, UNAUTHORIZED, ApiError
from .faults import FaultInjector
from .limits import RateLimitRegistry
from .params import Params, read_request
from .registry import METHODS, Call
from .reqlog import DeliveryCounters, RequestLog
from .state import BotAccount, World
from .webhook import WebhookDeliverer

log = logging.getLogger(__name__)
HANDLER_MODULES = (methods_chat, methods_edit, methods_send, methods_updates)


def json_response(status: int, body: Any) -> web.Response:
    """Serialise a JSON answer."""
    return web.Response(
        status=status,
        body=json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
        content_type="application/json",
    )


class BotApiServer:
    """Runs Bot API calls against the world and keeps the log and counters."""

    def __init__(
        self,
        world: World,
        limits: RateLimitRegistry,
        faults: FaultInjector,
        log_size: int = 10_000,
        webhook_retries: int = 3,
        webhook_backoff: float = 0.2,
    ) -> None:
        self.world = world
        self.limits = limits
        self.faults = faults
        self.log = RequestLog(log_size)
        self.counters = DeliveryCounters()
        self.webhooks = WebhookDeliverer(self.execute, webhook_retries, webhook_backoff)

    def routes(self) -> list[web.RouteDef]:
        """Return the aiohttp routes of the bot side."""
        return [
            web.route("*", "/bot{token}/{method}", self.handle),
            web.get("/file/bot{token}/{path:.+}", self.download),
        ]

    async def handle(self, request: web.Request) -> web.Response:
        """Serve one HTTP Bot API call."""
        started = time.monotonic()
        token = request.match_info["token"]
        name = request.match_info["method"]
        bot = self.world.tokens.get(token)
        if bot is None:
            self.log.add(None, name, {}, 401, UNAUTHORIZED.description, started)
            return json_response(401, UNAUTHORIZED.payload())
        try:
            params = await read_request(request)
        except web.HTTPRequestEntityTooLarge:
            error = ApiError(413, "Request Entity Too Large")
            self.log.add(bot.id, name, {}, 413, error.description, started)
            return json_response(413, error.payload())
        except ApiError as exc:
            self.log.add(bot.id, name, {}, exc.code, exc.description, started)
            return json_response(exc.code, exc.payload())
        status, body = await self.execute(bot, name, params, "http", started)
        return json_response(status, body)

    async def execute(
        self,
        bot: BotAccount,
        name: str,
        params: Params,
        via: str = "http",
        started: float | None = None,
    ) -> tuple[int, Any]:
        """Run a method for a bot; return (HTTP status, JSON body)."""
        started = time.monotonic() if started is None else started
        entry = METHODS.get(name.lower())
        if entry is None:
            missing = METHOD_NOT_FOUND
            self.log.add(bot.id, name, params.summary(), 404, missing.description, started, via)
            return 404, missing.payload()
        canonical, handler = entry
        refused = unknown_parameter(canonical, params.values)
        if refused is not None:
            summary = params.summary()
            self.log.add(bot.id, canonical, summary, 400, refused.description, started, via)
            return 400, refused.payload()
        fault, delay = self.faults.pick(bot.id, canonical)
        if delay > 0:
            await asyncio.sleep(delay)
        try:
            if fault is not None:
                raise fault
            call = Call(
                self.world,
                bot,
                params,
                self.limits.for_bot(bot.id),
                self.counters,
                self.webhooks,
            )
            result = await handler(call)
        except ApiError as exc:
            self.log.add(
                bot.id, canonical, params.summary(), exc.code, exc.description, started, via
            )
            return exc.code, exc.payload()
        except Exception:
            log.exception("emulator failure in %s", canonical)
            self.log.add(
                bot.id, canonical, params.summary(), 500, "Internal Server Error", started, via
            )
            return 500, ApiError(500, "Internal Server Error").payload()
        self.log.add(bot.id, canonical, params.summary(), 200, None, started, via)
        return 200, {"ok": True, "result": result}

    async def download(self, request: web.Request) -> web.StreamResponse:
        """Serve a stored file like api.telegram.org/file/bot<token>/<path>."""
        if request.match_info["token"] not in self.world.tokens:
            return json_response(401, UNAUTHORIZED.payload())
        stored = self.world.files.by_path.get(request.match_info["path"])
        if stored is None or stored.data is None:
            return json_response(404, NOT_FOUND.payload())
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )
