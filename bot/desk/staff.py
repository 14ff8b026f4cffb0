"""The desk: filing tickets, the staff group's cards and actions, and telling residents.

Staff act with card buttons (`TicketAction`, bot/platform/actions.py) and by replying to a card;
every press and every reply is checked on the server against the roles (`roles.staff`, and
the ticket's desk: `Roles.may_act_on`, bot/desk/routing.py routes tickets). Cards show
type, topic, kelurahan, text, attachments, age and due time — never who sent it: staff
answer through the bot, and the answer reaches the resident (or, for a hoax claim, every
resident who asked about it) through the paced outbound queue, in their own language.
Diagram: docs/conversations.md.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.audit import actors
from bot.desk import routing
from bot.desk.browse import archive_page
from bot.desk.clarify import Clarifications
from bot.desk.corrections import Corrections
from bot.desk.followup import follow_at
from bot.desk.hoaxes import VERDICTS, Claim, Fingerprint, HoaxArchive
from bot.desk.moving import Moves
from bot.desk.tickets import OPEN, Kind, State, Ticket, Tickets
from bot.desk.verdicts import VerdictDialog, verdict_text
from bot.platform.actions import (
    ArchivePage,
    ButtonData,
    ClaimAction,
    Rating,
    TicketAction,
    packable,
)
from bot.platform.addresses import Address
from bot.platform.clock import to_datetime
from bot.platform.i18n import Translator
from bot.platform.messages import Choice, MediaRef, Reply, rows
from bot.services import Services

REJECT_REASONS = ("spam", "scope", "duplicate")


def kind_label(tr: Translator, kind: str) -> str:
    """A ticket kind in words."""
    return {
        "aspirasi": tr._("Aspiration"),
        "pengaduan": tr._("Complaint"),
        "informasi": tr._("Information request"),
        "hoaks": tr._("Hoax check"),
    }.get(kind, kind)


def ticket_state_label(tr: Translator, state: str) -> str:
    """A ticket state in words."""
    return {
        "diterima": tr._("received"),
        "diverifikasi": tr._("being verified"),
        "diteruskan": tr._("forwarded"),
        "dijawab": tr._("answered"),
        "selesai": tr._("closed"),
        "ditolak": tr._("rejected"),
    }.get(state, state)


def reason_label(tr: Translator, reason: str) -> str:
    """Why a ticket was rejected, in words."""
    return {
        "spam": tr._("spam or abuse"),
        "scope": tr._("outside the local government's authority"),
        "duplicate": tr._("the same report was already filed"),
    }.get(reason, reason)


def age_text(tr: Translator, seconds: float) -> str:
    """How old a ticket is: minutes, then hours (up to two days), then days."""
    minutes = int(seconds // 60)
    if minutes < 60:
        return tr._("{n} min", n=max(minutes, 0))
    if minutes < 48 * 60:
        return tr._("{n} h", n=minutes // 60)
    return tr._("{n} days", n=minutes // 1440)


class Desk:
    """Desk operations over the core's services."""

    def __init__(self, svc: Services) -> None:
        self.svc = svc
        self.tickets: Tickets = svc.tickets
        self.archive: HoaxArchive = svc.hoaxes
        self.staff_tr = svc.translator(svc.config.locales.default)

    # -- due times -------------------------------------------------------------------

    def due(self, kind: Kind, now: float, desk: str = "") -> float:
        """When a ticket filed (or reopened) now must be verified: the desk's N working
        days, or its hoax_hours for hoaxes (bot/desk/routing.py `due_rules`)."""
        days, hours = routing.due_rules(self.svc.config, desk)
        if kind == "hoaks":
            return now + hours * 3600
        zone = ZoneInfo(self.svc.config.deployment.timezone)
        moment = datetime.fromtimestamp(now, zone)
        left = days
        while left:
            moment += timedelta(days=1)
            if moment.weekday() < 5:
                left -= 1
        return moment.timestamp()

    # -- filing ----------------------------------------------------------------------

    def file(
        self,
        requester: Address,
        kind: Kind,
        now: float,
        *,
        text: str = "",
        topic: str = "",
        media: list[MediaRef] | None = None,
        location: tuple[float, float] | None = None,
        anonymous: bool = False,
    ) -> Ticket:
        """Store a ticket, group it if it is a hoax claim already waiting (on the desk of the
        group's first ticket), else route it to its desk; post its card to that desk."""
        resident = self.svc.residents.get(requester)
        village = resident.village if resident and resident.village else ""
        group = ""
        fingerprint = Fingerprint()
        if kind == "hoaks":  # only hoax checks are grouped: an aspirasi is not stemmed
            fingerprint = Fingerprint.of(text, [m.fingerprint for m in media or []])
            group = self.archive.pending_group(fingerprint) or ""
        first = self.tickets.get(group) if group else None
        if first is not None:
            desk = first.desk
        else:
            desk = routing.route(self.svc.config, self.svc.regions, topic, village)
        ticket = self.tickets.create(
            requester,
            kind,
            now,
            self.due(kind, now, desk),
            text=text,
            topic=topic,
            media=media,
            location=location,
            anonymous=anonymous,
            village=village,
            group=group,
            desk=desk,
        )
        if kind == "hoaks":
            if not group:
                group = ticket.id
                self.archive.open_group(group, fingerprint)
                self.tickets.update(ticket.id, group=group)
                ticket.group = group
            self.archive.join_group(group, ticket.id)
        card_ticket = first or ticket
        posted = routing.post(self.svc, desk, self.card(card_ticket, now), card_ticket.requester)
        if posted and card_ticket is ticket:
            for item in ticket.media:
                caption = self.staff_tr._("📎 Attachment of {id}", id=ticket.id)
                routing.post(self.svc, desk, Reply(text=caption, media=item), about=requester)
        return ticket

    # -- the staff card --------------------------------------------------------------

    def card(self, ticket: Ticket, now: float) -> Reply:
        """The ticket as staff see it, with the buttons its state allows."""
        tr = self.staff_tr
        _ = tr._
        lines = [
            f"🗂 {ticket.id} · {kind_label(tr, ticket.kind)}"
            + (f" · {ticket.topic}" if ticket.topic else "")
        ]
        region = self.svc.regions.get(ticket.village) if ticket.village else None
        if region is not None and region.parent:
            kecamatan = self.svc.regions[region.parent]
            lines.append(f"📍 {region.name}, Kec. {kecamatan.name}")
        lines.append(
            "👤 " + (_("anonymous") if ticket.anonymous else _("identity on record (not shown)"))
        )
        if self.svc.config.desk.desks:
            desk = routing.known(self.svc.config, ticket.desk)
            lines.append("🏢 " + routing.desk_name(self.svc.config, tr, desk))
        lines.append(
            _(
                "🕒 In {age} ago · due {due}",
                age=age_text(tr, now - ticket.created_at),
                due=tr.datetime_text(to_datetime(ticket.due_at)),
            )
            + (" ⚠️" if ticket.is_open and now > ticket.due_at else "")
        )
        if ticket.group and ticket.kind == "hoaks":
            count = len(self.archive.members(ticket.group))
            if count > 1:
                lines.append(_("👥 {count} residents asked about this", count=tr.number(count)))
        if ticket.text:
            lines += ["", ticket.text]
        extras = []
        if ticket.media:
            extras.append(_("📎 {count} attachment(s)", count=len(ticket.media)))
        if ticket.location:
            lat, lon = ticket.location
            extras.append(f"📌 https://maps.google.com/?q={lat:.5f},{lon:.5f}")
        if extras:
            lines += ["", *extras]
        status = _("Status: {state}", state=ticket_state_label(tr, ticket.state))
        if ticket.claimed_by:
            status += " · " + _("handled by {who}", who=self._staff_name(ticket.claimed_by))
        lines += ["", status]
        if ticket.verdict:
            lines.append(f"⚖️ [{ticket.verdict.upper()}]")
        if ticket.answer:
            lines.append(_("Answer: {text}", text=ticket.answer))
        return Reply(text="\n".join(lines), choices=self._card_buttons(ticket), card_of=ticket.id)

    def _card_buttons(self, ticket: Ticket) -> tuple[tuple[Choice, ...], ...]:
        _ = self.staff_tr._
        if not ticket.is_open:
            return self._verdict_buttons(ticket)
        t = ticket.id
        buttons = []
        if ticket.state == "diterima":
            buttons.append(Choice(_("🙋 Claim"), TicketAction("claim", t).pack()))
        if ticket.kind == "hoaks":
            buttons.append(Choice(_("⚖️ Verdict"), TicketAction("verdicts", t).pack()))
        else:
            buttons.append(Choice(_("✍️ Answer"), TicketAction("answer", t).pack()))
            buttons.append(Choice(_("↪️ Forward"), TicketAction("forward", t).pack()))
        buttons.append(Choice(_("⛔ Reject"), TicketAction("reasons", t).pack()))
        if self.svc.config.desk.desks:
            buttons.append(Choice(_("➡ Move to desk"), TicketAction("desks", t).pack()))
        return rows(buttons, 2)

    def _verdict_buttons(self, ticket: Ticket) -> tuple[tuple[Choice, ...], ...]:
        """An answered hoax card whose verdict is in the archive: ✏️ Correct, 📣 Clarify."""
        if ticket.kind != "hoaks" or not ticket.verdict or not packable(ticket.id):
            return ()
        if self.archive.claim(ticket.id) is None:
            return ()
        _ = self.staff_tr._
        return (
            (
                Choice(_("✏️ Correct"), ClaimAction("fix", ticket.id).pack()),
                Choice(_("📣 Clarify"), ClaimAction("clar", ticket.id).pack()),
            ),
        )

    def _staff_name(self, who: str) -> str:
        try:
            return self.svc.roles.admin_name(Address.parse(who))
        except ValueError:
            return who

    # -- staff actions -----------------------------------------------------------------

    def press(self, staff: Address, data: str, now: float) -> list[Reply]:
        """A button pressed in the staff group, as the platform handed it back."""
        press = ButtonData.unpack(data)
        if isinstance(press, ClaimAction):
            if press.verb in ("clar", "ct", "cprev", "csend", "cdrop"):
                return Clarifications(self).press(staff, press, now)
            return Corrections(self).press(staff, press, now)
        if isinstance(press, ArchivePage):
            return archive_page(self.svc, staff, press.page)
        if not isinstance(press, TicketAction):
            return [Reply(text="", notice=self.staff_tr._("That button is no longer active."))]
        return self.act(staff, press, now)

    def act(self, staff: Address, press: TicketAction, now: float) -> list[Reply]:
        """A card button: claim, answer, forward, reasons/reject, verdicts/verdict."""
        _ = self.staff_tr._
        if not self.svc.roles.is_staff(staff):
            return [Reply(text="", notice=_("Only desk staff can do that."))]
        verb, arg = press.verb, press.arg
        ticket = self.tickets.get(press.ticket)
        if ticket is None or not ticket.is_open:
            return [Reply(text="", notice=_("This ticket is no longer open."))]
        if not self.may_act(staff, ticket):
            return [Reply(text="", notice=_("This ticket belongs to another desk."))]
        who = str(staff)
        if verb in ("desks", "move"):
            return Moves(self).press(staff, ticket, verb, arg, now)
        if verb == "claim":
            if not self.tickets.transition(
                ticket.id, "diverifikasi", ("diterima",), who, now, claimed_by=who
            ):
                return [Reply(text="", notice=_("Someone else claimed it first."))]
            self.audit("ticket.claimed", staff, ticket)
            self._tell(ticket, "diverifikasi", now)
            return [self._refreshed(ticket.id, now, _("Claimed."))]
        if verb in ("answer", "forward") and ticket.kind != "hoaks":
            self.tickets.update(ticket.id, awaiting=f"{verb}:{who}")
            prompt = (
                _("Reply to the card with the answer (text; you may use /templat NAME).")
                if verb == "answer"
                else _("Reply to the card with where it goes and why (e.g. LAPOR! number).")
            )
            return [Reply(text="", notice=prompt)]
        if verb == "reasons":
            choices = [
                Choice(reason_label(self.staff_tr, r), TicketAction("reject", ticket.id, r).pack())
                for r in REJECT_REASONS
            ]
            return [
                Reply(
                    text=self.card(ticket, now).text,
                    choices=rows(choices, 1),
                    edit=True,
                    card_of=ticket.id,
                )
            ]
        if verb == "reject" and arg in REJECT_REASONS:
            return self._close_group(ticket, "ditolak", who, now, reason=arg)
        if verb == "verdicts" and ticket.kind == "hoaks":
            choices = [
                Choice(v, TicketAction("verdict", ticket.id, str(i)).pack())
                for i, v in enumerate(VERDICTS)
            ]
            return [
                Reply(
                    text=self.card(ticket, now).text,
                    choices=rows(choices, 2),
                    edit=True,
                    card_of=ticket.id,
                )
            ]
        if (
            verb == "verdict"
            and ticket.kind == "hoaks"
            and arg.isdigit()
            and int(arg) < len(VERDICTS)
        ):
            return VerdictDialog(self).choose(ticket, who, int(arg))
        if verb in ("nosources", "send", "rewrite", "discard") and ticket.kind == "hoaks":
            return VerdictDialog(self).press(ticket, verb, who, now)
        return [Reply(text="", notice=_("That button is no longer active."))]

    def staff_reply(
        self,
        staff: Address,
        ticket: Ticket,
        text: str,
        now: float,
        media: MediaRef | None = None,
    ) -> list[Reply]:
        """A staff member replied to a card: the answer (text and/or a photo, document or
        video), the forwarding note, or the verdict's explanation."""
        _ = self.staff_tr._
        if not self.svc.roles.is_staff(staff):
            return [Reply(text=_("Only desk staff can answer tickets."))]
        if not self.may_act(staff, ticket):
            return [Reply(text=_("This ticket belongs to another desk."))]
        if not ticket.is_open:
            return [
                Reply(
                    text=_(
                        "{id} is already {state}.",
                        id=ticket.id,
                        state=ticket_state_label(self.staff_tr, ticket.state),
                    )
                )
            ]
        text = self._expand_template(text.strip())
        if not text and media is None:
            return [Reply(text=_("The answer is empty. Reply with text."))]
        if media is not None:
            self.tickets.update(ticket.id, answer_media=json.dumps(media.__dict__))
        awaiting = self.tickets.field(ticket.id, "awaiting")
        who = str(staff)
        if ticket.kind == "hoaks":
            steps = VerdictDialog(self)
            answered = steps.reply(ticket, text, who)
            if answered is not None:
                return answered
            if steps.step(ticket) is not None:
                return [Reply(text=_("Use the preview's buttons: ✅ Send, ✏️ Edit or ✖ Cancel."))]
            return [Reply(text=_("Choose a verdict on the card first (⚖️)."))]
        if awaiting.startswith("forward:"):
            moved = self.tickets.transition(
                ticket.id,
                "diteruskan",
                ("diterima", "diverifikasi"),
                who,
                now,
                note=text,
                follow_at=follow_at(self.svc.config, ticket, now),
                claimed_by=ticket.claimed_by or who,
                awaiting="",
            )
            if moved:
                self.audit("ticket.forwarded", staff, ticket)
                self._tell(ticket, "diteruskan", now, note=text)
            return [self._refreshed(ticket.id, now, _("Forwarded."))]
        moved = self.tickets.transition(
            ticket.id,
            "dijawab",
            OPEN,
            who,
            now,
            follow_at=follow_at(self.svc.config, ticket, now),
            answer=text,
            answered_at=repr(now),
            claimed_by=ticket.claimed_by or who,
            awaiting="",
        )
        if moved:
            self.audit("ticket.answered", staff, ticket)
            self._tell(ticket, "dijawab", now, note=text)
        return [self._refreshed(ticket.id, now, _("Answer sent."))]

    def may_act(self, staff: Address, ticket: Ticket) -> bool:
        """Whether `staff` may act on this ticket: a member of its desk, or of the default
        desk, or a superadmin."""
        return self.svc.roles.may_act_on(staff, routing.known(self.svc.config, ticket.desk))

    def _expand_template(self, text: str) -> str:
        if text.startswith("/templat"):
            name = text.removeprefix("/templat").strip()
            return self.svc.config.desk.templates.get(name, "")
        return text

    def give_verdict(
        self, ticket: Ticket, verdict: str, explanation: str, sources: str, who: str, now: float
    ) -> list[Reply]:
        """Archive the verdict and send it to everyone who asked about the claim."""
        members = self.archive.members(ticket.group) if ticket.group else []
        self.svc.recipients.record_tickets(ticket.id, members or [ticket.id])
        self.archive.add_claim(
            Claim(
                id=ticket.id,
                text=ticket.text,
                verdict=verdict,
                explanation=explanation,
                sources=sources,
                at=now,
                ticket=ticket.id,
                fingerprint=Fingerprint.of(ticket.text, [m.fingerprint for m in ticket.media]),
            )
        )
        return self._close_group(
            ticket, "dijawab", who, now, verdict=verdict, answer=explanation, sources=sources
        )

    def _close_group(
        self,
        ticket: Ticket,
        to: State,
        who: str,
        now: float,
        *,
        reason: str = "",
        verdict: str = "",
        answer: str = "",
        sources: str = "",
    ) -> list[Reply]:
        """Close one ticket, or every ticket of a hoax group, and tell each requester."""
        members = (
            self.archive.members(ticket.group)
            if ticket.kind == "hoaks" and ticket.group
            else [ticket.id]
        )
        fields = {"awaiting": "", "claimed_by": ticket.claimed_by or who}
        media = self.tickets.field(ticket.id, "answer_media")
        if media:
            fields["answer_media"] = media  # every grouped requester gets the picture
        if to == "dijawab":
            fields |= {
                "answer": answer,
                "answered_at": repr(now),
                "verdict": verdict,
                "sources": sources,
            }
        moved = 0
        for member in members:
            if self.tickets.transition(member, to, OPEN, who, now, note=reason, **fields):
                moved += 1
                closed = self.tickets.get(member)
                if closed is not None:
                    self._tell(closed, to, now, note=reason)
        if moved:
            action = "ticket.verdict" if verdict else "ticket.rejected"
            said = {"verdict": verdict} if verdict else {"reason": reason}
            self.audit(action, Address.parse(who), ticket, tickets=moved, **said)
        if ticket.kind == "hoaks" and ticket.group:
            self.archive.close_group(ticket.group)
        _ = self.staff_tr._
        if verdict:
            done = _("Verdict sent to {count} resident(s).", count=len(members))
        else:
            done = _("Rejected.") if to == "ditolak" else _("Done.")
        return [self._refreshed(ticket.id, now, done)]

    def audit(self, action: str, staff: Address, ticket: Ticket, **detail: str | int) -> None:
        """One audit entry for a staff action on a ticket: the requester by pseudonym only."""
        found: dict[str, str | int] = {"kind": ticket.kind, **detail}
        if ticket.requester is not None:
            found["requester"] = self.svc.audit.pseudonym(ticket.requester)
        self.svc.audit.record(
            action,
            **actors.person(self.svc.roles, staff),
            object=f"ticket:{ticket.id}",
            scope=ticket.village,
            detail=found,
        )

    def _refreshed(self, ticket_id: str, now: float, notice: str) -> Reply:
        ticket = self.tickets.get(ticket_id)
        if ticket is None:  # erased meanwhile: nothing left to show on the card
            return Reply(text="", notice=notice)
        card = self.card(ticket, now)
        return Reply(
            text=card.text, choices=card.choices, edit=True, notice=notice, card_of=ticket.id
        )

    # -- telling residents -------------------------------------------------------------

    def _tell(self, ticket: Ticket, state: str, now: float, note: str = "") -> None:
        if ticket.requester is None:  # the resident erased their data
            return
        resident = self.svc.residents.get(ticket.requester)
        tr = self.svc.translator(resident.locale if resident else self.svc.config.locales.default)
        _ = tr._
        fresh = self.tickets.get(ticket.id) or ticket
        choices: tuple[tuple[Choice, ...], ...] = ()
        if state == "diverifikasi":
            text = _("Your report {id} is being handled by our staff.", id=ticket.id)
        elif state == "diteruskan":
            text = _("Your report {id} was forwarded: {note}", id=ticket.id, note=note)
        elif state == "ditolak":
            text = _(
                "We cannot process your report {id}: {reason}.",
                id=ticket.id,
                reason=reason_label(tr, note),
            )
        elif fresh.verdict:
            text = verdict_text(tr, ticket.id, fresh.verdict, fresh.answer, fresh.sources)
            choices = _rating(tr, ticket.id)
        else:
            text = _("Answer to your report {id}:", id=ticket.id) + "\n\n" + note
            choices = _rating(tr, ticket.id)
        media = fresh.answer_media if state == "dijawab" else None
        notice = Reply(text=text, choices=choices, ticket=ticket.id, media=media)
        self.svc.dispatch.notify(ticket.requester, notice)

    def resident_tr(self, address: Address | None) -> Translator:
        """A translator in the language of the resident at `address` (the default without one)."""
        resident = self.svc.residents.get(address) if address is not None else None
        return self.svc.translator(resident.locale if resident else self.svc.config.locales.default)

    # -- staff overviews ---------------------------------------------------------------

    def queue_text(self, now: float, limit: int = 30, desks: set[str] | None = None) -> str:
        """`/antrian`: open tickets, oldest first, with their due state; in a desk's own
        group, that desk's (`desks`: their ids, "" the default desk; None: every desk)."""
        tr = self.staff_tr
        _ = tr._
        tickets = self.tickets.open_tickets(limit if desks is None else 500)
        if desks is not None:
            known = routing.known
            tickets = [t for t in tickets if known(self.svc.config, t.desk) in desks][:limit]
        if not tickets:
            return _("No open tickets. 🎉")
        lines = [_("Open tickets, oldest first:")]
        for t in tickets:
            late = " ⚠️ " + _("overdue") if now > t.due_at else ""
            who = " · " + self._staff_name(t.claimed_by) if t.claimed_by else ""
            lines.append(
                f"{t.id} · {kind_label(tr, t.kind)} · {ticket_state_label(tr, t.state)} · "
                + _("{age} old", age=age_text(tr, now - t.created_at))
                + who
                + late
            )
        return "\n".join(lines)

    def templates_text(self) -> str:
        """`/templat`: the canned answers."""
        _ = self.staff_tr._
        templates = self.svc.config.desk.templates
        if not templates:
            return _("No canned answers are configured (desk.templates in config.yaml).")
        lines = [_("Canned answers — reply to a card with /templat NAME:")]
        lines += [f"• {name}: {text[:120]}" for name, text in templates.items()]
        return "\n".join(lines)

    def unclaimed_reminders(self, now: float) -> list[tuple[str, Reply]]:
        """A reminder for tickets unclaimed past `remind_after_hours` (each once per
        period), one per desk with such tickets: (the desk's id, the reminder)."""
        after = self.svc.config.desk.remind_after_hours * 3600
        due = [
            t
            for t in self.tickets.open_tickets(200)
            if t.state == "diterima"
            and now - t.created_at >= after
            and now - self.tickets.reminded_at(t.id) >= after
        ]
        by_desk: dict[str, list[Ticket]] = {}
        for t in due:
            self.tickets.mark_reminded(t.id, now)
            by_desk.setdefault(routing.known(self.svc.config, t.desk), []).append(t)
        _ = self.staff_tr._
        out = []
        for desk, waiting in by_desk.items():
            ids = ", ".join(t.id for t in waiting[:20])
            text = _("⏰ {count} ticket(s) still unclaimed: {ids}", count=len(waiting), ids=ids)
            out.append((desk, Reply(text=text)))
        return out


def _rating(tr: Translator, ticket_id: str) -> tuple[tuple[Choice, ...], ...]:
    return (tuple(Choice("⭐" * n, Rating(ticket_id, n).pack()) for n in range(1, 6)),)
