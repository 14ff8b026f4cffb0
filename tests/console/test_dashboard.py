"""The dashboard page: the figures of the viewer's scope, linked to their lists, with
server-drawn charts."""

from __future__ import annotations

import re

from bot.platform.addresses import Address
from bot.platform.clock import FixedClock
from bot.services import Services
from tests.support.admins import KELURAHAN_ADMIN, STAFF, SUPERADMIN
from tests.support.console import Client, sign_in
from tests.support.constants import BAGENDUNG, DRINGO


def seed(services: Services, clock: FixedClock) -> None:
    """Three subscribers in Bagendung (one on WhatsApp), two in Dringo; a ticket in each."""
    for chat, village in ((1, BAGENDUNG), (2, BAGENDUNG), (3, DRINGO), (4, DRINGO)):
        who = Address.telegram(chat)
        services.residents.consent(who, "id", "v1", clock.now())
        services.residents.subscribe(who, village, clock.now())
    wa = Address.whatsapp("6281311112222")
    services.residents.consent(wa, "su", "v1", clock.now())
    services.residents.subscribe(wa, BAGENDUNG, clock.now())
    for chat, village in ((1, BAGENDUNG), (3, DRINGO)):
        services.tickets.create(
            Address.telegram(chat),
            "aspirasi",
            clock.now(),
            clock.now() + 86400,
            text="Jalan berlubang",
            topic="infrastruktur",
            village=village,
        )


def numbers(html: str) -> list[str]:
    """The big figures of the page, in order."""
    return re.findall(r'<span class="value">([^<]+)</span>', html)


async def test_a_superadmin_sees_the_whole_deployment(
    client: Client, services: Services, clock: FixedClock
) -> None:
    """Five subscribers, four on Telegram and one on WhatsApp, two open tickets; the
    ticket figures link to the desk with their filter; charts are inline SVG."""
    seed(services, clock)
    await sign_in(client, services, Address.telegram(SUPERADMIN))
    html = await (await client.get("/console/")).text()
    assert "Seluruh wilayah layanan" in html
    assert numbers(html)[:3] == ["5", "4", "1"]
    assert 'href="/console/meja?state=open"' in html
    assert 'href="/console/meja?due=overdue"' in html
    assert html.count("<svg") >= 5
    assert "<script" not in html
    assert "Bagendung" in html
    assert "Dringo" in html


async def test_a_kelurahan_admin_sees_only_their_kelurahan(
    client: Client, services: Services, clock: FixedClock
) -> None:
    """Bu Siti's dashboard counts Bagendung only, and names no other kelurahan's figures."""
    seed(services, clock)
    await sign_in(client, services, Address.telegram(KELURAHAN_ADMIN))
    html = await (await client.get("/console/")).text()
    assert "Wilayah Anda: 1 kelurahan/desa" in html
    assert numbers(html)[:3] == ["3", "2", "1"]
    assert "Dringo" not in html
    assert "/console/audit" not in html  # no audit trail for her
    assert "Klaim yang paling sering dicek" not in html


async def test_staff_see_every_region_in_english(
    client: Client, services: Services, clock: FixedClock
) -> None:
    """Staff answer every kelurahan: their dashboard is the whole deployment's."""
    seed(services, clock)
    await sign_in(client, services, Address.telegram(STAFF))
    html = await (await client.get("/console/bahasa/en", params={"next": "/console/"})).text()
    assert "The whole deployment" in html
    assert "Open tickets by topic" in html
    assert numbers(html)[:1] == ["5"]
