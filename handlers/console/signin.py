"""Signing in with the bot's one-time link, the session cookie, the CSRF check, log out.

Opening the link (`GET /console/masuk?t=…`) only shows a page with a button: link
previews (Telegram fetches links it sends) and mail scanners open links too, and must not
use the one-time token up. The button posts the token (`POST /console/masuk`), which
uses it and starts a session: an HttpOnly, SameSite=Strict cookie limited to `/console`
(Secure when the console's address is https).

Every other page needs a live session whose person still holds a role; every POST needs
the session's CSRF token (and, when the browser sends one, an Origin of this host).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.audit import actors
from bot.people.console_access import Session
from bot.people.viewer import Viewer, viewer_of
from handlers.console.render import (
    LANGUAGE_COOKIE,
    SESSION,
    VIEWER,
    blocking,
    notice,
    page,
    see_other,
    services_of,
    session_of,
    settings_of,
    translator,
)

COOKIE = "kim_console"
PUBLIC = frozenset({"/console/masuk", "/console/keluar"})
PUBLIC_UNDER = ("/console/static/", "/console/bahasa/")
routes = web.RouteTableDef()


def _secure(request: web.Request) -> bool:
    return request.secure or settings_of(request).base.startswith("https://")


def _look_up(request: web.Request, token: str) -> tuple[Session, Viewer] | None:
    services = services_of(request)
    settings = settings_of(request)
    session = services.console.session(
        token,
        services.clock.now(),
        idle_seconds=settings.idle_minutes * 60,
        max_seconds=settings.session_hours * 3600,
    )
    if session is None:
        return None
    viewer = viewer_of(services.roles, services.regions, session.who)
    if viewer is None:  # the role was taken away: so is the console
        services.console.end_all(session.who)
        return None
    return session, viewer


def _same_origin(request: web.Request) -> bool:
    origin = request.headers.get("Origin")
    if origin is None or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.host


@web.middleware
async def signed_in(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Load the session and viewer; send strangers to the sign-in notice; check CSRF."""
    token = request.cookies.get(COOKIE, "")
    found = await blocking(_look_up, request, token) if token else None
    if found is not None:
        request[SESSION], request[VIEWER] = found
    if request.path in PUBLIC or request.path.startswith(PUBLIC_UNDER):
        return await handler(request)
    if found is None:
        return await _please_sign_in(request, expired=bool(token))
    if request.method == "POST":
        form = await request.post()
        offered = form.get("csrf")
        if not (isinstance(offered, str) and found[0].csrf_ok(offered) and _same_origin(request)):
            _ = (await blocking(translator, request))._
            return await notice(
                request,
                403,
                _("The form was not accepted"),
                _("It did not come from this console's own page. Nothing was changed."),
            )
    return await handler(request)


async def _please_sign_in(request: web.Request, expired: bool) -> web.Response:
    _ = (await blocking(translator, request))._
    text = _(
        "Send /konsol to the KIM bot in your private chat: it replies with a login link "
        "that works once, for a few minutes."
    )
    title = _("Your session has ended") if expired else _("Sign in to the KIM console")
    response = await notice(request, 401, title, text)
    if expired:
        response.del_cookie(COOKIE, path="/console")
    return response


@routes.get("/masuk")
async def link_page(request: web.Request) -> web.Response:
    """The page a login link opens: a button that signs in (the token is not used yet)."""
    token = request.query.get("t", "")
    services = services_of(request)
    state = await blocking(services.console.link_state, token, services.clock.now())
    if state != "open":
        return await _bad_link(request, state)
    return await page(request, "signin.html", lambda: {"token": token})


@routes.post("/masuk")
async def sign_in(request: web.Request) -> web.StreamResponse:
    """Use the link's token and start a session."""
    form = await request.post()
    token = form.get("t")
    token = token if isinstance(token, str) else ""
    services = services_of(request)
    settings = settings_of(request)

    def open_() -> tuple[str, str, Viewer | None]:
        now = services.clock.now()
        opened = services.console.open_link(token, now)
        if opened.state != "open" or opened.who is None:
            return opened.state, "", None
        viewer = viewer_of(services.roles, services.regions, opened.who)
        if viewer is None:
            return "norole", "", None
        cookie, _session = services.console.start(
            opened.who, now, idle_seconds=settings.idle_minutes * 60
        )
        services.audit.record(
            "console.signed_in", **actors.person(services.roles, opened.who), object="console"
        )
        return "open", cookie, viewer

    state, cookie, viewer = await blocking(open_)
    if viewer is None:
        return await _bad_link(request, state)
    response = see_other("/console/")
    response.set_cookie(
        COOKIE,
        cookie,
        path="/console",
        httponly=True,
        samesite="Strict",
        secure=_secure(request),
        max_age=settings.session_hours * 3600,
    )
    return response


async def _bad_link(request: web.Request, state: str) -> web.Response:
    _ = (await blocking(translator, request))._
    again = _("Send /konsol to the bot again for a new link.")
    if state == "used":
        return await notice(request, 410, _("This login link was already used"), again)
    if state == "expired":
        return await notice(request, 410, _("This login link has expired"), again)
    if state == "norole":
        return await notice(
            request,
            403,
            _("No role, no console"),
            _("The console is for KIM admins and desk staff; you hold no such role now."),
        )
    return await notice(request, 404, _("This login link is not valid"), again)


@routes.post("/keluar")
async def sign_out(request: web.Request) -> web.StreamResponse:
    """End this session (its CSRF token is checked when there is one)."""
    session = session_of(request)
    if session is not None:
        form = await request.post()
        offered = form.get("csrf")
        if not (isinstance(offered, str) and session.csrf_ok(offered)):
            return see_other("/console/")
        await blocking(services_of(request).console.end, session)
    response = see_other("/console/keluar")
    response.del_cookie(COOKIE, path="/console")
    return response


@routes.get("/keluar")
async def signed_out(request: web.Request) -> web.Response:
    """The page after logging out."""
    _ = (await blocking(translator, request))._
    response = await notice(
        request, 200, _("You are signed out"), _("Send /konsol to the bot to sign in again.")
    )
    if session_of(request) is None:
        response.del_cookie(COOKIE, path="/console")
    return response


@routes.post("/keluar-semua")
async def sign_out_everywhere(request: web.Request) -> web.StreamResponse:
    """End every session of this person, on every device (CSRF checked by the middleware)."""
    session = session_of(request)
    assert session is not None  # behind the sign-in  # noqa: S101
    await blocking(services_of(request).console.end_all, session.who)
    response = see_other("/console/keluar")
    response.del_cookie(COOKIE, path="/console")
    return response


@routes.get("/bahasa/{code}")
async def choose_language(request: web.Request) -> web.StreamResponse:
    """Switch the console's language, then go back where the viewer was."""
    code = request.match_info["code"]
    target = request.query.get("next", "/console/")
    if not target.startswith("/console/") or target.startswith("//"):
        target = "/console/"
    response = see_other(target)
    if code in services_of(request).config.locales.enabled:
        response.set_cookie(
            LANGUAGE_COOKIE,
            code,
            path="/console",
            httponly=True,
            samesite="Strict",
            secure=_secure(request),
            max_age=365 * 86400,
        )
    return response
