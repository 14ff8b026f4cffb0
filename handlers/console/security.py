"""Headers on every console response: a strict CSP (no script, nothing from elsewhere),
no framing, no referrer to other sites (the login link's token must not leak), and no caching (pages
hold personal data of role holders)."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # Not no-referrer: with it, browsers send `Origin: null` on form posts, which the
    # CSRF check refuses. same-origin keeps the login link's token from other sites.
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def _stamp(response: web.StreamResponse, static: bool) -> None:
    for name, value in HEADERS.items():
        if static and name == "Cache-Control":
            response.headers[name] = "public, max-age=3600"
        else:
            response.headers[name] = value


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Stamp the headers on pages, redirects and errors alike."""
    static = request.path.startswith("/console/static/")
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        _stamp(exc, static)
        raise
    _stamp(response, static)
    return response
