"""Telegram's webhook: `POST /telegram/webhook`, answered only once the update is handled.

In order:
1. a wrong or missing `X-Telegram-Bot-Api-Secret-Token` → 401, nothing read;
2. more than `MAX_IN_FLIGHT` updates already being handled → 429, nothing read (Telegram
   delivers it again later: back-pressure instead of an unbounded queue);
3. a body over 1 MiB → 413, slower than 10 s → 408, not JSON or nested deeper than 32
   levels → 400, not a valid Telegram update → 400 (handlers/bodies.py);
4. the update is handled in the foreground; 200 when it is done with, 503 when it must
   come again (Redis unreachable; see handlers/telegram/inbound.py).
Telegram is asked for at most `MAX_CONNECTIONS` connections at once (setWebhook).
"""

from __future__ import annotations

import hmac
import logging

from aiohttp import web
from pydantic import ValidationError

from handlers.bodies import BadBody, parse_json, read_body
from handlers.telegram.inbound import Inbound, parse_update

log = logging.getLogger(__name__)
WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)
MAX_IN_FLIGHT = 64
MAX_CONNECTIONS = 40


class TelegramWebhook:
    """The request handler, with its count of updates in flight."""

    def __init__(self, inbound: Inbound, secret: str, max_in_flight: int = MAX_IN_FLIGHT) -> None:
        self.inbound = inbound
        self.secret = secret
        self.max_in_flight = max_in_flight
        self.in_flight = 0
        self.peak_in_flight = 0

    def register(self, app: web.Application) -> None:
        """Serve the webhook on `app`."""
        app.router.add_post(WEBHOOK_PATH, self.receive)

    async def receive(self, request: web.Request) -> web.Response:
        """One update."""
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode("utf-8", "replace"), self.secret.encode()):
            return web.Response(text="Unauthorized", status=401)
        if self.in_flight >= self.max_in_flight:
            return web.Response(text="Too Many Requests: try again later", status=429)
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            return await self._take(request)
        finally:
            self.in_flight -= 1

    async def _take(self, request: web.Request) -> web.Response:
        try:
            data = parse_json(await read_body(request))
        except BadBody as bad:
            return bad.response()
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return web.Response(text="Bad Request: not a Telegram update", status=400)
        try:
            update = parse_update(data, self.inbound.bot)
        except ValidationError as exc:
            log.warning(
                "update %s refused: %d invalid fields", data["update_id"], exc.error_count()
            )
            return web.Response(text="Bad Request: not a valid Telegram update", status=400)
        if await self.inbound.handle(update):
            return web.Response(text="ok")
        return web.Response(text="Service Unavailable: deliver this update again", status=503)
