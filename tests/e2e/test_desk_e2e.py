"""The desk end to end: a resident files an aspirasi and a hoax check, staff answer in
the staff group, and the resident receives both (real bot, real worker, emulator)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from emulator import SimClient
from tests.support.dialogues import ASPIRASI, BAGENDUNGS_POSTER
from tests.support.people import Person, body, press_on
from tests.support.staff_group import (
    bot_says_in_group,
    card_for,
    press_on_card,
    reply_to_card,
    report_number,
)
from tests.support.worlds import E2E

pytestmark = pytest.mark.e2e


async def filed(warga: Person, kind: str) -> str:
    """The report number (ASP-…, HKS-…) the resident is told once a report is sent."""
    return report_number(body(await warga.wait_for(f"Nomor laporan Anda {kind}-")))


async def staff_answer(sim: SimClient, e2e: E2E, card: dict[str, Any], text: str) -> None:
    """Staff reply to a card in the staff group: what the resident is sent."""
    await reply_to_card(sim, e2e.staff, e2e.desk, card, text)


async def test_aspirasi_and_hoax_answered_from_the_staff_group(e2e: E2E) -> None:
    """Aspirasi: claim, answer by reply. Hoax: verdict, the explanation (a link in it) by a
    reply to the card and the source by a reply to the bot's prompt, ✅ Send on the
    preview. Both reach her."""
    async with SimClient(e2e.api) as sim:
        warga = await Person.create(sim, "Siti")
        await warga.play(BAGENDUNGS_POSTER)
        await warga.play(ASPIRASI)
        await warga.press("Kirim")
        asp = await filed(warga, "ASP")

        card = await card_for(sim, e2e.desk, asp)
        assert str(warga.id) not in body(card)
        await press_on_card(sim, e2e.staff, card, "Tangani", e2e.desk)
        await warga.wait_for(f"Laporan Anda {asp} sedang ditangani")
        await press_on_card(sim, e2e.staff, card, "Jawab", e2e.desk)
        await staff_answer(
            sim, e2e, card, "Mulai pekan depan loket pendaftaran dibuka pukul 07.00."
        )
        answer = await warga.wait_for(f"Jawaban atas laporan Anda {asp}")
        assert "loket pendaftaran dibuka pukul 07.00" in body(answer)

        await warga.play(
            [
                ("/cekhoaks", "Kirim atau teruskan pesan"),
                (
                    "Beredar pesan: mulai besok KTP warga Cilegon diblokir kalau tidak daftar "
                    "ulang di kelurahan.",
                    "Diterima (1)",
                ),
            ]
        )
        await warga.press("🔎")
        hks = await filed(warga, "HKS")
        card = await card_for(sim, e2e.desk, hks)
        await press_on_card(sim, e2e.staff, card, "Putusan", e2e.desk)
        await asyncio.sleep(0.5)
        await press_on_card(sim, e2e.staff, card, "hoaks", e2e.desk)
        explanation = "Tidak ada pemblokiran KTP, aturannya di https://cilegon.go.id/ktp saja."
        await staff_answer(sim, e2e, card, explanation)
        asked = await bot_says_in_group(sim, e2e.desk, "Tanpa sumber", card["message_id"])
        # staff answer the bot's prompt rather than the card: that counts for the card too
        await reply_to_card(sim, e2e.staff, e2e.desk, asked, "https://turnbackhoax.id/ktp-cilegon")
        preview = await bot_says_in_group(sim, e2e.desk, "Pratinjau", asked["message_id"])
        assert explanation in body(preview)
        await press_on(sim, e2e.staff, preview, "Kirim", e2e.desk)
        verdict = await warga.wait_for(f"Hasil cek fakta {hks}: [HOAKS]")
        assert explanation in body(verdict)
        assert "Sumber: https://turnbackhoax.id/ktp-cilegon" in body(verdict)
        await bot_says_in_group(sim, e2e.desk, "Terkirim", asked["message_id"])
