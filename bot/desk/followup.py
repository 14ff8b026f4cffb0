"""Closing the loop: asking residents whether an answered or forwarded aspirasi is solved.

`desk.follow_up_days` after staff answer or forward an aspirasi (not a hoax check), the
transition puts the ticket on the follow-up index (bot/desk/tickets.py). The worker's desk
job (broadcasts/desk_jobs.py) calls `FollowUps.ask_due`: each due ticket is claimed once
(two workers never ask twice) and its requester, anonymous or not, gets "Apakah masalah
ini sudah selesai?" in their own language with ✅ Sudah and ❌ Belum (`FollowUp` buttons).
✅ closes the ticket; ❌ asks for a short note (bot/dialogs/follow_up.py) and reopens it:
back on its desk's queue, unclaimed, with a new due time by that desk's rules, the desk's
group told and the card posted again there (bot/desk/routing.py). Only the requester's
press while the question waits changes anything; both answers are audit entries by the
requester's pseudonym.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.audit.actors import Actor
from bot.desk import routing
from bot.desk.tickets import ASKED_ABOUT, Ticket
from bot.platform.actions import FollowUp, packable
from bot.platform.addresses import Address
from bot.platform.clock import to_datetime
from bot.platform.config import Config
from bot.platform.messages import Choice, Reply

if TYPE_CHECKING:
    from bot.desk.staff import Desk

NOTE_MAX = 1000  # characters of a resident's note on reopening


def follow_at(config: Config, ticket: Ticket, now: float) -> str:
    """When to ask the requester of `ticket`, answered or forwarded now, as `repr` ("": never)."""
    days = config.desk.follow_up_days
    if not days or ticket.kind == "hoaks" or not packable(ticket.id):
        return ""
    return repr(now + days * 86400)


class FollowUps:
    """The follow-up question, and the requester's answers to it."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.svc = desk.svc
        self.tickets = desk.tickets

    def ask_due(self, now: float) -> int:
        """Ask every requester whose follow-up is due; returns how many were asked."""
        asked = 0
        for ticket_id in self.tickets.claim_follow_ups(now):
            ticket = self.tickets.get(ticket_id)
            if ticket is None or ticket.state not in ASKED_ABOUT or ticket.requester is None:
                continue  # closed, rejected or erased since: nothing to ask
            self.tickets.mark_asked(ticket.id, now)
            self.svc.dispatch.notify(ticket.requester, self.question(ticket))
            asked += 1
        return asked

    def question(self, ticket: Ticket) -> Reply:
        """ "Is this problem solved?" in the requester's language, with ✅ Sudah and ❌ Belum."""
        tr = self.desk.resident_tr(ticket.requester)
        _ = tr._
        since = self._since(ticket)
        when = tr.datetime_text(to_datetime(since))
        if ticket.state == "diteruskan":
            done = _("It was forwarded on {when}.", when=when)
        else:
            done = _("It was answered on {when}.", when=when)
        head = f"📋 {ticket.id}" + (f" · {ticket.topic}" if ticket.topic else "")
        text = f"{head}\n{done}\n\n" + _("Is this problem solved?")
        choices = (
            (
                Choice(_("✅ Yes, solved"), FollowUp(ticket.id, True).pack()),
                Choice(_("❌ Not yet"), FollowUp(ticket.id, False).pack()),
            ),
        )
        return Reply(text=text, choices=choices, ticket=ticket.id)

    def _since(self, ticket: Ticket) -> float:
        """When the ticket entered its present state (answered or forwarded)."""
        moments = [h.at for h in self.tickets.history(ticket.id) if h.state == ticket.state]
        return moments[-1] if moments else ticket.answered_at or ticket.created_at

    def waiting(self, ticket_id: str, requester: Address) -> Ticket | None:
        """The ticket if `requester` asked it and its question waits for their answer."""
        ticket = self.tickets.get(ticket_id)
        if (
            ticket is None
            or ticket.requester != requester
            or ticket.state not in ASKED_ABOUT
            or not ticket.follow_asked
        ):
            return None
        return ticket

    def solved(self, requester: Address, ticket_id: str, now: float) -> Ticket | None:
        """✅ Sudah: the ticket is closed (None: not theirs, or nothing waits)."""
        closed = self.tickets.answer_follow_up(ticket_id, requester, now, solved=True)
        if closed is not None:
            self._audit("ticket.solved", closed)
        return closed

    def reopen(self, requester: Address, ticket_id: str, note: str, now: float) -> Ticket | None:
        """❌ Belum with the resident's note: the ticket is back on the staff queue with a new
        due time, the staff group is told and its card posted again (None: not theirs, or
        nothing waits)."""
        before = self.tickets.get(ticket_id)
        if before is None:
            return None
        note = note.strip()[:NOTE_MAX]
        due = self.desk.due(before.kind, now, routing.known(self.svc.config, before.desk))
        ticket = self.tickets.answer_follow_up(
            ticket_id, requester, now, solved=False, note=note, due_at=due
        )
        if ticket is None:
            return None
        self._audit("ticket.reopened", ticket)
        _ = self.desk.staff_tr._
        told = (
            _("🔁 {id} was reopened by the resident: {note}", id=ticket.id, note=note)
            if note
            else _("🔁 {id} was reopened by the resident (no note).", id=ticket.id)
        )
        if routing.post(self.svc, ticket.desk, Reply(text=told), about=requester):
            routing.post(self.svc, ticket.desk, self.desk.card(ticket, now), about=requester)
        return ticket

    def _audit(self, action: str, ticket: Ticket) -> None:
        """One entry by the requester's pseudonym (the requester is known: they pressed)."""
        pseudonym = self.svc.audit.pseudonym(ticket.requester) if ticket.requester else ""
        self.svc.audit.record(
            action,
            **Actor(actor=pseudonym, actor_name="", role="resident"),
            object=f"ticket:{ticket.id}",
            scope=ticket.village,
            detail={"kind": ticket.kind},
        )
