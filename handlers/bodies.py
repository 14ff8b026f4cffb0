"""Webhook request bodies read defensively: bounded in size and time, JSON bounded in depth.

Both webhooks (Telegram's and WhatsApp's) read their bodies through `read_body` and
`parse_json`, so an oversized, slow, malformed or deeply nested body gets a clear 4xx
answer and reaches no handler.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web

MAX_BODY = 1024 * 1024
BODY_SECONDS = 10.0
MAX_DEPTH = 32


class BadBody(Exception):
    """The body cannot be taken; `status` and the message say why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status

    def response(self) -> web.Response:
        """The answer to send."""
        return web.Response(text=str(self), status=self.status)


async def read_body(request: web.Request, limit: int = MAX_BODY) -> bytes:
    """The raw body; 413 past `limit` bytes, 408 if it takes longer than `BODY_SECONDS`."""
    if request.content_length is not None and request.content_length > limit:
        raise BadBody(413, "Payload Too Large")
    try:
        return await asyncio.wait_for(_read(request, limit), BODY_SECONDS)
    except TimeoutError:
        raise BadBody(408, "Request Timeout: the body came too slowly") from None


async def _read(request: web.Request, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise BadBody(413, "Payload Too Large")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_json(body: bytes, max_depth: int = MAX_DEPTH) -> Any:
    """The JSON value in `body`; 400 if it is not JSON or nests deeper than `max_depth`."""
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        raise BadBody(400, "Bad Request: body is not JSON") from None
    if depth(value, max_depth) > max_depth:
        raise BadBody(400, "Bad Request: JSON nested too deeply") from None
    return value


def depth(value: Any, stop: int) -> int:
    """How deeply `value` nests (a scalar is 0), counted without recursion; counting stops
    once it exceeds `stop`."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        level += 1
        if level > deepest:
            deepest = level
            if deepest > stop:
                return deepest
        stack.extend((child, level) for child in children)
    return deepest
