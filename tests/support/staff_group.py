"""The desk end to end, as people see it in the emulator: the report number a resident is
told, the staff group's card of a ticket, its buttons and replies to it."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from emulator import SimClient
from tests.support.people import body, press_on


async def card_for(
    sim: SimClient, desk: int, ticket_id: str, seconds: float = 20
) -> dict[str, Any]:
    """The bot's card for a ticket in the staff group."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for message in await sim.messages(desk, from_bot=1):
            if body(message).startswith(f"🗂 {ticket_id}"):
                return message
        await asyncio.sleep(0.2)
    raise AssertionError(f"no card for {ticket_id} in the staff group")


async def bot_says_in_group(
    sim: SimClient, chat: int, text: str, after: int = 0, seconds: float = 20
) -> dict[str, Any]:
    """The bot's newest message in a group (after message id `after`) that contains `text`,
    as it shows now (a preview is edited when a button on it is pressed)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for message in reversed(await sim.messages(chat, from_bot=1)):
            if message["message_id"] > after and text in body(message):
                return message
        await asyncio.sleep(0.2)
    raise AssertionError(f"the bot did not say {text!r} in the group")


async def press_on_card(
    sim: SimClient, user: int, card: dict[str, Any], label: str, chat: int
) -> None:
    """Press a button of a card in a group, as the card shows now (it is edited)."""
    fresh = next(m for m in await sim.messages(chat) if m["message_id"] == card["message_id"])
    await press_on(sim, user, fresh, label, chat)


async def reply_to_card(
    sim: SimClient, staff: int, desk: int, card: dict[str, Any], text: str
) -> None:
    """A staff member replies to a card in the staff group: what the resident is sent."""
    await sim.send(staff, text, chat_id=desk, reply_to_message_id=card["message_id"])


def report_number(told: str) -> str:
    """The report number (ASP-…, HKS-…) in what a resident is told once a report is sent."""
    return told.split("Nomor laporan Anda ")[1].split(".")[0]
