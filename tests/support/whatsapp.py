"""A WhatsApp world for tests: the webhook on an aiohttp test server, the real core on real
Redis, and the Graph API stand-in recording what the bot sends.

Dialogue tables play a person's side: "/cmd" or any text is typed, "[Label]" presses the
newest reply button or list row whose title or description contains Label, "#Label" types
the number of that choice (as WhatsApp users may), "<photo>", "<sticker>", "<location>",
"<voice>" send that kind of message. The expected answer is a substring of what the bot
sent in return (texts, button and row titles, list button, link buttons).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.dialogs import Conversations, build_conversations
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
        super().__init__(inner.svc, inner.flows, inner.commands)
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
        """Deliver one signed webhook, wait for the background work; what was sent."""
        before = len(self.graph.sent)
        status, _ = await self.post(payload)
        assert status == 200
        await self.channel.drain()
        return self.graph.sent[before:]

    async def send(self, person: Person, action: str) -> list[Sent]:
        """Do one thing, as the table syntax describes."""
        p = self.payloads
        kinds = {
            "<photo>": p.image,
            "<sticker>": p.sticker,
            "<location>": p.location,
            "<voice>": p.voice,
            "<document>": p.document,
        }
        if action in kinds:
            return await self.deliver(kinds[action](person))
        if action.startswith("[") and action.endswith("]"):
            return await self.press(person, action[1:-1])
        if action.startswith("#") and len(action) > 1:
            return await self.deliver(p.text(person, str(self.number_of(person, action[1:]))))
        return await self.deliver(p.text(person, action))

    def last_choices(self, person: Person) -> Sent:
        """The newest message to `person` that offered choices (interactive or numbered)."""
        for sent in reversed(self.graph.to(person.chat_id)):
            if offered(sent):
                return sent
        raise AssertionError("no message with choices was sent to this person")

    async def press(self, person: Person, label: str) -> list[Sent]:
        """Press the reply button or list row `label` means; a numbered choice is typed."""
        sent = self.last_choices(person)
        if not sent.choices:
            return await self.deliver(
                self.payloads.text(person, str(self.number_of(person, label)))
            )
        data, title, _ = sent.choices[find_label(offered(sent), label)]
        if sent.kind == "button":
            return await self.deliver(self.payloads.button_reply(person, data, title))
        return await self.deliver(self.payloads.list_reply(person, data, title))

    def number_of(self, person: Person, label: str) -> int:
        """The number (from 1) of the newest choice `label` means, as the core numbers them."""
        return find_label(offered(self.last_choices(person)), label) + 1


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


async def play(world: WhatsAppWorld, person: Person, table: list[tuple[str, str]]) -> None:
    """Play a dialogue table; fail at the first answer that lacks what it should say."""
    for step, (action, expected) in enumerate(table, 1):
        said = shown(await world.send(person, action))
        assert expected in said, f"step {step} {action!r}: {expected!r} not in:\n{said}"


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
