"""The desk end to end: a resident files an aspirasi and a hoax check, staff answer in
the staff group, and the resident receives both (real bot, real worker, emulator)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from emulator import SimClient
from tests.e2e.conftest import E2E
from tests.support.people import Person, body, press_on

pytestmark = pytest.mark.e2e


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


async def press_on_card(
    sim: SimClient, user: int, card: dict[str, Any], label: str, chat: int
) -> None:
    """Press a button of a card in a group, as the card shows now (it is edited)."""
    fresh = next(m for m in await sim.messages(chat) if m["message_id"] == card["message_id"])
    await press_on(sim, user, fresh, label, chat)


async def test_aspirasi_and_hoax_answered_from_the_staff_group(e2e: E2E) -> None:
    """Aspirasi: claim, answer by reply. Hoax: verdict, explanation by reply. Both reach her."""
    async with SimClient(e2e.api) as sim:
        warga = await Person.create(sim, "Siti")
        await warga.start("kel_3672021001")
        await warga.wait_for("Pemberitahuan privasi")
        await warga.press("✅")
        await warga.wait_for("Kelurahan Bagendung")
        await warga.say("/aspirasi")
        await warga.wait_for("Apa yang ingin Anda kirim?")
        await warga.press("Pengaduan")
        await warga.wait_for("Tentang topik apa?")
        await warga.press("Kesehatan")
        await warga.wait_for("Tuliskan dalam satu pesan")
        await warga.say("Antrean di Puskesmas Bagendung sangat panjang setiap Senin pagi.")
        await warga.wait_for("Anda dapat menambahkan foto")
        await warga.press("Lanjut")
        await warga.wait_for("secara anonim?")
        await warga.press("Anonim")
        await warga.wait_for("Periksa sebelum mengirim")
        await warga.press("Kirim")
        filed = await warga.wait_for("Nomor laporan Anda ASP-")
        asp = body(filed).split("Nomor laporan Anda ")[1].split(".")[0]

        card = await card_for(sim, e2e.desk, asp)
        assert str(warga.id) not in body(card)
        await press_on_card(sim, e2e.staff, card, "Tangani", e2e.desk)
        await warga.wait_for(f"Laporan Anda {asp} sedang ditangani")
        await press_on_card(sim, e2e.staff, card, "Jawab", e2e.desk)
        await sim.send(
            e2e.staff,
            "Mulai pekan depan loket pendaftaran dibuka pukul 07.00.",
            chat_id=e2e.desk,
            reply_to_message_id=card["message_id"],
        )
        answer = await warga.wait_for(f"Jawaban atas laporan Anda {asp}")
        assert "loket pendaftaran dibuka pukul 07.00" in body(answer)

        await warga.say("/cekhoaks")
        await warga.wait_for("Kirim atau teruskan pesan")
        await warga.say(
            "Beredar pesan: mulai besok KTP warga Cilegon diblokir kalau tidak daftar ulang "
            "di kelurahan."
        )
        await warga.wait_for("Diterima (1)")
        await warga.press("🔎")
        filed = await warga.wait_for("Nomor laporan Anda HKS-")
        hks = body(filed).split("Nomor laporan Anda ")[1].split(".")[0]
        card = await card_for(sim, e2e.desk, hks)
        await press_on_card(sim, e2e.staff, card, "Putusan", e2e.desk)
        await asyncio.sleep(0.5)
        await press_on_card(sim, e2e.staff, card, "hoaks", e2e.desk)
        await sim.send(
            e2e.staff,
            "Tidak ada kebijakan pemblokiran KTP di Cilegon.\nhttps://turnbackhoax.id/ktp-cilegon",
            chat_id=e2e.desk,
            reply_to_message_id=card["message_id"],
        )
        verdict = await warga.wait_for(f"Hasil cek fakta {hks}: [HOAKS]")
        assert "turnbackhoax.id/ktp-cilegon" in body(verdict)
