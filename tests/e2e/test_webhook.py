"""The real bot process in webhook mode: the emulator posts updates with the secret token."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.platform.addresses import Address
from bot.platform.config import Config
from bot.platform.store import Redis, connect
from bot.residents.records import Residents
from emulator import SimClient
from tests.support.constants import BAGENDUNG, BOT_ID
from tests.support.dialogues import BAGENDUNGS_POSTER
from tests.support.people import Person
from tests.support.processes import (
    Process,
    free_port,
    start_bot,
    start_emulator,
    wait_http,
    write_config,
)

pytestmark = pytest.mark.e2e
SECRET = "e2e-Secret_token"


@pytest.fixture(scope="module")
def hook(
    tmp_path_factory: pytest.TempPathFactory, redis_url: str, config: Config
) -> Iterator[tuple[str, int, Redis]]:
    """Emulator + `kimbot run --webhook`; yields (emulator URL, webhook port, Redis)."""
    tmp: Path = tmp_path_factory.mktemp("webhook")
    redis = connect(redis_url)
    redis.flushdb()
    emulator, api = start_emulator(tmp)
    port = free_port()
    bot: Process = start_bot(
        tmp, api, write_config(config, tmp / "config.yaml"), redis_url, webhook_port=port
    )
    wait_http(f"http://127.0.0.1:{port}/healthz", server=bot)
    asyncio.run(_webhook_registered(api))
    yield api, port, redis
    bot.stop()
    emulator.stop()
    redis.flushdb()


async def _webhook_registered(api: str, seconds: float = 20.0) -> None:
    """Wait until the bot has called setWebhook (it does so right after its server starts)."""
    async with SimClient(api) as sim:
        for _ in range(int(seconds * 10)):
            if (await sim.call("GET", "/sim/updates"))["webhook"]:
                return
            await asyncio.sleep(0.1)
    raise TimeoutError("the bot never called setWebhook")


async def test_onboarding_through_the_webhook(hook: tuple[str, int, Redis]) -> None:
    """setWebhook was called; updates arrive by POST and the resident subscribes."""
    api, port, redis = hook
    async with SimClient(api) as sim:
        info = await sim.call("GET", "/sim/updates")
        assert info["webhook"] == f"http://127.0.0.1:{port}/telegram/webhook"
        p = await Person.create(sim)
        await p.play(BAGENDUNGS_POSTER)
    assert Residents(redis).is_subscriber(Address.telegram(p.id), BAGENDUNG)


@pytest.mark.parametrize("headers", [{}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}])
async def test_wrong_or_missing_secret_is_refused(
    hook: tuple[str, int, Redis], headers: dict[str, str]
) -> None:
    """A forged update without the right secret gets 401 and changes nothing."""
    _api, port, redis = hook
    forged = {
        "update_id": 999_000 + len(headers),
        "message": {
            "message_id": 1,
            "date": 1_790_000_000,
            "chat": {"id": 555_001, "type": "private", "first_name": "Forger"},
            "from": {"id": 555_001, "is_bot": False, "first_name": "Forger"},
            "text": "/start kel_3672021001",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/telegram/webhook",
        data=json.dumps(forged).encode(),
        headers={"Content-Type": "application/json", **headers},
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        await asyncio.to_thread(urllib.request.urlopen, request, timeout=5)
    assert caught.value.code == 401
    caught.value.close()
    assert redis.get("kim:dlg:tg:555001") is None
    assert not redis.exists(f"kim:seen:tg:{BOT_ID}:{forged['update_id']}")


def test_metrics_are_served_on_the_webhook_port(hook: tuple[str, int, Redis]) -> None:
    """/metrics answers on the webhook's own port, in Prometheus' text format."""
    _api, port, _redis = hook
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as answer:
        assert answer.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = answer.read().decode()
    assert "kimbot_redis_up 1.0" in text.splitlines()
    assert 'kimbot_queue_jobs{queue="kim-bulk",state="queued"} 0.0' in text.splitlines()
