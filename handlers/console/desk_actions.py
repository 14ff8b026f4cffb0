"""Staff acting on a ticket from the console: `POST /console/meja/{id}/…`.

- `klaim`, `jawab` (`text`), `teruskan` (`text`), `tolak` (`reason`), `pindah` (`desk`:
  `default` or an id of desk.desks, bot/desk/moving.py): the staff group's
  card buttons and the reply to the card, pressed as `kimbot tickets` presses them
  (`handlers/tickets_cli.act` → `Desk.act`, `Desk.staff_reply`).
- `putusan` (`verdict`, `explanation`, `sources`): a hoax check's verdict. Without
  `send` it only shows what the residents will receive (nothing is stored); with `send`
  it is the preview's ✅ Send: `Desk.give_verdict` on the claim's first ticket, which
  archives it and tells every resident who asked, each in their own language.

Only staff and superadmins (`Roles.is_staff`), and of those only who may act on the
ticket's desk (`Desk.may_act`, as the desk checks every press); the resident and the
audit trail see the same as from the group, and the ticket's card in its desk's group is
edited to its new state (`refresh_card`).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.desk import routing
from bot.desk.hoaxes import VERDICTS
from bot.desk.staff import REJECT_REASONS, Desk
from bot.desk.tickets import Ticket
from bot.desk.verdicts import clean_sources, verdict_text
from bot.platform.addresses import Address
from bot.services import Services
from handlers import tickets_cli
from handlers.console.desk import ticket_or_refusal
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
ACTIONS = {
    "klaim": "claim",
    "jawab": "answer",
    "teruskan": "forward",
    "tolak": "reject",
    "pindah": "move",
}


def refresh_card(services: Services, ticket_id: str) -> None:
    """Edit the ticket's card in the staff group to its new state, as the group's own
    press would (the card the bot posted there, if any: no new card is posted)."""
    ticket = services.tickets.get(ticket_id)
    if ticket is None or not ticket.card_message or not ticket.card_chat:
        return
    chat = Address.parse(f"tg:{ticket.card_chat}")
    if str(chat) in routing.group_chats(services.config):
        services.dispatch.notify(chat, Desk(services).card(ticket, services.clock.now()))


def _text(form: Any, name: str) -> str:
    """A form field's text, trimmed, with the browser's CRLF line ends made LF (as the
    group's replies have them)."""
    value = form.get(name)
    if not isinstance(value, str):
        return ""
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


@routes.post("/meja/{ticket_id}/putusan")
async def verdict(request: web.Request) -> web.Response:
    """A hoax check's verdict: the preview, then (with `send`) the preview's ✅ Send."""
    viewer = viewer_of_request(request)
    if not viewer.is_staff:
        return await refuse(request)
    found = await ticket_or_refusal(request)
    if isinstance(found, web.Response):
        return found
    services = services_of(request)
    tr = await blocking(translator, request)
    _ = tr._
    form = await request.post()
    chosen = _text(form, "verdict")
    explanation = _text(form, "explanation")
    sources = clean_sources(_text(form, "sources"))
    limit = services.config.limits.max_text_length
    if found.kind != "hoaks" or not found.is_open:
        return await notice(
            request,
            409,
            _("Nothing was changed"),
            _("Only an open hoax check takes a verdict."),
        )
    if chosen not in VERDICTS:
        return await notice(
            request,
            400,
            _("Choose a verdict"),
            _("A verdict needs one of the listed ratings; nothing was sent."),
        )
    if not explanation or len(explanation) > limit or len(sources) > limit:
        return await notice(
            request,
            400,
            _("The text was not accepted"),
            _("Write between 1 and {limit} characters; nothing was sent.", limit=limit),
        )

    def leader() -> Ticket:
        """The claim's first ticket: the one the staff group's card is of."""
        first = services.tickets.get(found.group) if found.group else None
        return first if first is not None and first.is_open else found

    ticket = await blocking(leader)
    if form.get("send") != "1":

        def build() -> dict[str, Any]:
            members = services.hoaxes.members(ticket.group) if ticket.group else []
            return {
                "ticket": ticket,
                "verdict": chosen,
                "explanation": explanation,
                "sources": sources,
                "residents": max(len(members), 1),
                "preview": verdict_text(tr, ticket.id, chosen, explanation, sources),
            }

        return await page(request, "verdict.html", build)

    def send() -> bool:
        """✅ Send, checked again as the desk checks every press."""
        fresh = services.tickets.get(ticket.id)
        if fresh is None or not fresh.is_open or not Desk(services).may_act(viewer.who, fresh):
            return False
        now = services.clock.now()
        Desk(services).give_verdict(fresh, chosen, explanation, sources, str(viewer.who), now)
        services.tickets.update(ticket.id, verdict_draft="")
        after = services.tickets.get(ticket.id)
        return after is not None and after.state == "dijawab"

    if not await blocking(send):
        return await notice(
            request,
            409,
            _("Nothing was changed"),
            _("Only an open hoax check takes a verdict."),
        )
    await blocking(refresh_card, services, ticket.id)
    return see_other(f"/console/meja/{ticket.id}")


@routes.post("/meja/{ticket_id}/{action}")
async def ticket_action(request: web.Request) -> web.Response:
    """Claim, answer, forward or reject, as the staff group's card does it."""
    action = ACTIONS.get(request.match_info["action"])
    viewer = viewer_of_request(request)
    if action is None:
        _ = (await blocking(translator, request))._
        return await notice(
            request,
            404,
            _("No such action"),
            _("Tickets are claimed, answered, forwarded or rejected."),
        )
    if not viewer.is_staff:
        return await refuse(request)
    found = await ticket_or_refusal(request)
    if isinstance(found, web.Response):
        return found
    ticket = found
    services = services_of(request)
    _ = (await blocking(translator, request))._
    form = await request.post()
    args: list[str] = []
    if action in ("answer", "forward"):
        text = _text(form, "text")
        limit = services.config.limits.max_text_length
        if not text or len(text) > limit:
            return await notice(
                request,
                400,
                _("The text was not accepted"),
                _(
                    "Write between 1 and {limit} characters; nothing was sent.",
                    limit=limit,
                ),
            )
        args = [text]
    elif action == "reject":
        reason = form.get("reason")
        if reason not in REJECT_REASONS:
            return await notice(
                request,
                400,
                _("Choose a reason"),
                _("A rejection needs one of the listed reasons; nothing was changed."),
            )
        args = [str(reason)]
    elif action == "move":
        args = [_text(form, "desk")[:40]]
    try:
        await blocking(tickets_cli.act, services, str(viewer.who), action, ticket.id, args)
    except tickets_cli.ActionError as error:
        return await notice(
            request,
            409,
            _("Nothing was changed"),
            _("The desk said: {reason}", reason=str(error)),
        )
    await blocking(refresh_card, services, ticket.id)
    return see_other(f"/console/meja/{ticket.id}")
