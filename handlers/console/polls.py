"""Polls in the console: the list (`/console/jajak`), a poll's results
(`/console/jajak/{id}`: each answer, then every kelurahan/desa with kecamatan subtotals),
their download as CSV or XLSX (`/console/jajak/{id}/unduh?format=…`) and closing it now
(`POST /console/jajak/{id}/tutup`).

Who sees which poll and which villages' figures, and who may close it, are the chat's
rules (bot/polls/access.py); closing is `bot.polls.runs.close`, as ✖ Close now in the
chat. Figures are counts only: no page names a resident.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web

from bot.platform.clock import to_datetime
from bot.polls import access, runs
from bot.polls.export import columns, table
from bot.polls.messages import answer_label
from bot.polls.store import OTHER, Poll
from bot.services import Services
from handlers import report_files
from handlers.console.charts import Bar, bar_chart
from handlers.console.downloads import attachment, written
from handlers.console.render import (
    blocking,
    notice,
    page,
    refuse,
    see_other,
    services_of,
    translator,
    viewer_of_request,
)

routes = web.RouteTableDef()
LISTED = 100


def _summary(services: Services, poll: Poll, villages: frozenset[str]) -> dict[str, Any]:
    results = services.polls.results(poll, villages)
    return {
        "id": poll.id,
        "question": poll.question,
        "open": poll.state == "open",
        "targets": ", ".join(
            services.roles.label(t) for t in poll.targets if t in services.regions
        ),
        "respondents": results.respondents,
        "reach": results.reach,
        "rate": round(results.rate * 100),
    }


def _villages(services: Services, request: web.Request, poll: Poll) -> frozenset[str]:
    viewer = viewer_of_request(request)
    return access.visible(services.roles, viewer.who, poll, set(services.polls.by_village(poll)))


@routes.get("/jajak")
async def poll_list(request: web.Request) -> web.Response:
    """The newest polls this viewer may see."""
    viewer = viewer_of_request(request)
    if not viewer.is_admin:
        return await refuse(request)
    services = services_of(request)

    def build() -> dict[str, Any]:
        tr = translator(request)
        polls = [
            p
            for p in services.polls.recent(LISTED)
            if access.may_see(services.roles, viewer.who, p)
        ]
        rows = []
        for poll in polls:
            row = _summary(services, poll, _villages(services, request, poll))
            moment = poll.closed_at if poll.state == "closed" else poll.closes_at
            row["when"] = tr.datetime_text(to_datetime(moment))
            rows.append(row)
        return {"rows": rows}

    return await page(request, "polls.html", build)


async def _poll_or_refusal(request: web.Request) -> Poll | web.Response:
    """The URL's poll if this viewer may see it; else the 404 or 403 page."""
    viewer = viewer_of_request(request)
    if not viewer.is_admin:
        return await refuse(request)
    services = services_of(request)
    poll = await blocking(services.polls.get, request.match_info["poll_id"])
    if poll is None:
        _ = (await blocking(translator, request))._
        return await notice(
            request, 404, _("No such poll"), _("There is no poll with that number.")
        )
    if not access.may_see(services.roles, viewer.who, poll):
        return await refuse(request)
    return poll


@routes.get("/jajak/{poll_id}")
async def poll_results(request: web.Request) -> web.Response:
    """A poll's results within the viewer's scope: each answer, then per kelurahan/desa."""
    found = await _poll_or_refusal(request)
    if isinstance(found, web.Response):
        return found
    poll = found
    services = services_of(request)
    viewer = viewer_of_request(request)

    def build() -> dict[str, Any]:
        tr = translator(request)
        villages = _villages(services, request, poll)
        results = services.polls.results(poll, villages)
        answers = list(range(1, len(poll.options) + 1)) + ([OTHER] if poll.other else [])
        bars = [Bar(answer_label(tr, poll, a), results.counts.get(a, 0)) for a in answers]
        moment = poll.closed_at if poll.state == "closed" else poll.closes_at
        return {
            "poll": poll,
            "summary": _summary(services, poll, villages),
            "when": tr.datetime_text(to_datetime(moment)),
            "chart": bar_chart(bars, tr._("Answers"), tr.number),
            "shares": [
                (answer_label(tr, poll, a), results.counts.get(a, 0), round(results.share(a) * 100))
                for a in answers
            ],
            "columns": columns(tr, poll),
            "rows": table(services, tr, poll, villages.__contains__),
            "may_close": poll.state == "open"
            and access.may_close(services.roles, viewer.who, poll),
        }

    return await page(request, "poll.html", build)


@routes.get("/jajak/{poll_id}/unduh")
async def poll_download(request: web.Request) -> web.Response:
    """The results table as CSV or XLSX (counts per kelurahan/desa, no resident)."""
    found = await _poll_or_refusal(request)
    if isinstance(found, web.Response):
        return found
    poll = found
    services = services_of(request)
    kind = request.query.get("format", "csv")
    if kind not in ("csv", "xlsx"):
        _ = (await blocking(translator, request))._
        return await notice(request, 400, _("Unknown format"), _("Choose CSV or XLSX."))

    def write(folder: Path) -> Path:
        tr = translator(request)
        head = columns(tr, poll)
        rows = table(services, tr, poll, _villages(services, request, poll).__contains__)
        target = folder / f"jajak-{poll.id}.{kind}"
        if kind == "xlsx":
            report_files.write_xlsx(target, [(tr._("Poll results"), head, rows)])
        else:
            report_files.write_csv(target, head, rows)
        return target

    name, data = await blocking(written, write)
    return attachment(name, data)


@routes.post("/jajak/{poll_id}/tutup")
async def poll_close(request: web.Request) -> web.Response:
    """Close the poll now (its admin or a superadmin): its results go to the respondents."""
    found = await _poll_or_refusal(request)
    if isinstance(found, web.Response):
        return found
    poll = found
    services = services_of(request)
    viewer = viewer_of_request(request)
    if not access.may_close(services.roles, viewer.who, poll):
        return await refuse(request)
    if not await blocking(runs.close, services, poll, services.clock.now(), viewer.who):
        _ = (await blocking(translator, request))._
        return await notice(
            request, 409, _("Nothing was changed"), _("Poll #{id} is closed already.", id=poll.id)
        )
    return see_other(f"/console/jajak/{poll.id}")
