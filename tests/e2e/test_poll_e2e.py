"""A poll end to end through `kimbot demo` (real bot, real worker, emulator on both
channels): the superadmin asks Bagendung and Ciwedus; residents on Telegram and WhatsApp
answer (one changes their answer); the admin's results per kelurahan are right; closing
sends each respondent their kelurahan's results beside the whole city's."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from emulator.whatsapp.client import WaSimClient
from tests.support.dialogues import BAGENDUNGS_POSTER, by_poster
from tests.support.people import Person, body
from tests.support.press import find_label
from tests.support.processes import start_demo

pytestmark = pytest.mark.e2e
QUESTION = "Di mana halte baru sebaiknya dibangun?"
CIWEDUS_POSTER = "kel_3672021002"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, Any]]]:
    """`kimbot demo` on free ports with its own data directory; yields (URL, seeded world)."""
    tmp: Path = tmp_path_factory.mktemp("poll-demo")
    process, url = start_demo(tmp)
    world = json.loads((tmp / "data" / "demo-world.json").read_text())
    yield url, world
    process.stop()


async def wa_wait(
    sim: WaSimClient, ref: str, matches: Callable[[dict[str, Any]], bool], seconds: float = 60
) -> dict[str, Any]:
    """The newest message the business sent `ref` that `matches`, waiting up to `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        messages: list[dict[str, Any]] = await sim.wa_messages(ref, from_business=1)
        for message in reversed(messages):
            if matches(message):
                return message
        await asyncio.sleep(0.2)
    raise AssertionError(f"no matching WhatsApp message for {ref}")


async def wa_resident(sim: WaSimClient, name: str, poster: str) -> str:
    """A WhatsApp resident who subscribed from a poster's link; their reference."""
    user = await sim.wa_user(name)
    ref = str(user["user_id"] or user["wa_id"])
    await sim.wa_send(ref, f"DAFTAR {poster}")
    consent = await wa_wait(sim, ref, lambda m: bool(m.get("buttons")))
    titles = [str(b.get("title", "")) for b in consent["buttons"]]
    await sim.wa_press(ref, title=titles[find_label(titles, "✅")])
    await wa_wait(sim, ref, lambda m: "Kelurahan" in str(m.get("text")))
    return ref


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
        joko = await wa_resident(sim, "Joko (WhatsApp)", CIWEDUS_POSTER)

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
        poll = await wa_wait(sim, joko, lambda m: QUESTION in str(m.get("text") or m))
        assert poll.get("buttons"), poll  # three short answers: reply buttons
        await sim.wa_press(joko, title="Depan pasar")
        await wa_wait(sim, joko, lambda m: "Jawaban Anda untuk jajak pendapat" in str(m))

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
        results = await wa_wait(sim, joko, lambda m: "Hasil jajak pendapat" in str(m), 90)
        assert "Ciwedus" in str(results)
        budi = Person(sim, {"id": world["residents"]["budi"]})  # got the poll, never answered
        await asyncio.sleep(2.0)
        got = [m for m in await sim.messages(budi.id, from_bot=1) if "Hasil jajak" in body(m)]
        assert got == []
