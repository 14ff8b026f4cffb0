"""Announcements to WhatsApp subscribers: the 24-hour window, templates, the daily budget."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from bot.announcements.store import Announcement
from bot.platform.addresses import Address
from bot.platform.clock import FixedClock
from bot.platform.config import Config, Template
from bot.platform.store import Redis
from bot.services import Services
from broadcasts.limiter import RateLimiter, Rates
from handlers.whatsapp.budget import DailyBudget
from handlers.whatsapp.delivery import WhatsAppDelivery
from handlers.whatsapp.send import CloudAPI
from handlers.whatsapp.tracking import apply_status, tally
from handlers.wiring import build_services
from tests.support.constants import BAGENDUNG, WA_PHONE_NUMBER_ID
from tests.support.graph import GraphAPI
from tests.support.whatsapp import SETTINGS

TEXT = "Pengumuman: pemadaman listrik\nSabtu 09.00-12.00 di RW 03."


@pytest.fixture
def bc_services(wa_config: Config, redis: Redis, clock: FixedClock) -> Services:
    """WhatsApp with the announcement template configured."""
    whatsapp = wa_config.whatsapp.model_copy(
        update={"announcement_template": Template(name="kim_pengumuman", language="id")}
    )
    return build_services(wa_config.model_copy(update={"whatsapp": whatsapp}), redis, clock)


@pytest.fixture
async def delivery(bc_services: Services, graph: GraphAPI) -> AsyncIterator[WhatsAppDelivery]:
    """The WhatsApp side of a batch, on the recording Graph API, with a budget of 2."""
    session = httpx.AsyncClient(transport=graph.transport())
    sender = CloudAPI.connect(SETTINGS, WA_PHONE_NUMBER_ID, session, retry_delays=(0.01,))
    limiter = RateLimiter(bc_services.redis, int(WA_PHONE_NUMBER_ID), Rates(per_second=1000))
    yield WhatsAppDelivery(
        bc_services, sender, limiter, DailyBudget(bc_services.redis, WA_PHONE_NUMBER_ID, 2)
    )
    await sender.aclose()


def resident(services: Services, chat: str, wrote_at: float | None) -> str:
    """A WhatsApp subscriber of Bagendung who last wrote at `wrote_at` (None: never)."""
    address = Address("wa", chat)
    services.residents.consent(address, "id", "v1", 1.0)
    services.residents.subscribe(address, BAGENDUNG, 2.0)
    if wrote_at is not None:
        services.residents.touch_inbound(address, wrote_at)
    return str(address)


def planned(services: Services) -> Announcement:
    """An announcement to Bagendung, planned."""
    store = services.announcements
    ann = store.create(None, [BAGENDUNG], 1.0, text=TEXT)
    store.move(ann.id, "sending", ["queued"])
    store.plan(ann.id)
    found = store.get(ann.id)
    assert found is not None
    return found


async def test_window_decides_between_message_and_template(
    bc_services: Services, delivery: WhatsAppDelivery, graph: GraphAPI
) -> None:
    """In the window: a normal text. Outside: the template, the text as its parameter."""

    recent = resident(bc_services, "ID.1000001", bc_services.clock.now() - 3600)
    old = resident(bc_services, "ID.1000002", bc_services.clock.now() - 3 * 86400)
    ann = planned(bc_services)
    stats = await delivery.deliver(ann, bc_services.announcements.addresses(ann.id, 0, 10))
    assert (stats.sent, stats.templates, stats.failed) == (2, 1, 0)
    (inside,) = graph.to(recent[3:])
    assert (inside.kind, inside.text) == ("text", TEXT)
    (outside,) = graph.to(old[3:])
    assert outside.kind == "template"
    assert outside.body["template"]["name"] == "kim_pengumuman"
    param = outside.body["template"]["components"][0]["parameters"][0]["text"]
    assert "\n" not in param
    assert "Sabtu 09.00-12.00" in param


async def test_131047_falls_back_to_the_template(
    bc_services: Services, delivery: WhatsAppDelivery, graph: GraphAPI
) -> None:
    """The window we thought open was closed: the API says 131047; the template goes."""

    chat = resident(bc_services, "ID.1000003", bc_services.clock.now() - 600)
    graph.failures.append((400, 131047))
    ann = planned(bc_services)
    stats = await delivery.deliver(ann, bc_services.announcements.addresses(ann.id, 0, 10))
    assert (stats.sent, stats.templates) == (1, 1)
    assert [s.kind for s in graph.to(chat[3:])] == ["text", "template"]


async def test_daily_budget_defers_the_rest(
    bc_services: Services, delivery: WhatsAppDelivery, graph: GraphAPI
) -> None:
    """Budget 2: two templates go, the third waits and the batch says when to resume."""
    chats = [resident(bc_services, f"ID.200000{i}", None) for i in range(3)]
    ann = planned(bc_services)
    stats = await delivery.deliver(ann, bc_services.announcements.addresses(ann.id, 0, 10))
    assert (stats.sent, stats.deferred) == (2, 1)
    assert stats.resume_at > 0
    pending = bc_services.announcements.pending(ann.id, chats)
    assert len(pending) == 1
    again = await delivery.deliver(ann, bc_services.announcements.addresses(ann.id, 0, 10))
    assert (again.sent, again.deferred) == (0, 1)  # still no room; nobody sent twice
    assert len(graph.sent) == 2


async def test_statuses_reach_the_ledger(
    bc_services: Services, delivery: WhatsAppDelivery, graph: GraphAPI, redis: Redis
) -> None:
    """The message ids WhatsApp returns let later status webhooks find their recipient."""

    resident(bc_services, "ID.1000004", bc_services.clock.now())
    ann = planned(bc_services)
    await delivery.deliver(ann, bc_services.announcements.addresses(ann.id, 0, 10))
    message_id = "wamid.out1"  # the stand-in numbers its message ids from 1
    assert apply_status(redis, bc_services.announcements, message_id, "read", None) == ann.id
    assert tally(redis, ann.id) == {"read": 1}


async def test_stopped_and_missing_residents_are_not_sent_to(
    bc_services: Services, delivery: WhatsAppDelivery, graph: GraphAPI
) -> None:
    """A resident who stopped after planning counts as blocked, nothing is sent."""
    chat = resident(bc_services, "ID.1000005", None)
    ann = planned(bc_services)
    bc_services.residents.stop(Address.parse(chat), 3.0)
    stats = await delivery.deliver(ann, bc_services.announcements.addresses(ann.id, 0, 10))
    assert (stats.blocked, len(graph.sent)) == (1, 0)


async def test_persistent_rate_limits_defer_instead_of_failing(
    bc_services: Services, delivery: WhatsAppDelivery, graph: GraphAPI
) -> None:
    """130429 and 131056 that outlast the retries leave the recipient pending, not failed."""
    chats = [resident(bc_services, f"ID.300000{i}", bc_services.clock.now()) for i in range(2)]
    graph.failures += [(400, 130429)] * 2 + [(400, 131056)] * 2
    ann = planned(bc_services)
    stats = await delivery.deliver(ann, bc_services.announcements.addresses(ann.id, 0, 10))
    assert (stats.failed, stats.deferred) == (0, 2)
    assert stats.resume_at > bc_services.clock.now()
    assert bc_services.announcements.pending(ann.id, chats) == chats


async def test_a_photo_is_uploaded_once_and_sent_before_the_text(
    bc_services: Services, graph: GraphAPI, tmp_path: object
) -> None:
    """The operator's photo goes to WhatsApp once (media upload), then by id to everyone."""
    from pathlib import Path

    from emulator import make_png

    poster = Path(str(tmp_path)) / "poster.png"
    poster.write_bytes(make_png(8, 8))
    chats = [resident(bc_services, f"ID.400000{i}", bc_services.clock.now()) for i in range(2)]
    store = bc_services.announcements
    ann = store.create(None, [BAGENDUNG], 1.0, text=TEXT, media=f"path:{poster}")
    store.move(ann.id, "sending", ["queued"])
    store.plan(ann.id)
    planned_ann = store.get(ann.id)
    assert planned_ann is not None
    uploads: list[bytes] = []

    async def upload(data: bytes, mime: str, name: str) -> str:
        uploads.append(data)
        return "9876543210"

    session = httpx.AsyncClient(transport=graph.transport())
    sender = CloudAPI.connect(SETTINGS, WA_PHONE_NUMBER_ID, session, retry_delays=(0.01,))
    sender.upload = upload  # type: ignore[method-assign]
    limiter = RateLimiter(bc_services.redis, int(WA_PHONE_NUMBER_ID), Rates(per_second=1000))
    budget = DailyBudget(bc_services.redis, WA_PHONE_NUMBER_ID, 100)
    delivery = WhatsAppDelivery(bc_services, sender, limiter, budget)
    try:
        stats = await delivery.deliver(planned_ann, store.addresses(ann.id, 0, 10))
    finally:
        await sender.aclose()
    assert (stats.sent, len(uploads)) == (2, 1)
    for chat in chats:
        kinds = [s.kind for s in graph.to(chat[3:])]
        assert kinds == ["image", "text"]


async def test_a_poll_goes_as_buttons_inside_the_window_and_numbered_outside(
    bc_services: Services, delivery: WhatsAppDelivery, graph: GraphAPI
) -> None:
    """A poll's announcement: inside the window the resident's own message with its answers
    as reply buttons (a list with more than three); outside, the template carrying the
    question with its numbered answers, so that a typed number answers it."""
    recent = resident(bc_services, "ID.1000011", bc_services.clock.now() - 3600)
    old = resident(bc_services, "ID.1000012", bc_services.clock.now() - 3 * 86400)
    now = bc_services.clock.now()
    for options, other in ((["Depan pasar", "Depan sekolah"], False), (["A", "B", "C"], True)):
        poll = bc_services.polls.create(
            question="Di mana halte baru?",
            options=options,
            scale=False,
            other=other,
            targets=[BAGENDUNG],
            admin="tg:9",
            now=now,
            closes_at=now + 86400,
        )
        store = bc_services.announcements
        ann = store.create(None, [BAGENDUNG], now, text=poll.question, poll=poll.id, purpose="poll")
        store.move(ann.id, "sending", ["queued"])
        store.plan(ann.id)
        fresh = store.get(ann.id)
        assert fresh is not None
        stats = await delivery.deliver(fresh, store.addresses(ann.id, 0, 10))
        assert (stats.sent, stats.failed) == (2, 0)
    buttons, listed = graph.to(recent[3:])
    assert buttons.body["interactive"]["type"] == "button"
    titles = [b["reply"]["title"] for b in buttons.body["interactive"]["action"]["buttons"]]
    assert titles == ["Depan pasar", "Depan sekolah"]
    assert buttons.body["interactive"]["action"]["buttons"][0]["reply"]["id"] == "a.poll.1.1"
    assert "1. Depan pasar" in buttons.body["interactive"]["body"]["text"]
    assert listed.body["interactive"]["type"] == "list"
    rows = listed.body["interactive"]["action"]["sections"][0]["rows"]
    assert [r["id"] for r in rows] == ["a.poll.2.1", "a.poll.2.2", "a.poll.2.3", "a.poll.2.0"]
    first, second = graph.to(old[3:])
    assert (first.kind, second.kind) == ("template", "template")
    param = second.body["template"]["components"][0]["parameters"][0]["text"]
    assert "1. A · 2. B · 3. C · 4. Lainnya (tulis jawaban sendiri)" in param
