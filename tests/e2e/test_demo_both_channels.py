"""`kimbot demo` end to end: a WhatsApp and a Telegram resident subscribe to the same
kelurahan; one broadcast reaches each of them, and the kelurahan's channel, exactly once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest

from emulator.whatsapp.client import WaSimClient
from tests.support.dialogues import BAGENDUNGS_POSTER
from tests.support.people import Person, body
from tests.support.press import find_label

pytestmark = pytest.mark.e2e
TEXT = "Pemeriksaan kesehatan gratis Sabtu 08.00 di balai RW 03."


async def test_one_broadcast_reaches_whatsapp_and_telegram_once(
    demo: tuple[str, dict[str, Any]],
) -> None:
    """Subscribe one resident on each platform, broadcast, count what each received."""
    api, world = demo
    async with WaSimClient(api) as sim:
        tg = await Person.create(sim, "Rina")
        await tg.play(BAGENDUNGS_POSTER)

        wa_user = await sim.wa_user("Joko (WhatsApp)")
        wa = str(wa_user["user_id"] or wa_user["wa_id"])
        await sim.wa_send(wa, "DAFTAR kel_3672021001")
        consent = await _wait_wa(sim, wa, lambda m: bool(m.get("buttons")))
        titles = [str(b.get("title", "")) for b in consent["buttons"]]
        await sim.wa_press(wa, title=titles[find_label(titles, "✅")])
        await _wait_wa(sim, wa, lambda m: "Kelurahan Bagendung" in str(m.get("text")))

        admin = Person(sim, {"id": world["admin"]})
        await admin.say("/broadcast")
        await admin.wait_for("Kirim pengumumannya")
        await admin.say(TEXT)
        await admin.wait_for("Menjangkau")
        await admin.press("✅")
        report = await admin.wait_for("selesai", seconds=60)
        assert "gagal 0" in body(report)

        await _wait_wa(sim, wa, lambda m: TEXT in str(m.get("text")))
        await asyncio.sleep(1.0)  # anything sent twice would have arrived by now
        tg_copies = [m for m in await sim.messages(tg.id, from_bot=1) if body(m) == TEXT]
        wa_copies = [
            m for m in await sim.wa_messages(wa, from_business=1) if TEXT in str(m.get("text"))
        ]
        channel_posts = [m for m in await sim.messages(world["channel"]) if body(m) == TEXT]
        assert (len(tg_copies), len(wa_copies), len(channel_posts)) == (1, 1, 1)
        assert wa_copies[0]["type"] == "text"  # inside the 24-hour window: no template


async def _wait_wa(
    sim: WaSimClient, ref: str, matches: Callable[[dict[str, Any]], bool], seconds: float = 30
) -> dict[str, Any]:
    """The first message the business sent `ref` that `matches`, waiting up to `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for message in await sim.wa_messages(ref, from_business=1):
            if matches(message):
                return message
        await asyncio.sleep(0.2)
    raise AssertionError(f"no matching WhatsApp message for {ref}")
