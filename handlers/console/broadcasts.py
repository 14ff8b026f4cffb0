"""Broadcasts in the console: the list (`/console/pengumuman`), an announcement's report
(`/console/pengumuman/{id}`) and cancelling it (`POST /console/pengumuman/{id}/batal`).

A viewer sees the announcements bot/announcements/access.py lets them see (superadmins
all; an admin their own and those whose every target is inside their scope) and cancels
what the bot's ✖ Cancel button lets them cancel (their own; superadmins any), through the
same `cancel`. The report counts outcomes and groups failures by reason, never naming a
recipient; WhatsApp's later delivered/read states (handlers/whatsapp/tracking.py) are the
channel's own and are not shown here.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.announcements.access import cancel, may_cancel, may_see
from bot.announcements.report import announcement_state_label
from bot.announcements.roles import KOMUNITAS
from bot.announcements.store import OPEN_STATES, Announcement
from bot.people.viewer import Viewer
from bot.platform.addresses import Address, AddressError
from bot.platform.clock import to_datetime
from bot.platform.i18n import Translator
from bot.services import Services
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
PAGE = 50
MAX_PAGE = 100_000


def _author(services: Services, tr: Translator, ann: Announcement) -> str:
    if ann.alert:
        return "⚠️ " + tr._("Early warning #{id}", id=ann.alert)
    if ann.admin is None:
        return tr._("the operator (kimbot broadcast)")
    return services.roles.admin_name(ann.admin)


def _label(services: Services, key: str) -> str:
    """A target's name; the bare key of a region config.yaml no longer has."""
    if key.startswith(KOMUNITAS) or key in services.regions:
        return services.roles.label(key)
    return key


def _name(services: Services, who: str) -> str:
    """A role holder's name, from an address as stored."""
    try:
        return services.roles.admin_name(Address.parse(who))
    except AddressError:
        return who


def _when(tr: Translator, moment: float | None) -> str:
    return tr.datetime_text(to_datetime(moment)) if moment else ""


def _reach(services: Services, ann: Announcement) -> tuple[int, int, bool]:
    """(residents, channels, planned): the plan's once made, else counted now."""
    if ann.planned:
        return ann.audience, ann.channels, True
    residents = services.announcements.count_audience(ann.targets)
    return residents, len(_channels(services, ann)), False


def _channels(services: Services, ann: Announcement) -> list[str]:
    """The channels it posts in (an early warning's: none)."""
    return [] if ann.alert else services.announcements.channel_chats(ann.targets)


def _summary(services: Services, tr: Translator, ann: Announcement) -> dict[str, Any]:
    residents, channels, planned = _reach(services, ann)
    return {
        "id": ann.id,
        "targets": ", ".join(_label(services, t) for t in ann.targets),
        "author": _author(services, tr, ann),
        "state": announcement_state_label(tr, ann.state),
        "open": ann.state in OPEN_STATES,
        "created": _when(tr, ann.created_at),
        "scheduled": _when(tr, ann.scheduled_at),
        "sent": ann.counts.get("sent", 0),
        "blocked": ann.counts.get("blocked", 0),
        "failed": ann.counts.get("failed", 0),
        "residents": residents,
        "channels": channels,
        "planned": planned,
    }


@routes.get("/pengumuman")
async def broadcast_list(request: web.Request) -> web.Response:
    """The announcements this viewer may see, newest first, a page at a time."""
    viewer = viewer_of_request(request)
    if not viewer.is_admin:
        return await refuse(request)
    services = services_of(request)
    raw_page = request.query.get("page", "") or "1"
    if not raw_page.isdigit() or not 1 <= int(raw_page) <= MAX_PAGE:
        _ = (await blocking(translator, request))._
        return await notice(
            request,
            400,
            _("That page does not exist"),
            _("Page numbers are whole numbers from 1."),
        )

    def build() -> dict[str, Any]:
        tr = translator(request)
        visible = [
            announcement_id
            for announcement_id, owner, targets in services.announcements.owners_and_targets()
            if may_see(services.roles, viewer.who, owner, targets)
        ]
        pages = max(1, -(-len(visible) // PAGE))
        number = min(int(raw_page), pages)
        shown = [
            ann
            for ann in (
                services.announcements.get(i) for i in visible[(number - 1) * PAGE : number * PAGE]
            )
            if ann is not None
        ]
        return {
            "rows": [_summary(services, tr, ann) for ann in shown],
            "total": len(visible),
            "page_number": number,
            "pages": pages,
            "previous": f"/console/pengumuman?page={number - 1}" if number > 1 else "",
            "next": f"/console/pengumuman?page={number + 1}" if number < pages else "",
        }

    return await page(request, "broadcasts.html", build)


def _channel_names(services: Services) -> dict[str, str]:
    """A channel's address → the name of the region or komunitas it is the chat of."""
    names = {
        str(Address.telegram(chat.chat_id)): _label(services, code)
        for code, chat in services.config.channels.items()
        if chat.chat_id is not None and code in services.regions
    }
    for kom in services.config.komunitas:
        if kom.chat.chat_id is not None:
            names[str(Address.telegram(kom.chat.chat_id))] = kom.name
    return names


async def _announcement_or_refusal(
    request: web.Request, viewer: Viewer
) -> Announcement | web.Response:
    """The URL's announcement if this viewer may see it; else the 404 or 403 page."""
    if not viewer.is_admin:
        return await refuse(request)
    services = services_of(request)
    ann = await blocking(services.announcements.get, request.match_info["announcement_id"])
    if ann is None:
        _ = (await blocking(translator, request))._
        return await notice(
            request,
            404,
            _("No such announcement"),
            _("There is no announcement with that number."),
        )
    if not may_see(services.roles, viewer.who, ann.admin, ann.targets):
        return await refuse(request)
    return ann


@routes.get("/pengumuman/{announcement_id}")
async def broadcast_report(request: web.Request) -> web.Response:
    """An announcement's report: its outcomes, its failures by reason, and cancel."""
    viewer = viewer_of_request(request)
    found = await _announcement_or_refusal(request, viewer)
    if isinstance(found, web.Response):
        return found
    ann = found
    services = services_of(request)

    def build() -> dict[str, Any]:
        tr = translator(request)
        names = _channel_names(services)
        channel_outcomes = []
        for chat in _channels(services, ann):
            code = services.announcements.outcome_of(ann.id, chat)
            channel_outcomes.append((names.get(chat, chat), code))
        reasons = sorted(
            services.announcements.failure_reasons(ann.id).items(),
            key=lambda pair: (-pair[1], pair[0]),
        )
        summary = _summary(services, tr, ann)
        remaining = max(ann.total - ann.done_count, 0) if ann.planned else None
        return {
            "ann": ann,
            "summary": summary,
            "approved_by": _name(services, ann.approved_by) if ann.approved_by else "",
            "started": _when(tr, ann.started_at),
            "finished": _when(tr, ann.finished_at),
            "seconds": round(ann.finished_at - ann.started_at)
            if ann.finished_at and ann.started_at
            else None,
            "remaining": remaining,
            "channel_outcomes": channel_outcomes,
            "reasons": reasons,
            "may_cancel": ann.state in OPEN_STATES
            and may_cancel(services.roles, viewer.who, ann.admin),
        }

    return await page(request, "broadcast.html", build)


@routes.post("/pengumuman/{announcement_id}/batal")
async def cancel_broadcast(request: web.Request) -> web.Response:
    """Cancel a running, scheduled or waiting announcement (its owner or a superadmin)."""
    viewer = viewer_of_request(request)
    found = await _announcement_or_refusal(request, viewer)
    if isinstance(found, web.Response):
        return found
    ann = found
    services = services_of(request)
    if not may_cancel(services.roles, viewer.who, ann.admin):
        return await refuse(request)
    tr = await blocking(translator, request)
    if not await blocking(cancel, services, ann, viewer.who, tr):
        current = await blocking(services.announcements.get, ann.id)
        state = announcement_state_label(tr, current.state if current else "")
        return await notice(
            request,
            409,
            tr._("Nothing was changed"),
            tr._("Announcement #{id} is already {state}.", id=ann.id, state=state),
        )
    return see_other(f"/console/pengumuman/{ann.id}")
