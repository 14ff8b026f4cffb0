"""Issue 16, item 3, through the real aiogram handlers: the desks' staff groups and forum
topics are served, /antrian lists a topic's desk, a press from another desk's member is
refused, and a card with a topic is sent into it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage

from bot.desk.staff import Desk
from bot.dialogs import Conversations, build_conversations
from bot.platform.actions import TicketAction
from bot.platform.clock import FixedClock
from bot.platform.config import Config, Office, StaffMember
from bot.platform.messages import Reply
from bot.platform.store import Redis
from bot.services import Services
from emulator import Emulator, SimClient
from handlers.telegram.link import TelegramLink
from handlers.telegram.outbound import TelegramSender
from handlers.telegram.render import Press, send_reply
from tests.support.admins import RecordingDispatch
from tests.support.constants import BOT_SPEC, BOT_TOKEN, CILEGON
from tests.support.telegram import TelegramWorld
from tests.test_desk_routing import (
    CILEGON_STAFF,
    CLAIMED,
    DINKES_STAFF,
    KECAMATAN_GROUP,
    desks,
    file,
    fresh,
    services_with,
    subscribed,
)

EMULATOR_PORT = 18731  # fixed, inside the port range this test was written to keep to


@pytest.fixture
def svc(config: Config, redis: Redis, clock: FixedClock, dispatch: RecordingDispatch) -> Services:
    """Two desks beside the default one (tests/test_desk_routing.py)."""
    return services_with(config, redis, clock, dispatch, desks())


@pytest.fixture
def conv(svc: Services) -> Conversations:
    """The engine."""
    return build_conversations(svc)


@pytest.fixture
async def world(svc: Services) -> AsyncIterator[TelegramWorld]:
    """The real dispatcher on a recording Bot API session."""
    w = TelegramWorld(svc)
    yield w
    await w.aclose()


async def test_the_desk_groups_are_served_in_their_topics(
    world: TelegramWorld, svc: Services, conv: Conversations
) -> None:
    """Through the aiogram handlers: /antrian in topic 5 lists Kec. Cilegon's tickets into
    that topic; its member's ✋ on its card edits the card; another desk's member's press
    there is refused with a toast and changes nothing; a queued card with a topic is sent
    into it."""
    me = subscribed(conv, 7101)
    health = file(svc, me, "kesehatan")
    road = file(svc, me, "infrastruktur")
    group = int(KECAMATAN_GROUP.chat_id)
    member = world.updates.user(CILEGON_STAFF)
    await world.feed(world.updates.group_message(member, group, "/antrian", thread=5))
    (listing,) = world.session.of(SendMessage)
    assert (listing.chat_id, listing.message_thread_id) == (group, 5)
    assert road.id in listing.text
    assert health.id not in listing.text
    claim = Press(d=TicketAction("claim", road.id).pack()).pack()
    outsider = world.updates.user(DINKES_STAFF)
    await world.feed(world.updates.group_press(outsider, group, claim, 300))
    assert world.session.of(AnswerCallbackQuery)[-1].text == "Tiket ini milik desk lain."
    assert fresh(svc, road.id).state == "diterima"
    await world.feed(world.updates.group_press(member, group, claim, 300))
    assert world.session.of(AnswerCallbackQuery)[-1].text == CLAIMED
    (edited,) = world.session.of(EditMessageText)
    assert (edited.chat_id, edited.message_id) == (group, 300)
    assert fresh(svc, road.id).claimed_by == f"tg:{CILEGON_STAFF}"
    await world.feed(world.updates.group_message(member, -100404, "/antrian"))  # no desk's
    assert len(world.session.of(SendMessage)) == 1
    await send_reply(world.bot, group, Desk(svc).card(fresh(svc, road.id), svc.clock.now()))
    assert world.session.of(SendMessage)[-1].message_thread_id is None
    await send_reply(world.bot, group, Reply(text="kartu", thread=5))
    assert world.session.of(SendMessage)[-1].message_thread_id == 5


async def test_a_reloaded_desk_group_is_served_at_once(
    world: TelegramWorld, svc: Services, conv: Conversations
) -> None:
    """A desk added to the configuration in effect (as a reload does) has its group
    served at the next update, without a new dispatcher."""
    road = file(svc, subscribed(conv, 7201), "infrastruktur")
    group = -100333
    member = world.updates.user(7204)
    await world.feed(world.updates.group_message(member, group, "/antrian"))
    assert world.session.of(SendMessage) == []
    added = Office(
        id="pupr", name="Dinas PUPR", topics=["infrastruktur"], group=f"tg:{group}",
        members=[StaffMember(id="tg:7204")],
    )  # fmt: skip
    offices = [*svc.config.desk.desks, added]
    svc.config = svc.config.model_copy(
        update={"desk": svc.config.desk.model_copy(update={"desks": offices})}
    )
    svc.roles.config = svc.config
    await world.feed(world.updates.group_message(member, group, "/antrian"))
    (listing,) = world.session.of(SendMessage)
    assert listing.chat_id == group
    assert road.id not in listing.text  # still Kec. Cilegon's: routed when it was filed


async def test_a_desks_card_reaches_its_forum_topic_on_the_emulator(
    config: Config, redis: Redis, clock: FixedClock, dispatch: RecordingDispatch
) -> None:
    """The outbound sender against the Bot API emulator: a desk's card goes into its forum
    topic and is edited there in place the next time; the group's General gets nothing."""
    async with (
        Emulator(tokens=[BOT_SPEC], port=EMULATOR_PORT) as emu,
        SimClient(emu.base_url) as sim,
    ):
        admin = await sim.create_user("Admin")
        rights = {"admin": True, "rights": {"can_manage_topics": True}}
        forum = await sim.create_chat(
            "supergroup", "Staf Kecamatan", admin["id"], is_forum=True, bots=[rights]
        )
        topic = await sim.call("POST", f"/sim/chats/{forum['id']}/topics", {"name": "Cilegon"})
        thread = int(topic["message_thread_id"])
        office = Office(
            id="kec-cilegon", name="Kecamatan Cilegon", kecamatan=[CILEGON],
            group=f"tg:{forum['id']}", thread=thread,
        )  # fmt: skip
        svc = services_with(config, redis, clock, dispatch, [office])
        road = file(svc, subscribed(build_conversations(svc), 7301), "infrastruktur")
        ((to, card),) = [(a, r) for a, r in dispatch.notified if r.card_of == road.id]
        sender = TelegramSender(svc, TelegramLink(BOT_TOKEN, emu.base_url))
        try:
            assert await sender.notify(to, card) == "sent"
            posted = fresh(svc, road.id)
            assert posted.card_chat == str(forum["id"])
            claimed = Desk(svc).card(posted, clock.now())
            assert await sender.notify(to, claimed) == "edited"
        finally:
            await sender.aclose()
        (message,) = await sim.messages(forum["id"], from_bot=1)
        assert message["message_id"] == posted.card_message
        assert message["message_thread_id"] == thread
        assert road.id in message["text"]
