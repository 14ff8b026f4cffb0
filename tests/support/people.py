"""Acting as Telegram users in e2e tests, by what they see: texts and button labels.

`Person.play` plays a dialogue table (`tests.support.dialog`) against the real bot: each
answer is awaited until a bot message shows what the table expects.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from emulator import SimClient
from tests.support.dialog import Table, play_live
from tests.support.press import find_label

WAIT = 20.0


def body(message: dict[str, Any]) -> str:
    """What a message shows: text or caption."""
    return str(message.get("text") or message.get("caption") or "")


def labels(message: dict[str, Any]) -> list[str]:
    """The labels of a message's inline buttons, in reading order."""
    return [str(b.get("text", "")) for row in message.get("buttons") or [] for b in row]


async def press_on(
    sim: SimClient, user: int, message: dict[str, Any], label: str, chat: int | None = None
) -> None:
    """Press, as `user`, the button of `message` (in `chat`, else their own) meant by `label`."""
    buttons = [b for row in message.get("buttons") or [] for b in row]
    button = buttons[find_label(labels(message), label)]
    assert "callback_data" in button, f"{label!r} is a link, not a button: {button}"
    where = {} if chat is None else {"chat_id": chat}
    await sim.press(user, int(message["message_id"]), data=button["callback_data"], **where)


class Person:
    """One user of the emulator; remembers which bot messages (and edits) it has read."""

    def __init__(self, sim: SimClient, user: dict[str, Any]) -> None:
        self.sim = sim
        self.id = int(user["id"])
        self.read: set[tuple[int, int]] = set()
        self.last: dict[str, Any] = {}

    @classmethod
    async def create(cls, sim: SimClient, name: str = "Warga", language_code: str = "id") -> Person:
        """A new user."""
        return cls(sim, await sim.create_user(name, language_code=language_code))

    async def _mark_read(self) -> None:
        """Count every bot message (and edit) so far as read."""
        for message in await self.sim.messages(self.id, from_bot=1):
            self.read.add((int(message["message_id"]), int(message["edit_count"] or 0)))

    async def wait_for(self, text: str, seconds: float = WAIT) -> dict[str, Any]:
        """The first unread bot message (or edit) whose text contains `text`."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for message in await self.sim.messages(self.id, from_bot=1):
                key = (int(message["message_id"]), int(message["edit_count"] or 0))
                if key not in self.read and text in body(message):
                    self.read.add(key)
                    self.last = message
                    return message
            await asyncio.sleep(0.1)
        raise AssertionError(f"user {self.id} never saw {text!r}; last: {body(self.last)!r}")

    async def say(self, text: str) -> None:
        """Type a message (or a command)."""
        await self._mark_read()
        await self.sim.send(self.id, text)

    async def start(self, payload: str | None = None) -> None:
        """Open the bot, or a deep link."""
        await self._mark_read()
        await self.sim.start(self.id, payload=payload)

    async def press(self, label: str) -> None:
        """Press the button `label` means on the last message waited for."""
        await self._mark_read()
        await press_on(self.sim, self.id, self.last, label)

    def choice_labels(self) -> list[str]:
        """The last message's button labels, in reading order."""
        return labels(self.last)

    async def play(self, table: Table) -> None:
        """Do each table action, then wait for the bot's message that says what it expects."""
        await play_live(self, table)
