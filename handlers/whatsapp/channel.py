"""The WhatsApp channel: webhook batches in, the core's dialogs, replies out through pywa.

The webhook answers Meta at once and hands the batch to `accept`, which processes it in
a background task. The core is synchronous (it talks to Redis), so it runs in a worker
thread; one resident's messages are handled one at a time, in order (an asyncio lock per
resident, as in handlers/telegram/residents.py), and a message's replies are sent before
that resident's next message is looked at, so answers keep their order. Each message id
is handled once (handlers.whatsapp.seen). Delivery statuses go to an injectable callback
(the broadcast ledger); by default they are only logged at debug level.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

import httpx

from bot.dialogs import Conversations
from bot.platform.addresses import Address
from bot.platform.messages import Incoming, Reply
from bot.residents.identity import adopt_new_id
from bot.services import Services
from handlers.serial import KeyedLocks
from handlers.whatsapp.convert import incoming
from handlers.whatsapp.ids import ref
from handlers.whatsapp.render import OutText, render
from handlers.whatsapp.seen import SeenMessages
from handlers.whatsapp.send import RETRY_DELAYS, CloudAPI, Delivery, Recipient
from handlers.whatsapp.settings import WhatsAppSettings
from handlers.whatsapp.updates import DeliveryStatus, InboundMessage, WebhookBatch

log = logging.getLogger(__name__)
StatusCallback = Callable[[DeliveryStatus], Awaitable[None]]


async def log_status(status: DeliveryStatus) -> None:
    """The default status callback: one debug line, without the recipient."""
    log.debug(
        "message %s is %s%s",
        ref(status.message_id),
        status.status,
        f" (error {status.error_code})" if status.error_code is not None else "",
    )


class WhatsAppChannel:
    """Everything the webhook needs: secrets, the core, per-resident order, the sender."""

    def __init__(
        self,
        services: Services,
        conversations: Conversations,
        settings: WhatsAppSettings,
        sender: CloudAPI,
        on_status: StatusCallback | None = None,
    ) -> None:
        self.services = services
        self.conversations = conversations
        self.settings = settings
        self.sender = sender
        self.on_status: StatusCallback = on_status or log_status
        self.seen = SeenMessages(services.redis)
        self._locks = KeyedLocks()
        self._tasks: set[asyncio.Task[None]] = set()

    @classmethod
    def create(
        cls,
        services: Services,
        conversations: Conversations,
        settings: WhatsAppSettings,
        *,
        session: httpx.AsyncClient | None = None,
        on_status: StatusCallback | None = None,
        retry_delays: Sequence[float] = RETRY_DELAYS,
    ) -> WhatsAppChannel:
        """The channel for config.yaml's phone number; it owns (and closes) `session`."""
        phone_number_id = services.config.whatsapp.phone_number_id
        sender = CloudAPI.connect(settings, phone_number_id, session, retry_delays)
        return cls(services, conversations, settings, sender, on_status)

    @property
    def phone_number_id(self) -> str:
        """The business phone number id whose webhooks this channel handles."""
        return self.services.config.whatsapp.phone_number_id

    def accept(self, batch: WebhookBatch) -> None:
        """Process a verified webhook batch in the background."""
        if not batch.messages and not batch.statuses:
            return
        task = asyncio.get_running_loop().create_task(self.process(batch))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def process(self, batch: WebhookBatch) -> None:
        """Handle every message, then pass every status on; one failure stops nothing."""
        for message in batch.messages:
            try:
                await self.handle(message)
            except Exception:
                log.exception("WhatsApp message %s failed", ref(message.message_id))
        for status in batch.statuses:
            try:
                await self.on_status(status)
            except Exception:
                log.exception("status callback failed for message %s", ref(status.message_id))

    async def handle(self, message: InboundMessage) -> Delivery | None:
        """Answer one message in its resident's turn; None when it was a redelivery."""
        async with self._locks.for_key(str(message.address)):
            if not await asyncio.to_thread(self.seen.first_time, message.message_id):
                log.info("message %s already handled; dropped", ref(message.message_id))
                return None
            recipient = Recipient(message.address.chat_id, message.phone)
            if message.phone and message.phone != message.address.chat_id:
                # a resident stored by phone number now comes with a business-scoped id
                old = Address("wa", message.phone)
                await asyncio.to_thread(adopt_new_id, self.services, old, message.address)
            try:
                replies, label = await asyncio.to_thread(self._answer, incoming(message))
            except Exception:
                log.exception("the core failed on message %s", ref(message.message_id))
                return await self._apologise(recipient, message.address)
            outgoing = [out for reply in replies for out in render(reply, label)]
            if not outgoing:
                return Delivery("sent")
            return await self.sender.send(recipient, outgoing)

    async def drain(self, grace: float | None = None) -> None:
        """Wait for the batches in progress (at most `grace` seconds)."""
        while self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=grace)
            if pending:
                log.warning("%d WhatsApp batches still running", len(pending))
                return

    async def aclose(self) -> None:
        """Close the Graph API session."""
        await self.sender.aclose()

    def _answer(self, message: Incoming) -> tuple[list[Reply], str]:
        """The core's replies, and the list-button label in the resident's language."""
        replies = self.conversations.handle(message)
        if not any(reply.choices for reply in replies):
            return replies, ""
        translator = self.services.translator(self._locale(message.address))
        return replies, translator._("Choose")

    def _locale(self, address: Address) -> str:
        """The locale the core speaks to `address` in: stored, chosen in the dialog, default."""
        services = self.services
        resident = services.residents.get(address)
        if resident is not None:
            return resident.locale
        state = services.dialogs.load(address)
        if state is not None and state.locale:
            return state.locale
        return services.config.locales.default

    async def _apologise(self, recipient: Recipient, address: Address) -> Delivery:
        """Tell the resident that something broke on our side."""
        try:
            locale = await asyncio.to_thread(self._locale, address)
        except Exception:
            locale = self.services.config.locales.default
        text = self.services.translator(locale)._(
            "Sorry, something went wrong on our side. Please try again in a moment."
        )
        return await self.sender.send(recipient, [OutText(text)])
