"""Fixtures: the shipped config with WhatsApp enabled, the real core on the test Redis, the
webhook on an aiohttp test server, and the Graph API stand-in."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.platform.clock import FixedClock
from bot.platform.config import Config
from bot.platform.store import Redis
from bot.services import Services
from handlers.whatsapp.updates import DeliveryStatus
from handlers.wiring import build_services
from tests.support.graph import GraphAPI
from tests.support.webhooks import BUDI, SITI, Person
from tests.support.whatsapp import WhatsAppWorld, whatsapp_world, with_whatsapp


@pytest.fixture
def wa_config(config: Config) -> Config:
    """Kota Cilegon with WhatsApp enabled."""
    return with_whatsapp(config)


@pytest.fixture
def wa_services(wa_config: Config, redis: Redis, clock: FixedClock) -> Services:
    """The core on the test Redis, with WhatsApp enabled."""
    return build_services(wa_config, redis, clock)


@pytest.fixture
def graph() -> GraphAPI:
    """The Graph API stand-in."""
    return GraphAPI()


@pytest.fixture
def statuses() -> list[DeliveryStatus]:
    """Delivery statuses the channel passed on."""
    return []


@pytest.fixture
async def world(
    wa_services: Services, graph: GraphAPI, statuses: list[DeliveryStatus]
) -> AsyncIterator[WhatsAppWorld]:
    """The webhook served on a test server, wired to the real core and the stand-in."""

    async def on_status(status: DeliveryStatus) -> None:
        statuses.append(status)

    async with whatsapp_world(wa_services, graph, on_status) as w:
        yield w


@pytest.fixture
def siti() -> Person:
    """A resident with a business-scoped id and a visible phone number."""
    return SITI


@pytest.fixture
def budi() -> Person:
    """A resident who uses a WhatsApp username: no phone number in webhooks."""
    return BUDI
