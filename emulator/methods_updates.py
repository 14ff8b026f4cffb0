"""Bot API methods for receiving updates: getUpdates, setWebhook, deleteWebhook, getWebhookInfo."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from .errors import bad_request, conflict
from .registry import Call, method
from .updates import ALL_UPDATE_TYPES, Webhook

WEBHOOK_ACTIVE = (
    "can't use getUpdates method while webhook is active; use deleteWebhook to delete the "
    "webhook first"
)
SUPERSEDED = (
    "terminated by other getUpdates request; make sure that only one bot instance is running"
)
MAX_POLL_TIMEOUT = 50


def allowed_updates(call: Call) -> list[str] | None:
    """Return the allowed_updates parameter (None when absent)."""
    raw = call.params.opt_json("allowed_updates")
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise bad_request("can't parse allowed_updates JSON object")
    return [item for item in raw if item in ALL_UPDATE_TYPES]


@method("getUpdates")
async def get_updates(call: Call) -> Any:
    """Long-poll the bot's updates; a positive offset confirms earlier ones."""
    p = call.params
    queue = call.bot.updates
    if queue.webhook is not None:
        raise conflict(WEBHOOK_ACTIVE)
    offset = p.opt_int("offset") or 0
    limit = min(max(p.opt_int("limit") or 100, 1), 100)
    timeout = min(max(p.opt_int("timeout") or 0, 0), MAX_POLL_TIMEOUT)
    allowed = allowed_updates(call)
    if allowed is not None:
        queue.set_allowed(allowed)
    queue.confirm(offset)
    queue.poll_generation += 1
    generation = queue.poll_generation
    queue.notifier.notify()
    deadline = time.monotonic() + timeout
    while True:
        if queue.webhook is not None:
            raise conflict(WEBHOOK_ACTIVE)
        if generation != queue.poll_generation:
            raise conflict(SUPERSEDED)
        updates = queue.take(limit)
        remaining = deadline - time.monotonic()
        if updates or remaining <= 0:
            return updates
        await queue.notifier.wait(remaining)


@method("setWebhook")
async def set_webhook(call: Call) -> Any:
    """Set (or with an empty url remove) the webhook."""
    p = call.params
    queue = call.bot.updates
    url = (p.opt_str("url") or "").strip()
    if p.flag("drop_pending_updates"):
        queue.clear()
    allowed = allowed_updates(call)
    if allowed is not None:
        queue.set_allowed(allowed)
    if not url:
        queue.webhook = None
        call.webhooks.stop(call.bot)
        return True
    parts = urlsplit(url)
    if not parts.scheme or not parts.hostname:
        raise bad_request("invalid webhook URL specified")
    if parts.scheme not in ("http", "https"):  # plain http is allowed, as in local mode
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = p.opt_str("secret_token")
    if secret is not None and len(secret) > 256:
        raise bad_request("secret token is too long")
    if secret is not None and not all(c.isascii() and (c.isalnum() or c in "_-") for c in secret):
        raise bad_request("secret token contains unallowed characters")
    max_connections = p.opt_int("max_connections") or 40
    queue.webhook = Webhook(url, secret, max_connections)
    queue.poll_generation += 1
    queue.notifier.notify()
    call.webhooks.ensure(call.bot)
    return True


@method("deleteWebhook")
async def delete_webhook(call: Call) -> Any:
    """Remove the webhook so getUpdates works again."""
    queue = call.bot.updates
    if call.params.flag("drop_pending_updates"):
        queue.clear()
    queue.webhook = None
    call.webhooks.stop(call.bot)
    return True


@method("getWebhookInfo")
async def get_webhook_info(call: Call) -> Any:
    """Return the webhook status."""
    queue = call.bot.updates
    webhook = queue.webhook
    info: dict[str, Any] = {
        "url": webhook.url if webhook else "",
        "has_custom_certificate": False,
        "pending_update_count": len(queue.pending),
    }
    if webhook is not None:
        info["max_connections"] = webhook.max_connections
        if webhook.last_error_date is not None:
            info["last_error_date"] = webhook.last_error_date
            info["last_error_message"] = webhook.last_error_message
        if queue.allowed:
            info["allowed_updates"] = queue.allowed
    return info
