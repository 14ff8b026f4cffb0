"""One emulator and one real bot process (long polling) for the whole e2e module.

The world: an admin for Kelurahan Bagendung, a superadmin, Bagendung's KIM channel, and
an approval-only group for Kecamatan Cilegon. Each test creates its own residents.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from bot.platform.config import Config
from bot.platform.store import Redis, connect
from tests.support.constants import BAGENDUNG, CILEGON
from tests.support.processes import Process, build_world, start_bot, start_emulator, write_config


@dataclass
class E2E:
    """What the tests need to reach."""

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


@pytest.fixture(scope="module")
def e2e(tmp_path_factory: pytest.TempPathFactory, redis_url: str, config: Config) -> Iterator[E2E]:
    """Emulator + world + config + `kimbot run`, for one test module."""
    tmp = tmp_path_factory.mktemp("e2e")
    redis = connect(redis_url)
    redis.flushdb()
    emulator, api = start_emulator(tmp)
    world = asyncio.run(build_world(api))
    config_path = write_config(
        config,
        tmp / "config.yaml",
        roles={
            "superadmins": [f"tg:{world['superadmin']}"],
            "admins": [{"id": f"tg:{world['admin']}", "name": "Bu Siti", "scope": [BAGENDUNG]}],
            "staff": {"group": f"tg:{world['desk']}", "members": [f"tg:{world['staff']}"]},
        },
        channels={
            BAGENDUNG: {
                "chat_id": world["channel"],
                "invite_link": "https://t.me/kim_bagendung",
            },
            CILEGON: {
                "chat_id": world["group"],
                "invite_link": world["group_link"],
                "join_request": True,
            },
        },
    )
    bot = start_bot(tmp, api, config_path, redis_url)
    yield E2E(api=api, redis=redis, bot=bot, emulator=emulator, **world)
    bot.stop()
    emulator.stop()
    redis.flushdb()
    redis.close()
