"""Exports as downloads: tickets (superadmins and desk staff), the audit trail
(superadmins; the form posts to the audit page's export), and subscribers per region
(everyone, within their own villages: counts only, no personal data).

Tickets are `kimbot tickets export`'s report (handlers/tickets_cli.py) without the
residents' words: XLSX holds its three sheets (tickets, per kecamatan, per topic), CSV
the tickets file. Every export writes `export.run` in the audit trail, with the viewer as
its actor. Downloads are POST forms (they carry the CSRF token) answered with
`Content-Disposition: attachment`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web

from bot.audit import actors
from bot.desk.report import Value
from bot.people.viewer import Viewer
from bot.services import Services
from handlers import report_files, tickets_cli
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

routes = web.RouteTableDef()


def _may_tickets(viewer: Viewer) -> bool:
    return viewer.is_superadmin or viewer.is_staff


@routes.get("/ekspor")
async def exports(request: web.Request) -> web.Response:
    """The download forms this viewer may use."""
    viewer = viewer_of_request(request)
    svc = services_of(request)

    def build() -> dict[str, Any]:
        start, end = default_range(svc.clock.now(), svc.config.deployment.timezone)
        return {
            "start": start,
            "end": end,
            "formats": list(FORMATS),
            "tickets": _may_tickets(viewer),
            "audit": viewer.is_superadmin,
            "villages": len(_villages(svc, viewer)),
        }

    return await page(request, "exports.html", build)


async def _bad(request: web.Request) -> web.Response:
    _ = (await blocking(translator, request))._
    return await notice(
        request,
        400,
        _("Nothing was exported"),
        _(
            "Dates are days like 2026-11-01 (the last not before the first); the format "
            "CSV or XLSX."
        ),
    )


@routes.post("/ekspor/tiket")
async def tickets(request: web.Request) -> web.StreamResponse:
    """The desk's report of the days chosen, as `kimbot tickets export` writes it."""
    viewer = viewer_of_request(request)
    if not _may_tickets(viewer):
        return await refuse(request)
    form = await request.post()
    start, end, fmt = (str(form.get(k, "")) for k in ("dari", "sampai", "format"))
    if not (is_day(start) and is_day(end)) or end < start or fmt not in FORMATS:
        return await _bad(request)
    svc = services_of(request)
    by = actors.person(svc.roles, viewer.who)

    def write(folder: Path) -> Path:
        target = folder / f"tiket-{start}-{end}.{fmt}"
        return tickets_cli.export(svc, start, end, fmt, str(target), False, by)[0]

    try:
        name, data = await blocking(written, write)
    except tickets_cli.ExportError:
        return await _bad(request)
    return attachment(name, data)


def _villages(svc: Services, viewer: Viewer) -> list[tuple[str, str, str]]:
    """(kecamatan, village, code) of every village the viewer sees, in the tree's order."""
    found = []
    for kecamatan in svc.regions.kecamatan:
        for village in svc.regions.villages(kecamatan.code):
            if viewer.sees_village(village.code):
                found.append((kecamatan.name, village.name, village.code))
    return found


def subscriber_rows(svc: Services, viewer: Viewer, columns: list[str]) -> list[dict[str, Value]]:
    """Active subscribers of each village the viewer sees: counts, never people."""
    places = _villages(svc, viewer)
    counts = svc.residents.subscribers_by_village([code for _k, _v, code in places])
    return [
        dict(zip(columns, [kecamatan, village, code, count], strict=True))
        for (kecamatan, village, code), count in zip(places, counts, strict=True)
    ]


@routes.post("/ekspor/pelanggan")
async def subscribers(request: web.Request) -> web.StreamResponse:
    """Subscribers per kecamatan and kelurahan/desa, within the viewer's villages."""
    viewer = viewer_of_request(request)
    form = await request.post()
    fmt = str(form.get("format", ""))
    if fmt not in FORMATS:
        return await _bad(request)
    svc = services_of(request)

    def run() -> tuple[str, bytes]:
        tr = translator(request)
        _ = tr._
        columns = [_("Kecamatan"), _("Kelurahan/desa"), _("Code"), _("Active subscribers")]
        rows = subscriber_rows(svc, viewer, columns)
        day = default_range(svc.clock.now(), svc.config.deployment.timezone)[1]

        def write(folder: Path) -> Path:
            target = folder / f"pelanggan-{day}.{fmt}"
            if fmt == "xlsx":
                report_files.write_xlsx(target, [(_("Subscribers"), columns, rows)])
            else:
                report_files.write_csv(target, columns, rows)
            return target

        made = written(write)
        svc.audit.record(
            "export.run",
            **actors.person(svc.roles, viewer.who),
            object="subscribers",
            scope=",".join(viewer.scope),
            detail={"format": fmt, "rows": len(rows)},
        )
        return made

    name, data = await blocking(run)
    return attachment(name, data)
