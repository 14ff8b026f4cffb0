"""The WhatsApp channel: webhook batches in, the core's dialogs, replies out through pywa.

The webhook hands each verified batch to `process` and answers Meta only when it is
done (handlers/whatsapp/webhook.py). The core is synchronous (it talks to Redis), so it
runs in a worker thread; each message is handled in its resident's turn, across
processes, and once (handlers/inbox.py; update key `wa:{sha256 of the message id}`), and
its replies are sent before that resident's next message is looked at, so answers keep
their order. When Redis is unreachable `process` says the batch must come again (Meta
redelivers a webhook that got no 2xx), after telling the resident, once a minute and
without Redis, that the message will be answered (handlers/apologies.py).
Delivery statuses go to an injectable callback (the broadcast ledger); by default they
are only logged at debug level.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace

import httpx

from bot.dialogs import Conversations
from bot.platform.addresses import Address
from bot.platform.messages import Reply
from bot.residents.identity import adopt_new_id
from bot.services import Services
from handlers.apologies import Apologies
from handlers.inbox import Inbox, unavailable
from handlers.metrics import observe_update
from handlers.whatsapp.convert import incoming
from handlers.whatsapp.ids import digest, ref
from handlers.whatsapp.render import OutText, render
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
        self.inbox = Inbox(services.redis)
        self.apologies = Apologies(services.config)

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

    async def process(self, batch: WebhookBatch) -> bool:
        """Handle every message, then pass every status on; one failure stops nothing.

        False when the batch must be delivered again: Redis was unreachable for a message
        or a status (those handled meanwhile are not handled twice)."""
        complete = True
        for message in batch.messages:
            started = time.monotonic()
            try:
                delivery = await self.handle(message)
                outcome = "duplicate" if delivery is None else "answered"
            except Exception as exc:
                if not unavailable(exc):
                    log.exception("WhatsApp message %s failed", ref(message.message_id))
                    observe_update("wa", "error", time.monotonic() - started)
                    continue
                observe_update("wa", "retry", time.monotonic() - started)
                complete = False
                log.warning("WhatsApp message %s must come again: %s", ref(message.message_id), exc)
                await self._apologise_unavailable(message)
                continue
            observe_update("wa", outcome, time.monotonic() - started)
        for status in batch.statuses:
            try:
                await self.on_status(status)
            except Exception as exc:
                if unavailable(exc):
                    complete = False
                    continue
                log.exception("status callback failed for message %s", ref(status.message_id))
        return complete

    async def handle(self, message: InboundMessage) -> Delivery | None:
        """Answer one message in its resident's turn; None when it was a redelivery."""
        update = f"wa:{digest(message.message_id)}"
        async with self.inbox.turn(str(message.address), update) as receipt:
            if receipt.done:
                log.info("message %s already handled; dropped", ref(message.message_id))
                return None
            recipient = Recipient(message.address.chat_id, message.phone)
            if message.phone and message.phone != message.address.chat_id:
                # a resident stored by phone number now comes with a business-scoped id
                old = Address("wa", message.phone)
                await asyncio.to_thread(adopt_new_id, self.services, old, message.address)
            core_input = replace(incoming(message), name=message.name)
            try:
                replies = await asyncio.to_thread(
                    receipt.answer, lambda: self.conversations.handle(core_input)
                )
                label = await asyncio.to_thread(self._label, replies, message.address)
            except Exception as exc:
                if unavailable(exc):
                    raise
                log.exception("the core failed on message %s", ref(message.message_id))
                return await self._apologise(recipient, message.address)
            for reply in replies:
                if reply.progress_of:  # WhatsApp edits nothing: the final report comes anew
                    await asyncio.to_thread(
                        self.services.announcements.set_progress_message,
                        reply.progress_of,
                        message.address,
                        0,
                    )
            outgoing = [out for reply in replies for out in render(reply, label)]
            if not outgoing:
                return Delivery("sent")
            return await self.sender.send(recipient, outgoing)

    async def aclose(self) -> None:
        """Close the Graph API session and the inbox's Redis client."""
        await self.sender.aclose()
        await self.inbox.aclose()

    def _label(self, replies: list[Reply], address: Address) -> str:
        """The list-button label in the resident's language, if a reply has choices."""
        if not any(reply.choices for reply in replies):
            return ""
        return self.services.translator(self._locale(address))._("Choose")

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

    async def _apologise_unavailable(self, message: InboundMessage) -> None:
        """While Redis is down: tell the resident, once a minute, they will be answered."""
        if not self.apologies.due(str(message.address)):
            return
        recipient = Recipient(message.address.chat_id, message.phone)
        try:
            await self.sender.send(recipient, [OutText(self.apologies.text(None))])
        except Exception:
            log.exception("could not apologise for message %s", ref(message.message_id))
