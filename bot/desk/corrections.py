"""Correcting or withdrawing an archived verdict, and telling everyone who received it.

Staff start from an answered hoax card (✏️ Correct) or with `/koreksi <claim>` in the
staff group, and go through the steps of a verdict (bot/desk/verdicts.py):

    the claim, its verdict and how many received it, with the verdict buttons,
    🗑 Withdraw and ✖ Cancel
    → a verdict → a reply to the bot's message with the new explanation
    → a reply with the sources (one per line), or ⏭ No sources
    → `preview`: exactly what the residents will receive, ✅ Send · ✏️ Edit · ✖ Cancel
    → ✅ Send: the archive's record is replaced (its index with it) at once; one job
      then tells everyone who received the earlier one ("Correction: …") and restates
      the claim's tickets (a history entry each); the staff group gets the count.
    🗑 Withdraw → ✅ confirm → the claim leaves the archive and its index at once; the
      job tells everyone who received it that it was withdrawn and takes the verdict
      off its tickets.

Everyone who received it: the requesters of the claim's tickets and the residents
`/cekhoaks` answered from the archive (bot/desk/hoax_recipients.py), each once, each in
their own language, through the ordinary notice path (bot/desk/correction_runs.py: the
telling is one idempotent job, never the press). Every press and reply checks the staff
role again; a draft belongs to the staff member writing it.
Diagram: docs/conversations.md.

Redis keys (owned here):
- `kim:hx:fix:{staff}` — JSON {claim, step, number, explanation, sources}: the correction
  a staff member is writing (step `verdict`, `explanation`, `sources`, `preview` or
  `withdraw`), for a day.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from bot.audit import actors
from bot.desk.correction_runs import CorrectionRuns
from bot.desk.correction_texts import correction_text, excerpt
from bot.desk.hoaxes import VERDICTS, Claim
from bot.desk.tickets import Ticket
from bot.desk.verdicts import clean_sources
from bot.platform.actions import FIELD_MAX, ClaimAction, packable
from bot.platform.addresses import Address
from bot.platform.messages import Choice, Reply, rows

if TYPE_CHECKING:
    from bot.desk.staff import Desk

DRAFT_SECONDS = 86400
MAX_TYPED_ID = 200  # longer than this is no number of ours
LEGACY_DAYS = (
    180  # a verdict from before its tickets were recorded: its group's tickets this far back
)


def _draft_key(staff: Address) -> str:
    return f"kim:hx:fix:{staff}"


class Corrections:
    """The staff side of corrections and withdrawals, on one desk."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.svc = desk.svc
        self.tr = desk.staff_tr
        self._ = desk.staff_tr._

    # -- who received it ---------------------------------------------------------------

    def ticket_ids(self, claim: Claim) -> list[str]:
        """The tickets that received the claim's verdict: as recorded with it, else (a
        verdict from before that record) those of its group's hoax tickets filed up to
        `LEGACY_DAYS` before it that carry a verdict, recorded now. A ticket stays one of
        them after a withdrawal took its verdict away (its requester was told)."""
        recipients, tickets = self.svc.recipients, self.svc.tickets
        ids = recipients.tickets(claim.id)
        if not ids and claim.ticket:
            grouped = tickets.of_group(claim.ticket, claim.at - LEGACY_DAYS * 86400, claim.at + 1)
            ids = tickets.with_verdict(grouped)
            recipients.record_tickets(claim.id, ids)
        return ids

    def tickets(self, claim: Claim) -> list[Ticket]:
        """The claim's tickets (`ticket_ids`), read whole."""
        found = (self.svc.tickets.get(i) for i in self.ticket_ids(claim))
        return [t for t in found if t is not None]

    def reach(self, claim: Claim) -> int:
        """How many residents received the claim's verdict, each once: two pipelined
        reads (the tickets' requesters, the archive's answers), no ticket read whole."""
        requesters = self.svc.tickets.requesters(self.ticket_ids(claim))
        return len(set(requesters) | set(self.svc.recipients.answered_addresses(claim.id)))

    def recipients(self, claim: Claim) -> list[tuple[Address, str]]:
        """Everyone who received the claim's verdict, once each, with the reference their
        notice names (their ticket, or the claim for an answer from the archive)."""
        found: dict[Address, str] = {}
        for ticket in self.tickets(claim):
            if ticket.requester is not None:
                found.setdefault(ticket.requester, ticket.id)
        for address, _at in self.svc.recipients.answered(claim.id):
            found.setdefault(address, claim.id)
        return list(found.items())

    # -- starting ----------------------------------------------------------------------

    def start(self, staff: Address, claim_id: str) -> list[Reply]:
        """`/koreksi <claim>` or ✏️ Correct: the claim with the verdict buttons."""
        _ = self._
        if not self.svc.roles.is_staff(staff):
            refused = _("This command is for desk staff.")
            return [Reply(text=refused, notice=refused)]
        claim_id = claim_id.strip()
        if not claim_id:
            usage = _("Usage: /koreksi HKS-2611-0007 (the number of an archived verdict).")
            return [Reply(text=usage)]
        claim = self.find(claim_id)
        if claim is None:
            missing = _("No archived verdict {id}.", id=claim_id[:60])
            return [Reply(text=missing, notice=missing)]
        if not packable(claim.id):
            unfit = _(
                "Verdict {id} is in the archive, but its number is longer than buttons allow "
                "(at most {max} letters, digits, - or _), so it cannot be corrected here. "
                "Ask the operator to import it again with kimbot hoaxes import, which gives "
                "short CR- numbers.",
                id=excerpt(claim.id, 60),
                max=self.tr.number(FIELD_MAX),
            )
            return [Reply(text=unfit, notice=unfit)]
        self._save(staff, {"claim": claim.id, "step": "verdict"})
        reached = self.reach(claim)
        lines = [_("✏️ Correct {id}: [{verdict}]", id=claim.id, verdict=claim.verdict.upper())]
        if claim.text:
            lines += ["", "“" + excerpt(claim.text) + "”"]
        if claim.explanation:
            lines += ["", claim.explanation]
        lines += [
            "",
            _("It reached {count} resident(s).", count=self.tr.number(reached)),
            _("Choose the corrected verdict, or 🗑 Withdraw to take it out of the archive."),
        ]
        choices = [
            Choice(v, ClaimAction("fixv", claim.id, str(i)).pack()) for i, v in enumerate(VERDICTS)
        ]
        last = (
            Choice(_("🗑 Withdraw"), ClaimAction("retract", claim.id).pack()),
            Choice(_("📣 Clarify"), ClaimAction("clar", claim.id).pack()),
            Choice(_("✖ Cancel"), ClaimAction("drop", claim.id).pack()),
        )
        return [Reply(text="\n".join(lines), choices=(*rows(choices, 2), last))]

    def find(self, typed: str) -> Claim | None:
        """The archived claim a staff member typed the number of, as typed or in the
        case it is stored in: `HKS-…` upper case, ClaimReview's `CR-<hex>` lower hex."""
        if len(typed) > MAX_TYPED_ID:
            return None
        prefix, dash, rest = typed.partition("-")
        for candidate in dict.fromkeys(
            (typed, typed.upper(), prefix.upper() + dash + rest.lower())
        ):
            claim = self.svc.hoaxes.claim(candidate)
            if claim is not None:
                return claim
        return None

    # -- buttons -----------------------------------------------------------------------

    def press(self, staff: Address, press: ClaimAction, now: float) -> list[Reply]:
        """A button of a correction: a verdict, ⏭ No sources, ✅ Send, ✏️ Edit, ✖ Cancel,
        🗑 Withdraw and its confirmation."""
        _ = self._
        if not self.svc.roles.is_staff(staff):
            return [Reply(text="", notice=_("Only desk staff can do that."))]
        if press.verb == "fix":
            return self.start(staff, press.claim)
        draft = self._draft(staff)
        claim = self.svc.hoaxes.claim(press.claim)
        if claim is None or draft.get("claim") != press.claim:
            return [Reply(text="", notice=_("That button is no longer active."))]
        step, verb = draft.get("step"), press.verb
        if verb == "drop":
            self.svc.redis.delete(_draft_key(staff))
            done = _("Correction discarded; nothing was sent.")
            return [Reply(text=done, edit=True, notice=done)]
        if verb == "fixv" and press.arg.isdigit() and int(press.arg) < len(VERDICTS):
            self._save(staff, {"claim": claim.id, "step": "explanation", "number": press.arg})
            ask = _(
                "Corrected verdict [{verdict}]. Reply to this message with the new "
                "explanation; the sources come next.",
                verdict=VERDICTS[int(press.arg)].upper(),
            )
            return [Reply(text=ask, edit=True, notice=ask)]
        if verb == "retract" and step == "verdict":
            self._save(staff, {"claim": claim.id, "step": "withdraw"})
            reached = self.reach(claim)
            ask = _(
                "Withdraw {id} [{verdict}]? It leaves the archive, and the {count} resident(s) "
                "who received it are told it was withdrawn.",
                id=claim.id,
                verdict=claim.verdict.upper(),
                count=self.tr.number(reached),
            )
            confirm = (
                Choice(_("🗑 Yes, withdraw it"), ClaimAction("retracted", claim.id).pack()),
                Choice(_("✖ Cancel"), ClaimAction("drop", claim.id).pack()),
            )
            return [Reply(text=ask, choices=(confirm,), edit=True)]
        if verb == "retracted" and step == "withdraw" and self._take(staff):
            return self._withdraw(claim, str(staff))
        if verb == "nosrc" and step == "sources":
            draft["sources"] = ""
            draft["step"] = "preview"
            self._save(staff, draft)
            return [self._preview(claim, draft, edit=True)]
        if verb == "edit" and step == "preview":
            self._save(staff, {**draft, "step": "explanation", "explanation": "", "sources": ""})
            again = _("Reply to this message with the explanation again; the sources come next.")
            return [Reply(text=again, edit=True, notice=again)]
        if verb == "send" and step == "preview" and self._take(staff):
            return self._correct(claim, draft, str(staff), now)
        return [Reply(text="", notice=_("That button is no longer active."))]

    # -- replies -----------------------------------------------------------------------

    def reply(self, staff: Address, text: str) -> list[Reply] | None:
        """A staff member's reply to the bot while their correction waits for the
        explanation or the sources (None: no correction of theirs waits for text)."""
        draft = self._draft(staff)
        step = draft.get("step")
        if step not in ("explanation", "sources", "preview") or not self.svc.roles.is_staff(staff):
            return None
        _ = self._
        claim = self.svc.hoaxes.claim(draft.get("claim", ""))
        if claim is None:
            self.svc.redis.delete(_draft_key(staff))
            return [Reply(text=_("That verdict is no longer in the archive; nothing was sent."))]
        if step == "preview":
            return [Reply(text=_("Use the preview's buttons: ✅ Send, ✏️ Edit or ✖ Cancel."))]
        text = text.strip()
        if not text:
            return [Reply(text=_("The answer is empty. Reply with text."))]
        if step == "explanation":
            self._save(staff, {**draft, "step": "sources", "explanation": text, "sources": ""})
            skip = Choice(_("⏭ No sources"), ClaimAction("nosrc", claim.id).pack())
            ask = _(
                "Explanation saved. Now reply to this message with the sources, one link per "
                "line, or press ⏭ No sources."
            )
            return [Reply(text=ask, choices=((skip,),))]
        draft = {**draft, "step": "preview", "sources": clean_sources(text)}
        self._save(staff, draft)
        return [self._preview(claim, draft, edit=False)]

    # -- what happens ------------------------------------------------------------------

    def _corrected(self, claim: Claim, draft: dict[str, str], now: float) -> Claim:
        return Claim(
            id=claim.id,
            text=claim.text,
            verdict=VERDICTS[int(draft["number"])],
            explanation=draft.get("explanation", ""),
            sources=draft.get("sources", ""),
            at=now,
            ticket=claim.ticket,
            fingerprint=claim.fingerprint,
        )

    def _preview(self, claim: Claim, draft: dict[str, str], edit: bool) -> Reply:
        """The correction as the residents will receive it, and how many will."""
        _ = self._
        new = self._corrected(claim, draft, claim.at)
        body = correction_text(self.tr, new, claim.verdict)
        reached = self.reach(claim)
        body += "\n\n" + _("Goes to {count} resident(s).", count=self.tr.number(reached))
        choices = (
            (
                Choice(_("✅ Send"), ClaimAction("send", claim.id).pack()),
                Choice(_("✏️ Edit"), ClaimAction("edit", claim.id).pack()),
                Choice(_("✖ Cancel"), ClaimAction("drop", claim.id).pack()),
            ),
        )
        title = _("Preview: what the residents will receive")
        return Reply(text=body, title=title, choices=choices, edit=edit)

    def _correct(self, claim: Claim, draft: dict[str, str], who: str, now: float) -> list[Reply]:
        """Replace the verdict in the archive; the run's job tells everyone and restates
        the tickets (bot/desk/correction_runs.py), so the press answers at once."""
        if not draft.get("number", "").isdigit() or int(draft["number"]) >= len(VERDICTS):
            return [Reply(text="", notice=self._("That button is no longer active."))]
        new = self.correct(
            claim,
            VERDICTS[int(draft["number"])],
            draft.get("explanation", ""),
            draft.get("sources", ""),
            who,
            now,
        )
        done = self._(
            "Correction of {id} saved. Everyone who received the earlier verdict is being "
            "told; the count follows here when they all are.",
            id=claim.id,
        )
        body = correction_text(self.tr, new, claim.verdict) + "\n\n" + done
        return [Reply(text=body, title=self._("✅ Sent"), edit=True, notice=done)]

    def _withdraw(self, claim: Claim, who: str) -> list[Reply]:
        """Take the verdict out of the archive; the run's job tells everyone and takes
        it off its tickets."""
        self.withdraw(claim, who)
        done = self._(
            "{id} withdrawn from the archive. Everyone who received it is being told; the "
            "count follows here when they all are.",
            id=claim.id,
        )
        return [Reply(text=done, edit=True, notice=done)]

    def correct(
        self, claim: Claim, verdict: str, explanation: str, sources: str, who: str, now: float
    ) -> Claim:
        """What ✅ Send does (and the console's correction): the archive holds the new
        verdict at once, a run tells everyone who received the old one, an audit entry."""
        if verdict not in VERDICTS:
            raise ValueError(f"{verdict!r} is no verdict")
        new = Claim(
            id=claim.id,
            text=claim.text,
            verdict=verdict,
            explanation=explanation,
            sources=clean_sources(sources),
            at=now,
            ticket=claim.ticket,
            fingerprint=claim.fingerprint,
        )
        self.svc.hoaxes.add_claim(new)
        CorrectionRuns(self).start("correction", claim, new, who)
        self._audit("hoax.corrected", claim, who, verdict=new.verdict, was=claim.verdict)
        return new

    def withdraw(self, claim: Claim, who: str) -> None:
        """What a confirmed 🗑 Withdraw does (and the console's): the claim leaves the
        archive at once, a run tells everyone who received it, an audit entry."""
        self.svc.hoaxes.remove_claim(claim.id)
        CorrectionRuns(self).start("withdrawal", claim, None, who)
        self._audit("hoax.withdrawn", claim, who, was=claim.verdict)

    def _audit(self, action: str, claim: Claim, who: str, **detail: str) -> None:
        """One audit entry for a correction or a withdrawal of an archived verdict."""
        self.svc.audit.record(
            action,
            **actors.person(self.svc.roles, Address.parse(who)),
            object=f"hoax:{claim.id}",
            detail=detail,
        )

    # -- the draft ---------------------------------------------------------------------

    def _draft(self, staff: Address) -> dict[str, str]:
        raw = self.svc.redis.get(_draft_key(staff))
        try:
            found = json.loads(raw) if raw else {}
        except ValueError:
            return {}
        return {k: str(v) for k, v in found.items()} if isinstance(found, dict) else {}

    def _save(self, staff: Address, draft: dict[str, str]) -> None:
        self.svc.redis.set(
            _draft_key(staff), json.dumps(draft, ensure_ascii=False), ex=DRAFT_SECONDS
        )

    def _take(self, staff: Address) -> bool:
        """Claim the draft for sending: a second press (or another process) finds none."""
        return self.svc.redis.getdel(_draft_key(staff)) is not None
