"""`/menu`, `/bantuan` (help) and `/batal` (cancel): stateless answers."""

from __future__ import annotations

from bot.dialogs import common
from bot.dialogs.turn import Turn
from bot.platform.messages import Reply


class MenuFlow:
    """The menu; while it is shown, typed numbers pick its entries."""

    name = "menu"

    def begin(self, turn: Turn, args: str) -> None:
        """Show the menu."""
        resident = turn.resident
        text = (
            common.status_line(turn, resident)
            if resident
            else turn.tr._("What would you like to do?")
        )
        common.show_menu(turn, text)

    def on_button(self, turn: Turn, value: str) -> None:
        """Menu buttons are stateless (`m.`); anything else here is stale."""
        turn.say(common.stale_button(turn))

    def on_input(self, turn: Turn) -> None:
        """Text or media with the menu showing."""
        if turn.msg.kind == "text":
            common.show_menu(turn, common.not_understood(turn))
        else:
            common.show_menu(turn, common.unsupported_content(turn))


class HelpFlow:
    """`/bantuan`, `/help`."""

    name = "bantuan"

    def begin(self, turn: Turn, args: str) -> None:
        """Explain the commands."""
        common.show_menu(turn, common.help_text(turn), title=turn.tr._("Help"))

    def on_button(self, turn: Turn, value: str) -> None:
        """No buttons of its own."""
        turn.say(common.stale_button(turn))

    def on_input(self, turn: Turn) -> None:
        """No input of its own."""
        turn.say(Reply(text=common.pick_prompt(turn)))


class CancelFlow:
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

    def on_button(self, turn: Turn, value: str) -> None:
        """No buttons of its own."""
        turn.say(common.stale_button(turn))

    def on_input(self, turn: Turn) -> None:
        """No input of its own."""
        turn.say(Reply(text=common.pick_prompt(turn)))
