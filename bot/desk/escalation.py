"""Escalating tickets past their due time: first the staff group, then the supervisor.

The worker's desk job (broadcasts/desk_jobs.py) calls `escalate` every few minutes. An
open ticket past its due time (its desk's due time, bot/desk/routing.py) is listed once
in a line to its desk's group or topic, one line per desk; once it is
`desk.escalate_after_hours` past due, it is listed once in a notice to
`roles.staff.supervisor` (a group or a person) or, without one, to every superadmin
privately, with the whole overdue list. Each step marks the ticket (`overdue_told`,
`escalated`, bot/desk/tickets.py) with HSETNX, so two workers never report it twice; a
ticket reopened by its resident gets a new due time and is escalated afresh.
"""

from __future__ import annotations

from bot.audit import actors
from bot.desk import routing
from bot.desk.staff import Desk, kind_label, ticket_state_label
from bot.desk.tickets import Ticket
from bot.platform.addresses import Address
from bot.platform.clock import to_datetime
from bot.platform.messages import Reply

LISTED = 30  # tickets named in one message; the rest are counted


def escalate(desk: Desk, now: float) -> list[tuple[Address, Reply]]:
    """The messages to send about tickets newly overdue, and newly long overdue."""
    svc = desk.svc
    tickets = desk.tickets
    overdue = [t for t in (tickets.get(i) for i in tickets.overdue(now)) if t and t.is_open]
    out: list[tuple[Address, Reply]] = []
    by_desk: dict[str, list[Ticket]] = {}
    for t in overdue:
        by_desk.setdefault(routing.known(svc.config, t.desk), []).append(t)
    for desk_id, listed in by_desk.items():
        where = routing.place(svc.config, desk_id)
        if where is None:  # no staff group (WhatsApp only): marked once there is one
            continue
        fresh = set(tickets.mark_once([t.id for t in listed], "overdue_told", now))
        told = [t for t in listed if t.id in fresh]
        if told:
            chat, thread = where
            out.append((chat, Reply(text=_staff_line(desk, told), thread=thread)))
    hours = svc.config.desk.escalate_after_hours
    late = [t for t in overdue if hours and now - t.due_at >= hours * 3600]
    supervisor = svc.config.roles.staff.supervisor
    to = [supervisor] if supervisor else list(svc.config.roles.superadmins)
    if not late or not to:  # nobody to tell: marked once there is someone
        return out
    fresh = set(tickets.mark_once([t.id for t in late], "escalated", now))
    if not fresh:
        return out
    for address in (Address.parse(a) for a in to):
        out.append((address, _supervisor_notice(desk, address, late, len(fresh), now)))
    svc.audit.record(
        "ticket.escalated",
        **actors.system(),
        object="tickets",
        detail={"tickets": len(fresh), "overdue": len(late), "to": len(to)},
    )
    return out


def _staff_line(desk: Desk, told: list[Ticket]) -> str:
    """ "⚠️ 2 ticket(s) are past their due time: ASP-…, …" for the staff group."""
    ids = ", ".join(t.id for t in told[:LISTED])
    more = len(told) - LISTED
    if more > 0:
        ids += " (" + desk.staff_tr._("and {count} more", count=more) + ")"
    return desk.staff_tr._(
        "⚠️ {count} ticket(s) are past their due time: {ids}", count=len(told), ids=ids
    )


def _supervisor_notice(desk: Desk, to: Address, late: list[Ticket], new: int, now: float) -> Reply:
    """The overdue list for the supervisor (in their language when they are a resident)."""
    tr = desk.resident_tr(to) if to.is_private else desk.staff_tr
    _ = tr._
    hours = desk.svc.config.desk.escalate_after_hours
    lines = [
        _(
            "🚨 {count} ticket(s) are more than {hours} h past their due time "
            "({new} newly). Oldest first:",
            count=len(late),
            hours=tr.number(hours),
            new=new,
        )
    ]
    for t in late[:LISTED]:
        name = desk.svc.roles.admin_name(Address.parse(t.claimed_by)) if t.claimed_by else ""
        who = f" · {name}" if name else ""
        lines.append(
            f"{t.id} · {kind_label(tr, t.kind)} · {ticket_state_label(tr, t.state)} · "
            + _("due {due}", due=tr.datetime_text(to_datetime(t.due_at)))
            + who
        )
    if len(late) > LISTED:
        lines.append("(" + _("and {count} more", count=len(late) - LISTED) + ")")
    return Reply(text="\n".join(lines))
