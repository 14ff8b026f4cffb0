"""The console application, mounted under `/console` of the app `kimbot run` serves."""

from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.services import Services
from handlers.console import (
    audit,
    broadcasts,
    desk,
    desk_actions,
    exports,
    hoaxes,
    home,
    people,
    polls,
    signin,
)
from handlers.console.render import SERVICES, SETTINGS
from handlers.console.security import security_headers

HERE = Path(__file__).resolve().parent


def console_app(services: Services) -> web.Application:
    """The console, with the settings config.yaml has now (a change needs a restart)."""
    app = web.Application(middlewares=[security_headers, signin.signed_in])
    app[SERVICES] = services
    app[SETTINGS] = services.config.console
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    app.add_routes(signin.routes)
    app.add_routes(home.routes)
    app.add_routes(desk.routes)
    app.add_routes(desk_actions.routes)
    app.add_routes(broadcasts.routes)
    app.add_routes(polls.routes)
    app.add_routes(hoaxes.routes)
    app.add_routes(people.routes)
    app.add_routes(audit.routes)
    app.add_routes(exports.routes)
    app.router.add_static("/static", HERE / "static")
    return app


def add_console(root: web.Application, services: Services) -> None:
    """Serve the console under `/console` of `root` (`/console` itself redirects)."""

    async def to_console(request: web.Request) -> web.StreamResponse:
        raise web.HTTPPermanentRedirect("/console/")

    root.router.add_get("/console", to_console)
    root.add_subapp("/console", console_app(services))
