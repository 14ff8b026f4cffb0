"""Fixtures: the shipped config with WhatsApp enabled, the real core on the test Redis, the
webhook on an aiohttp test server, and the Graph API stand-in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.dialogs import Conversations, build_conversations
from bot.platform.clock import FixedClock
from bot.platform.config import Config, WhatsApp
from bot.platform.messages import Incoming, Reply
from bot.platform.store import Redis
from bot.services import Services
from handlers.whatsapp.channel import WhatsAppChannel
from handlers.whatsapp.settings import WhatsAppSettings
from handlers.whatsapp.updates import DeliveryStatus
from handlers.whatsapp.webhook import add_whatsapp_routes
from handlers.wiring import build_services
from tests.support.graph import GraphAPI
from tests.support.webhooks import (
    APP_SECRET,
    BUSINESS_NUMBER,
    PHONE_NUMBER_ID,
    TOKEN,
    VERIFY_TOKEN,
    Person,
)
from tests.support.whatsapp import BREAKS_THE_CORE, WhatsAppWorld

SETTINGS = WhatsAppSettings(
    token=TOKEN,
    app_secret=APP_SECRET,
    verify_token=VERIFY_TOKEN,
    api_url="http://graph.test",
)


class RecordingConversations(Conversations):
    """The real conversations, noting every `Incoming` the adapter hands them.

    A text equal to `BREAKS_THE_CORE` raises, to show what a bug in the core does.
    """

    def __init__(self, inner: Conversations, seen: list[Incoming]) -> None:
        super().__init__(inner.svc, inner.flows, inner.commands)
        self.seen = seen

    def handle(self, msg: Incoming) -> list[Reply]:
        """Note the message, then answer it as the core does."""
        self.seen.append(msg)
        if msg.text == BREAKS_THE_CORE:
            raise RuntimeError("a bug in the core")
        return super().handle(msg)


@pytest.fixture
def wa_config(config: Config) -> Config:
    """Kota Cilegon with WhatsApp enabled."""
    whatsapp = WhatsApp(
        enabled=True, phone_number_id=PHONE_NUMBER_ID, business_number=BUSINESS_NUMBER
    )
    return config.model_copy(update={"whatsapp": whatsapp})


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
    seen: list[Incoming] = []
    conversations = RecordingConversations(build_conversations(wa_services), seen)

    async def on_status(status: DeliveryStatus) -> None:
        statuses.append(status)

    channel = WhatsAppChannel.create(
        wa_services,
        conversations,
        SETTINGS,
        session=httpx.AsyncClient(transport=graph.transport()),
        on_status=on_status,
        retry_delays=(0.0, 0.0),
    )
    app = web.Application()
    add_whatsapp_routes(app, channel)
    client: TestClient[Any, Any] = TestClient(TestServer(app))
    async with client:
        yield WhatsAppWorld(client, channel, graph, seen)


@pytest.fixture
def siti() -> Person:
    """A resident with a business-scoped id and a visible phone number."""
    return Person(user_id="ID.1649738043044942", phone="6281311112222", name="Siti")


@pytest.fixture
def budi() -> Person:
    """A resident who uses a WhatsApp username: no phone number in webhooks."""
    return Person(user_id="ID.3724117084395812", phone=None, name="Budi")
