"""Delivering announcements through the Telegram Bot API emulator: every error class."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram import Bot

from bot.announcements.store import Announcement
from bot.platform.addresses import Address
from bot.platform.clock import FixedClock
from bot.platform.config import Chat, Config
from bot.platform.store import Redis
from bot.polls.messages import personal_replies
from bot.services import Services
from broadcasts.limiter import RateLimiter, Rates
from emulator import Emulator, RateLimits, SimClient, make_png
from handlers.telegram.bulk import MIGRATED, BulkSender
from handlers.telegram.bulkapi import BulkApi
from handlers.wiring import build_services
from tests.support.constants import BAGENDUNG, BOT_ID, BOT_SPEC, BOT_TOKEN
from tests.support.stand_in import running_emulator


class World:
    """The emulator, a user-side client, the bot on it, and the core on real Redis."""

    def __init__(
        self, emu: Emulator, sim: SimClient, services: Services, bot: Bot, api: BulkApi
    ) -> None:
        self.emu, self.sim, self.services, self.bot, self.api = emu, sim, services, bot, api

    async def resident(self, village: str = BAGENDUNG, *, started: bool = True) -> int:
        """A subscribed resident who has (or has not) opened the bot."""
        user = await self.sim.create_user("Warga", language_code="id")
        if started:
            await self.sim.start(user["id"])
        address = Address.telegram(user["id"])
        self.services.residents.consent(address, "id", "v1", 1.0)
        self.services.residents.subscribe(address, village, 2.0)
        return int(user["id"])

    def announcement(self, **fields: Any) -> Announcement:
        """A queued announcement to Bagendung, moved to sending and planned."""
        store = self.services.announcements
        fields.setdefault("text", "Posyandu Sabtu pukul 08.00")
        ann = store.create(Address.telegram(1), [BAGENDUNG], 1.0, **fields)
        store.move(ann.id, "sending", ["queued"], started_at=1.0)
        store.plan(ann.id)
        found = store.get(ann.id)
        assert found is not None
        return found

    def sender(self, bot: Bot, rate: float = 1000.0) -> BulkSender:
        """A sender at `rate` messages per second, through the bulk client on the
        emulator `bot` talks to."""
        limiter = RateLimiter(self.services.redis, BOT_ID, Rates(per_second=rate))
        return BulkSender(
            self.api,
            self.services.announcements,
            self.services.residents,
            limiter,
            personal=lambda ann, recipients: personal_replies(self.services, ann, recipients),
        )

    async def deliveries(self) -> dict[str, int]:
        """Messages the emulator delivered, per chat."""
        result: dict[str, Any] = await self.sim.call("GET", "/sim/deliveries")
        return {k: int(v) for k, v in result["chats"].items()}

    async def fault(self, **body: Any) -> None:
        """Inject a fault into the emulator."""
        await self.sim.call("POST", "/sim/faults", body)


def generous() -> RateLimits:
    """Emulator limits that do not get in the way of correctness tests."""
    return RateLimits(global_per_second=1000, private_per_second=100, private_burst=100)


@pytest.fixture
async def world(services: Services) -> AsyncIterator[World]:
    """A fresh emulator with the test bot (limits out of the way), its clients, the core."""
    async with running_emulator(tokens=[BOT_SPEC], limits=generous()) as (emu, sim, bot):
        api = BulkApi(BOT_TOKEN, emu.base_url)
        try:
            yield World(emu, sim, services, bot, api)
        finally:
            await api.close()


@pytest.fixture
def bot(world: World) -> Bot:
    """The bot, pointed at the emulator."""
    return world.bot


async def test_each_resident_once_and_a_rerun_sends_nothing(world: World, bot: Bot) -> None:
    """Five residents get it once; blocked, never-started and deactivated ones are stopped."""
    ok = [await world.resident() for _ in range(5)]
    blocked = await world.resident()
    await world.sim.action(blocked, "block")
    never = await world.resident(started=False)
    gone = await world.resident()
    await world.sim.call("POST", f"/sim/users/{gone}/deactivate", {"deactivated": True})
    ann = world.announcement()
    stats = await world.sender(bot).deliver(
        ann, world.services.announcements.addresses(ann.id, 0, 100)
    )
    assert (stats.sent, stats.blocked, stats.failed) == (5, 3, 0)
    delivered = await world.deliveries()
    assert all(delivered[str(chat)] == 1 for chat in ok)
    for chat in (blocked, never, gone):
        assert not world.services.residents.get(Address.telegram(chat)).active  # type: ignore[union-attr]
    again = await world.sender(bot).deliver(
        ann, world.services.announcements.addresses(ann.id, 0, 100)
    )
    assert (again.sent, again.blocked, again.failed) == (0, 0, 0)
    assert await world.deliveries() == delivered
    assert world.services.announcements.finish(ann.id, 5.0)


async def test_429_is_waited_out_and_never_a_failure(world: World, bot: Bot) -> None:
    """Two 429 answers: the sender pauses, retries, and everyone gets it once."""
    chats = [await world.resident() for _ in range(3)]
    await world.fault(kind="429", count=2, retry_after=1)
    ann = world.announcement()
    stats = await world.sender(bot).deliver(
        ann, world.services.announcements.addresses(ann.id, 0, 10)
    )
    assert (stats.sent, stats.failed, stats.http_429) == (3, 0, 2)
    delivered = await world.deliveries()
    assert [delivered[str(c)] for c in chats] == [1, 1, 1]


async def test_server_errors_are_retried(world: World, bot: Bot) -> None:
    """500 and 502 answers are retried with backoff, then delivered."""
    await world.resident()
    await world.fault(kind="500", count=1)
    await world.fault(kind="502", count=1)
    ann = world.announcement()
    stats = await world.sender(bot).deliver(
        ann, world.services.announcements.addresses(ann.id, 0, 10)
    )
    assert (stats.sent, stats.failed, stats.retries) == (1, 0, 2)


async def test_long_text_is_split(world: World, bot: Bot) -> None:
    """A 5,000-character announcement arrives as two messages, none over 4096."""
    chat = await world.resident()
    ann = world.announcement(text="x" * 5000)
    stats = await world.sender(bot).deliver(
        ann, world.services.announcements.addresses(ann.id, 0, 10)
    )
    assert stats.sent == 1
    received = await world.sim.messages(chat, from_bot=1)
    assert [len(m["text"]) for m in received] == [4096, 904]


async def test_copy_keeps_the_admins_message(world: World, bot: Bot) -> None:
    """copyMessage re-sends the admin's own message, formatting and all."""
    admin = await world.sim.create_user("Admin")
    await world.sim.start(admin["id"])
    sent = await world.sim.send(admin["id"], "Pengumuman *penting*")
    chat = await world.resident()
    ann = world.announcement(
        origin=Address.telegram(admin["id"]), origin_message=sent["message"]["message_id"]
    )
    await world.sender(bot).deliver(ann, world.services.announcements.addresses(ann.id, 0, 10))
    received = await world.sim.messages(chat, from_bot=1)
    assert received[-1]["text"] == "Pengumuman *penting*"


async def test_photo_is_uploaded_once(world: World, bot: Bot, tmp_path: Any) -> None:
    """The first recipient gets the upload; the rest get its file_id."""
    path = tmp_path / "poster.png"
    path.write_bytes(make_png(8, 8))
    chats = [await world.resident() for _ in range(3)]
    ann = world.announcement(media=f"path:{path}", text="Poster")
    stats = await world.sender(bot).deliver(
        ann, world.services.announcements.addresses(ann.id, 0, 10)
    )
    assert stats.sent == 3
    stored = world.services.announcements.get(ann.id)
    assert stored is not None
    assert stored.refs["tg"]  # Telegram's file id of the one upload
    for chat in chats:
        assert (await world.sim.messages(chat, from_bot=1))[-1]["caption"] == "Poster"


async def test_migrated_group_gets_the_post_in_its_new_supergroup(
    world: World, bot: Bot, config: Config, redis: Redis, clock: FixedClock
) -> None:
    """A group that became a supergroup: the new id is recorded and the post goes there."""
    owner = await world.sim.create_user("Lurah")
    group = await world.sim.create_chat(
        "group", "KIM Bagendung", owner["id"], bots=[{"admin": True}]
    )
    migrated = await world.sim.call("POST", f"/sim/chats/{group['id']}/migrate", {})
    channels = {BAGENDUNG: Chat(chat_id=group["id"], invite_link="https://t.me/+x")}
    world.services = build_services(config.model_copy(update={"channels": channels}), redis, clock)
    ann = world.announcement()
    stats = await world.sender(bot).deliver(
        ann, world.services.announcements.addresses(ann.id, 0, 10)
    )
    assert (stats.sent, stats.failed) == (1, 0)
    assert redis.hget(MIGRATED, str(group["id"])) == str(migrated["id"])
    posts = await world.sim.messages(migrated["id"], from_bot=1)
    assert posts[-1]["text"] == "Posyandu Sabtu pukul 08.00"


async def test_unknown_chat_is_gone_not_retried(world: World, bot: Bot) -> None:
    """A chat id Telegram does not know: 'chat not found', marked gone, one request only."""
    world.services.residents.consent(Address.telegram(42424242), "id", "v1", 1.0)
    world.services.residents.subscribe(Address.telegram(42424242), BAGENDUNG, 2.0)
    ann = world.announcement()
    stats = await world.sender(bot).deliver(
        ann, world.services.announcements.addresses(ann.id, 0, 10)
    )
    assert (stats.blocked, stats.retries) == (1, 0)
    assert world.services.announcements.failures(ann.id) == [("tg:42424242", "blocked or gone")]


async def test_cancel_stops_between_grants(world: World, bot: Bot) -> None:
    """A sender told to stop leaves the rest pending, with nothing sent twice."""
    for _ in range(4):
        await world.resident()
    ann = world.announcement()
    sender = world.sender(bot)
    sender.should_stop = lambda: True
    stats = await sender.deliver(ann, world.services.announcements.addresses(ann.id, 0, 10))
    assert stats.sent == 0
    assert (
        len(
            world.services.announcements.pending(
                ann.id, world.services.announcements.recipients(ann.id, 0, 10)
            )
        )
        == 4
    )


async def test_no_429_at_telegrams_rate(world: World, bot: Bot) -> None:
    """At the emulator's 30/s limit, pacing at 30/s draws no 429 at all."""
    await world.sim.call("POST", "/sim/limits", {"global_per_second": 30})
    for _ in range(40):
        await world.resident()
    await asyncio.sleep(1.1)  # the emulator's bucket refills after the setup
    ann = world.announcement()
    stats = await world.sender(bot, rate=30).deliver(
        ann, world.services.announcements.addresses(ann.id, 0, 100)
    )
    assert (stats.sent, stats.http_429) == (40, 0)


async def test_residents_who_stop_or_erase_after_the_plan_get_nothing(world: World) -> None:
    """Erased (and stopped) between planning and sending: no message, and the erased
    resident's chat id is not written back into the anonymised ledger."""
    from tests.support.storage import everything_in

    stays, erased, stopped = [await world.resident() for _ in range(3)]
    ann = world.announcement()
    batch = world.services.announcements.addresses(ann.id, 0, 10)  # read as a batch starts
    world.services.privacy.erase(Address.telegram(erased))
    world.services.residents.stop(Address.telegram(stopped), 3.0)
    stats = await world.sender(world.bot).deliver(ann, batch)
    delivered = await world.deliveries()
    assert (delivered.get(str(stays)), delivered.get(str(erased)), delivered.get(str(stopped))) == (
        1,
        None,
        None,
    )
    assert stats.sent == 1
    assert str(erased) not in everything_in(world.services.redis)
    assert world.services.announcements.outcome_of(ann.id, f"tg:{stopped}") == "b"


async def test_an_unreadable_answer_is_retried_then_delivered(world: World) -> None:
    """The emulator's answer cut in half by a proxy (its JSON unreadable): the send is
    retried like a server error, and the resident is recorded sent, not failed."""
    from tests.support.stand_in import garbling_proxy, serving

    chat = await world.resident()
    ann = world.announcement()
    async with serving(await garbling_proxy(world.emu.base_url, ["cut"])) as url:
        api = BulkApi(BOT_TOKEN, url)
        limiter = RateLimiter(world.services.redis, BOT_ID, Rates(per_second=1000))
        sender = BulkSender(api, world.services.announcements, world.services.residents, limiter)
        try:
            stats = await sender.deliver(ann, world.services.announcements.addresses(ann.id, 0, 10))
        finally:
            await api.close()
    assert (stats.sent, stats.failed, stats.retries) == (1, 0, 1)
    assert world.services.announcements.outcome_of(ann.id, f"tg:{chat}") == "s"
    assert (await world.deliveries())[str(chat)] == 2  # the cut answer's message did arrive


async def test_a_timeout_is_retried_then_delivered(world: World) -> None:
    """No answer within the timeout: retried with backoff, then recorded sent."""
    chat = await world.resident()
    await world.fault(kind="delay", delay=1.0)
    ann = world.announcement()
    api = BulkApi(BOT_TOKEN, world.emu.base_url, timeout=0.3)
    limiter = RateLimiter(world.services.redis, BOT_ID, Rates(per_second=1000))
    sender = BulkSender(api, world.services.announcements, world.services.residents, limiter)
    try:
        stats = await sender.deliver(ann, world.services.announcements.addresses(ann.id, 0, 10))
    finally:
        await api.close()
    assert (stats.sent, stats.failed, stats.retries) == (1, 0, 1)
    assert world.services.announcements.outcome_of(ann.id, f"tg:{chat}") == "s"
    await asyncio.sleep(0.8)  # the slow first request ends before the emulator stops


async def test_a_poll_goes_with_its_buttons_in_each_residents_language(
    world: World, bot: Bot
) -> None:
    """A poll's announcement reaches each resident with one button per answer (the data a
    press brings back) and its text in their language."""
    siti, john = await world.resident(), await world.resident()
    services = world.services
    services.residents.set_locale(Address.telegram(john), "en", 3.0)
    poll = services.polls.create(
        question="Di mana halte baru?",
        options=["Depan pasar", "Depan sekolah"],
        scale=False,
        other=True,
        targets=[BAGENDUNG],
        admin="tg:1",
        now=services.clock.now(),
        closes_at=services.clock.now() + 86400,
    )
    ann = world.announcement(poll=poll.id, purpose="poll")
    stats = await world.sender(bot).deliver(ann, services.announcements.addresses(ann.id, 0, 10))
    assert (stats.sent, stats.failed) == (2, 0)
    (for_siti,) = await world.sim.messages(siti, from_bot=1)
    (for_john,) = await world.sim.messages(john, from_bot=1)
    keyboard = for_siti["buttons"]
    assert [[b["text"] for b in row] for row in keyboard] == [
        ["Depan pasar"],
        ["Depan sekolah"],
        ["✏️ Lainnya"],
    ]
    assert keyboard[0][0]["callback_data"] == "v1:a.poll.1.1"
    assert "Tekan jawaban atau ketik nomornya" in for_siti["text"]
    assert "Press an answer or type its number" in for_john["text"]
    assert "3. Other (write your own answer)" in for_john["text"]


async def test_a_poll_and_a_broadcast_at_once_share_the_rate(world: World, bot: Bot) -> None:
    """A poll and a broadcast delivered at the same time, each by its own sender on the
    bot's one shared limiter at 30/s: together they draw no 429 at the emulator's 30/s,
    and each resident gets each once."""
    await world.sim.call("POST", "/sim/limits", {"global_per_second": 30})
    chats = [await world.resident() for _ in range(30)]
    await asyncio.sleep(1.1)  # the emulator's bucket refills after the setup
    services = world.services
    poll = services.polls.create(
        question="Perlukah posyandu buka hari Minggu?",
        options=["Perlu", "Tidak perlu"],
        scale=False,
        other=False,
        targets=[BAGENDUNG],
        admin="tg:1",
        now=services.clock.now(),
        closes_at=services.clock.now() + 86400,
    )
    asked = world.announcement(poll=poll.id, purpose="poll")
    told = world.announcement()
    store = services.announcements
    poll_stats, broadcast_stats = await asyncio.gather(
        world.sender(bot, rate=30).deliver(asked, store.addresses(asked.id, 0, 100)),
        world.sender(bot, rate=30).deliver(told, store.addresses(told.id, 0, 100)),
    )
    assert (poll_stats.sent, poll_stats.http_429) == (30, 0)
    assert (broadcast_stats.sent, broadcast_stats.http_429) == (30, 0)
    delivered = await world.deliveries()
    assert all(delivered[str(chat)] == 2 for chat in chats)


async def test_a_cancelled_batch_leaves_what_was_answered_in_the_ledger(world: World) -> None:
    """A batch cancelled mid-way (RQ's job timeout, a cold shutdown): every recipient
    Telegram answered is in the ledger, so a rerun sends them nothing; at most the one
    send in flight at 10/s is delivered without an outcome."""
    for _ in range(12):
        await world.resident()
    ann = world.announcement()
    store = world.services.announcements
    task = asyncio.ensure_future(
        world.sender(world.bot, rate=10).deliver(ann, store.addresses(ann.id, 0, 20))
    )
    while len(await world.deliveries()) < 4:  # noqa: ASYNC110 - the emulator is polled over HTTP
        await asyncio.sleep(0.02)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    delivered = {f"tg:{chat}" for chat in await world.deliveries()}
    recorded = {r for r in store.recipients(ann.id, 0, 20) if store.outcome_of(ann.id, r) == "s"}
    assert recorded <= delivered
    assert len(recorded) >= 4
    assert len(delivered - recorded) <= 1


async def test_a_resident_who_stops_during_a_long_batch_gets_nothing(world: World) -> None:
    """Subscriptions are read again at most `RECHECK_SECONDS` before a send: a resident
    who stops while the batch runs, longer than that before their turn, gets nothing."""
    from handlers.telegram.bulk import RECHECK_SECONDS

    for _ in range(6):
        await world.resident()
    ann = world.announcement()
    batch = world.services.announcements.addresses(ann.id, 0, 10)
    last = batch[-1]
    sender = world.sender(world.bot, rate=2)
    task = asyncio.ensure_future(sender.deliver(ann, batch))
    while not await world.deliveries():  # noqa: ASYNC110 - the emulator is polled over HTTP
        await asyncio.sleep(0.02)
    world.services.residents.stop(last, 3.0)  # about 2.5 s before its turn at 2/s
    assert RECHECK_SECONDS < 2.0
    stats = await task
    assert str(last.chat_id) not in await world.deliveries()
    assert (stats.sent, stats.blocked) == (5, 1)
