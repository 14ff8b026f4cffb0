"""Webhooks to the bot: real-shaped, signed bodies, posted in order with retries.

Every body is `{"object": "whatsapp_business_account", "entry": [{"id": <WABA id>,
"changes": [{"field": "messages", "value": {"messaging_product": "whatsapp", "metadata":
{"display_phone_number", "phone_number_id"}, ...}}]}]}` with either `contacts` +
`messages` (what a person sent) or `statuses` (what became of a message the business
sent). Each POST carries `X-Hub-Signature-256: sha256=<HMAC-SHA256(app secret, body)>`
(and the older SHA-1 `X-Hub-Signature`). Bodies are posted one at a time, in the order they
were queued; a non-2xx answer or a network error is retried `webhook_retries` times with
backoff `webhook_backoff`, 2×, 4×… (each wait at most `MAX_BACKOFF`); then the body is
dropped and the failure logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import json
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from emulator.updates import Notifier

from .config import WhatsAppConfig, WhatsAppRules
from .model import WaMessage, WaUser

log = logging.getLogger(__name__)
WEBHOOK_LOG_SIZE = 2000
MAX_BACKOFF = 5.0


def sign(secret: str, body: bytes, digest: str = "sha256") -> str:
    """`sha256=<hex HMAC>` (or `sha1=`) of `body` under `secret`, as Meta signs."""
    mac = hmac.new(secret.encode(), body, getattr(hashlib, digest)).hexdigest()
    return f"{digest}={mac}"


def envelope(config: WhatsAppConfig, value: dict[str, Any]) -> dict[str, Any]:
    """Wrap a change value in Meta's entry → changes envelope."""
    metadata = {
        "display_phone_number": config.display_phone_number,
        "phone_number_id": config.phone_number_id,
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": config.waba_id,
                "changes": [
                    {
                        "value": {"messaging_product": "whatsapp", "metadata": metadata, **value},
                        "field": "messages",
                    }
                ],
            }
        ],
    }


def contact_json(user: WaUser) -> dict[str, Any]:
    """The `contacts[]` entry of a person: profile name, wa_id and user_id (if known)."""
    contact: dict[str, Any] = {"profile": {"name": user.name}}
    if user.wa_id:
        contact["wa_id"] = user.wa_id
    if user.user_id:
        contact["user_id"] = user.user_id
    return contact


def inbound_payload(config: WhatsAppConfig, user: WaUser, message: WaMessage) -> dict[str, Any]:
    """The webhook body for a message a person sent."""
    item: dict[str, Any] = {}
    if user.wa_id:
        item["from"] = user.wa_id
    if user.user_id:
        item["from_user_id"] = user.user_id
    item |= {"id": message.id, "timestamp": str(message.timestamp), "type": message.type}
    if message.context_id is not None:
        item["context"] = {"from": config.display_phone_number, "id": message.context_id}
    if message.forwarded:
        item["context"] = {"forwarded": True}
    item[message.type] = message.content
    return envelope(config, {"contacts": [contact_json(user)], "messages": [item]})


def status_payload(
    config: WhatsAppConfig,
    message: WaMessage,
    status: str,
    *,
    user: WaUser | None,
    recipient: str,
    error: dict[str, Any] | None = None,
    window_expires: float | None = None,
) -> dict[str, Any]:
    """The webhook body for one status (sent, delivered, read or failed) of a message."""
    item: dict[str, Any] = {
        "id": message.id,
        "status": status,
        "timestamp": str(int(time.time())),
    }
    if user is None:
        item["recipient_id"] = recipient
    else:
        if user.wa_id:
            item["recipient_id"] = user.wa_id
        if user.user_id:
            item["recipient_user_id"] = user.user_id
    if message.tracker is not None:
        item["biz_opaque_callback_data"] = message.tracker
    if status in ("sent", "delivered"):
        category = "utility" if message.type == "template" else "service"
        expires = int(window_expires or time.time() + 24 * 3600)
        item["conversation"] = {
            "id": hashlib.sha256(f"{recipient}:{expires}".encode()).hexdigest()[:32],
            "expiration_timestamp": str(expires),
            "origin": {"type": category},
        }
        item["pricing"] = {"billable": True, "pricing_model": "PMP", "category": category}
    if error is not None:
        item["errors"] = [error]
    return envelope(config, {"statuses": [item]})


@dataclass
class WebhookRecord:
    """One webhook body and what became of it."""

    seq: int
    kind: str
    summary: str
    body: dict[str, Any]
    created: float
    message_id: str | None = None
    recipient: str | None = None
    attempts: int = 0
    http_status: int | None = None
    error: str | None = None
    done: bool = False
    delivered: bool = False

    def to_json(self, with_body: bool = True) -> dict[str, Any]:
        """The record as JSON."""
        out: dict[str, Any] = {
            "seq": self.seq,
            "kind": self.kind,
            "summary": self.summary,
            "message_id": self.message_id,
            "recipient": self.recipient,
            "created": self.created,
            "attempts": self.attempts,
            "http_status": self.http_status,
            "error": self.error,
            "done": self.done,
            "delivered": self.delivered,
        }
        if with_body:
            out["body"] = self.body
        return out


@dataclass
class _Due:
    """A logged body and its exact bytes (what is signed is what is sent)."""

    record: WebhookRecord
    raw: bytes = field(repr=False)


class WebhookPoster:
    """Posts webhook bodies to the configured URL, one at a time, with retries."""

    def __init__(
        self,
        config: WhatsAppConfig,
        rules: Callable[[], WhatsAppRules],
        timeout: float = 10.0,
    ) -> None:
        self.config = config
        self.rules = rules
        self.timeout = timeout
        self.records: deque[WebhookRecord] = deque(maxlen=WEBHOOK_LOG_SIZE)
        self.notifier = Notifier()
        self._seq = itertools.count(1)
        self._queue: asyncio.Queue[_Due] | None = None
        self._worker: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    def post(
        self,
        kind: str,
        summary: str,
        body: dict[str, Any],
        *,
        message_id: str | None = None,
        recipient: str | None = None,
    ) -> WebhookRecord:
        """Queue a body to post after those queued before it; returns its log record."""
        record = WebhookRecord(
            next(self._seq), kind, summary, body, time.time(), message_id, recipient
        )
        self.records.append(record)
        self._enqueue(_Due(record, json.dumps(body, ensure_ascii=False).encode("utf-8")))
        return record

    def _enqueue(self, due: _Due) -> None:
        """Queue a body behind the others; start the posting task if needed."""
        if self._queue is None:
            self._queue = asyncio.Queue()
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(self._run())
        self._queue.put_nowait(due)

    async def _run(self) -> None:
        """Post queued bodies one at a time, for as long as the emulator runs."""
        queue = self._queue
        if queue is None:
            return
        while True:
            due = await queue.get()
            try:
                await self._deliver(due)
            except Exception:  # one broken body must not stop the others
                log.exception("webhook delivery failed")
            finally:
                due.record.done = True
                self.notifier.notify()

    async def _deliver(self, due: _Due) -> None:
        """Post one body, retrying with backoff; note the outcome in its record."""
        record = due.record
        rules = self.rules()
        for attempt in range(rules.webhook_retries + 1):
            url = self.rules().webhook_url
            if url is None:
                record.error = "no webhook URL is configured"
                return
            record.attempts += 1
            record.error = await self._post(url, due.raw, record)
            if record.error is None:
                record.delivered = True
                return
            if attempt < rules.webhook_retries:
                await asyncio.sleep(min(rules.webhook_backoff * (2**attempt), MAX_BACKOFF))
        log.warning("webhook %s #%d dropped: %s", record.kind, record.seq, record.error)

    async def _post(self, url: str, raw: bytes, record: WebhookRecord) -> str | None:
        """POST once; an error text, or None on a 2xx answer."""
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        secret = self.config.app_secret
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "facebookexternalua",
            "X-Hub-Signature-256": sign(secret, raw),
            "X-Hub-Signature": sign(secret, raw, "sha1"),
        }
        try:
            async with self._session.post(url, data=raw, headers=headers) as response:
                record.http_status = response.status
                await response.read()
                if not 200 <= response.status < 300:
                    return f"webhook answered {response.status} {response.reason}"
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            record.http_status = None
            return f"connection failed: {exc.__class__.__name__}: {exc}"
        return None

    def query(
        self, *, kind: str | None = None, after: int = 0, limit: int = 500, body: bool = True
    ) -> list[dict[str, Any]]:
        """Logged bodies after sequence number `after`, oldest first."""
        found = [r for r in self.records if r.seq > after and (kind is None or r.kind == kind)]
        return [r.to_json(body) for r in found[-limit:]] if limit > 0 else []

    def idle(self) -> bool:
        """True when every queued body was posted or given up."""
        return all(r.done for r in self.records)

    async def close(self) -> None:
        """Stop posting and close the HTTP client."""
        tasks = [self._worker] if self._worker else []
        self._worker = None
        self._queue = None
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._session is not None:
            await self._session.close()
            self._session = None
