"""WhatsApp's side of `broadcasts.senders.Sender`: batches, notices and media.

Built by a job from the worker's environment (`KIMBOT_WA_*`) the first time the job
needs WhatsApp; in a worker its HTTP client is kept from job to job
(broadcasts/eventloop.py). Announcements follow WhatsApp's rules (handlers/whatsapp/delivery.py).
A notice reaches a resident inside their 24-hour window at once; outside it the message
is held (bot/residents/held.py) and only the approved ticket template goes out, and the
held message follows with the answer to their next message. WhatsApp cannot edit a sent
message, so progress reports are not edited here; the final report is sent as a message.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from bot.platform.addresses import Address
from bot.platform.messages import Reply
from bot.services import Services
from broadcasts.eventloop import lasting
from broadcasts.limiter import RateLimiter, Rates
from broadcasts.senders import Batch
from handlers.whatsapp.delivery import deliver_whatsapp
from handlers.whatsapp.render import OutTemplate, render
from handlers.whatsapp.send import CloudAPI, Recipient
from handlers.whatsapp.settings import WhatsAppSettings


class WhatsAppSender:
    """One job's connection to the Cloud API, from the configured number."""

    def __init__(self, services: Services, api: CloudAPI, owned: bool = True) -> None:
        self.services = services
        self.api = api
        self.owned = owned  # closed by this sender's `aclose`, not kept by the worker
        wa = services.config.whatsapp
        self.limiter = RateLimiter(
            services.redis,
            int(wa.phone_number_id),
            Rates(per_second=wa.messages_per_second),
            in_loop=True,
        )

    @classmethod
    def from_env(cls, services: Services) -> WhatsAppSender:
        """The sender of a worker whose environment holds the WhatsApp secrets; inside a
        worker's kept loop, on the HTTP client the worker keeps for that number."""
        phone_number_id = services.config.whatsapp.phone_number_id
        settings = WhatsAppSettings.from_env()
        api, kept = lasting(
            f"whatsapp:{phone_number_id}:{settings.api_url or ''}",
            lambda: CloudAPI.connect(settings, phone_number_id),
            CloudAPI.aclose,
        )
        return cls(services, api, owned=not kept)

    async def deliver(self, batch: Batch) -> dict[str, Any]:
        """One batch's WhatsApp recipients, within the window, template and budget rules."""
        stats = await deliver_whatsapp(
            self.services,
            batch.announcement,
            batch.recipients,
            self.api,
            self.limiter,
            batch.media,
            batch.should_stop,
        )
        return {k: v for k, v in asdict(stats).items() if k != "outcomes"}

    async def notify(self, to: Address, reply: Reply) -> str:
        """Inside the 24-hour window: the message. Outside: hold it, send the ticket template."""
        services = self.services
        resident = services.residents.get(to)
        if resident is None:
            return "gone"
        if resident.in_window(services.clock.now()):
            tr = services.translator(resident.locale)
            delivery = await self.api.send(Recipient(to.chat_id), render(reply, tr._("Choose")))
            if delivery.outcome != "outside_window":
                return delivery.outcome
        services.held.hold(to, reply)
        template = services.config.whatsapp.ticket_template
        if template is None or not reply.ticket:
            return "held"
        message = OutTemplate(template.name, template.language, (reply.ticket,))
        return "held; " + (await self.api.send(Recipient(to.chat_id), [message])).outcome

    async def edit(self, chat: Address, message_id: int, text: str, final: bool = False) -> None:
        """WhatsApp has no edits: progress is not updated in place, and the final delivery
        report comes as a message of its own (the admin wrote moments or hours before, so
        usually inside the 24-hour window; outside it WhatsApp refuses it, and the report
        stays in `/broadcasts` and `kimbot broadcast status`)."""
        if final:
            await self.api.send(Recipient(chat.chat_id), render(Reply(text=text), ""))

    async def fetch_media(self, ref: str) -> bytes:
        """A resident's or admin's file (`wa:<kind>:<media id>`), from the Cloud API."""
        return await self.api.download(ref.split(":", 2)[2])

    async def aclose(self) -> None:
        """Close the HTTP session, unless the worker keeps it for the next job."""
        if self.owned:
            await self.api.aclose()
