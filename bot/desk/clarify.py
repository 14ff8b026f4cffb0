"""Clarification broadcasts ("Klarifikasi hoaks") from an archived verdict.

📣 Clarify on an answered hoax card shows where the claim was asked first: residents
per kelurahan, from the villages of its tickets and of the residents the archive
answered with it (bot/desk/hoax_recipients.py). Each kelurahan the staff member may
reach is a toggle; the others are listed as outside their scope and cannot be chosen.
Next › shows the announcement, prefilled from the verdict in the deployment's language,
with the residents and channels it reaches; ✅ Send hands it to the normal broadcast
engine (bot/announcements/store.py, `Dispatch.submit`), or, above
`broadcasts.approval_threshold`, asks the superadmins first, as `/broadcast` does.

Who may send one: staff who are also KIM admins (`roles.admins`), to the kelurahan inside
their scope, and superadmins, to all. Other staff are told so and nothing is stored.
Every press checks the role and each target's scope again, so a forged or replayed
button reaches nothing outside it.
Diagram: docs/conversations.md.

Redis keys (owned here):
- `kim:hx:clar:{staff}` — JSON {claim, offered (kelurahan codes the staff may choose, in
  the order shown), selected}: a clarification being prepared, for a day.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING

from bot.announcements import audit
from bot.announcements.approval import ask_approval, needs_approval
from bot.announcements.report import progress_text
from bot.desk.correction_texts import excerpt
from bot.desk.corrections import Corrections
from bot.desk.hoaxes import Claim
from bot.desk.verdicts import sources_text
from bot.platform.actions import ClaimAction
from bot.platform.addresses import Address
from bot.platform.messages import Choice, Reply, rows

if TYPE_CHECKING:
    from bot.desk.staff import Desk

STATE_SECONDS = 86400
MAX_OFFERED = 40  # kelurahan offered as toggles (the most asked first)


def _state_key(staff: Address) -> str:
    return f"kim:hx:clar:{staff}"


class Clarifications:
    """The staff side of a clarification broadcast, on one desk."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.svc = desk.svc
        self.tr = desk.staff_tr
        self._ = desk.staff_tr._

    def asked_in(self, claim: Claim) -> Counter[str]:
        """Residents who asked about the claim, per kelurahan code ("" unknown)."""
        counts: Counter[str] = Counter()
        corrections = Corrections(self.desk)
        for ticket in corrections.tickets(claim):
            counts[ticket.village] += 1
        answered = [a for a, _at in self.svc.recipients.answered(claim.id)]
        counts.update(self.svc.residents.villages(answered))
        return counts

    def press(self, staff: Address, press: ClaimAction, now: float) -> list[Reply]:
        """📣 Clarify, a target toggle, Next ›, ✅ Send, ✖ Cancel."""
        _ = self._
        roles = self.svc.roles
        if not roles.is_staff(staff):
            return [Reply(text="", notice=_("Only desk staff can do that."))]
        if not roles.is_admin(staff):
            refused = _(
                "Only staff who are also KIM admins (with a scope in roles.admins) or "
                "superadmins can send a clarification."
            )
            return [Reply(text="", notice=refused)]
        claim = self.svc.hoaxes.claim(press.claim)
        if claim is None:
            return [Reply(text="", notice=_("That button is no longer active."))]
        if press.verb == "clar":
            return self._open(staff, claim)
        state = self._state(staff)
        if state.get("claim") != claim.id:
            return [Reply(text="", notice=_("That button is no longer active."))]
        offered = _codes(state.get("offered"))
        selected = [c for c in _codes(state.get("selected")) if c in offered]
        if press.verb == "cdrop":
            self.svc.redis.delete(_state_key(staff))
            done = _("Clarification discarded; nothing was sent.")
            return [Reply(text=done, edit=True, notice=done)]
        if press.verb == "ct" and press.arg.isdigit() and int(press.arg) < len(offered):
            code = offered[int(press.arg)]
            if not roles.may_target(staff, code):
                return [Reply(text="", notice=_("That kelurahan is outside your scope."))]
            selected = [c for c in selected if c != code] if code in selected else [*selected, code]
            self._save(staff, {**state, "selected": selected})
            return [self._targets(staff, claim, offered, selected, edit=True)]
        reachable = [c for c in selected if roles.may_target(staff, c)]
        if press.verb == "cprev" and reachable:
            return [self._preview(staff, claim, reachable)]
        if press.verb == "csend" and reachable and self._take(staff):
            return self._send(staff, claim, reachable, now)
        return [Reply(text="", notice=_("That button is no longer active."))]

    def _open(self, staff: Address, claim: Claim) -> list[Reply]:
        """Counts per kelurahan, then the targets the staff member may choose."""
        counts = self.asked_in(claim)
        regions = self.svc.regions
        known = [(code, n) for code, n in counts.most_common() if code and code in regions]
        offered = [c for c, _n in known if self.svc.roles.may_target(staff, c)][:MAX_OFFERED]
        self._save(staff, {"claim": claim.id, "offered": offered, "selected": []})
        return [self._targets(staff, claim, offered, [], edit=False, counts=counts)]

    def _targets(
        self,
        staff: Address,
        claim: Claim,
        offered: list[str],
        selected: list[str],
        edit: bool,
        counts: Counter[str] | None = None,
    ) -> Reply:
        _ = self._
        counts = counts if counts is not None else self.asked_in(claim)
        roles = self.svc.roles
        lines = [
            _("📣 Clarification of {id} [{verdict}]", id=claim.id, verdict=claim.verdict.upper()),
            "",
            _("Where it was asked (residents per kelurahan):"),
        ]
        for code, n in counts.most_common():
            name = roles.label(code) if code in self.svc.regions else _("kelurahan unknown")
            mark = "" if code in offered else " · " + _("outside your scope")
            lines.append(f"• {name}: {self.tr.number(n)}{mark}")
        if not counts:
            lines.append("• " + _("nobody yet"))
        if not offered:
            lines += ["", _("None of these kelurahan is in your scope: nothing can be sent.")]
            close = Choice(_("✖ Cancel"), ClaimAction("cdrop", claim.id).pack())
            return Reply(text="\n".join(lines), choices=((close,),), edit=edit)
        lines += ["", _("Choose where the clarification goes, then press Next ›.")]
        buttons = [
            Choice(
                ("✅ " if code in selected else "") + roles.label(code),
                ClaimAction("ct", claim.id, str(i)).pack(),
            )
            for i, code in enumerate(offered)
        ]
        last = [Choice(_("✖ Cancel"), ClaimAction("cdrop", claim.id).pack())]
        if selected:
            last.insert(0, Choice(_("Next ›"), ClaimAction("cprev", claim.id).pack()))
        return Reply(text="\n".join(lines), choices=(*rows(buttons, 2), tuple(last)), edit=edit)

    def announcement_text(self, claim: Claim) -> str:
        """The clarification as residents read it, in the deployment's language."""
        _ = self._
        lines = [_("📣 Hoax clarification"), ""]
        if claim.text:
            lines += [_("A message is going around: “{text}”", text=excerpt(claim.text)), ""]
        lines.append(_("The facts: [{verdict}]", verdict=claim.verdict.upper()))
        if claim.explanation:
            lines += ["", claim.explanation]
        if claim.sources:
            lines += ["", sources_text(self.tr, claim.sources)]
        lines += ["", _("Please share the facts, not the hoax.")]
        return "\n".join(lines)

    def _preview(self, staff: Address, claim: Claim, targets: list[str]) -> Reply:
        _ = self._
        store = self.svc.announcements
        residents, channels = store.count_audience(targets), len(store.channel_chats(targets))
        lines = [
            self.announcement_text(claim),
            "",
            "—",
            _("To: {targets}", targets=", ".join(self.svc.roles.label(k) for k in targets)),
            _(
                "Reaches {residents} residents and {channels} channels.",
                residents=self.tr.number(residents),
                channels=self.tr.number(channels),
            ),
        ]
        approval = needs_approval(self.svc, staff, residents)
        if approval:
            lines.append(_("This many residents needs a superadmin's approval first."))
        send = _("📨 Ask approval") if approval else _("✅ Send")
        choices = (
            (
                Choice(send, ClaimAction("csend", claim.id).pack()),
                Choice(_("‹ Targets"), ClaimAction("clar", claim.id).pack()),
                Choice(_("✖ Cancel"), ClaimAction("cdrop", claim.id).pack()),
            ),
        )
        title = _("Preview: what the residents will receive")
        return Reply(text="\n".join(lines), title=title, choices=choices, edit=True)

    def _send(self, staff: Address, claim: Claim, targets: list[str], now: float) -> list[Reply]:
        """Store the announcement; queue it, or ask the superadmins first."""
        store = self.svc.announcements
        residents = store.count_audience(targets)
        approval = needs_approval(self.svc, staff, residents)
        ann = store.create(
            staff, targets, now, text=self.announcement_text(claim), needs_approval=approval
        )
        audit.created(self.svc, ann, residents)
        if approval:
            ask_approval(self.svc, staff, ann.id, residents)
        else:
            self.svc.dispatch.submit(ann.id)
        fresh = store.get(ann.id) or ann
        done = self._("Clarification #{id} stored.", id=ann.id)
        return [Reply(text=progress_text(self.tr, fresh, now), progress_of=ann.id, notice=done)]

    def _state(self, staff: Address) -> dict[str, object]:
        raw = self.svc.redis.get(_state_key(staff))
        try:
            found = json.loads(raw) if raw else {}
        except ValueError:
            return {}
        return found if isinstance(found, dict) else {}

    def _save(self, staff: Address, state: dict[str, object]) -> None:
        self.svc.redis.set(_state_key(staff), json.dumps(state), ex=STATE_SECONDS)

    def _take(self, staff: Address) -> bool:
        """Claim the prepared clarification: a second press finds none."""
        return self.svc.redis.getdel(_state_key(staff)) is not None


def _codes(value: object) -> list[str]:
    """A stored list of kelurahan codes (nothing, if it is not one)."""
    return [str(c) for c in value] if isinstance(value, list) else []
