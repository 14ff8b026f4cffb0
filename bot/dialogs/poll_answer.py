"""A resident answers a poll: a press of one of its buttons (`PollVote`), or its number
typed with no conversation in progress (the newest open poll they received), and for
"other" a short text of their own (the step `PollOtherFlow.steps`: `text`).

Only someone the poll was sent to may answer (its announcement's or its reminder's
ledger says sent), once, changeable until it closes: a press from anyone else, on a
closed poll, or with a forged answer changes nothing and says why. A press is answered
with a notice of what was kept (a toast on Telegram, which spends none of the bot's
sending rate however many answer at once; a message on WhatsApp). Diagram:
docs/conversations.md.
"""

from __future__ import annotations

from bot.announcements.store import SENT
from bot.dialogs import common
from bot.dialogs.steps import Step, StepFlow
from bot.dialogs.turn import Turn
from bot.platform.actions import PollVote
from bot.platform.clock import to_datetime
from bot.platform.messages import Reply
from bot.polls.messages import answer_label, other_number
from bot.polls.store import MAX_OTHER, OTHER, Poll

OTHER_FLOW = "jajakjawab"


def received(turn: Turn, poll: Poll) -> bool:
    """Whether the poll (or its reminder) was delivered to the presser."""
    store = turn.svc.announcements
    who = str(turn.address)
    return any(
        store.outcome_of(ann, who) == SENT for ann in (poll.announcement, poll.reminder) if ann
    )


def _until(turn: Turn, poll: Poll) -> str:
    return turn.tr.datetime_text(to_datetime(poll.closes_at))


def _refusal(turn: Turn, poll: Poll | None) -> Reply | None:
    """Why the presser may not answer `poll` now, or None when they may."""
    _ = turn.tr._
    if poll is None or not received(turn, poll):
        return common.stale_button(turn)
    if not poll.is_open(turn.now):
        return Reply(text=_("This poll is closed; answers are no longer taken."))
    return None


def _recorded(turn: Turn, poll: Poll, answer: int, outcome: str) -> None:
    """Say what the store did with the answer."""
    _ = turn.tr._
    if outcome == "closed":
        turn.say(Reply(text=_("This poll is closed; answers are no longer taken.")))
        return
    if outcome == "not_subscribed":
        turn.say(Reply(text=_("Only subscribers can answer polls. /start subscribes you.")))
        return
    if outcome not in ("new", "changed", "same"):
        turn.say(common.stale_button(turn))
        return
    text = _(
        "✅ Your answer to poll #{id}: {answer}. You can change it until {when} by choosing again.",
        id=poll.id,
        answer=answer_label(turn.tr, poll, answer),
        when=_until(turn, poll),
    )
    # A press is answered by its notice alone: a toast on Telegram (no message sent, so a
    # rush of answers costs none of the bot's sending rate), a message on WhatsApp.
    turn.say(Reply(text="", notice=text) if turn.msg.kind == "button" else Reply(text=text))


def vote_action(turn: Turn, press: PollVote) -> None:
    """A press of an answer; "other" asks for the resident's own words first."""
    poll = turn.svc.polls.get(press.poll)
    refusal = _refusal(turn, poll)
    if refusal is not None or poll is None:
        turn.say(refusal or common.stale_button(turn))
        return
    if press.answer == OTHER:
        if not poll.other:
            turn.say(common.stale_button(turn))
            return
        turn.goto(OTHER_FLOW, "text", poll=poll.id)
        text = turn.tr._(
            "Write your answer to “{question}” (at most {max} characters).",
            question=poll.question,
            max=MAX_OTHER,
        )
        turn.say(Reply(text=text, choices=((turn.button(turn.tr._("✖ Cancel"), "cancel"),),)))
        return
    outcome = turn.svc.polls.answer(poll.id, turn.address, press.answer, turn.now)
    _recorded(turn, poll, press.answer, outcome)


def typed_vote(turn: Turn) -> bool:
    """A number typed with no conversation in progress answers the newest open poll the
    resident received (at the menu, whose numbers pick its entries, only one they have not
    answered yet); False when it is no such number (the engine answers as usual)."""
    text = turn.msg.text.strip().rstrip(".")
    if turn.msg.kind != "text" or turn.resident is None or not text.isdigit() or len(text) > 2:
        return False
    number = int(text)
    at_menu = turn.state is not None
    for poll in turn.svc.polls.open_polls():
        if not poll.is_open(turn.now) or not received(turn, poll):
            continue
        if at_menu and turn.svc.polls.answer_of(poll.id, turn.address) is not None:
            continue
        if poll.other and number == other_number(poll):
            vote_action(turn, PollVote(poll.id, OTHER))
            return True
        if 1 <= number <= len(poll.options):
            vote_action(turn, PollVote(poll.id, number))
            return True
        turn.say(
            Reply(
                text=turn.tr._(
                    "Poll #{id} has answers 1 to {last}. Type one of them.",
                    id=poll.id,
                    last=other_number(poll) if poll.other else len(poll.options),
                )
            )
        )
        return True
    return False


class PollOtherFlow(StepFlow):
    """The resident's own answer ("other") to a poll."""

    name = OTHER_FLOW

    def __init__(self) -> None:
        """The one step, `text`: the answer typed; ✖ Cancel anywhere."""
        self.steps = {"text": Step(on_input=self._text_input)}
        self.always = {"cancel": self._cancelled}

    def begin(self, turn: Turn, args: str) -> None:
        """Entered from a press of "other" only (`vote_action`)."""
        common.show_menu(turn, common.not_understood(turn))

    def _text_input(self, turn: Turn) -> None:
        """The answer's text (1-500 characters), kept as the resident's answer."""
        _ = turn.tr._
        text = " ".join(turn.msg.text.split())
        if turn.msg.kind != "text" or not text:
            turn.say(Reply(text=common.pick_prompt(turn)))
            return
        if len(text) > MAX_OTHER:
            turn.say(
                Reply(
                    text=_(
                        "That is too long ({length}; at most {max} characters).",
                        length=len(text),
                        max=MAX_OTHER,
                    )
                )
            )
            return
        poll = turn.svc.polls.get(str(turn.require_state().data.get("poll", "")))
        turn.end()
        refusal = _refusal(turn, poll)
        if refusal is not None or poll is None:
            turn.say(refusal or common.stale_button(turn))
            return
        outcome = turn.svc.polls.answer(poll.id, turn.address, OTHER, turn.now, text)
        _recorded(turn, poll, OTHER, outcome)

    def _cancelled(self, turn: Turn, value: str) -> None:
        """✖ Cancel: the earlier answer (if any) stays."""
        common.show_menu(turn, turn.tr._("Cancelled. Your earlier answer, if any, stays."))
