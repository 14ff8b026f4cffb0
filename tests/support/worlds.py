"""The end-to-end world: the emulator and the real `kimbot run` with people, chats and a
config for them, shared by the e2e and browser tests.

In it: Bu Siti (admin of Kelurahan Bagendung) and Bagendung's KIM channel, a superadmin,
an approval-only group for Kecamatan Cilegon, and the staff desk group with Pak Rahmat.
Each test creates its own residents.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.platform.config import Config
from bot.platform.store import Redis, connect
from emulator import SimClient
from tests.support.constants import BAGENDUNG, CILEGON
from tests.support.processes import Process, start_bot, start_emulator, write_config


@dataclass
class E2E:
    """What the tests need to reach: the emulator's URL, the bot's Redis, the people and
    chats of the world, and both processes."""

    api: str
    redis: Redis
    admin: int
    superadmin: int
    staff: int
    desk: int
    channel: int
    group: int
    group_link: str
    bot: Process
    emulator: Process


async def build_world(api: str) -> dict[str, Any]:
    """The e2e world: Bu Siti (admin of Bagendung) and her channel, a superadmin, an
    approval-only group for Kecamatan Cilegon, and the staff desk group with Pak Rahmat."""
    async with SimClient(api) as sim:
        admin = await sim.create_user(
            "Bu Siti", last_name="(admin KIM Bagendung)", language_code="id"
        )
        superadmin = await sim.create_user(
            "Pak Kadis", last_name="(superadmin)", language_code="id"
        )
        channel = await sim.create_chat(
            "channel",
            "KIM Bagendung",
            admin["id"],
            bots=[{"admin": True}],
            username="kim_bagendung",
        )
        group = await sim.create_chat(
            "supergroup",
            "KIM Kecamatan Cilegon",
            admin["id"],
            join_by_request=True,
            bots=[{"admin": True}],
        )
        link = await sim.call(
            "POST", f"/sim/chats/{group['id']}/invite_links", {"creates_join_request": True}
        )
        staff = await sim.create_user("Pak Rahmat", last_name="(staf)", language_code="id")
        desk = await sim.create_chat(
            "supergroup",
            "Meja Layanan Diskominfo",
            superadmin["id"],
            members=[staff["id"]],
            bots=[{"admin": True}],
        )
        for user in (admin, superadmin):
            await sim.start(user["id"])
        return {
            "admin": admin["id"],
            "superadmin": superadmin["id"],
            "staff": staff["id"],
            "desk": desk["id"],
            "channel": channel["id"],
            "group": group["id"],
            "group_link": link["invite_link"],
        }


def world_config(config: Config, path: Path, world: dict[str, Any], **changes: Any) -> Path:
    """The shipped config with the world's roles (Bu Siti for Bagendung, the superadmin, the
    desk) and chats (Bagendung's channel, Kecamatan Cilegon's approval-only group), and any
    other sections `changes` replaces."""
    return write_config(
        config,
        path,
        **changes,
        roles={
            "superadmins": [f"tg:{world['superadmin']}"],
            "admins": [{"id": f"tg:{world['admin']}", "name": "Bu Siti", "scope": [BAGENDUNG]}],
            "staff": {"group": f"tg:{world['desk']}", "members": [f"tg:{world['staff']}"]},
        },
        channels={
            BAGENDUNG: {"chat_id": world["channel"], "invite_link": "https://t.me/kim_bagendung"},
            CILEGON: {
                "chat_id": world["group"],
                "invite_link": world["group_link"],
                "join_request": True,
            },
        },
    )


@contextmanager
def running_world(tmp: Path, redis_url: str, config: Config) -> Iterator[E2E]:
    """Emulator, world, config and `kimbot run` (long polling) on a flushed Redis; both
    processes stop and the database is flushed when the block ends, or fails to start."""
    redis = connect(redis_url)
    redis.flushdb()
    emulator, api = start_emulator(tmp)
    try:
        world = asyncio.run(build_world(api))
        bot = start_bot(tmp, api, world_config(config, tmp / "config.yaml", world), redis_url)
        try:
            yield E2E(api=api, redis=redis, bot=bot, emulator=emulator, **world)
        finally:
            bot.stop()
    finally:
        emulator.stop()
        redis.flushdb()
        redis.close()
