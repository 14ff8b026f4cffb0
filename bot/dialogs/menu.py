"""`/menu`, `/bantuan` (help) and `/batal` (cancel): stateless answers.

The menu has one step, main (set by `common.show_menu`, wherever a flow ends), whose
input is answered with the menu again; help and cancel have no steps.
"""

from __future__ import annotations

from bot.dialogs import common
from bot.dialogs.steps import Step, StepFlow
from bot.dialogs.turn import Turn
from bot.platform.messages import Reply


class MenuFlow(StepFlow):
    """The menu; while it is shown, typed numbers pick its entries."""

    name = "menu"

    def __init__(self) -> None:
        """One step, main: menu buttons are stateless (`m.`), so a step button is stale."""
        self.steps = {"main": Step(on_input=self._main_input)}

    def begin(self, turn: Turn, args: str) -> None:
        """Show the menu."""
        resident = turn.resident
        text = (
            common.status_line(turn, resident)
            if resident
            else turn.tr._("What would you like to do?")
        )
        common.show_menu(turn, text)

    def _main_input(self, turn: Turn) -> None:
        """Text or media with the menu showing."""
        if turn.msg.kind == "text":
            common.show_menu(turn, common.not_understood(turn))
        else:
            common.show_menu(turn, common.unsupported_content(turn))


class HelpFlow(StepFlow):
    """`/bantuan`, `/help`."""

    name = "bantuan"

    def begin(self, turn: Turn, args: str) -> None:
        """Explain the commands."""
        common.show_menu(turn, common.help_text(turn), title=turn.tr._("Help"))


class CancelFlow(StepFlow):
    """`/batal`, `/cancel`: drop whatever conversation is in progress."""

    name = "batal"

    def begin(self, turn: Turn, args: str) -> None:
        """Cancel and show the menu."""
        had = turn.state is not None and turn.state.flow != "menu"
        text = turn.tr._("Cancelled.") if had else turn.tr._("There was nothing to cancel.")
        if turn.resident is None:
            turn.end()
            turn.say(Reply(text=text + " " + turn.tr._("Type /start to subscribe.")))
            return
        common.show_menu(turn, text)
