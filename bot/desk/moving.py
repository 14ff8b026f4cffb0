"""Moving a ticket to another desk: the card's ➡ Move to desk, then the desk picked.

➡ (`TicketAction("desks")`) edits the card to list the other desks (the default desk
among them) and ↩ Back; a desk's button (`TicketAction("move", ticket, desk id)`) moves
the ticket with its history (`Tickets.move`): unclaimed, due by the new desk's rules
counted from when it was filed, its overdue marks cleared. The old card is edited to say
where it went (no buttons left), a new card goes to the new desk's group or topic, the
queue and the console show the new desk, and the audit trail gets `ticket.moved`. A hoax
check moves with every request grouped with it. Only someone who may act on the
ticket's present desk may move it (bot/desk/staff.py checks before this is reached); a
press naming no configured desk, or the desk it is on, changes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.desk import routing
from bot.desk.tickets import Ticket
from bot.platform.actions import TicketAction
from bot.platform.addresses import Address
from bot.platform.config import DEFAULT_DESK
from bot.platform.messages import Choice, Reply, rows

if TYPE_CHECKING:
    from bot.desk.staff import Desk


class Moves:
    """The card's desk buttons."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.svc = desk.svc
        self.config = desk.svc.config

    def press(self, staff: Address, ticket: Ticket, verb: str, arg: str, now: float) -> list[Reply]:
        """`desks`: the card with the desks to pick from; `move`: move it to desk `arg`."""
        _ = self.desk.staff_tr._
        current = routing.known(self.config, ticket.desk)
        if verb == "desks":
            picks = routing.choices(self.config, self.desk.staff_tr, current)
            choices = [Choice(name, TicketAction("move", ticket.id, i).pack()) for i, name in picks]
            choices.append(Choice(_("↩ Back"), TicketAction("move", ticket.id).pack()))
            card = self.desk.card(ticket, now)
            return [Reply(text=card.text, choices=rows(choices, 1), edit=True, card_of=ticket.id)]
        to = routing.target(self.config, arg) if arg else None
        if to is None or to == current:
            card = self.desk.card(ticket, now)
            return [Reply(text=card.text, choices=card.choices, edit=True, card_of=ticket.id)]
        return self.move(staff, ticket, to, now)

    def move(self, staff: Address, ticket: Ticket, to: str, now: float) -> list[Reply]:
        """Move the ticket (and its hoax group) to desk `to`; the old card says where."""
        tr = self.desk.staff_tr
        name = routing.desk_name(self.config, tr, to)
        label = to or DEFAULT_DESK
        members = (
            self.desk.archive.members(ticket.group)
            if ticket.kind == "hoaks" and ticket.group
            else [ticket.id]
        )
        who = str(staff)
        moved: Ticket | None = None
        count = 0
        for member in members or [ticket.id]:
            found = self.desk.tickets.get(member)
            if found is None:
                continue
            due = self.desk.due(found.kind, found.created_at, to)
            done = self.desk.tickets.move(member, to, who, now, due, label)
            if done is not None:
                count += 1
                if member == ticket.id:
                    moved = done
        if moved is None:
            return [Reply(text="", notice=tr._("This ticket is no longer open."))]
        before = routing.known(self.config, ticket.desk) or DEFAULT_DESK
        self.desk.audit("ticket.moved", staff, ticket, tickets=count, desk=label, previous=before)
        routing.post(self.svc, to, self.desk.card(moved, now), about=moved.requester)
        said = tr._("Moved to {desk}.", desk=name)
        text = self.desk.card(ticket, now).text + "\n\n➡ " + said
        return [Reply(text=text, edit=True, notice=said)]
