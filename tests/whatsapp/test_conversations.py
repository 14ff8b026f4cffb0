"""What only WhatsApp shows of the residents' dialogue tables (tests/support/dialogues.py,
played on both channels by tests/test_dialogs.py): lists and reply buttons, bold titles,
typed numbers as plain text, and an erasure that forgets the phone number too."""

from __future__ import annotations

import pytest

from bot.platform.addresses import Address
from bot.platform.clock import FixedClock
from bot.platform.config import Admin, Config, Roles
from bot.platform.store import Redis
from handlers.wiring import build_services
from tests.support.admins import RecordingDispatch
from tests.support.constants import BAGENDUNG
from tests.support.dialog import Table, play
from tests.support.dialogues import (
    AFTER_ERASURE,
    KOMUNITAS_DATA_ERASE,
    LANGUAGES,
    ONBOARDING_BY_BUTTONS,
)
from tests.support.dialogues import ONBOARDING_BY_NUMBERS as BY_NUMBER
from tests.support.graph import GraphAPI
from tests.support.storage import everything_in
from tests.support.webhooks import Person
from tests.support.whatsapp import WhatsAppDriver, WhatsAppWorld, whatsapp_world

NOTICE_TITLE = {"id": "*Pemberitahuan privasi*", "en": "*Privacy notice*"}

# Into Bagendung the WhatsApp ways: the poster link's prefilled text, or a typed name.
SUBSCRIBE_ON_WHATSAPP: dict[str, Table] = {
    "id": [("DAFTAR kel_3672021001", "Pemberitahuan privasi"), ("[✅]", "Kelurahan Bagendung")],
    "en": [
        ("hello", "Choose your language"),
        ("[English]", "Privacy notice"),
        ("[✅]", "Which kecamatan"),
        ("bagendung", "Kelurahan Bagendung"),
    ],
}


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_onboarding_shows_lists_reply_buttons_and_bold_titles(
    world: WhatsAppWorld, siti: Person, lang: str
) -> None:
    """Language and places are list messages, consent reply buttons; titles are bold; the
    list button is "Choose" in the resident's language."""
    await play(WhatsAppDriver(world, siti), ONBOARDING_BY_BUTTONS[lang])
    sent = world.graph.to(siti.user_id)
    assert [s.kind for s in sent] == ["list", "button", "list", "list", "list", "list"]
    assert NOTICE_TITLE[lang] in sent[1].text
    label = sent[-1].body["interactive"]["action"]["button"]
    assert label == world.channel.services.translator(lang)._("Choose")


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_typed_numbers_reach_the_core_as_plain_text(
    world: WhatsAppWorld, siti: Person, lang: str
) -> None:
    """Choices answered by their numbers are texts (and the command), never button replies."""
    await play(WhatsAppDriver(world, siti), BY_NUMBER[lang])
    assert all(m.kind in ("text", "command") for m in world.incoming)


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_hapusdata_leaves_nothing_that_mentions_the_resident(
    world: WhatsAppWorld, redis: Redis, siti: Person, lang: str
) -> None:
    """After erasure no key or value holds the resident's id or phone number, though the
    (hashed) markers of handled messages stay."""
    siti_on_whatsapp = WhatsAppDriver(world, siti)
    await play(siti_on_whatsapp, SUBSCRIBE_ON_WHATSAPP[lang] + KOMUNITAS_DATA_ERASE[lang])
    stored = everything_in(redis)
    assert any(k.startswith("kim:seen:wa:") for k in redis.scan_iter())
    assert siti.user_id not in stored
    assert str(siti.phone) not in stored
    await play(siti_on_whatsapp, AFTER_ERASURE[lang])
    assert world.channel.services.residents.get(siti_on_whatsapp.address) is None


async def test_an_admin_on_whatsapp_broadcasts(
    wa_config: Config, redis: Redis, clock: FixedClock, graph: GraphAPI, budi: Person
) -> None:
    """A KIM admin whose address is on WhatsApp broadcasts from there: her message (which,
    unlike Telegram's, has no message number to copy) becomes the announcement's text."""
    roles = Roles(admins=[Admin(id=f"wa:{budi.chat_id}", name="Bu Siti", scope=[BAGENDUNG])])
    dispatch = RecordingDispatch()
    services = build_services(wa_config.model_copy(update={"roles": roles}), redis, clock, dispatch)
    text = "Kerja bakti Minggu pagi di RW 02."
    async with whatsapp_world(services, graph) as world:
        admin = WhatsAppDriver(world, budi)
        await play(admin, [("/broadcast", "Kirim pengumumannya"), (text, "Menjangkau 0 warga")])
        await play(admin, [("[✅]", "Pengumuman #1")])
    announcement = services.announcements.get("1")
    assert announcement is not None
    assert (announcement.text, announcement.origin) == (text, Address("wa", budi.chat_id))
    assert dispatch.submitted == ["1"]
