"""Control endpoints under /sim: rate limits, fault injection, request log, counters, reset."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .botapi import BotApiServer
from .errors import SimError
from .faults import FaultInjector
from .limits import RateLimitRegistry
from .simhttp import (
    as_bool,
    as_float,
    as_int,
    body,
    content_disposition,
    get_bot,
    opt_int,
    sim_route,
)
from .state import World


class ControlApi:
    """Routes that configure and inspect the emulator itself."""

    def __init__(
        self,
        world: World,
        server: BotApiServer,
        limits: RateLimitRegistry,
        faults: FaultInjector,
    ) -> None:
        self.world = world
        self.server = server
        self.limits = limits
        self.faults = faults

    def routes(self) -> list[web.RouteDef]:
        """Return the aiohttp routes."""
        r = sim_route
        return [
            web.post("/sim/reset", r(self.reset)),
            web.get("/sim/limits", r(self.get_limits)),
            web.put("/sim/limits", r(self.set_limits)),
            web.post("/sim/limits", r(self.set_limits)),
            web.get("/sim/faults", r(self.get_faults)),
            web.post("/sim/faults", r(self.add_fault)),
            web.post("/sim/faults/storm", r(self.storm)),
            web.delete("/sim/faults", r(self.clear_faults)),
            web.get("/sim/log", r(self.get_log)),
            web.delete("/sim/log", r(self.clear_log)),
            web.get("/sim/deliveries", r(self.get_deliveries)),
            web.delete("/sim/deliveries", r(self.clear_deliveries)),
            web.get("/sim/updates", r(self.pending_updates)),
            web.get("/sim/files/{file_id}", r(self.file)),
        ]

    def bot_id(self, ref: Any) -> int | None:
        """Return the id of an optional bot reference."""
        return None if ref in (None, "") else get_bot(self.world, ref).id

    async def reset(self, request: web.Request) -> Any:
        """Reset the world (bots stay); optionally the log, counters and faults too."""
        data = await body(request)
        self.world.reset()
        self.limits.reset()
        if as_bool(data.get("log", False)):
            self.server.log.clear()
            self.server.counters.clear()
        if as_bool(data.get("faults", True)):
            self.faults.clear()
        return {"reset": True}

    async def get_limits(self, request: web.Request) -> Any:
        """Return the rate-limit settings."""
        return self.limits.limits.to_json()

    async def set_limits(self, request: web.Request) -> Any:
        """Change rate-limit settings (and refill every bucket)."""
        data = await body(request)
        self.limits.configure(self.limits.limits.updated(data))
        return self.limits.limits.to_json()

    async def get_faults(self, request: web.Request) -> Any:
        """Return pending fault rules and the storm."""
        return self.faults.to_json()

    async def add_fault(self, request: web.Request) -> Any:
        """Queue a fault for the next N matching calls."""
        data = await body(request)
        kind = str(data.get("kind") or "")
        rule = self.faults.add(
            kind,
            as_int(data.get("count"), "count", 1),
            method=data.get("method"),
            retry_after=as_int(data.get("retry_after"), "retry_after", 1),
            delay=as_float(data.get("delay"), "delay", 0.0),
            bot_id=self.bot_id(data.get("bot")),
        )
        return rule.to_json()

    async def storm(self, request: web.Request) -> Any:
        """Answer every matching call with 429 for some seconds."""
        data = await body(request)
        self.faults.start_storm(
            as_float(data.get("seconds"), "seconds", 0.0),
            method=data.get("method"),
            retry_after=opt_int(data.get("retry_after"), "retry_after"),
            bot_id=self.bot_id(data.get("bot")),
        )
        return self.faults.to_json()

    async def clear_faults(self, request: web.Request) -> Any:
        """Remove every fault rule and stop the storm."""
        self.faults.clear()
        return self.faults.to_json()

    async def get_log(self, request: web.Request) -> Any:
        """Return request-log entries (filters: bot, method, status, after, limit)."""
        q = request.query
        entries = self.server.log.query(
            bot_id=self.bot_id(q.get("bot")),
            method=q.get("method"),
            status=opt_int(q.get("status"), "status"),
            after=as_int(q.get("after"), "after", 0),
            limit=as_int(q.get("limit"), "limit", 1000),
        )
        return {"total": self.server.log.total, "entries": entries}

    async def clear_log(self, request: web.Request) -> Any:
        """Empty the request log."""
        self.server.log.clear()
        return {"cleared": True}

    async def get_deliveries(self, request: web.Request) -> Any:
        """Return delivered-message counters per chat."""
        return self.server.counters.to_json(self.bot_id(request.query.get("bot")))

    async def clear_deliveries(self, request: web.Request) -> Any:
        """Reset the delivery counters."""
        self.server.counters.clear()
        return {"cleared": True}

    async def pending_updates(self, request: web.Request) -> Any:
        """Peek at a bot's pending updates without confirming them."""
        bot = get_bot(self.world, request.query.get("bot"))
        queue = bot.updates
        return {
            "bot_id": bot.id,
            "webhook": queue.webhook.url if queue.webhook else None,
            "allowed_updates": queue.allowed,
            "updates": [u.json() for u in queue.pending],
        }

    async def file(self, request: web.Request) -> Any:
        """Serve a stored file by file_id (for the web page)."""
        stored = self.world.files.by_id.get(request.match_info["file_id"])
        if stored is None or stored.data is None:
            raise SimError(404, "file not found")
        headers = {}
        if stored.file_name:  # the page's link saves it under its own name
            headers["Content-Disposition"] = content_disposition(stored.file_name)
        return web.Response(
            body=stored.data,
            content_type=stored.mime_type or "application/octet-stream",
            headers=headers,
        )
