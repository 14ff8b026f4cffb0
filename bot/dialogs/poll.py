"""`/jajak` for KIM admins: compose a poll, pick its targets, its closing time and an
optional reminder, see the reach, send it (or ask a superadmin's approval).

Steps (the table `PollFlow.steps`): question (typed) → kind (answers or a 1-5 scale) →
options (typed, one per line, or on one line separated by ";"; the scale skips it) →
other (a free "other" answer: yes or no) → targets (toggles within the admin's scope;
one target is taken at once) → closes (a quick choice, or a typed day and time) →
remind (yes or no) → confirm (the poll as residents will see it, the reach, the closing
time) → sent, or waiting for approval above `broadcasts.approval_threshold`. ✖ Cancel is
taken at every step; every step checks the admin role again. `/jajak hasil` (`/poll
results`) lists recent polls for their results (bot/dialogs/poll_results.py).
Diagram: docs/conversations.md.
"""

from __future__ import annotations

from bot.announcements.approval import needs_approval
from bot.announcements.report import progress_text
from bot.dialogs import common
from bot.dialogs.poll_results import RESULTS_WORDS, list_polls
from bot.dialogs.steps import Step, StepFlow
from bot.dialogs.targets import ask_targets, selected_in_scope, targets_button
from bot.dialogs.turn import Turn
from bot.platform.clock import to_datetime
from bot.platform.messages import Reply
from bot.platform.timeparse import parse_when
from bot.polls import runs
from bot.polls.messages import closing_text, poll_reply
from bot.polls.store import (
    MAX_OPEN_DAYS,
    MAX_OPTION,
    MAX_OPTIONS,
    MAX_QUESTION,
    MAX_WITH_OTHER,
    MIN_OPTIONS,
    Poll,
    PollError,
)

FLOW = "jajak"
QUICK_DAYS = (1, 3, 7)


def not_admin(turn: Turn) -> bool:
    """Someone without an admin role: end the conversation and say so."""
    if turn.svc.roles.is_admin(turn.address):
        return False
    turn.end()
    turn.say(Reply(text=turn.tr._("This command is for KIM admins.")))
    return True


class PollFlow(StepFlow):
    """Composing and sending a poll."""

    name = FLOW

    def __init__(self) -> None:
        """The steps of `jajak`: what each does with a button and with input."""
        self.steps = {
            "question": Step(on_input=self._question_input),
            "kind": Step(on_button=self._kind_button),
            "options": Step(on_input=self._options_input),
            "other": Step(on_button=self._other_button),
            "targets": Step(on_button=self._targets_button),
            "closes": Step(self._closes_button, self._closes_input),
            "remind": Step(on_button=self._remind_button),
            "confirm": Step(on_button=self._confirm_button),
        }
        self.always = {"cancel": self._cancel_button}

    def admits(self, turn: Turn) -> bool:
        """Every step checks the admin role again."""
        return not not_admin(turn)

    def begin(self, turn: Turn, args: str) -> None:
        """`/jajak` starts a new poll; `/jajak hasil` lists recent ones."""
        if not_admin(turn):
            return
        if args.strip().casefold() in RESULTS_WORDS:
            list_polls(turn)
            return
        turn.goto(FLOW, "question", selected=[], page=0)
        _ = turn.tr._
        text = _(
            "Send the question residents should answer (at most {max} characters). "
            "/batal cancels; /jajak hasil shows the results of earlier polls.",
            max=MAX_QUESTION,
        )
        turn.say(Reply(title="📊 " + _("New poll"), text=text))

    def _cancel_button(self, turn: Turn, value: str) -> None:
        """✖ Cancel, at any step: nothing is stored."""
        common.show_menu(turn, turn.tr._("Poll discarded."))

    # question, kind, options, other ------------------------------------------------

    def _question_input(self, turn: Turn) -> None:
        """The question: one text of 1-300 characters."""
        text = " ".join(turn.msg.text.split())
        if turn.msg.kind != "text" or not text:
            turn.say(Reply(text=turn.tr._("Send the question as text.")))
            return
        if len(text) > MAX_QUESTION:
            turn.say(Reply(text=_too_long(turn, len(text), MAX_QUESTION)))
            return
        turn.goto(FLOW, "kind", question=text)
        _ = turn.tr._
        choices = (
            (turn.button(_("🔢 Answers to choose from"), "options"),),
            (turn.button(_("⭐ A scale of 1 to 5"), "scale"),),
            (turn.button(_("✖ Cancel"), "cancel"),),
        )
        turn.say(Reply(text=_("How do residents answer?"), choices=choices))

    def _kind_button(self, turn: Turn, value: str) -> None:
        """Answers to type next, or the 1-5 scale (no answers to type)."""
        _ = turn.tr._
        if value == "scale":
            turn.goto(FLOW, "other", scale=True, options=[])
            self._ask_other(turn)
        elif value == "options":
            turn.goto(FLOW, "options", scale=False)
            text = _(
                "Send the answers in one message, one per line (or separated by ;): {min} "
                "to {max} answers, each at most {length} characters.",
                min=MIN_OPTIONS,
                max=MAX_OPTIONS,
                length=MAX_OPTION,
            )
            turn.say(Reply(text=text, choices=((turn.button(_("✖ Cancel"), "cancel"),),)))
        else:
            turn.say(common.stale_button(turn))

    def _options_input(self, turn: Turn) -> None:
        """The answers, one per line; the message says what is wrong with a bad list."""
        _ = turn.tr._
        raw = turn.msg.text.splitlines()
        if len(raw) == 1 and ";" in raw[0]:  # one line (a desktop's Enter sends): by ;
            raw = raw[0].split(";")
        lines = [" ".join(line.split()) for line in raw]
        options = [line for line in lines if line]
        problem = ""
        if turn.msg.kind != "text" or not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
            problem = _(
                "That is {count} answers: send {min} to {max}, one per line (or separated by ;).",
                count=len(options),
                min=MIN_OPTIONS,
                max=MAX_OPTIONS,
            )
        elif any(len(o) > MAX_OPTION for o in options):
            longest = max(options, key=len)
            problem = _(
                'The answer "{answer}…" is too long ({length}; at most {max} characters).',
                answer=longest[:20],
                length=len(longest),
                max=MAX_OPTION,
            )
        elif len({o.casefold() for o in options}) != len(options):
            problem = _("Two answers are the same. Send the list again.")
        if problem:
            turn.say(Reply(text=problem))
            return
        turn.goto(FLOW, "other", options=options)
        self._ask_other(turn)

    def _ask_other(self, turn: Turn) -> None:
        _ = turn.tr._
        choices = (
            (turn.button(_("✏️ Yes"), "yes"), turn.button(_("No"), "no")),
            (turn.button(_("✖ Cancel"), "cancel"),),
        )
        text = _("May residents also write an answer of their own (“Other”)?")
        turn.say(Reply(text=text, choices=choices))

    def _other_button(self, turn: Turn, value: str) -> None:
        """With or without "other" (at most nine answers with it), then the targets."""
        if value not in ("yes", "no"):
            turn.say(common.stale_button(turn))
            return
        options = turn.require_state().data.get("options", [])
        if value == "yes" and len(options) > MAX_WITH_OTHER:
            text = turn.tr._(
                "With “Other” a poll has at most {max} answers (WhatsApp shows at most ten "
                "rows). Choose No, or cancel and start again with fewer answers.",
                max=MAX_WITH_OTHER,
            )
            turn.say(Reply(text=text))
            return
        turn.goto(FLOW, "targets", other=value == "yes")
        targets = turn.svc.roles.targets(turn.address)
        if len(targets) == 1:
            turn.goto(FLOW, "closes", selected=[targets[0].key])
            self._ask_closes(turn)
        else:
            self._ask_targets(turn, edit=False)

    # targets, closing, reminder ------------------------------------------------------

    def _ask_targets(self, turn: Turn, edit: bool) -> None:
        question = turn.tr._("Who should be asked? Press to select, press again to remove.")
        ask_targets(turn, question, edit)

    def _targets_button(self, turn: Turn, value: str) -> None:
        """Toggle a target, turn the page, or go on to the closing time."""

        def closes() -> None:
            turn.goto(FLOW, "closes")
            self._ask_closes(turn)

        targets_button(turn, value, lambda edit: self._ask_targets(turn, edit), closes)

    def _ask_closes(self, turn: Turn) -> None:
        _ = turn.tr._
        quick = tuple(
            turn.button(_("{days} days", days=days) if days > 1 else _("1 day"), f"d.{days}")
            for days in QUICK_DAYS
        )
        text = _(
            "When does the poll close? Choose, or type a day and a time in {zone} (for "
            "example: Jumat 17.00, 25 Des 12.00), at most {days} days ahead.",
            zone=turn.tr.zone,
            days=MAX_OPEN_DAYS,
        )
        turn.say(Reply(text=text, choices=(quick, (turn.button(_("✖ Cancel"), "cancel"),))))

    def _closes_button(self, turn: Turn, value: str) -> None:
        """A quick closing time: so many days from now."""
        verb, _, arg = value.partition(".")
        if verb != "d" or not arg.isdigit() or int(arg) not in QUICK_DAYS:
            turn.say(common.stale_button(turn))
            return
        self._closing(turn, turn.now + int(arg) * 86400)

    def _closes_input(self, turn: Turn) -> None:
        """A typed day and time."""
        _ = turn.tr._
        moment = (
            parse_when(turn.msg.text, turn.now, turn.svc.config.deployment.timezone)
            if turn.msg.kind == "text"
            else None
        )
        if moment is None:
            text = _(
                "I can't read that as a day and a time. Write the time with its minutes, "
                "for example: Jumat 17.00, 25 Des 12.00, besok jam 5 sore."
            )
            turn.say(Reply(text=text))
            return
        if moment <= turn.now + 600 or moment > turn.now + MAX_OPEN_DAYS * 86400:
            text = _(
                "Choose a moment from ten minutes to {days} days from now.", days=MAX_OPEN_DAYS
            )
            turn.say(Reply(text=text))
            return
        self._closing(turn, moment)

    def _closing(self, turn: Turn, moment: float) -> None:
        turn.goto(FLOW, "remind", closes_at=moment)
        _ = turn.tr._
        choices = (
            (turn.button(_("⏰ Yes, remind them"), "yes"), turn.button(_("No"), "no")),
            (turn.button(_("✖ Cancel"), "cancel"),),
        )
        text = _("Remind those who have not answered, once, halfway to the closing time?")
        turn.say(Reply(text=text, choices=choices))

    def _remind_button(self, turn: Turn, value: str) -> None:
        """With or without the reminder, then the check before sending."""
        if value not in ("yes", "no"):
            turn.say(common.stale_button(turn))
            return
        turn.goto(FLOW, "confirm", remind=value == "yes")
        self._ask_confirm(turn)

    # confirm ---------------------------------------------------------------------------

    def _draft(self, turn: Turn) -> Poll:
        """The poll as it would be stored (for the preview)."""
        data = turn.require_state().data
        scale = bool(data.get("scale"))
        return Poll(
            id="0",
            question=str(data.get("question", "")),
            options=tuple(str(n) for n in range(1, 6)) if scale else tuple(data.get("options", [])),
            scale=scale,
            other=bool(data.get("other")),
            targets=tuple(selected_in_scope(turn)),
            admin=str(turn.address),
            created_at=turn.now,
            closes_at=float(data.get("closes_at", turn.now)),
            state="open",
            remind=bool(data.get("remind")),
        )

    def _ask_confirm(self, turn: Turn) -> None:
        """The poll as residents see it, the reach, and send or cancel."""
        _ = turn.tr._
        draft = self._draft(turn)
        residents = turn.svc.announcements.count_audience(list(draft.targets))
        approval = needs_approval(turn.svc, turn.address, residents)
        preview = poll_reply(turn.tr, draft)
        labels = ", ".join(turn.svc.roles.label(k) for k in draft.targets)
        lines = [_("Residents will see:"), "", preview.text, ""]
        lines.append(_("To: {targets}", targets=labels))
        lines.append(_("Reaches {residents} residents.", residents=turn.tr.number(residents)))
        lines.append(closing_text(turn.tr, draft, to_datetime(turn.now)))
        if draft.remind:
            lines.append(_("Those who have not answered get one reminder halfway."))
        if approval:
            lines.append(_("This many residents needs a superadmin's approval first."))
        send = _("📨 Ask approval") if approval else _("✅ Send")
        choices = ((turn.button(send, "send"), turn.button(_("✖ Cancel"), "cancel")),)
        turn.say(Reply(title=_("Check the poll"), text="\n".join(lines), choices=choices))

    def _confirm_button(self, turn: Turn, value: str) -> None:
        """Store the poll and send it, or ask approval."""
        if value != "send":
            turn.say(common.stale_button(turn))
            return
        draft = self._draft(turn)
        if not draft.targets:
            turn.say(common.stale_button(turn))
            return
        try:
            started = runs.start(
                turn.svc,
                turn.address,
                question=draft.question,
                options=list(draft.options),
                scale=draft.scale,
                other=draft.other,
                targets=list(draft.targets),
                closes_at=draft.closes_at,
                remind=draft.remind,
                now=turn.now,
            )
        except PollError:  # the closing time passed while the admin looked at the preview
            turn.goto(FLOW, "closes")
            self._ask_closes(turn)
            return
        turn.end()
        fresh = turn.svc.announcements.get(started.announcement.id) or started.announcement
        _ = turn.tr._
        head = _(
            "Poll #{id} is stored. /jajak hasil shows its results as answers come in.",
            id=started.poll.id,
        )
        body = progress_text(turn.tr, fresh, turn.now)
        turn.say(Reply(text=f"{head}\n\n{body}", progress_of=fresh.id))


def _too_long(turn: Turn, length: int, limit: int) -> str:
    return turn.tr._(
        "That is too long ({length}; at most {max} characters).", length=length, max=limit
    )
