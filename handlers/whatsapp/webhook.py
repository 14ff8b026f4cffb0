"""The WhatsApp webhook: aiohttp routes that can share the Telegram webhook's application.

`GET /whatsapp/webhook` is Meta's verification: `hub.mode=subscribe` with the configured
verify token (compared in constant time) echoes `hub.challenge` as text/plain; anything
else is 403.

`POST /whatsapp/webhook` carries updates. In order:
1. more than `MAX_IN_FLIGHT` batches already being handled → 429 (Meta delivers it
   again later: back-pressure instead of an unbounded queue);
2. a body over 1 MiB → 413 (read no further), slower than 10 s → 408;
3. `X-Hub-Signature-256` must be `sha256=<hex HMAC-SHA256(app secret, raw body)>`,
   compared in constant time over the raw bytes; missing or wrong → 403, nothing parsed;
4. a body that is not JSON, nested deeper than 32 levels, or not a WhatsApp Business
   Account payload → 400 (handlers/bodies.py);
5. otherwise the batch is handled in the foreground: 200 when it is done with, 503 when
   it must come again (Redis unreachable; see handlers/whatsapp/channel.py).
"""

from __future__ import annotations

import hashlib
import hmac
import logging

from aiohttp import web

from handlers.bodies import BadBody, parse_json, read_body
from handlers.whatsapp.channel import WhatsAppChannel
from handlers.whatsapp.updates import PayloadError, parse_webhook

log = logging.getLogger(__name__)
WEBHOOK_PATH = "/whatsapp/webhook"
MAX_CHALLENGE = 256
SIGNATURE_HEADER = "X-Hub-Signature-256"
MAX_IN_FLIGHT = 64


def signature_valid(app_secret: str, body: bytes, header: str | None) -> bool:
    """True when `header` is `sha256=` and the HMAC-SHA256 of `body` under `app_secret`."""
    if not header:
        return False
    expected = "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.strip().encode("utf-8", "replace"))


def verify_token_valid(expected: str, given: str | None) -> bool:
    """True when `given` is the configured verify token (constant-time comparison)."""
    if given is None:
        return False
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace"))


def add_whatsapp_routes(app: web.Application, whatsapp: WhatsAppChannel) -> None:
    """Serve the WhatsApp webhook on `app`; close the channel with the app."""
    in_flight = 0

    async def verify(request: web.Request) -> web.Response:
        """Meta's subscription check."""
        query = request.query
        challenge = query.get("hub.challenge", "")
        if (
            query.get("hub.mode") == "subscribe"
            and verify_token_valid(whatsapp.settings.verify_token, query.get("hub.verify_token"))
            and 0 < len(challenge) <= MAX_CHALLENGE
            and challenge.isprintable()
        ):
            return web.Response(text=challenge, content_type="text/plain")
        log.warning("WhatsApp webhook verification refused")
        return web.Response(text="Forbidden", status=403)

    async def receive(request: web.Request) -> web.Response:
        """One signed update batch, handled before it is answered."""
        nonlocal in_flight
        if in_flight >= MAX_IN_FLIGHT:
            return web.Response(text="Too Many Requests: try again later", status=429)
        in_flight += 1
        try:
            return await take(request)
        finally:
            in_flight -= 1

    async def take(request: web.Request) -> web.Response:
        try:
            body = await read_body(request)
            if not signature_valid(
                whatsapp.settings.app_secret, body, request.headers.get(SIGNATURE_HEADER)
            ):
                log.warning("WhatsApp webhook with a missing or wrong signature refused")
                return web.Response(text="Forbidden", status=403)
            data = parse_json(body)
        except BadBody as bad:
            return bad.response()
        try:
            batch = parse_webhook(data, whatsapp.phone_number_id)
        except PayloadError as exc:
            return web.Response(text=f"Bad Request: {exc}", status=400)
        if await whatsapp.process(batch):
            return web.Response(text="ok")
        return web.Response(text="Service Unavailable: deliver this again", status=503)

    async def close(app: web.Application) -> None:
        """On cleanup, close the Graph API session."""
        await whatsapp.aclose()

    app.router.add_get(WEBHOOK_PATH, verify)
    app.router.add_post(WEBHOOK_PATH, receive)
    app.on_cleanup.append(close)
