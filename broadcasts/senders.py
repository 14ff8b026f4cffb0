"""How broadcasts reach a channel: the `Sender` protocol and the senders a job opens.

`broadcasts` never names a platform. Each channel package (`handlers.telegram`,
`handlers.whatsapp`) implements `Sender`; a composition root registers one factory per
platform with `broadcasts.context.wire` before any job runs. A job opens the senders it
needs through `Senders`, lazily, and closes them together at its end, so a WhatsApp-only
deployment never needs a Telegram token and the other way round.

Adding a channel means one new folder under `handlers/` that implements `Sender`, and one
line where the composition root registers it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from bot.announcements.store import Announcement
from bot.platform.addresses import Address, Platform
from bot.platform.messages import Reply
from bot.services import Services
from broadcasts.tally import TALLY

MediaFetch = Callable[[str], Awaitable[bytes]]
"""The bytes of a media reference `<platform>:<kind>:<id>`, from the channel holding it."""


@dataclass(frozen=True)
class Batch:
    """One batch's recipients on one channel, and what the job hands the sender with them."""

    announcement: Announcement
    recipients: list[Address]
    should_stop: Callable[[], bool]  # True once cancelled, or yielding to an early warning
    media: MediaFetch  # another channel's file, by reference


class Sender(Protocol):
    """One channel's outbound side, as a job uses it."""

    async def deliver(self, batch: Batch) -> dict[str, Any]:
        """Send the announcement to those of the batch's recipients with no outcome yet.

        Outcomes go to the announcement's ledger as they come; a recipient the channel
        cannot reach now (a budget, a rate limit) stays pending, and the sender records
        when to try again with `Announcements.defer`. Returns figures for logs; their
        `sent`, `blocked`, `failed` and `deferred` counts are added to the metrics.
        """
        ...

    async def notify(self, to: Address, reply: Reply) -> str:
        """Send one message to someone other than the person who caused it."""
        ...

    async def edit(self, chat: Address, message_id: int, text: str, final: bool = False) -> None:
        """Replace the plain text of a message this channel sent (progress reports); the
        `final` one (the delivery report) is sent anew where a channel cannot edit."""
        ...

    async def fetch_media(self, ref: str) -> bytes:
        """The bytes of a media reference this channel holds (an admin's photo)."""
        ...

    async def aclose(self) -> None:
        """Release connections; called once, inside the job's event loop."""
        ...


SenderFactory = Callable[[Services], Sender]


class NoSender(LookupError):
    """A job needed a platform no composition root registered a sender for."""


class Senders:
    """The senders one job opened, by platform; closed together by `aclose`."""

    def __init__(self, services: Services, factories: Mapping[Platform, SenderFactory]) -> None:
        self.services = services
        self.factories = factories
        self.opened: dict[Platform, Sender] = {}

    def get(self, platform: Platform) -> Sender:
        """The sender of `platform`, opened on first use."""
        sender = self.opened.get(platform)
        if sender is None:
            factory = self.factories.get(platform)
            if factory is None:
                raise NoSender(f"no sender is registered for {platform!r} in this process")
            sender = self.opened[platform] = factory(self.services)
        return sender

    async def fetch_media(self, ref: str) -> bytes:
        """Route a media reference to the channel that holds it."""
        prefix = ref.partition(":")[0]
        platform = next((p for p in self.factories if p == prefix), None)
        if platform is None:
            raise NoSender(f"no sender holds media {ref.split(':', 2)[:2]}")
        return await self.get(platform).fetch_media(ref)

    async def aclose(self) -> None:
        """Close every opened sender, and write the job's counts (broadcasts/tally.py)."""
        opened, self.opened = list(self.opened.values()), {}
        try:
            for sender in opened:
                await sender.aclose()
        finally:
            TALLY.flush(self.services.redis)
