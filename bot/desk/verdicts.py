"""A hoax verdict as staff give it: the explanation, then the sources, then a preview.

The steps, kept in the ticket's `awaiting` field (`<step>:<staff>:<verdict number>`), the
draft in its `verdict_draft` field (JSON {explanation, sources}):

    ⚖️ Verdict → a verdict button → `verdict:` reply to the card with the explanation
    → `sources:` reply with the sources (one per line), or ⏭ No sources
    → `preview:` exactly what the residents will receive, with ✅ Send · ✏️ Edit · ✖ Cancel
    → ✅ Send: every resident who asked about the claim gets it.

Whatever staff write as the explanation is the explanation, links included; the sources
are only what they give in the sources step. Tickets answered before these steps existed
kept the explanation in `answer` and the sources in `sources` too, so they read the same.
Diagram: docs/conversations.md.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from bot.desk.hoaxes import VERDICTS
from bot.desk.tickets import Ticket
from bot.platform.actions import TicketAction
from bot.platform.i18n import Translator
from bot.platform.messages import Choice, Reply

if TYPE_CHECKING:
    from bot.desk.staff import Desk

STEPS = ("verdict", "sources", "preview")


def verdict_text(
    tr: Translator, ticket_id: str, verdict: str, explanation: str, sources: str
) -> str:
    """The fact check as a resident receives it: the verdict, the explanation, the sources."""
    text = tr._("Fact check {id}: [{verdict}]", id=ticket_id, verdict=verdict.upper())
    if explanation:
        text += "\n\n" + explanation
    if sources:
        text += "\n\n" + sources_text(tr, sources)
    return text


def sources_text(tr: Translator, sources: str) -> str:
    """ "Sources: …": one source on the same line, several as a list below it."""
    lines = [line.strip() for line in sources.splitlines() if line.strip()]
    if len(lines) == 1:
        return tr._("Sources: {sources}", sources=lines[0])
    return "\n".join([tr._("Sources:"), *(f"• {line}" for line in lines)])


def clean_sources(text: str) -> str:
    """The sources staff wrote, one per line, without blank lines or stray spaces."""
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


class VerdictDialog:
    """The staff side of a verdict, step by step, on one desk."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.tickets = desk.tickets
        self._ = desk.staff_tr._

    def step(self, ticket: Ticket) -> tuple[str, str, int] | None:
        """(step, staff, verdict number) the ticket's verdict is at, or None."""
        step, _sep, rest = self.tickets.field(ticket.id, "awaiting").partition(":")
        staff, _sep, number = rest.rpartition(":")  # the staff address has a colon too
        if step not in STEPS or not staff or not number.isdigit():
            return None
        return (step, staff, int(number)) if int(number) < len(VERDICTS) else None

    def choose(self, ticket: Ticket, who: str, number: int) -> list[Reply]:
        """A verdict button: a fresh draft, and the explanation is asked for."""
        self.tickets.update(ticket.id, awaiting=f"verdict:{who}:{number}", verdict_draft="")
        text = self._(
            "Verdict [{verdict}]. Reply to the card with the explanation (links in it stay "
            "part of the explanation); the sources come next.",
            verdict=VERDICTS[number].upper(),
        )
        return [Reply(text="", notice=text)]

    def reply(self, ticket: Ticket, text: str, who: str) -> list[Reply] | None:
        """A reply to the card at the explanation or sources step (None: not at one)."""
        at = self.step(ticket)
        if at is None or at[0] == "preview":
            return None
        step, _staff, number = at
        draft = self._draft(ticket)
        if step == "verdict":
            draft = {"explanation": text, "sources": ""}
            self._save(ticket, f"sources:{who}:{number}", draft)
            skip = Choice(self._("⏭ No sources"), TicketAction("nosources", ticket.id).pack())
            ask = self._(
                "Explanation saved. Now reply to the card with the sources, one link per "
                "line, or press ⏭ No sources."
            )
            return [Reply(text=ask, choices=((skip,),))]
        draft["sources"] = clean_sources(text)
        self._save(ticket, f"preview:{who}:{number}", draft)
        return [self.preview(ticket, number, draft, edit=False)]

    def press(self, ticket: Ticket, verb: str, who: str, now: float) -> list[Reply]:
        """⏭ No sources, ✅ Send, ✏️ Edit, ✖ Cancel."""
        at = self.step(ticket)
        draft = self._draft(ticket)
        wanted = {"nosources": "sources", "send": "preview", "rewrite": "preview"}
        if verb == "discard" and at is not None:
            self.tickets.update(ticket.id, awaiting="", verdict_draft="")
            done = self._("Verdict discarded; nothing was sent.")
            return [Reply(text=done, edit=True, notice=done)]
        if at is None or wanted.get(verb) != at[0] or not draft.get("explanation"):
            return [Reply(text="", notice=self._("That button is no longer active."))]
        number = at[2]
        if verb == "nosources":
            draft["sources"] = ""
            self._save(ticket, f"preview:{who}:{number}", draft)
            return [self.preview(ticket, number, draft, edit=True)]
        if verb == "rewrite":
            self._save(ticket, f"verdict:{who}:{number}", {"explanation": "", "sources": ""})
            again = self._("Reply to the card with the explanation again; the sources come next.")
            return [Reply(text=again, edit=True, notice=again)]
        sent = self.preview(ticket, number, draft, edit=True)
        replies = self.desk.give_verdict(
            ticket, VERDICTS[number], draft["explanation"], draft.get("sources", ""), who, now
        )
        self.tickets.update(ticket.id, verdict_draft="")
        return [Reply(text=sent.text, title=self._("✅ Sent"), edit=True), *replies]

    def preview(self, ticket: Ticket, number: int, draft: dict[str, str], edit: bool) -> Reply:
        """The message the residents will receive, with ✅ Send, ✏️ Edit and ✖ Cancel."""
        body = verdict_text(
            self.desk.staff_tr,
            ticket.id,
            VERDICTS[number],
            draft.get("explanation", ""),
            draft.get("sources", ""),
        )
        choices = (
            (
                Choice(self._("✅ Send"), TicketAction("send", ticket.id).pack()),
                Choice(self._("✏️ Edit"), TicketAction("rewrite", ticket.id).pack()),
                Choice(self._("✖ Cancel"), TicketAction("discard", ticket.id).pack()),
            ),
        )
        title = self._("Preview: what the residents will receive")
        return Reply(text=body, title=title, choices=choices, edit=edit)

    def _draft(self, ticket: Ticket) -> dict[str, str]:
        raw = self.tickets.field(ticket.id, "verdict_draft")
        try:
            found = json.loads(raw) if raw else {}
        except ValueError:
            return {}
        return {k: str(v) for k, v in found.items()} if isinstance(found, dict) else {}

    def _save(self, ticket: Ticket, awaiting: str, draft: dict[str, str]) -> None:
        self.tickets.update(
            ticket.id, awaiting=awaiting, verdict_draft=json.dumps(draft, ensure_ascii=False)
        )
