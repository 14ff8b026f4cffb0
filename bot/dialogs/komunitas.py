"""`/komunitas`: join or leave community KIM, one toggle button each.

One step, toggle (the table `KomunitasFlow.steps`): each press joins or leaves one
community and edits the message in place; Done shows the menu.
"""

from __future__ import annotations

from bot.dialogs import common
from bot.dialogs.steps import Step, StepFlow
from bot.dialogs.turn import Turn
from bot.platform.messages import Link, Reply
from bot.residents.records import Resident


class KomunitasFlow(StepFlow):
    """Toggle community memberships; the message is edited in place."""

    name = "komunitas"

    def __init__(self) -> None:
        """One step: toggle, by button only."""
        self.steps = {"toggle": Step(on_button=self._toggle_button)}

    def begin(self, turn: Turn, args: str) -> None:
        """Show every community with its state."""
        resident = turn.resident
        if resident is None:
            turn.say(Reply(text=turn.tr._("Please subscribe first: type /start.")))
            return
        if not turn.svc.config.komunitas:
            common.show_menu(turn, turn.tr._("This KIM has no communities yet."))
            return
        turn.goto(self.name, "toggle")
        self._show(turn, resident, edit=False, links=())

    def _show(
        self,
        turn: Turn,
        resident: Resident,
        edit: bool,
        links: tuple[Link, ...],
        notice: str = "",
    ) -> None:
        """Every community with a join or leave button, and Done."""
        _ = turn.tr._
        lines = [_("Community KIM. Press one to join it, press again to leave:"), ""]
        buttons = []
        for kom in turn.svc.config.komunitas:
            joined = kom.slug in resident.komunitas
            mark = "✅" if joined else "➕"
            lines.append(
                f"{mark} {kom.name}" + (f" — {kom.description}" if kom.description else "")
            )
            buttons.append((turn.button(f"{mark} {kom.name}"[:60], f"t.{kom.slug}"),))
        buttons.append((turn.button(_("Done"), "done"),))
        text = "\n".join(lines)
        turn.say(Reply(text=text, choices=tuple(buttons), links=links, edit=edit, notice=notice))

    def _toggle_button(self, turn: Turn, value: str) -> None:
        """Toggle one community, or finish."""
        resident = turn.resident
        _ = turn.tr._
        if value == "done" and resident is not None:
            common.show_menu(turn, common.status_line(turn, resident))
            return
        slug = value.removeprefix("t.")
        kom = turn.svc.config.komunitas_by_slug(slug) if value.startswith("t.") else None
        if kom is None or resident is None:
            turn.say(common.stale_button(turn))
            return
        links: tuple[Link, ...] = ()
        if slug in resident.komunitas:
            turn.svc.residents.leave_komunitas(turn.address, slug, turn.now)
            notice = _("You left {name}.", name=kom.name)
        else:
            turn.svc.residents.join_komunitas(turn.address, slug, turn.now)
            notice = _("You joined {name}.", name=kom.name)
            if kom.chat.invite_link:
                links = (Link(_("Open {name}", name=kom.name[:40]), kom.chat.invite_link),)
        turn.resident = turn.svc.residents.get(turn.address)
        if turn.resident is None:  # erased meanwhile
            turn.say(common.stale_button(turn))
            return
        turn.goto(self.name, "toggle")
        self._show(turn, turn.resident, edit=True, links=links, notice=notice)
