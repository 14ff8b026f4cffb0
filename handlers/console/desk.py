"""The desk in the console: the queue (`/console/meja`) and a ticket (`/console/meja/{id}`).

The queue's filters are bot/desk/queue.py's; a kelurahan or kecamatan admin sees the
tickets of their villages, read-only, and a filter naming a region outside them is
refused. Staff (superadmins too) act on a ticket with the forms of its page, which post
to handlers/console/desk_actions.py: the staff group's own actions. No page names a
requester: residents appear by ticket number only.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from bot.desk import routing
from bot.desk.hoaxes import VERDICTS
from bot.desk.queue import DUE_FILTERS, STATES, FilterError, QueueFilter, queue_page
from bot.desk.staff import (
    REJECT_REASONS,
    Desk,
    age_text,
    kind_label,
    reason_label,
    ticket_state_label,
)
from bot.desk.tickets import Heading, HistoryEntry, Ticket
from bot.people.viewer import Viewer
from bot.platform.clock import to_datetime
from bot.platform.config import DEFAULT_DESK
from bot.platform.i18n import Translator
from bot.services import Services
from handlers import tickets_cli
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
RESIDENT = "resident"  # `by` of the requester's own transitions (a follow-up's answer)


def may_see_desk(viewer: Viewer) -> bool:
    return viewer.is_staff or viewer.is_admin


def _place(services: Services, village: str) -> str:
    """'Bagendung, Kec. Cilegon' (or the code of a region config.yaml no longer has)."""
    region = services.regions.get(village) if village else None
    if region is None:
        return village
    parent = services.regions.get(region.parent) if region.parent else None
    return f"{region.name}, Kec. {parent.name}" if parent else region.name


def _row(services: Services, tr: Translator, heading: Heading, now: float) -> dict[str, Any]:
    name = tickets_cli.staff_name(services)
    return {
        "id": heading.id,
        "kind": kind_label(tr, heading.kind),
        "topic": heading.topic,
        "place": _place(services, heading.village),
        "state": ticket_state_label(tr, heading.state),
        "age": age_text(tr, now - heading.created_at),
        "due": tr.datetime_text(to_datetime(heading.due_at)) if heading.due_at else "",
        "overdue": heading.state in ("diterima", "diverifikasi", "diteruskan")
        and now > heading.due_at,
        "claimed_by": name(heading.claimed_by) if heading.claimed_by else "",
        "desk": _desk(services, tr, heading.desk),
    }


def _desk_ids(services: Services) -> list[str]:
    return [office.id for office in services.config.desk.desks]


def _desk(services: Services, tr: Translator, desk: str) -> str:
    """A ticket's desk by name ("" when the deployment has only the default desk)."""
    if not services.config.desk.desks:
        return ""
    return routing.desk_name(services.config, tr, routing.known(services.config, desk))


@routes.get("/meja")
async def desk_queue(request: web.Request) -> web.Response:
    """The queue, filtered and paged, within the viewer's villages."""
    viewer = viewer_of_request(request)
    if not may_see_desk(viewer):
        return await refuse(request)
    services = services_of(request)
    tr = await blocking(translator, request)
    try:
        wanted = QueueFilter.parse(
            request.query, services.config.desk.topics, services.regions, _desk_ids(services)
        )
    except FilterError as error:
        return await notice(
            request,
            400,
            tr._("That filter is not valid"),
            tr._(
                "The filter “{name}” has a value the queue does not know. Open the desk again "
                "and choose from its lists.",
                name=error.name,
            ),
        )
    if wanted.village and not viewer.sees_village(wanted.village):
        return await refuse(request)
    kecamatan = services.regions.villages(wanted.kecamatan) if wanted.kecamatan else []
    if kecamatan and not viewer.sees_any({v.code for v in kecamatan}):
        return await refuse(request)

    def build() -> dict[str, Any]:
        now = services.clock.now()
        found = queue_page(
            services.tickets,
            services.regions,
            wanted,
            viewer.villages,
            now,
            services.config.deployment.timezone,
            _desk_ids(services),
        )
        kecamatan_choices = [
            (k.code, k.name)
            for k in services.regions.kecamatan
            if viewer.sees_any({v.code for v in services.regions.villages(k.code)})
        ]
        village_choices = [
            (v.code, v.name)
            for v in services.regions.villages(wanted.kecamatan or None)
            if viewer.sees_village(v.code)
        ]

        def link(**changes: str | int) -> str:
            return "/console/meja?" + urlencode(wanted.query(**changes))

        return {
            "rows": [_row(services, tr, h, now) for h in found.rows],
            "found": found,
            "wanted": wanted,
            "states": [("open", tr._("open")), ("all", tr._("all"))]
            + [(s, ticket_state_label(tr, s)) for s in STATES],
            "topics": services.config.desk.topics,
            "desk_choices": routing.every_desk(services.config, tr)
            if services.config.desk.desks
            else [],
            "kecamatan_choices": kecamatan_choices,
            "village_choices": village_choices,
            "due_choices": list(
                zip(
                    DUE_FILTERS,
                    (tr._("any time"), tr._("overdue"), tr._("due today")),
                    strict=True,
                )
            ),
            "previous": link(page=found.page - 1) if found.page > 1 else "",
            "next": link(page=found.page + 1) if found.page < found.pages else "",
            "read_only": not viewer.is_staff,
        }

    return await page(request, "desk.html", build)


def _history(
    services: Services, tr: Translator, ticket: Ticket, entries: list[HistoryEntry]
) -> list[dict[str, str]]:
    """The transitions with who took them: staff by name, the resident never by address."""
    name = tickets_cli.staff_name(services)
    rows = []
    for entry in entries:
        resident = entry.by in ("", RESIDENT) or (
            ticket.requester is not None and entry.by == str(ticket.requester)
        )
        note = reason_label(tr, entry.note) if entry.state == "ditolak" else entry.note
        if entry.desk:  # a move's entry
            moved_to = _desk(services, tr, "" if entry.desk == DEFAULT_DESK else entry.desk)
            note = "➡ " + tr._("Moved to {desk}.", desk=moved_to or entry.desk)
        rows.append(
            {
                "at": tr.datetime_text(to_datetime(entry.at)),
                "state": ticket_state_label(tr, entry.state),
                "by": tr._("the resident") if resident else name(entry.by),
                "note": note,
            }
        )
    return rows


async def ticket_or_refusal(request: web.Request) -> Ticket | web.Response:
    """The ticket of the URL if this viewer may see it; else the 404 or 403 page."""
    viewer = viewer_of_request(request)
    if not may_see_desk(viewer):
        return await refuse(request)
    services = services_of(request)
    ticket = await blocking(services.tickets.get, request.match_info["ticket_id"])
    if ticket is None:
        _ = (await blocking(translator, request))._
        return await notice(
            request, 404, _("No such ticket"), _("There is no ticket with that number.")
        )
    if not viewer.sees_village(ticket.village):
        return await refuse(request)
    return ticket


@routes.get("/meja/{ticket_id}")
async def ticket_page(request: web.Request) -> web.Response:
    """One ticket: its card's facts, its history and its answer; staff's actions."""
    found = await ticket_or_refusal(request)
    if isinstance(found, web.Response):
        return found
    ticket = found
    viewer = viewer_of_request(request)
    services = services_of(request)

    def build() -> dict[str, Any]:
        tr = translator(request)
        now = services.clock.now()
        members = services.hoaxes.members(ticket.group) if ticket.group else []
        name = tickets_cli.staff_name(services)
        return {
            "ticket": ticket,
            "kind": kind_label(tr, ticket.kind),
            "state": ticket_state_label(tr, ticket.state),
            "place": _place(services, ticket.village),
            "created": tr.datetime_text(to_datetime(ticket.created_at)),
            "age": age_text(tr, now - ticket.created_at),
            "due": tr.datetime_text(to_datetime(ticket.due_at)),
            "overdue": ticket.is_open and now > ticket.due_at,
            "claimed_by": name(ticket.claimed_by) if ticket.claimed_by else "",
            "desk": _desk(services, tr, ticket.desk),
            "answered": tr.datetime_text(to_datetime(ticket.answered_at))
            if ticket.answered_at
            else "",
            "asked_by": len(members),
            "history": _history(services, tr, ticket, services.tickets.history(ticket.id)),
            "reasons": [(r, reason_label(tr, r)) for r in REJECT_REASONS],
            "verdicts": VERDICTS,
            "acts": ticket.is_open and Desk(services).may_act(viewer.who, ticket),
            "move_choices": routing.choices(
                services.config, tr, routing.known(services.config, ticket.desk)
            )
            if services.config.desk.desks
            else [],
            "max_text": services.config.limits.max_text_length,
        }

    return await page(request, "ticket.html", build)
