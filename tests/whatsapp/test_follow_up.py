"""Issue 16, item 2 on WhatsApp: the follow-up question's reply buttons, pressed through the
webhook, reach the core as the requester's answer; another number's press changes nothing."""

from __future__ import annotations

from bot.desk.followup import FollowUps
from bot.desk.staff import Desk
from bot.platform.actions import FollowUp
from bot.platform.addresses import Address
from bot.platform.clock import FixedClock
from bot.platform.config import Config
from bot.platform.store import Redis
from handlers.wiring import build_services
from tests.support.admins import STAFF, RecordingDispatch, with_admins
from tests.support.dialog import play
from tests.support.webhooks import BUDI, SITI
from tests.support.whatsapp import WhatsAppDriver, whatsapp_world, with_whatsapp

SUBSCRIBE = [("DAFTAR kel_3672021001", "Pemberitahuan privasi"), ("[✅]", "Kelurahan Bagendung")]


async def test_reply_buttons_answer_the_follow_up(
    config: Config, redis: Redis, clock: FixedClock
) -> None:
    """Siti's ❌ Belum reply button asks for her note; her typed note reopens the ticket;
    Budi's forged ✅ for her ticket, and her own second press, change nothing."""
    dispatch = RecordingDispatch()
    svc = build_services(with_admins(with_whatsapp(config)), redis, clock, dispatch)
    async with whatsapp_world(svc) as world:
        siti, budi = WhatsAppDriver(world, SITI), WhatsAppDriver(world, BUDI)
        await play(siti, SUBSCRIBE)
        await play(budi, SUBSCRIBE)
        desk = Desk(svc)
        filed = desk.file(siti.address, "aspirasi", clock.now(), text="Selokan RT 03 mampet.")
        desk.staff_reply(Address.telegram(STAFF), filed, "Sudah dibersihkan.", clock.now())
        clock.advance(15 * 86400)
        assert FollowUps(desk).ask_due(clock.now()) == 1
        (asked,) = [r for to, r in dispatch.notified if to == siti.address and "selesai?" in r.text]
        no = FollowUp(filed.id, False).pack()
        assert [c.data for c in asked.flat_choices] == [FollowUp(filed.id, True).pack(), no]
        p = world.payloads
        budi.last = await world.deliver(p.button_reply(BUDI, FollowUp(filed.id, True).pack(), "✅"))
        assert "sudah tidak aktif" in budi.shown()
        siti.last = await world.deliver(p.button_reply(SITI, no, "❌ Belum"))
        assert "Apa yang belum selesai pada " + filed.id in siti.shown()
        await play(siti, [("Masih mampet setelah hujan.", "dibuka kembali")])
        reopened = svc.tickets.get(filed.id)
        assert reopened is not None
        assert (reopened.state, reopened.reopens) == ("diterima", 1)
        siti.last = await world.deliver(p.button_reply(SITI, no, "❌ Belum"))
        assert "sudah tidak aktif" in siti.shown()
        assert svc.tickets.history(filed.id)[-1].note == "Masih mampet setelah hujan."
