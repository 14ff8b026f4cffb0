"""The web console in tests: an app like `kimbot run`'s, and signing in as the bot's link
would."""

from __future__ import annotations

import re

from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.platform.addresses import Address
from bot.services import Services
from handlers.console.app import add_console

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
Client = TestClient[web.Request, web.Application]


def console_root(services: Services) -> web.Application:
    """An app like `kimbot run`'s, with only the console on it."""
    app = web.Application()
    add_console(app, services)
    return app


async def sign_in(client: Client, services: Services, who: Address) -> str:
    """Sign `who` in as the bot's link would; returns the session's CSRF token."""
    token = services.console.issue_link(who, services.clock.now(), valid_seconds=600, per_hour=50)
    assert token is not None
    opened = await client.get("/console/masuk", params={"t": token})
    assert opened.status == 200, await opened.text()
    signed = await client.post("/console/masuk", data={"t": token})
    assert signed.status == 200, await signed.text()
    assert signed.url.path == "/console/"
    return csrf_of(await signed.text())


def csrf_of(html: str) -> str:
    """The CSRF token a page's forms carry."""
    found = CSRF.search(html)
    assert found is not None, html
    return found.group(1)
