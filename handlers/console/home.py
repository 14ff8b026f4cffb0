"""The console's first page: the dashboard."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from handlers.console.render import page, viewer_of_request

routes = web.RouteTableDef()


@routes.get("/")
async def dashboard(request: web.Request) -> web.Response:
    """The dashboard of the viewer's scope."""
    viewer = viewer_of_request(request)

    def build() -> dict[str, Any]:
        return {"scope": viewer.scope}

    return await page(request, "dashboard.html", build)
