"""`/komunitas`: join or leave community KIM, one toggle button each."""

from __future__ import annotations

from bot.dialogs import common
from bot.dialogs.turn import Turn
from bot.platform.messages import Link, Reply


class KomunitasFlow:
    """Toggle community memberships; the message is edited in place."""

    name = "komunitas"

    def begin(self, turn: Turn, args: str) -> None:
        """Show every community with its state."""
        if turn.resident is None:
            turn.say(Reply(text=turn.tr._("Please subscribe first: type /start.")))
            return
        if not turn.svc.config.komunitas:
            common.show_menu(turn, turn.tr._("This KIM has no communities yet."))
            return
        turn.goto(self.name, "toggle")
        self._show(turn, edit=False, links=())

    def _show(self, turn: Turn, edit: bool, links: tuple[Link, ...], notice: str = "") -> None:
        resident = turn.resident
        assert resident is not None
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

    def on_button(self, turn: Turn, value: str) -> None:
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
        turn.goto(self.name, "toggle")
        self._show(turn, edit=True, links=links, notice=notice)

    def on_input(self, turn: Turn) -> None:
        """Only the buttons (or their numbers) answer."""
        turn.say(Reply(text=common.pick_prompt(turn)))
