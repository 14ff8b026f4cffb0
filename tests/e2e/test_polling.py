"""The real bot process, long-polling the emulator: residents, join requests, broadcasts."""

from __future__ import annotations

import pytest

from bot.platform.addresses import Address
from bot.residents.records import Residents
from emulator import SimClient
from tests.support.constants import BAGENDUNG, DRINGO
from tests.support.dialogues import ONBOARDING_BY_NAMES, SUBSCRIBE, by_poster
from tests.support.people import Person
from tests.support.storage import everything_in
from tests.support.worlds import E2E

pytestmark = pytest.mark.e2e


CIWEDUS = "36.72.02.1002"  # Kelurahan Ciwedus, Kecamatan Cilegon (Kecamatan Cilegon's group)


async def onboard(p: Person) -> None:
    """Language, agree, Cilegon, Bagendung, by buttons (the shared table)."""
    await p.play(SUBSCRIBE["id"])


async def test_onboarding_by_buttons(e2e: E2E) -> None:
    """A resident subscribes by buttons and is offered Bagendung's channel."""
    async with SimClient(e2e.api) as sim:
        p = await Person.create(sim)
        await onboard(p)
        urls = [b.get("url") for row in p.last["buttons"] for b in row if b.get("url")]
        assert urls == ["https://t.me/kim_bagendung"]
    assert Residents(e2e.redis).is_subscriber(Address.telegram(p.id), BAGENDUNG)


async def test_onboarding_by_typed_name_and_deep_link(e2e: E2E) -> None:
    """Typing a local spelling works; a poster's deep link skips straight to consent."""
    async with SimClient(e2e.api) as sim:
        typist = await Person.create(sim)
        await typist.play(
            [*ONBOARDING_BY_NAMES["id"][:3], ("deringo", "Kelurahan Dringo, Kecamatan Citangkil")]
        )
        poster = await Person.create(sim, language_code="en")
        await poster.play(
            by_poster("kel_3672021002", "Kelurahan Ciwedus, Kecamatan Cilegon", "Privacy notice")
        )
    residents = Residents(e2e.redis)
    assert residents.is_subscriber(Address.telegram(typist.id), DRINGO)
    assert residents.is_subscriber(Address.telegram(poster.id), CIWEDUS)


async def test_join_request_group(e2e: E2E) -> None:
    """Kecamatan Cilegon's group admits a Ciwedus subscriber and declines a stranger."""
    async with SimClient(e2e.api) as sim:
        member = await Person.create(sim)
        await member.play(by_poster("kel_3672021002", "Kelurahan Ciwedus"))
        assert (await sim.action(member.id, "join", invite_link=e2e.group_link))[
            "status"
        ] == "requested"
        await member.wait_for("Selamat datang di grup KIM")
        stranger = await Person.create(sim)
        await sim.action(stranger.id, "join", invite_link=e2e.group_link)
        await stranger.wait_for("/start")
        chat = await sim.call("GET", f"/sim/chats/{e2e.group}")
    statuses = {
        m["user"]["id"] if "user" in m else m.get("user_id"): m["status"] for m in chat["members"]
    }
    assert statuses.get(member.id) == "member"
    assert statuses.get(stranger.id) not in ("member", "administrator")


async def test_move_stop_and_delete(e2e: E2E) -> None:
    """/pindah, /berhenti and /hapusdata over real Telegram updates; no trace afterwards."""
    async with SimClient(e2e.api) as sim:
        p = await Person.create(sim)
        await onboard(p)
        await p.play(
            [
                ("/pindah", "kecamatan mana"),
                ("kebon dalem", "Kelurahan Kebon Dalem"),
                ("/berhenti", "Berhenti menerima"),
                ("[⛔]", "tidak akan menerima pengumuman lagi"),
            ]
        )
        assert not Residents(e2e.redis).get(Address.telegram(p.id)).active  # type: ignore[union-attr]
        await p.play([("/hapusdata", "Hapus semua data"), ("[🗑]", "Semua data Anda sudah dihapus")])
    assert str(p.id) not in everything_in(e2e.redis)


async def test_admin_broadcast_reaches_everyone_once(e2e: E2E) -> None:
    """Bu Siti broadcasts to Bagendung: subscribers and the channel get it exactly once;
    a resident who blocked the bot is marked stopped; the progress message ends 'selesai'."""
    async with SimClient(e2e.api) as sim:
        residents = [await Person.create(sim) for _ in range(3)]
        for p in residents:
            await onboard(p)
        quitter = await Person.create(sim)
        await onboard(quitter)
        await sim.action(quitter.id, "block")
        await sim.call("DELETE", "/sim/deliveries")
        admin = Person(sim, {"id": e2e.admin})
        await admin.say("/broadcast")
        await admin.wait_for("Kirim pengumumannya")
        await admin.say("Posyandu balita Sabtu 08.00 di balai warga")
        await admin.wait_for("Menjangkau")
        await admin.press("✅")
        await admin.wait_for("selesai", seconds=40)
        deliveries = (await sim.call("GET", "/sim/deliveries"))["chats"]
        for p in residents:
            assert deliveries.get(str(p.id)) == 1
            got = await sim.messages(p.id, from_bot=1)
            assert got[-1]["text"] == "Posyandu balita Sabtu 08.00 di balai warga"
        assert deliveries.get(str(e2e.channel)) == 1
    assert not Residents(e2e.redis).get(Address.telegram(quitter.id)).active  # type: ignore[union-attr]
