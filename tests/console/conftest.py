"""The console on a real Redis, served by aiohttp's test server, with admins of every kind."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.platform.clock import FixedClock
from bot.platform.config import Config
from bot.platform.store import Redis
from bot.services import Services
from handlers.wiring import build_services
from tests.support.admins import RecordingDispatch, with_admins
from tests.support.console import Client, console_root


@pytest.fixture
def services(
    config: Config, redis: Redis, clock: FixedClock, dispatch: RecordingDispatch
) -> Services:
    """The core with admins of every kind (tests/support/admins.py), recording what it
    sends (tests/conftest.py's `dispatch`)."""
    return build_services(with_admins(config), redis, clock, dispatch)


@pytest.fixture
async def client(services: Services) -> AsyncIterator[Client]:
    """A browser on the console (its own cookie jar)."""
    async with TestClient(TestServer(console_root(services))) as browser:
        yield browser


@pytest.fixture
async def second_client(services: Services) -> AsyncIterator[Client]:
    """Another device of the same person (its own cookie jar)."""
    async with TestClient(TestServer(console_root(services))) as browser:
        yield browser
