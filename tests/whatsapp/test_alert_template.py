"""Early warnings on WhatsApp: outside the 24-hour window, the approved alert template."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from bot.platform.addresses import Address
from bot.platform.clock import FixedClock
from bot.platform.config import Config, Template
from bot.platform.store import Redis
from bot.services import Services
from broadcasts.limiter import RateLimiter, Rates
from handlers.whatsapp.budget import DailyBudget
from handlers.whatsapp.delivery import WhatsAppDelivery
from handlers.whatsapp.send import CloudAPI
from handlers.wiring import build_services
from tests.support.constants import BAGENDUNG, WA_PHONE_NUMBER_ID
from tests.support.graph import GraphAPI
from tests.support.whatsapp import SETTINGS

WARNING = "⚠️ PERINGATAN DINI\nBanjir di Bagendung\nDi mana: Bagendung, Kec. Cilegon"


@pytest.fixture
def wa_services(wa_config: Config, redis: Redis, clock: FixedClock) -> Services:
    """WhatsApp with both an announcement and an alert template."""
    whatsapp = wa_config.whatsapp.model_copy(
        update={
            "announcement_template": Template(name="kim_pengumuman", language="id"),
            "alert_template": Template(name="kim_peringatan_dini", language="id"),
        }
    )
    return build_services(wa_config.model_copy(update={"whatsapp": whatsapp}), redis, clock)


@pytest.fixture
async def delivery(wa_services: Services, graph: GraphAPI) -> AsyncIterator[WhatsAppDelivery]:
    """The WhatsApp side of a batch, on the recording Graph API."""
    session = httpx.AsyncClient(transport=graph.transport())
    sender = CloudAPI.connect(SETTINGS, WA_PHONE_NUMBER_ID, session, retry_delays=(0.01,))
    limiter = RateLimiter(wa_services.redis, int(WA_PHONE_NUMBER_ID), Rates(per_second=1000))
    budget = DailyBudget(wa_services.redis, WA_PHONE_NUMBER_ID, 100)
    yield WhatsAppDelivery(wa_services, sender, limiter, budget)
    await sender.aclose()


async def test_outside_the_window_an_alert_goes_as_the_alert_template(
    wa_services: Services, delivery: WhatsAppDelivery, graph: GraphAPI
) -> None:
    """A resident who wrote an hour ago gets the warning as text; one who wrote three days
    ago gets `whatsapp.alert_template` (not the announcements'), the warning its parameter."""
    now = wa_services.clock.now()
    addresses = []
    for chat, wrote in (("ID.2000001", now - 3600), ("ID.2000002", now - 3 * 86400)):
        address = Address("wa", chat)
        wa_services.residents.consent(address, "id", "v1", 1.0)
        wa_services.residents.subscribe(address, BAGENDUNG, 2.0)
        wa_services.residents.touch_inbound(address, wrote)
        addresses.append(address)
    store = wa_services.announcements
    ann = store.create(None, [BAGENDUNG], 1.0, text=WARNING, alert="1")
    store.move(ann.id, "sending", ["queued"])
    store.plan(ann.id)
    found = store.get(ann.id)
    assert found is not None
    stats = await delivery.deliver(found, addresses)
    assert (stats.sent, stats.templates, stats.failed) == (2, 1, 0)
    (inside,) = graph.to("ID.2000001")
    assert (inside.kind, inside.text) == ("text", WARNING)
    (outside,) = graph.to("ID.2000002")
    assert outside.kind == "template"
    assert outside.body["template"]["name"] == "kim_peringatan_dini"
    param = outside.body["template"]["components"][0]["parameters"][0]["text"]
    assert "Banjir di Bagendung" in param
    assert "Bagendung, Kec. Cilegon" in param


async def test_a_batch_told_to_stop_sends_no_more(
    wa_services: Services, delivery: WhatsAppDelivery, graph: GraphAPI
) -> None:
    """A bulk batch yielding to an early warning (or cancelled) leaves its recipients
    pending, sending nothing more."""
    address = Address("wa", "ID.2000003")
    wa_services.residents.consent(address, "id", "v1", 1.0)
    wa_services.residents.subscribe(address, BAGENDUNG, 2.0)
    wa_services.residents.touch_inbound(address, wa_services.clock.now())
    store = wa_services.announcements
    ann = store.create(None, [BAGENDUNG], 1.0, text="Kerja bakti")
    store.move(ann.id, "sending", ["queued"])
    store.plan(ann.id)
    found = store.get(ann.id)
    assert found is not None
    delivery.should_stop = lambda: True
    stats = await delivery.deliver(found, [address])
    assert (stats.sent, stats.deferred) == (0, 0)
    assert graph.to("ID.2000003") == []
    assert store.pending(ann.id, [str(address)]) == [str(address)]
