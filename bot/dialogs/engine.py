"""The conversation engine: routes one `Incoming` to the flow it belongs to.

Order of concerns, for every message from a resident:
1. flood guard (one warning, then silence for the rest of the minute);
2. oversized text is refused without touching any state;
3. commands (`/start`, `/pindah`, English aliases …) start their flow;
4. buttons (typed values, bot/platform/actions.py) must be a choice of the current step
   (its nonce), a menu button, or an action (approving a broadcast, a rating) whose handler
   checks the presser's role itself; a typed number picks the numbered choice last offered;
5. otherwise the flow in progress gets the input; with none, a typed number may answer
   the newest open poll the resident received (`idle_number`; at the menu, one they have
   not answered yet comes before the menu's numbers); at the menu or with no flow, a text
   a flow asks for by its first word (`idle_text`: "cek <claim>" checks the claim) starts
   it; else the resident gets the onboarding (newcomers) or the menu.
A flow answers a button or input through its steps table (`StepFlow`, steps.py): the
current step's handler, or the stale-button reply and a pointer to the buttons.
State is written back only when a step changed it, so bad input never alters it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from bot.dialogs import common
from bot.dialogs.turn import Turn
from bot.platform.actions import ButtonData, MenuChoice, StepChoice
from bot.platform.i18n import pick_locale
from bot.platform.messages import Incoming, Reply
from bot.services import Services

log = logging.getLogger(__name__)
Action = Callable[[Turn, Any], None]  # called with the action's own ButtonData subclass
# Flows a resident may use without consenting to the current notice: they only read,
# stop or erase data, or change the language the notice is shown in.
CONSENT_FREE = frozenset(
    {"dataku", "hapusdata", "berhenti", "bahasa", "bantuan", "batal", "undangan", "nama", "konsol"}
)
INVITATION = "inv_"  # a `/start` payload that is an invitation (bot/people/invites.py)


class Flow(Protocol):
    """One conversation (onboarding, move, stop, …), written once for every channel."""

    name: str

    def begin(self, turn: Turn, args: str) -> None:
        """Start the flow (from a command, a menu button or a deep link)."""
        ...

    def on_button(self, turn: Turn, value: str) -> None:
        """A button of the current step was pressed (or its number typed)."""
        ...

    def on_input(self, turn: Turn) -> None:
        """Text, media or anything else arrived while this flow is in progress."""
        ...


class Conversations:
    """Handles residents' private messages with the registered flows."""

    def __init__(
        self,
        svc: Services,
        flows: Mapping[str, Flow],
        commands: Mapping[str, str],
        actions: Mapping[type[ButtonData], Action] | None = None,
        idle_number: Callable[[Turn], bool] | None = None,
        idle_text: Callable[[Turn], bool] | None = None,
    ):
        """The engine over `flows` (by name), `commands` (command → flow), `actions`, and
        what takes a number, or text, typed outside any conversation (True: it answered)."""
        self.svc = svc
        self.flows = dict(flows)
        self.commands = dict(commands)
        self.actions = dict(actions or {})
        self.idle_number = idle_number
        self.idle_text = idle_text

    def handle(self, msg: Incoming) -> list[Reply]:
        """Answer one message; never raises for bad input."""
        svc = self.svc
        # the flood count, the resident and the conversation, in one round trip
        pipe = svc.redis.pipeline(transaction=False)
        counted = svc.flood.queue(msg.address, pipe)
        read = counted + svc.residents.queue_get(msg.address, pipe)
        svc.dialogs.queue_load(msg.address, pipe)
        found = pipe.execute()
        verdict = svc.flood.verdict(msg.address, found[:counted])
        if verdict == "drop":
            return []
        resident = svc.residents.got(msg.address, found[counted:read])
        held: list[Reply] = []
        if resident is not None and msg.address.platform == "wa":
            held = svc.held.release(msg.address)  # their message opens the window again
        state = svc.dialogs.loaded(found[read])
        config = svc.config.locales
        locale = (
            resident.locale
            if resident
            else (state.locale if state and state.locale else None)
            or pick_locale(msg.language_code, list(config.enabled), config.default)
        )
        turn = Turn(msg, svc, svc.translator(locale), resident, state, svc.clock.now())
        turn.replies.extend(held)
        if verdict == "warn":
            turn.say(common.flood_warning(turn))
            return turn.replies
        self._route(turn)
        if msg.address.platform == "wa" and not turn.erased:
            # WhatsApp's 24-hour window opens with every message, the consenting one included
            svc.residents.touch_inbound(msg.address, turn.now)
        if turn.changed and not turn.erased:
            self._remember_offered(turn)
            if turn.state is None:
                svc.dialogs.clear(msg.address)
            else:
                svc.dialogs.save(msg.address, turn.state)
        return turn.replies

    def _route(self, turn: Turn) -> None:
        """Send the turn to the concern it belongs to (items 2-5 above)."""
        msg = turn.msg
        if len(msg.text) > self.svc.config.limits.max_text_length:
            turn.say(common.too_long(turn, self.svc.config.limits.max_text_length))
            return
        if self._consent_outdated(turn):
            self.flows["start"].begin(turn, "")
            return
        if msg.kind == "command":
            self._command(turn, msg.command, msg.args)
            return
        if self._poll_number(turn):
            return
        data = msg.button or self._typed_choice(turn)
        if data:
            self._button(turn, data)
            return
        if self.idle_text is not None and self.idle_text(turn):
            return
        if turn.state is not None and turn.state.flow in self.flows:
            self.flows[turn.state.flow].on_input(turn)
            return
        self._idle(turn)

    def _consent_outdated(self, turn: Turn) -> bool:
        """A resident consented to an older notice and is not busy with privacy or consent."""
        resident, msg = turn.resident, turn.msg
        if resident is None or resident.consent_version == self.svc.config.privacy.notice_version:
            return False
        if turn.state is not None and turn.state.flow == "start":
            return False
        command = msg.command if msg.kind == "command" else ""
        if command and msg.args.startswith(INVITATION):
            return False  # an invitation is answered before any resident's notice
        press = ButtonData.unpack(msg.button)
        if isinstance(press, MenuChoice):
            command = press.command
        return self.commands.get(command) not in CONSENT_FREE

    def _command(self, turn: Turn, command: str, args: str) -> None:
        """Start the command's flow, or say the command is unknown."""
        flow = self.commands.get(command)
        if flow is None:
            turn.say(common.unknown_command(turn, command))
            return
        if flow == "start" and args.startswith(INVITATION) and "undangan" in self.flows:
            flow = "undangan"  # an invitation link: a role, not a subscription
        self.flows[flow].begin(turn, args)

    def _button(self, turn: Turn, data: str) -> None:
        """A menu button, a current step's choice, or an action; anything else is stale."""
        press = ButtonData.unpack(data)
        state = turn.state
        if isinstance(press, MenuChoice) and press.command in self.commands:
            self._command(turn, press.command, "")
        elif isinstance(press, StepChoice) and state is not None and state.flow in self.flows:
            if press.nonce == state.nonce:
                self.flows[state.flow].on_button(turn, press.value)
            else:
                turn.say(common.stale_button(turn))
        elif press is not None and type(press) in self.actions:
            self.actions[type(press)](turn, press)
        else:
            turn.say(common.stale_button(turn))

    def _poll_number(self, turn: Turn) -> bool:
        """At the menu (no conversation in progress), a typed number answers an open poll
        the resident received and has not answered yet: the poll came after the menu."""
        state = turn.state
        if self.idle_number is None or state is None or state.flow != "menu" or turn.msg.button:
            return False
        return self.idle_number(turn)

    @staticmethod
    def _typed_choice(turn: Turn) -> str:
        """The button data a typed number picks from the choices last offered, or ""."""
        text = turn.msg.text.strip().rstrip(".")
        if turn.msg.kind != "text" or turn.state is None or not text.isdigit():
            return ""
        number = int(text)
        offered = turn.state.offered
        return offered[number - 1] if 1 <= number <= len(offered) else ""

    def _idle(self, turn: Turn) -> None:
        """No conversation in progress: onboarding for newcomers, else the menu."""
        resident = turn.resident
        if resident is None:
            self.flows["start"].begin(turn, "")
        elif self.idle_number is not None and self.idle_number(turn):
            return
        elif turn.msg.kind == "text":
            common.show_menu(turn, common.not_understood(turn))
        else:
            common.show_menu(turn, common.unsupported_content(turn))

    @staticmethod
    def _remember_offered(turn: Turn) -> None:
        """Keep the choices of the last reply that had any, for typed numbers (a turn
        that answered nothing leaves the choices shown before as they were)."""
        if turn.state is None or not turn.replies:
            return
        for reply in reversed(turn.replies):
            if reply.choices:
                turn.state.offered = [c.data for c in reply.flat_choices]
                return
        turn.state.offered = []
