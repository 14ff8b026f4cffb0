"""Dialogue tables: a resident's side of a conversation, the checks, and the drivers.

A table is a list of (resident does, bot answers) pairs:
- "[Label]" presses the button `Label` means (`tests.support.press`); "#Label" types that
  choice's number, as residents may on any channel; "<photo>", "<sticker>", "<voice>",
  "<location>", "<document>", "<contact>" send that kind of message; anything else
  ("/cmd args" included) is typed;
- the answer is a substring of all the bot showed in return, or "" for no reply at all.

`play` plays a table on any `Driver`: `TelegramDriver` here (the core as the Telegram
channel hands it messages) or `tests.support.whatsapp.WhatsAppDriver` (signed webhooks in,
Graph API messages out). Core-only tests play tables on a `Resident` with `verify_dialog`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from bot.dialogs import Conversations
from bot.platform.addresses import Address
from bot.platform.messages import Incoming, MediaRef, Reply
from bot.services import Services
from tests.support.press import find_label

KINDS = {"<photo>", "<sticker>", "<voice>", "<location>", "<document>", "<contact>"}
Table = list[tuple[str, str]]


def parse(action: str) -> tuple[Literal["press", "number", "say"], str]:
    """What a table action asks for: ("press", label), ("number", label) or ("say", text)."""
    if action.startswith("[") and action.endswith("]"):
        return "press", action[1:-1]
    if action.startswith("#") and len(action) > 1:
        return "number", action[1:]
    return "say", action


def check(step: int, action: str, expected: str, said: str) -> None:
    """Fail unless the answer to step `step` says `expected` ("": says nothing)."""
    if expected == "":
        assert said == "", f"step {step} {action!r}: expected silence, got {said!r}"
    else:
        assert expected in said, f"step {step} {action!r}: {expected!r} not in:\n{said}"


class Driver(Protocol):
    """A resident on one channel, as dialogue tables drive them."""

    channel: str

    @property
    def address(self) -> Address:
        """The resident's chat."""
        ...

    @property
    def services(self) -> Services:
        """The core behind the channel."""
        ...

    async def say(self, text: str) -> None:
        """Type `text` (a command too), or send a "<kind>" message."""

    async def press(self, label: str) -> None:
        """Press the newest choice `label` means."""

    async def type_number(self, label: str) -> None:
        """Type the number of the newest choice `label` means."""

    def shown(self) -> str:
        """Everything the bot's answer to the last action showed, as one string."""
        ...


async def play(driver: Driver, table: Table) -> None:
    """Play a table; fail at the first answer that does not say what it should."""
    for step, (action, expected) in enumerate(table, 1):
        how, value = parse(action)
        if how == "press":
            await driver.press(value)
        elif how == "number":
            await driver.type_number(value)
        else:
            await driver.say(value)
        check(step, action, expected, driver.shown())


@dataclass
class Resident:
    """One person chatting with the core, on a Telegram address."""

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
        how, value = parse(action)
        if how == "press":
            return self.press(value)
        if how == "number":
            return self.type_number(value)
        return self.deliver(self.incoming(value))

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

    def type_number(self, label: str) -> list[Reply]:
        """Type the number of the newest choice `label` means (the core numbers them)."""
        number = find_label([text for text, _ in self.buttons], label) + 1
        return self.deliver(self.incoming(str(number)))

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


def verify_dialog(resident: Resident, table: Table) -> None:
    """Play a table on the core; fail at the first answer that does not say what it should."""
    for step, (action, expected) in enumerate(table, 1):
        resident.send(action)
        check(step, action, expected, resident.said())


@dataclass
class TelegramDriver:
    """A Telegram resident as the core sees them: `tg:` address, the app's language (None:
    the app tells none, as on WhatsApp). tests/test_telegram.py drives the aiogram adapter."""

    resident: Resident
    channel: str = "telegram"

    @property
    def address(self) -> Address:
        """The resident's chat."""
        return self.resident.address

    @property
    def services(self) -> Services:
        """The core behind the channel."""
        return self.resident.conversations.svc

    async def say(self, text: str) -> None:
        """Type `text` (a command too), or send a "<kind>" message."""
        self.resident.deliver(self.resident.incoming(text))

    async def press(self, label: str) -> None:
        """Press the newest choice `label` means."""
        self.resident.press(label)

    async def type_number(self, label: str) -> None:
        """Type the number of the newest choice `label` means."""
        self.resident.type_number(label)

    def shown(self) -> str:
        """Everything the core's last answer showed (titles, texts, notices, labels, links)."""
        return self.resident.said()


class LivePerson(Protocol):
    """Someone in the emulator, on either platform, as the end-to-end tables drive them."""

    async def say(self, text: str) -> Any:
        """Send `text`."""

    async def press(self, label: str) -> None:
        """Press the choice `label` means on the last message waited for."""

    async def wait_for(self, text: str, seconds: float = ...) -> dict[str, Any]:
        """The first unread bot message containing `text`."""
        ...

    def choice_labels(self) -> list[str]:
        """The last message's choices in the order a resident would number them."""
        ...


async def play_live(person: LivePerson, table: Table) -> None:
    """Do each table action, then wait for the bot's message that says what it expects."""
    for action, expected in table:
        assert expected, f"{action!r}: silence cannot be awaited end to end"
        how, value = parse(action)
        if how == "press":
            await person.press(value)
        elif how == "number":
            await person.say(str(find_label(person.choice_labels(), value) + 1))
        else:
            await person.say(value)
        await person.wait_for(expected)
