"""A poll end to end through `kimbot demo` (real bot, real worker, emulator on both
channels): the superadmin asks Bagendung and Ciwedus; residents on Telegram and WhatsApp
answer (one changes their answer); the admin's results per kelurahan are right; closing
sends each respondent their kelurahan's results beside the whole city's."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from emulator.whatsapp.client import WaSimClient
from tests.support.dialogues import BAGENDUNGS_POSTER, by_poster
from tests.support.people import Person, body
from tests.support.wa_people import WaPerson, shown

pytestmark = pytest.mark.e2e
QUESTION = "Di mana halte baru sebaiknya dibangun?"
CIWEDUS_POSTER = "kel_3672021002"


async def pick_targets(sim: WaSimClient, admin: Person, *names: str) -> None:
    """Select each kelurahan by name, turning the target pages (one message, edited in
    place) as needed, then go on."""

    async def pressed(label: str) -> None:
        before = admin.last.get("edit_count", 0)
        await admin.press(label)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            (fresh,) = [
                m
                for m in await sim.messages(admin.id, from_bot=1)
                if m["message_id"] == admin.last["message_id"]
            ]
            if fresh.get("edit_count", 0) > before:
                admin.last = fresh
                return
            await asyncio.sleep(0.1)
        raise AssertionError(f"pressing {label!r} did not change the targets")

    for name in names:
        for _page in range(30):
            if any(name in label for label in admin.choice_labels()):
                break
            await pressed("Berikutnya ›")
        await pressed(name)
    await admin.press("Lanjut")


async def test_a_poll_to_two_kelurahan_on_both_channels(
    demo: tuple[str, dict[str, Any]],
) -> None:
    """Compose, deliver, answer on Telegram and WhatsApp, read the results, close, and every
    respondent gets their kelurahan's results."""
    api, world = demo
    async with WaSimClient(api) as sim:
        rina = await Person.create(sim, "Rina")
        await rina.play(BAGENDUNGS_POSTER)
        eko = await Person.create(sim, "Eko")
        await eko.play(by_poster(CIWEDUS_POSTER, "Kelurahan Ciwedus"))
        joko = await WaPerson.create(sim, "Joko (WhatsApp)")
        await joko.play(
            [(f"DAFTAR {CIWEDUS_POSTER}", "Pemberitahuan privasi"), ("[✅]", "Ciwedus")]
        )

        boss = Person(sim, {"id": world["superadmin"]})
        await boss.say("/jajak")
        await boss.wait_for("Kirim pertanyaan")
        await boss.say(QUESTION)
        await boss.wait_for("Bagaimana warga menjawab?")
        await boss.press("🔢")
        await boss.wait_for("satu per baris")
        await boss.say("Depan pasar\nDepan sekolah\nDepan puskesmas")
        await boss.wait_for("jawaban sendiri")
        await boss.press("Tidak")
        await boss.wait_for("Siapa yang ditanya?")
        await pick_targets(sim, boss, "Bagendung", "Ciwedus")
        await boss.wait_for("Kapan jajak pendapat ditutup?")
        await boss.press("1 hari")
        await boss.wait_for("Ingatkan sekali")
        await boss.press("Tidak")
        check = await boss.wait_for("Warga akan melihat")
        assert "1. Depan pasar" in body(check)
        await boss.press("✅")
        await boss.wait_for("selesai", seconds=90)

        await rina.wait_for(QUESTION, seconds=60)
        await rina.press("Depan pasar")  # answered by a toast: no message to wait for
        await eko.wait_for(QUESTION, seconds=60)
        await eko.press("Depan puskesmas")
        await asyncio.sleep(1.0)
        await eko.press("Depan sekolah")  # changed his mind: the tally follows
        poll = await joko.wait_for(QUESTION, seconds=60)
        assert poll.get("buttons"), poll  # three short answers: reply buttons
        await joko.press("Depan pasar")
        await joko.wait_for("Jawaban Anda untuk jajak pendapat")

        await asyncio.sleep(1.0)
        await boss.say("/jajak hasil")
        await boss.wait_for("Jajak pendapat terbaru")
        await boss.press("📊 #1")
        view = body(await boss.wait_for("3 menjawab dari"))
        assert "67% · Depan pasar (2)" in view
        assert "33% · Depan sekolah (1)" in view
        assert "Ciwedus: 2/2 (100%)" in view
        await boss.press("Tutup sekarang")
        await boss.wait_for("Ditutup")

        mine = body(await rina.wait_for("Hasil jajak pendapat", seconds=90))
        assert "Bagendung\n1 menjawab dari" in mine
        assert "100% · Depan pasar (1)" in mine
        assert "67% · Depan pasar (2)" in mine  # the whole city, below
        theirs = body(await eko.wait_for("Hasil jajak pendapat", seconds=90))
        assert "Ciwedus\n2 menjawab dari 2 yang terjangkau (100%)." in theirs
        assert "50% · Depan sekolah (1)" in theirs
        results = await joko.wait_for("Hasil jajak pendapat", seconds=90)
        assert "Ciwedus" in shown(results)
        budi = Person(sim, {"id": world["residents"]["budi"]})  # got the poll, never answered
        await asyncio.sleep(2.0)
        got = [m for m in await sim.messages(budi.id, from_bot=1) if "Hasil jajak" in body(m)]
        assert got == []
