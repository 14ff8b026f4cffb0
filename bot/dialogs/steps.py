"""A flow's steps as one table, like the `states` of python-telegram-bot's ConversationHandler.

A `StepFlow` declares `steps`: step name → `Step`, what that step does with a pressed
button's value and with typed or sent input. `on_button` and `on_input` look up the
resident's current step (`turn.state.step`) there; a button the step does not take gets
"That button is no longer active", input it does not take gets a pointer to the buttons.
`always` holds buttons every step takes (e.g. `cancel`), keyed by the value's verb (the
part before the first "."), and `admits` is a check run before any step (e.g. the
admin role). A handler runs only while the conversation has a state, so it may call
`turn.require_state()`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from bot.dialogs import common
from bot.dialogs.turn import Turn
from bot.platform.messages import Reply

ButtonHandler = Callable[[Turn, str], None]
InputHandler = Callable[[Turn], None]


@dataclass(frozen=True)
class Step:
    """What one step does with a pressed button's value and with typed or sent input."""

    on_button: ButtonHandler | None = None
    on_input: InputHandler | None = None


NO_STEPS: Mapping[str, Step] = MappingProxyType({})
NO_BUTTONS: Mapping[str, ButtonHandler] = MappingProxyType({})


class StepFlow:
    """A flow whose steps are the table `steps`; stateless flows leave it empty.

    Subclasses set `name`, write `begin`, and build `steps` (bound methods, one small
    method per step) in `__init__`, at the top of the class.
    """

    name: str
    steps: Mapping[str, Step] = NO_STEPS
    always: Mapping[str, ButtonHandler] = NO_BUTTONS

    def on_button(self, turn: Turn, value: str) -> None:
        """A button of the current step was pressed (or its number typed)."""
        if not self.admits(turn):
            return
        anywhere = self.always.get(value.partition(".")[0])
        if anywhere is not None:
            anywhere(turn, value)
            return
        step = self.current(turn)
        if step is None or step.on_button is None:
            self.stale(turn)
            return
        step.on_button(turn, value)

    def on_input(self, turn: Turn) -> None:
        """Text, media or anything else arrived while this flow is in progress."""
        if not self.admits(turn):
            return
        step = self.current(turn)
        if step is None or step.on_input is None:
            self.unexpected(turn)
            return
        step.on_input(turn)

    def current(self, turn: Turn) -> Step | None:
        """The table's entry for the resident's current step, if it has one."""
        return self.steps.get(turn.state.step) if turn.state is not None else None

    def admits(self, turn: Turn) -> bool:
        """Whether this turn may reach a step at all; when not, it has answered already."""
        return True

    def stale(self, turn: Turn) -> None:
        """A button the current step does not take."""
        turn.say(common.stale_button(turn))

    def unexpected(self, turn: Turn) -> None:
        """Input the current step does not take."""
        turn.say(Reply(text=common.pick_prompt(turn)))
