"""Small HTTP helpers shared by the user API and the control API under /sim."""

from __future__ import annotations

import functools
import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from aiohttp import web

from .errors import SimError
from .state import BotAccount, User, World

SimHandler = Callable[[web.Request], Awaitable[Any]]


def content_disposition(name: str) -> str:
    """An `inline` Content-Disposition naming the file (RFC 6266; any name as filename*)."""
    plain = name.encode("ascii", "replace").decode("ascii").replace('"', "'").replace("\\", "_")
    return f"inline; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"


def ok(result: Any, status: int = 200) -> web.Response:
    """Return `{"ok": true, "result": ...}`."""
    return web.Response(
        status=status,
        body=json.dumps({"ok": True, "result": result}, ensure_ascii=False).encode("utf-8"),
        content_type="application/json",
    )


def fail(status: int, description: str) -> web.Response:
    """Return `{"ok": false, "error_code": N, "description": ...}`."""
    body = {"ok": False, "error_code": status, "description": description}
    return web.Response(
        status=status, body=json.dumps(body).encode("utf-8"), content_type="application/json"
    )


def sim_route(handler: SimHandler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """Wrap a handler: its return value becomes `result`, SimError/ValueError become errors."""

    @functools.wraps(handler)
    async def wrapper(request: web.Request) -> web.StreamResponse:
        try:
            result = await handler(request)
        except SimError as exc:
            return fail(exc.status, exc.description)
        except ValueError as exc:
            return fail(400, str(exc))
        if isinstance(result, web.StreamResponse):
            return result
        return ok(result)

    return wrapper


async def body(request: web.Request) -> dict[str, Any]:
    """Read a JSON object body (empty body means {})."""
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        raise SimError(400, "malformed JSON body") from None
    if not isinstance(data, dict):
        raise SimError(400, "the JSON body must be an object")
    return data


def as_int(value: Any, name: str, default: int | None = None) -> int:
    """Convert a query or body value to int or raise 400."""
    if value is None or value == "":
        if default is None:
            raise SimError(400, f"{name} is required")
        return default
    if isinstance(value, bool):
        raise SimError(400, f"{name} must be an integer")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise SimError(400, f"{name} must be an integer") from None


def opt_int(value: Any, name: str) -> int | None:
    """Convert an optional value to int."""
    if value is None or value == "":
        return None
    return as_int(value, name)


def as_float(value: Any, name: str, default: float) -> float:
    """Convert a query or body value to float or raise 400."""
    if value is None or value == "":
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        raise SimError(400, f"{name} must be a number") from None


def as_bool(value: Any) -> bool:
    """Interpret true/1/yes as True."""
    if isinstance(value, bool):
        return value
    return str(value).lower() in ("1", "true", "yes", "on")


def get_user(world: World, user_id: Any) -> User:
    """Return a person by id or raise 404."""
    user = world.users.get(as_int(user_id, "user_id"))
    if user is None:
        raise SimError(404, "user not found")
    return user


def get_bot(world: World, ref: Any) -> BotAccount:
    """Return a bot by id, username or token (None: the first bot) or raise 404."""
    bot = world.bot_by_ref(None if ref is None else str(ref))
    if bot is None:
        raise SimError(404, "bot not found")
    return bot
