"""Dialogue tables: a resident's side of a conversation with the core, and its checks.

A table is a list of (resident does, bot answers) pairs:
- "/cmd args" sends a command, "[Label]" presses the button Label means (`tests.support.press`),
  "<photo>", "<sticker>", "<voice>", "<location>" send that kind of message, anything
  else is typed text;
- the expected answer is a substring of the bot's replies (title, text, notice and
  button labels joined), or "" for no reply at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.dialogs import Conversations
from bot.platform.addresses import Address
from bot.platform.messages import Incoming, MediaRef, Reply
from tests.support.press import find_label

KINDS = {"<photo>", "<sticker>", "<voice>", "<location>", "<document>", "<contact>"}


@dataclass
class Resident:
    """One person chatting with the bot."""

    conversations: Conversations
    chat_id: int = 1001
    language_code: str | None = "id"
    last: list[Reply] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)

    @property
    def address(self) -> Address:
        """The resident's chat."""
        return Address.telegram(self.chat_id)

    def send(self, action: str) -> list[Reply]:
        """Do one thing, as the table syntax describes."""
        if action.startswith("[") and action.endswith("]"):
            return self.press(action[1:-1])
        return self.deliver(self.incoming(action))

    def incoming(self, action: str) -> Incoming:
        """The Incoming for a table action (not a button)."""
        a, lang = self.address, self.language_code
        if action in KINDS:
            kind = action.strip("<>")
            media = MediaRef(kind, "file-1") if kind in ("photo", "document") else None  # type: ignore[arg-type]
            return Incoming(a, kind, media=media, language_code=lang)  # type: ignore[arg-type]
        if action.startswith("/"):
            command, _, args = action[1:].partition(" ")
            return Incoming(
                a, "command", text=action, command=command, args=args, language_code=lang
            )
        return Incoming(a, "text", text=action, language_code=lang)

    def press(self, label: str) -> list[Reply]:
        """Press the button of the newest choices that `label` means."""
        _, data = self.buttons[find_label([text for text, _ in self.buttons], label)]
        return self.press_data(data)

    def press_data(self, data: str) -> list[Reply]:
        """Press a button by its raw data (old, forged, or current)."""
        return self.deliver(
            Incoming(self.address, "button", button=data, language_code=self.language_code)
        )

    def deliver(self, msg: Incoming) -> list[Reply]:
        """Hand the core any Incoming; remember the answer and its buttons."""
        self.last = self.conversations.handle(msg)
        for reply in self.last:
            if reply.choices:
                self.buttons = [(c.label, c.data) for c in reply.flat_choices]
        return self.last

    def said(self) -> str:
        """Everything the last answer showed, as one string."""
        return render(self.last)


def render(replies: list[Reply]) -> str:
    """Replies as one searchable string."""
    parts: list[str] = []
    for r in replies:
        parts += [r.title, r.text, r.notice]
        parts += [c.label for c in r.flat_choices]
        parts += [f"{link.label} <{link.url}>" for link in r.links]
    return "\n".join(p for p in parts if p)


def verify_dialog(resident: Resident, table: list[tuple[str, str]]) -> None:
    """Play a table; fail at the first answer that does not contain what it should."""
    for step, (action, expected) in enumerate(table, 1):
        resident.send(action)
        said = resident.said()
        if expected == "":
            assert said == "", f"step {step} {action!r}: expected silence, got {said!r}"
        else:
            assert expected in said, f"step {step} {action!r}: {expected!r} not in:\n{said}"
