"""The WhatsApp webhook: aiohttp routes that can share the Telegram webhook's application.

`GET /whatsapp/webhook` is Meta's verification: `hub.mode=subscribe` with the configured
verify token (compared in constant time) echoes `hub.challenge` as text/plain; anything
else is 403.

`POST /whatsapp/webhook` carries updates. In order:
1. a body over 1 MiB → 413 (read no further);
2. `X-Hub-Signature-256` must be `sha256=<hex HMAC-SHA256(app secret, raw body)>`,
   compared in constant time over the raw bytes; missing or wrong → 403, nothing read;
3. a body that is not JSON, or not a WhatsApp Business Account payload → 400;
4. otherwise 200 at once; the batch is processed in the background by the channel.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging

from aiohttp import web

from handlers.whatsapp.channel import WhatsAppChannel
from handlers.whatsapp.updates import PayloadError, parse_webhook

log = logging.getLogger(__name__)
WEBHOOK_PATH = "/whatsapp/webhook"
MAX_BODY = 1024 * 1024
MAX_CHALLENGE = 256
SIGNATURE_HEADER = "X-Hub-Signature-256"
SHUTDOWN_GRACE = 10.0


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


async def read_limited(request: web.Request, limit: int) -> bytes | None:
    """The raw body, or None once it exceeds `limit` bytes."""
    if request.content_length is not None and request.content_length > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def add_whatsapp_routes(app: web.Application, whatsapp: WhatsAppChannel) -> None:
    """Serve the WhatsApp webhook on `app`; drain and close the channel with the app."""

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
        """One signed update batch."""
        body = await read_limited(request, MAX_BODY)
        if body is None:
            return web.Response(text="Payload Too Large", status=413)
        if not signature_valid(
            whatsapp.settings.app_secret, body, request.headers.get(SIGNATURE_HEADER)
        ):
            log.warning("WhatsApp webhook with a missing or wrong signature refused")
            return web.Response(text="Forbidden", status=403)
        try:
            data = json.loads(body)
        except ValueError:
            return web.Response(text="Bad Request: body is not JSON", status=400)
        try:
            batch = parse_webhook(data, whatsapp.phone_number_id)
        except PayloadError as exc:
            return web.Response(text=f"Bad Request: {exc}", status=400)
        whatsapp.accept(batch)
        return web.Response(text="ok")

    async def drain(app: web.Application) -> None:
        """On shutdown, let batches in progress finish (briefly)."""
        await whatsapp.drain(SHUTDOWN_GRACE)

    async def close(app: web.Application) -> None:
        """On cleanup, close the Graph API session."""
        await whatsapp.aclose()

    app.router.add_get(WEBHOOK_PATH, verify)
    app.router.add_post(WEBHOOK_PATH, receive)
    app.on_shutdown.append(drain)
    app.on_cleanup.append(close)
