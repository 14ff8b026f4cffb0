"""`/cekhoaks`: is this message, link or picture true?

Steps collect → suggested → archived (`HoaxFlow.steps`): send or forward text, links or
pictures (messages within a few seconds merge into one request without extra replies)
→ 🔎 Check. With the claim already given (`/cekhoaks <claim>`, or "cek <claim>" typed at
the menu or with no conversation in progress: `HoaxFlow.typed_check`) it is checked at
once. The archive is searched (bot/desk/hoaxes.py), with two thresholds as Meedan Check
has them (`desk.hoax_match` in config.yaml):
- at or above `answer`: the archived verdict at once, then "does this answer it?";
- between `suggest` and `answer`: the likely claim is shown, "is this what you mean?";
  yes → its verdict, no → a ticket;
- below: a ticket, grouped with others asking about the same claim.
✖ Cancel is taken at every step. Diagram: docs/conversations.md.
"""

from __future__ import annotations

import re

from bot.desk import routing
from bot.desk.correction_texts import excerpt
from bot.desk.hoaxes import Claim, Fingerprint
from bot.desk.staff import Desk
from bot.desk.verdicts import sources_text
from bot.dialogs import common
from bot.dialogs.desk_intake import attached_media, cancelled, may_file
from bot.dialogs.gather import in_burst
from bot.dialogs.steps import Step, StepFlow
from bot.dialogs.turn import Turn
from bot.platform.messages import Choice, MediaRef, Reply

HOAX = "cekhoaks"
MAX_HOAX_MESSAGES = 10
EXCERPT = 300
# Typed instead of pressing 🔎: the button's own word in every locale is recognised
# through its label; these are the words residents type whatever their language.
CHECK_WORDS = frozenset({"cek", "check", "periksa"})
# Said between the check word and the claim: "cek hoaks: …", "cek fakta …".
ABOUT_WORDS = frozenset({"hoaks", "hoax", "hoaxs", "fakta", "fact", "berita"})
# A message's first word (after an emoji or quote) and what follows it (after ":", "-" …).
_LEADING_WORD = re.compile(r"^[\W_]*?([^\W_]+)[\s:,.\-–—]*(.*)$", re.S)


class HoaxFlow(StepFlow):
    """`/cekhoaks`: is this message, link or picture true?"""

    name = HOAX

    def __init__(self) -> None:
        """The steps of `cekhoaks`: what each does with a button and with input."""
        self.steps = {
            "collect": Step(self._collect_button, self._collect_input),
            "suggested": Step(on_button=self._suggested_button),
            "archived": Step(on_button=self._archived_button),
        }
        self.always = {"cancel": self._cancel_button}

    def begin(self, turn: Turn, args: str) -> None:
        """Check `args` at once if it is a claim, else ask for the message to check."""
        if not may_file(turn):
            return
        claim = args.strip()
        turn.goto(HOAX, "collect", texts=[claim] if claim else [], pictures=[], last=0.0)
        if claim:
            self._check(turn)
            return
        _ = turn.tr._
        turn.say(
            Reply(
                text=_(
                    "Send or forward the message, link or picture you want checked. "
                    "Then press 🔎 Check."
                ),
                choices=_check_or_cancel(turn),
            )
        )

    def typed_check(self, turn: Turn) -> bool:
        """ "cek <claim>" (or "check …", "periksa …", the 🔎 button's word in the resident's
        language; "cek hoaks: …" too) typed at the menu or with no conversation in progress:
        the claim is checked at once, the word alone starts /cekhoaks. False (not taken) for
        any other text, and before onboarding."""
        state = turn.state
        if turn.msg.kind != "text" or turn.resident is None:
            return False
        if state is not None and state.flow != "menu":
            return False
        claim = _after_check_word(turn, turn.msg.text)
        if claim is None:
            return False
        self.begin(turn, claim)
        return True

    def _cancel_button(self, turn: Turn, value: str) -> None:
        """✖ Cancel, at any step (only the exact value: `cancel.…` is stale here)."""
        if value != "cancel":
            turn.say(common.stale_button(turn))
            return
        cancelled(turn, value)

    def _collect_input(self, turn: Turn) -> None:
        """Collect text, links and pictures; a burst of messages is one request."""
        state = turn.require_state()
        _ = turn.tr._
        msg = turn.msg
        texts = list(state.data.get("texts", []))
        pictures = list(state.data.get("pictures", []))
        if msg.kind == "text" and _after_check_word(turn, msg.text) == "":  # 🔎 typed out
            self._check(turn)
            return
        if msg.kind in ("text", "photo") and len(texts) + len(pictures) >= MAX_HOAX_MESSAGES:
            turn.say(Reply(text=_("That is enough to check. Press 🔎 Check.")))
            return
        if msg.kind == "photo":
            media = attached_media(turn)
            if media is None:
                return
            pictures.append(media.__dict__)
        elif msg.kind != "text":
            turn.say(
                Reply(text=_("I can check text, links and pictures. Press 🔎 Check when done."))
            )
            return
        if msg.text.strip():
            texts.append(msg.text.strip())
        if in_burst(state.data, turn.now):  # the buttons shown before stay valid
            turn.keep(texts=texts, pictures=pictures, last=turn.now)
        else:
            turn.goto(HOAX, "collect", texts=texts, pictures=pictures, last=turn.now)
            count = len(texts) + len(pictures)
            turn.say(
                Reply(
                    text=_("Got it ({count}). Send more, or press 🔎 Check.", count=count),
                    choices=_check_or_cancel(turn),
                )
            )

    def _collect_button(self, turn: Turn, value: str) -> None:
        """🔎 Check what was collected."""
        if value != "check":
            turn.say(common.stale_button(turn))
            return
        self._check(turn)

    def _archived_button(self, turn: Turn, value: str) -> None:
        """Did the archived verdict answer it? No: a ticket is filed."""
        if value == "yes":
            common.show_menu(
                turn, turn.tr._("Glad it helped. Please share the facts, not the hoax.")
            )
        elif value == "no":
            self._file(turn)
        else:
            turn.say(common.stale_button(turn))

    def _check(self, turn: Turn) -> None:
        """The archived verdict for a close match, the likely claim for a fair one, else
        a ticket."""
        state = turn.require_state()
        _ = turn.tr._
        texts = state.data.get("texts", [])
        pictures = [p.get("fingerprint", "") for p in state.data.get("pictures", [])]
        if not texts and not state.data.get("pictures"):
            turn.say(Reply(text=_("Send the message, link or picture first.")))
            return
        match = turn.svc.config.desk.hoax_match
        found = turn.svc.hoaxes.best_claim(
            Fingerprint.of("\n".join(texts), pictures), threshold=match.suggest
        )
        if found is None:
            self._file(turn)
        elif found[1] >= match.answer:
            self._answer(turn, found[0])
        else:
            self._suggest(turn, found[0])

    def _suggest(self, turn: Turn, claim: Claim) -> None:
        """Show the likely claim and ask whether it is the one the resident means."""
        _ = turn.tr._
        shown = excerpt(claim.text, EXCERPT)
        turn.goto(HOAX, "suggested", claim=claim.id)
        turn.say(
            Reply(
                text="\n".join(
                    [_("We checked a similar message before:"), "", shown, "", _("Is this it?")]
                ),
                choices=(
                    (turn.button(_("✅ Yes, that one"), "yes"),),
                    (turn.button(_("✖ No, check mine"), "no"),),
                ),
            )
        )

    def _suggested_button(self, turn: Turn, value: str) -> None:
        """Yes: that claim's verdict. No: a ticket."""
        claim = turn.svc.hoaxes.claim(str(turn.require_state().data.get("claim", "")))
        if value == "yes" and claim is not None:
            self._answer(turn, claim)
        elif value in ("yes", "no"):  # yes to a claim withdrawn meanwhile: staff check it
            self._file(turn)
        else:
            turn.say(common.stale_button(turn))

    def _answer(self, turn: Turn, claim: Claim) -> None:
        """The archived verdict, then "does this answer your question?"."""
        _ = turn.tr._
        village = turn.resident.village or "" if turn.resident else ""
        turn.svc.recipients.record(claim.id, turn.address, turn.now, village)  # for corrections
        # A verdict imported without an explanation (a ClaimReview gives none) still says
        # which claim it is about, so no blank lines stand where the explanation would be.
        said = claim.explanation.strip() or _(
            "The claim: “{claim}”", claim=excerpt(claim.text, EXCERPT)
        )
        lines = [
            _("We checked this before: [{verdict}]", verdict=claim.verdict.upper()),
            "",
            said,
        ]
        if claim.sources:
            lines += ["", sources_text(turn.tr, claim.sources)]
        lines += ["", _("Does this answer your question?")]
        turn.goto(HOAX, "archived", claim=claim.id)
        choices = (
            (turn.button(_("✅ Yes, thanks"), "yes"),),
            (turn.button(_("❓ No, please check"), "no"),),
        )
        turn.say(Reply(text="\n".join(lines), choices=choices))

    def _file(self, turn: Turn) -> None:
        """File a hoax ticket (grouped with others about the same claim)."""
        state = turn.require_state()
        if not may_file(turn):
            return
        ticket = Desk(turn.svc).file(
            turn.address,
            "hoaks",
            turn.now,
            text="\n".join(state.data.get("texts", [])),
            media=[MediaRef(**m) for m in state.data.get("pictures", [])],
        )
        _ = turn.tr._
        text = _(
            "Your check number is {id}. Our team aims to answer within {hours} hours; "
            "you will get the verdict here.",
            id=ticket.id,
            hours=routing.due_rules(turn.svc.config, routing.known(turn.svc.config, ticket.desk))[
                1
            ],
        )
        if ticket.group != ticket.id:
            text += " " + _("Others asked about the same claim: everyone gets the verdict.")
        common.show_menu(turn, text)


def _after_check_word(turn: Turn, text: str) -> str | None:
    """The claim after a leading check word (and "hoaks", ":" …); "" for the word alone
    ("cek", "Cek!", "🔎 Cek": the 🔎 button typed out); None when the text does not start
    with one."""
    found = _LEADING_WORD.match(text)
    if found is None:
        return None
    words = {*CHECK_WORDS, *_bare(turn.tr._("🔎 Check")).split()[:1]}
    if found.group(1).lower() not in words:
        return None
    claim = found.group(2).strip()
    about = _LEADING_WORD.match(claim)
    if about is not None and about.group(1).lower() in ABOUT_WORDS:
        claim = about.group(2).strip()
    return claim if any(c.isalnum() for c in claim) else ""


def _bare(text: str) -> str:
    """Letters, digits and single spaces only, lower case: "🔎 Cek!" → "cek"."""
    return " ".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def _check_or_cancel(turn: Turn) -> tuple[tuple[Choice, ...], ...]:
    """🔎 Check and ✖ Cancel, the buttons under every collecting step."""
    _ = turn.tr._
    return ((turn.button(_("🔎 Check"), "check"), turn.button(_("✖ Cancel"), "cancel")),)
