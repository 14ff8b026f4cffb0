"""The request's viewer and language, the navigation, and rendering a page in a thread.

Pages build their context and render their template with `page()`; reading Redis and
rendering both happen in a worker thread (`blocking()`), since the console shares the
bot's event loop. Every template gets `_` (the viewer's language), `tr` (numbers and
dates), `viewer`, `csrf` (for forms), `nav` and `languages`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

import aiohttp_jinja2
from aiohttp import web

from bot.people.console_access import Session
from bot.people.viewer import Viewer
from bot.platform.config import Console
from bot.platform.i18n import LANGUAGE_NAMES, Translator
from bot.services import Services

T = TypeVar("T")
SERVICES = web.AppKey("services", Services)
SETTINGS = web.AppKey("console", Console)
VIEWER = web.RequestKey("kim_viewer", Viewer)
SESSION = web.RequestKey("kim_session", Session)
TRANSLATOR = web.RequestKey("kim_tr", Translator)
LANGUAGE_COOKIE = "kim_console_lang"


@dataclass(frozen=True)
class NavItem:
    """One entry of the menu."""

    path: str
    label: str
    active: bool


async def blocking(fn: Callable[..., T], *args: Any) -> T:
    """Run `fn` (Redis reads, rendering) in a worker thread."""
    return await asyncio.to_thread(fn, *args)


def services_of(request: web.Request) -> Services:
    """The core's services."""
    return request.config_dict[SERVICES]


def settings_of(request: web.Request) -> Console:
    """The console's settings, as they were when `kimbot run` started."""
    return request.config_dict[SETTINGS]


def viewer_of_request(request: web.Request) -> Viewer:
    """The signed-in viewer (pages behind the sign-in only)."""
    return request[VIEWER]


def session_of(request: web.Request) -> Session | None:
    """The request's session, if signed in."""
    return request.get(SESSION)


def translator(request: web.Request) -> Translator:
    """The request's language: the one chosen on the page, else the viewer's own (as a
    resident of the bot), else the deployment's."""
    found = request.get(TRANSLATOR)
    if isinstance(found, Translator):
        return found
    services = services_of(request)
    locale = request.cookies.get(LANGUAGE_COOKIE, "")
    if locale not in services.config.locales.enabled:
        locale = ""
    viewer = request.get(VIEWER)
    if not locale and viewer is not None:
        resident = services.residents.get(viewer.who)
        locale = resident.locale if resident is not None else ""
    tr = services.translator(locale or services.config.locales.default)
    request[TRANSLATOR] = tr
    return tr


def navigation(request: web.Request, tr: Translator) -> list[NavItem]:
    """The menu entries this viewer may open."""
    viewer = request.get(VIEWER)
    if viewer is None:
        return []
    _ = tr._
    items: list[tuple[str, str, bool]] = [
        ("/console/", _("Dashboard"), True),
        ("/console/pengumuman", _("Broadcasts"), viewer.is_admin),
        ("/console/jajak", _("Polls"), viewer.is_admin),
        ("/console/meja", _("Desk"), viewer.is_staff or viewer.is_admin),
        ("/console/hoaks", _("Hoax archive"), viewer.is_staff),
        ("/console/peran", _("People and roles"), viewer.manages_roles),
        ("/console/audit", _("Audit trail"), viewer.is_superadmin),
        ("/console/ekspor", _("Exports"), True),
    ]
    here = request.path
    return [
        NavItem(path, label, here == path or (path != "/console/" and here.startswith(path)))
        for path, label, shown in items
        if shown
    ]


def _context(request: web.Request, extra: Mapping[str, Any]) -> dict[str, Any]:
    tr = translator(request)
    session = session_of(request)
    services = services_of(request)
    here = request.path_qs
    languages = [
        (code, LANGUAGE_NAMES[code], f"/console/bahasa/{code}?next={quote(here)}")
        for code in services.config.locales.enabled
    ]
    return {
        "_": tr._,
        "tr": tr,
        "lang": tr.locale,
        "viewer": request.get(VIEWER),
        "csrf": session.csrf if session is not None else "",
        "deployment": services.config.deployment.name,
        "nav": navigation(request, tr),
        "languages": languages,
        **extra,
    }


async def page(
    request: web.Request,
    template: str,
    build: Callable[[], Mapping[str, Any]] | None = None,
    *,
    status: int = 200,
) -> web.Response:
    """Render `template` with the common context and what `build` returns, both made in
    a worker thread."""

    def render() -> str:
        extra = build() if build is not None else {}
        return aiohttp_jinja2.render_string(template, request, _context(request, extra))

    text = await blocking(render)
    return web.Response(text=text, status=status, content_type="text/html", charset="utf-8")


def see_other(location: str) -> web.Response:
    """A 303 to `location` (a response, so that cookies can be set on it)."""
    return web.Response(status=303, headers={"Location": location})


async def notice(request: web.Request, status: int, title: str, text: str) -> web.Response:
    """A page that only says something (an error, a refusal, a confirmation)."""
    return await page(request, "notice.html", lambda: {"title": title, "text": text}, status=status)


async def refuse(request: web.Request) -> web.Response:
    """403: this viewer may not see or do this."""
    _ = (await blocking(translator, request))._
    return await notice(
        request,
        403,
        _("Not for your role"),
        _("This page is outside what your role lets you see or do."),
    )
