"""The audit trail: filter by days, action family and actor, a page at a time, newest
first; export the filtered range as CSV or XLSX. Superadmins only.

The columns are those of `kimbot audit export` (handlers/audit_cli.py: who acted, their
role, the action's label, its object and scope by name, its detail); the download is
that command's own export, run as the viewer, so it writes the same `export.run` entry
with the viewer as its actor. Residents appear only by their pseudonym, as in the trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from aiohttp import web
from multidict import MultiMapping

from bot.audit import ACTIONS, actors
from bot.services import Services
from handlers import audit_cli
from handlers.console.downloads import FORMATS, attachment, default_range, is_day, written
from handlers.console.render import (
    blocking,
    notice,
    page,
    refuse,
    services_of,
    translator,
    viewer_of_request,
)
from handlers.tickets_cli import ExportError, day_range

PAGE = 50
MAX_ACTOR = 100
FAMILIES = tuple(dict.fromkeys(a.partition(".")[0] for a in ACTIONS))
routes = web.RouteTableDef()


@dataclass(frozen=True)
class Filters:
    """What the viewer asked for: days (both included), action family, actor."""

    start: str
    end: str
    family: str
    actor: str

    @property
    def prefix(self) -> str:
        """The action prefix the trail's reader filters by."""
        return f"{self.family}." if self.family else ""

    def query(self, **more: str | int) -> str:
        """These filters as a URL's query (for the pager's links)."""
        fields: dict[str, str | int] = {"dari": self.start, "sampai": self.end}
        if self.family:
            fields["aksi"] = self.family
        if self.actor:
            fields["pelaku"] = self.actor
        return urlencode({**fields, **more})


def filters_of(services: Services, given: MultiMapping[Any]) -> Filters | None:
    """The filters of a query or a form (the last 30 days by default); None when one is
    malformed."""
    zone = services.config.deployment.timezone
    first, last = default_range(services.clock.now(), zone)
    start = str(given.get("dari") or first)
    end = str(given.get("sampai") or last)
    family = str(given.get("aksi") or "")
    actor = " ".join(str(given.get("pelaku") or "").split())
    if not (is_day(start) and is_day(end)) or end < start:
        return None
    if (family and family not in FAMILIES) or len(actor) > MAX_ACTOR:
        return None
    return Filters(start, end, family, actor)


async def bad_filters(request: web.Request) -> web.Response:
    """The page for filters that are not understood."""
    _ = (await blocking(translator, request))._
    return await notice(
        request,
        400,
        _("Those filters were not understood"),
        _(
            "Dates are days like 2026-11-01 (the last not before the first), the action "
            "one of the list, the actor an address such as tg:12345 (at most {max} "
            "characters).",
            max=MAX_ACTOR,
        ),
    )


@routes.get("/audit")
async def trail(request: web.Request) -> web.Response:
    """A page of the filtered trail, newest first."""
    viewer = viewer_of_request(request)
    if not viewer.is_superadmin:
        return await refuse(request)
    svc = services_of(request)
    wanted = filters_of(svc, request.query)
    number_text = request.query.get("halaman", "1")
    if wanted is None or not number_text.isdigit() or not 0 < int(number_text) < 100_000:
        return await bad_filters(request)
    number = int(number_text)
    found = wanted

    def build() -> dict[str, Any]:
        tr = translator(request)
        zone = ZoneInfo(svc.config.deployment.timezone)
        begin, finish = day_range(found.start, found.end, svc.config.deployment.timezone)
        entries = svc.audit.entries(begin, finish, action_prefix=found.prefix, actor=found.actor)
        entries.reverse()
        pages = max(1, -(-len(entries) // PAGE))
        rows = []
        for entry in entries[(number - 1) * PAGE : number * PAGE]:
            cells = audit_cli.row(svc, tr, entry)
            rows.append(
                {
                    "at": datetime.fromtimestamp(entry.at, zone),
                    "actor": cells[1],
                    "role": cells[2],
                    "action": cells[3],
                    "object": cells[4],
                    "scope": cells[5],
                    "detail": cells[6],
                }
            )
        _ = tr._
        names = {
            "role": _("Roles"),
            "invite": _("Invitations"),
            "broadcast": _("Broadcasts"),
            "ticket": _("Tickets"),
            "hoax": _("Hoax verdicts"),
            "data": _("Residents' data"),
            "config": _("Configuration"),
            "export": _("Exports"),
            "console": _("Web console"),
        }
        families = [(f, names.get(f, f)) for f in FAMILIES]
        return {
            "filters": found,
            "families": families,
            "rows": rows,
            "total": len(entries),
            "page": number,
            "pages": pages,
            "previous": found.query(halaman=number - 1),
            "next": found.query(halaman=number + 1),
            "formats": list(FORMATS),
        }

    return await page(request, "audit.html", build)


@routes.post("/audit/ekspor")
async def export(request: web.Request) -> web.StreamResponse:
    """The filtered range as a download, through `kimbot audit export`'s code."""
    viewer = viewer_of_request(request)
    if not viewer.is_superadmin:
        return await refuse(request)
    svc = services_of(request)
    form = await request.post()
    wanted = filters_of(svc, form)
    fmt = str(form.get("format", ""))
    if wanted is None or fmt not in FORMATS:
        return await bad_filters(request)
    found = wanted
    by = actors.person(svc.roles, viewer.who)

    def run() -> tuple[str, bytes]:
        name = f"audit-{found.start}-{found.end}.{fmt}"
        return written(
            lambda folder: audit_cli.export(
                svc,
                found.start,
                found.end,
                fmt,
                str(folder / name),
                action_prefix=found.prefix,
                actor=found.actor,
                by=by,
            )[0]
        )

    try:
        name, data = await blocking(run)
    except ExportError:
        return await bad_filters(request)
    return attachment(name, data)
