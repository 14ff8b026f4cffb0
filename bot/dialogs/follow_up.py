"""The resident's side of closing the loop: ✅ Sudah / ❌ Belum on "is this problem solved?"
(asked by bot/desk/followup.py), and the short note that reopens the ticket.

✅ closes the ticket, with thanks. ❌ asks for a note (the table `FollowUpFlow.steps`, one
step: `note`): the note, or ⏭ Skip, reopens the ticket; ✖ Cancel leaves it as it was and
the question open. A press from anyone but the requester, a second press, or a press after
the ticket changed meanwhile (closed by staff, reopened already) changes nothing and says
the button is no longer active. Diagram: docs/conversations.md.
"""

from __future__ import annotations

from bot.desk.followup import NOTE_MAX, FollowUps
from bot.desk.staff import Desk
from bot.dialogs import common
from bot.dialogs.steps import Step, StepFlow
from bot.dialogs.turn import Turn
from bot.platform.actions import FollowUp
from bot.platform.clock import to_datetime
from bot.platform.messages import Reply

FOLLOW_UP = "tindaklanjut"


class FollowUpFlow(StepFlow):
    """The answer to a follow-up question; its note step when the problem is not solved."""

    name = FOLLOW_UP

    def __init__(self) -> None:
        """The one step, `note`: the note (typed) or ⏭ Skip; ✖ Cancel anywhere."""
        self.steps = {"note": Step(self._note_button, self._note_input)}
        self.always = {"cancel": self._cancelled}

    def press(self, turn: Turn, press: FollowUp) -> None:
        """✅ Sudah closes the ticket; ❌ Belum asks for the note. Only the requester's press
        while the question waits counts."""
        follow_ups = FollowUps(Desk(turn.svc))
        _ = turn.tr._
        if press.solved:
            closed = follow_ups.solved(turn.address, press.ticket, turn.now)
            if closed is None:
                turn.say(common.stale_button(turn))
                return
            common.show_menu(turn, _("Thank you! {id} is now closed as solved.", id=closed.id))
            return
        if follow_ups.waiting(press.ticket, turn.address) is None:
            turn.say(common.stale_button(turn))
            return
        self.begin(turn, press.ticket)

    def begin(self, turn: Turn, args: str) -> None:
        """Ask what is still not solved in ticket `args` (entered from ❌ Belum only)."""
        turn.goto(FOLLOW_UP, "note", ticket=args)
        _ = turn.tr._
        text = _(
            "What is still not solved in {id}? Write a short note for our staff, or press Skip.",
            id=args,
        )
        choices = ((turn.button(_("⏭ Skip"), "skip"), turn.button(_("✖ Cancel"), "cancel")),)
        turn.say(Reply(text=text, choices=choices))

    def _note_button(self, turn: Turn, value: str) -> None:
        """⏭ Skip: reopened without a note."""
        if value != "skip":
            turn.say(common.stale_button(turn))
            return
        self._reopen(turn, "")

    def _note_input(self, turn: Turn) -> None:
        """The note (text, at most `NOTE_MAX` characters): reopened with it."""
        text = turn.msg.text.strip()
        if turn.msg.kind != "text" or not text:
            turn.say(Reply(text=common.pick_prompt(turn)))
            return
        if len(text) > NOTE_MAX:
            turn.say(
                Reply(
                    text=turn.tr._(
                        "That is too long ({length}; at most {max} characters).",
                        length=len(text),
                        max=NOTE_MAX,
                    )
                )
            )
            return
        self._reopen(turn, text)

    def _reopen(self, turn: Turn, note: str) -> None:
        """Back on the staff queue, or say why not (it changed meanwhile)."""
        ticket_id = str(turn.require_state().data["ticket"])
        _ = turn.tr._
        reopened = FollowUps(Desk(turn.svc)).reopen(turn.address, ticket_id, note, turn.now)
        if reopened is None:
            common.show_menu(
                turn, _("{id} no longer waits for your answer; nothing was changed.", id=ticket_id)
            )
            return
        common.show_menu(
            turn,
            _(
                "Thank you. {id} is open again; our staff will look at it again by {due}.",
                id=reopened.id,
                due=turn.tr.datetime_text(to_datetime(reopened.due_at)),
            ),
        )

    def _cancelled(self, turn: Turn, value: str) -> None:
        """✖ Cancel: the ticket stays as it was; the question's buttons still work."""
        ticket_id = str(turn.require_state().data["ticket"])
        common.show_menu(
            turn,
            turn.tr._(
                "Cancelled. {id} stays as it was; you can still answer its question.",
                id=ticket_id,
            ),
        )
