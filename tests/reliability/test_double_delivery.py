"""The same update reaching two bot processes at once (a double tap, a webhook retry that a
load balancer sends to the other replica) is handled once: one ticket, each answer once.

Two complete Telegram stacks (services, dispatcher, inbox) share one Redis, as two
replicas do; only Redis connects them.
"""

from __future__ import annotations

import asyncio

from aiogram.types import Update, User

from bot.platform.clock import FixedClock
from bot.platform.config import Config
from bot.platform.store import Redis
from handlers.wiring import build_services
from tests.support.admins import RecordingDispatch, with_admins
from tests.support.press import find_label
from tests.support.telegram import TelegramWorld, Updates

COMPLAINT = [
    ("say", "/start"),
    ("press", "Bahasa Indonesia"),
    ("press", "✅"),
    ("press", "Cilegon"),
    ("press", "Bagendung"),
    ("say", "/aspirasi"),
    ("press", "Pengaduan"),
    ("press", "Kesehatan"),
    ("say", "Puskesmas Bagendung sering tutup sebelum jam pelayanan."),
    ("press", "Lanjut"),
    ("press", "Anonim"),
    ("press", "Kirim"),
]


def replicas(
    config: Config, redis: Redis, clock: FixedClock
) -> tuple[TelegramWorld, TelegramWorld]:
    """Two bot processes' worth of Telegram stack on one Redis, building the same updates."""
    roomy = with_admins(config)
    limits = roomy.limits.model_copy(update={"flood_messages_per_minute": 600})
    roomy = roomy.model_copy(update={"limits": limits})
    first, second = (
        TelegramWorld(build_services(roomy, redis, clock, RecordingDispatch())) for _ in range(2)
    )
    second.updates = first.updates
    return first, second


def press_update(updates: Updates, world: TelegramWorld, user: User, label: str) -> Update:
    """The press of `label` on the newest keyboard `world` showed the user."""
    buttons = [b for row in world.session.last_keyboard(user.id).inline_keyboard for b in row]
    button = buttons[find_label([b.text for b in buttons], label)]
    assert button.callback_data
    return updates.press(user, button.callback_data)


async def test_each_update_delivered_to_two_replicas_at_once_counts_once(
    config: Config, redis: Redis, clock: FixedClock
) -> None:
    """Three residents file a complaint, every update reaching both replicas at the same
    moment: each update is answered by exactly one replica, and three tickets exist."""
    a, b = replicas(config, redis, clock)
    for resident in (7101, 7102, 7103):
        user = a.updates.user(resident)
        answered_by = a
        for how, value in COMPLAINT:
            update = (
                a.updates.message(user, value)
                if how == "say"
                else press_update(a.updates, answered_by, user, value)
            )
            before = len(a.session.requests), len(b.session.requests)
            await asyncio.gather(a.feed(update), b.feed(update))
            grew = [len(a.session.requests) > before[0], len(b.session.requests) > before[1]]
            assert grew.count(True) == 1, f"{value!r}: answered by {grew.count(True)} replicas"
            answered_by = a if grew[0] else b
    assert redis.zcard("kim:tk:all") == 3
    assert all(redis.hget(f"kim:tk:{t}", "state") for t in redis.zrange("kim:tk:all", 0, -1))
    for world in (a, b):
        await world.aclose()


async def test_a_double_tap_split_between_two_replicas_files_one_ticket(
    config: Config, redis: Redis, clock: FixedClock
) -> None:
    """Two presses of "Kirim" (two updates) reach the two replicas at the same moment, three
    times over: each resident's complaint is filed once."""
    a, b = replicas(config, redis, clock)
    for resident in (7201, 7202, 7203):
        user = a.updates.user(resident)
        for how, value in COMPLAINT[:-1]:
            await a.feed(
                a.updates.message(user, value)
                if how == "say"
                else press_update(a.updates, a, user, value)
            )
        first = press_update(a.updates, a, user, "Kirim")
        second = press_update(a.updates, a, user, "Kirim")
        await asyncio.gather(a.feed(first), b.feed(second))
        assert redis.zcard(f"kim:tk:res:tg:{resident}") == 1
    assert redis.zcard("kim:tk:all") == 3
    for world in (a, b):
        await world.aclose()
