"""Acting as WhatsApp users in e2e tests, through the emulator's WhatsApp user API, by what
they see: texts, reply buttons, list rows and numbered lists (`Person`'s twin).

`WaPerson.play` plays a dialogue table (`tests.support.dialog`) against the real bot: each
answer is awaited until a business message shows what the table expects.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from emulator.whatsapp.client import WaSimClient
from tests.support.dialog import Table, play_live
from tests.support.people import WAIT
from tests.support.press import find_label
from tests.support.whatsapp import numbered


def shown(message: dict[str, Any]) -> str:
    """What a business message shows: its text or caption (a template's rendered text)."""
    template = message.get("template") or {}
    return str(message.get("text") or template.get("text") or "")


def choices(message: dict[str, Any]) -> list[dict[str, Any]]:
    """A message's reply buttons or list rows (`id`, `title`, maybe `description`)."""
    rows = [row for s in (message.get("list") or {}).get("sections", []) for row in s["rows"]]
    return list(message.get("buttons") or rows)


class WaPerson:
    """One WhatsApp user of the emulator; remembers which business messages it has read."""

    def __init__(self, sim: WaSimClient, user: dict[str, Any]) -> None:
        self.sim = sim
        self.ref = str(user["user_id"] or user["wa_id"])
        self.read: set[int] = set()
        self.last: dict[str, Any] = {}

    @classmethod
    async def create(cls, sim: WaSimClient, name: str = "Warga WA") -> WaPerson:
        """A new user (with a business-scoped id, as the bot addresses them)."""
        return cls(sim, await sim.wa_user(name))

    @property
    def address(self) -> str:
        """The person's chat, as config.yaml and the bot name it."""
        return f"wa:{self.ref}"

    async def messages(self) -> list[dict[str, Any]]:
        """Everything the business sent the person so far."""
        return await self.sim.wa_messages(self.ref, from_business=1)

    async def wait_for(self, text: str, seconds: float = WAIT) -> dict[str, Any]:
        """The first unread business message whose text contains `text`."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for message in await self.messages():
                if int(message["seq"]) not in self.read and text in shown(message):
                    self.read.add(int(message["seq"]))
                    self.last = message
                    return message
            await asyncio.sleep(0.1)
        raise AssertionError(f"{self.ref} never saw {text!r}; last: {shown(self.last)!r}")

    async def _mark_read(self) -> None:
        self.read |= {int(m["seq"]) for m in await self.messages()}

    async def say(self, text: str) -> None:
        """Type a message (or a command)."""
        await self._mark_read()
        await self.sim.wa_send(self.ref, text)

    async def press(self, label: str) -> None:
        """Press the reply button or pick the list row `label` means on the last message
        waited for; a numbered list's choice is typed."""
        offered = choices(self.last)
        if not offered:
            await self.say(str(find_label(numbered(shown(self.last)), label) + 1))
            return
        names = [str(c.get("description") or c["title"]) for c in offered]
        choice = offered[find_label(names, label)]
        await self._mark_read()
        if self.last.get("buttons"):
            await self.sim.wa_press(self.ref, id=choice["id"])
        else:
            await self.sim.wa_pick(self.ref, id=choice["id"])

    def choice_labels(self) -> list[str]:
        """The last message's choices, numbered as the resident sees them."""
        return numbered(shown(self.last))

    async def play(self, table: Table) -> None:
        """Do each table action, then wait for the business message it expects."""
        await play_live(self, table)
