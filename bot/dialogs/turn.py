"""One turn of a conversation: what came in, who sent it, and what to answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.platform.actions import StepChoice
from bot.platform.i18n import Translator
from bot.platform.messages import Choice, Incoming, Reply
from bot.residents.dialog_state import DialogState, new_nonce
from bot.residents.records import Resident
from bot.services import Services


@dataclass
class Turn:
    """The context a flow step works in.

    A step reads `msg`, `resident` and `state`, moves the conversation with `goto` or
    `end`, and answers with `say`. Buttons made with `button` carry the current step's
    nonce, so make them after `goto`.
    """

    msg: Incoming
    svc: Services
    tr: Translator
    resident: Resident | None
    state: DialogState | None
    now: float
    replies: list[Reply] = field(default_factory=list)
    changed: bool = False
    erased: bool = False

    @property
    def address(self) -> Any:
        """The sender's address."""
        return self.msg.address

    def say(self, reply: Reply) -> None:
        """Queue a reply to the sender."""
        self.replies.append(reply)

    def goto(self, flow: str, step: str, **data: Any) -> DialogState:
        """Move to `step` of `flow`, keeping the conversation's data and adding `data`."""
        kept = self.state.data if self.state and self.state.flow == flow else {}
        locale = self.state.locale if self.state else None
        self.state = DialogState(flow, step, new_nonce(), locale, {**kept, **data})
        self.changed = True
        return self.state

    def keep(self, **data: Any) -> None:
        """Add `data` to the current step without moving: the buttons it showed (their
        nonce, and the numbers that pick them) stay valid. For input that gets no reply."""
        state = self.require_state()
        state.data = {**state.data, **data}
        self.changed = True

    def require_state(self) -> DialogState:
        """The conversation's state, which every step handler runs with."""
        if self.state is None:
            raise RuntimeError("a conversation step ran without a conversation state")
        return self.state

    def end(self) -> None:
        """The conversation is over."""
        self.state = None
        self.changed = True

    def button(self, label: str, value: str) -> Choice:
        """A button for the current step."""
        nonce = self.state.nonce if self.state else "x"
        return Choice(label, StepChoice(nonce, value).pack())

    def set_locale(self, locale: str) -> None:
        """Speak `locale` from now on in this conversation."""
        self.tr = self.svc.translator(locale)
        if self.state is not None:
            self.state.locale = locale
            self.changed = True
