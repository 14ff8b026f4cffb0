"""Issue 14 on WhatsApp: an invitation opened with `DAFTAR inv_…` (the wa.me link's text),
accepted with a reply button; the profile name from the webhook's contacts is kept."""

from __future__ import annotations

import re

from bot.dialogs import build_conversations
from bot.platform.addresses import Address
from bot.platform.clock import FixedClock
from bot.platform.config import Config
from bot.platform.store import Redis
from handlers.wiring import build_services
from tests.support.admins import SUPERADMIN, RecordingDispatch, with_admins
from tests.support.constants import BAGENDUNG, WA_BUSINESS_NUMBER
from tests.support.dialog import Resident, play
from tests.support.graph import GraphAPI
from tests.support.webhooks import Person
from tests.support.whatsapp import WhatsAppDriver, whatsapp_world


async def test_a_whatsapp_user_accepts_an_invitation(
    wa_config: Config, redis: Redis, clock: FixedClock, graph: GraphAPI, budi: Person
) -> None:
    """The superadmin's link (wa.me with DAFTAR inv_…) opens the invitation on WhatsApp;
    ✅ Terima makes Budi the admin of Bagendung, under his WhatsApp profile name."""
    dispatch = RecordingDispatch()
    services = build_services(with_admins(wa_config), redis, clock, dispatch)
    boss = Resident(build_conversations(services), chat_id=SUPERADMIN, language_code="id")
    boss.send("/undang")
    boss.press("Admin kelurahan")
    boss.press("Cilegon")
    boss.press("Bagendung")
    boss.press("Buat tautan")
    link = re.search(rf"https://wa\.me/{WA_BUSINESS_NUMBER}\?text=DAFTAR%20(inv_\S+)", boss.said())
    assert link is not None
    async with whatsapp_world(services, graph) as world:
        budi_on_wa = WhatsAppDriver(world, budi)
        await play(
            budi_on_wa,
            [
                (f"DAFTAR {link.group(1)}", "mengundang Anda menjadi admin KIM Kelurahan"),
                ("[Terima]", "Sekarang Anda admin KIM Kelurahan Bagendung"),
            ],
        )
    address = Address("wa", budi.chat_id)
    assert services.roles.scope(address) == [BAGENDUNG]
    assert services.roles.admin_name(address) == budi.name
