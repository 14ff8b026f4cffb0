"""A WhatsApp world for tests: the webhook on an aiohttp test server, the real core on real
Redis, and the Graph API stand-in recording what the bot sends.

`WhatsAppDriver` plays a person's side of dialogue tables (`tests.support.dialog`): a
label names a reply button, a list row (a shortened title's whole label is its
description) or a line of a numbered list, whose number is then typed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.dialogs import Conversations, build_conversations
from bot.platform.addresses import Address
from bot.platform.config import Config, WhatsApp
from bot.platform.messages import Incoming, Reply
from bot.services import Services
from handlers.whatsapp.channel import WhatsAppChannel
from handlers.whatsapp.settings import WhatsAppSettings
from handlers.whatsapp.updates import DeliveryStatus
from handlers.whatsapp.webhook import SIGNATURE_HEADER, WEBHOOK_PATH, add_whatsapp_routes
from tests.support.constants import (
    WA_APP_SECRET,
    WA_BUSINESS_NUMBER,
    WA_PHONE_NUMBER_ID,
    WA_TOKEN,
    WA_VERIFY_TOKEN,
)
from tests.support.graph import GraphAPI, Sent
from tests.support.press import find_label
from tests.support.webhooks import Payloads, Person, encode, sign

BREAKS_THE_CORE = "💥 please fail"  # a text the test conversations raise on

SETTINGS = WhatsAppSettings(
    token=WA_TOKEN,
    app_secret=WA_APP_SECRET,
    verify_token=WA_VERIFY_TOKEN,
    api_url="http://graph.test",
)


def with_whatsapp(config: Config) -> Config:
    """`config` with WhatsApp enabled on the test business number."""
    whatsapp = WhatsApp(
        enabled=True, phone_number_id=WA_PHONE_NUMBER_ID, business_number=WA_BUSINESS_NUMBER
    )
    return config.model_copy(update={"whatsapp": whatsapp})


class RecordingConversations(Conversations):
    """The real conversations, noting every `Incoming` the adapter hands them.

    A text equal to `BREAKS_THE_CORE` raises, to show what a bug in the core does.
    """

    def __init__(self, inner: Conversations, seen: list[Incoming]) -> None:
        super().__init__(inner.svc, inner.flows, inner.commands, inner.actions)
        self.seen = seen

    def handle(self, msg: Incoming) -> list[Reply]:
        """Note the message, then answer it as the core does."""
        self.seen.append(msg)
        if msg.text == BREAKS_THE_CORE:
            raise RuntimeError("a bug in the core")
        return super().handle(msg)


class WhatsAppWorld:
    """Posts signed webhooks and reads what the bot answered."""

    def __init__(
        self,
        client: TestClient[Any, Any],
        channel: WhatsAppChannel,
        graph: GraphAPI,
        seen: list[Incoming],
    ) -> None:
        self.client = client
        self.channel = channel
        self.graph = graph
        self.payloads = Payloads()
        self.incoming = seen

    async def post(
        self, payload: dict[str, Any] | bytes, signature: str | None = "auto"
    ) -> tuple[int, str]:
        """POST a body to the webhook (signed unless told otherwise); (status, text)."""
        body = payload if isinstance(payload, bytes) else encode(payload)
        headers = {"Content-Type": "application/json"}
        if signature == "auto":
            headers[SIGNATURE_HEADER] = sign(body)
        elif signature is not None:
            headers[SIGNATURE_HEADER] = signature
        response = await self.client.post(WEBHOOK_PATH, data=body, headers=headers)
        return response.status, await response.text()

    async def deliver(self, payload: dict[str, Any]) -> list[Sent]:
        """Deliver one signed webhook (answered once handled); what was sent."""
        before = len(self.graph.sent)
        status, _ = await self.post(payload)
        assert status == 200
        return self.graph.sent[before:]


@dataclass
class WhatsAppDriver:
    """A person on WhatsApp, as dialogue tables drive them: signed webhooks in, Graph API
    messages out; `last` is what the bot sent in answer to the last action."""

    world: WhatsAppWorld
    person: Person
    channel: str = "whatsapp"
    last: list[Sent] = field(default_factory=list)

    @property
    def address(self) -> Address:
        """The person's chat."""
        return Address("wa", self.person.chat_id)

    @property
    def services(self) -> Services:
        """The core behind the channel."""
        return self.world.channel.services

    async def say(self, text: str) -> None:
        """Type `text` (a command too), or send a "<kind>" message."""
        p, person = self.world.payloads, self.person
        kinds = {
            "<photo>": p.image,
            "<sticker>": p.sticker,
            "<location>": p.location,
            "<voice>": p.voice,
            "<document>": p.document,
            "<contact>": p.contacts,
        }
        payload = kinds[text](person) if text in kinds else p.text(person, text)
        self.last = await self.world.deliver(payload)

    def choices(self) -> Sent:
        """The newest message to the person that offered choices (interactive or numbered)."""
        for sent in reversed(self.world.graph.to(self.person.chat_id)):
            if offered(sent):
                return sent
        raise AssertionError("no message with choices was sent to this person")

    async def press(self, label: str) -> None:
        """Press the reply button or list row `label` means; a numbered choice is typed."""
        sent, p = self.choices(), self.world.payloads
        if not sent.choices:
            await self.type_number(label)
            return
        data, title, _ = sent.choices[find_label(offered(sent), label)]
        reply = p.button_reply if sent.kind == "button" else p.list_reply
        self.last = await self.world.deliver(reply(self.person, data, title))

    async def type_number(self, label: str) -> None:
        """Type the number of the newest choice `label` means, as the core numbers them."""
        number = find_label(offered(self.choices()), label) + 1
        await self.say(str(number))

    def shown(self) -> str:
        """Everything the bot's answer showed: texts, button and row titles, list and link
        buttons."""
        return shown(self.last)


def numbered(text: str) -> list[str]:
    """The labels of a numbered choice list ("1. Cilegon" lines), in number order."""
    labels: list[str] = []
    for line in text.splitlines():
        number, dot, label = line.partition(". ")
        if dot and number == str(len(labels) + 1):
            labels.append(label)
    return labels


def offered(sent: Sent) -> list[str]:
    """The choice labels a person reads on a message: a shortened row title stands whole in
    its description; more than ten choices come as a numbered list in the text."""
    if sent.choices:
        return [description or title for _, title, description in sent.choices]
    return numbered(sent.text)


def shown(sent: list[Sent]) -> str:
    """Everything some sent messages showed, as one string."""
    return "\n".join(s.shown() for s in sent)


async def _ignore(status: DeliveryStatus) -> None:
    """A status callback that keeps nothing."""


@asynccontextmanager
async def whatsapp_world(
    services: Services,
    graph: GraphAPI | None = None,
    on_status: Callable[[DeliveryStatus], Awaitable[None]] = _ignore,
) -> AsyncIterator[WhatsAppWorld]:
    """The webhook served on a test server, wired to the real core and the Graph stand-in."""
    graph = graph or GraphAPI()
    seen: list[Incoming] = []
    conversations = RecordingConversations(build_conversations(services), seen)
    channel = WhatsAppChannel.create(
        services,
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
