"""How the composition roots plug the channels into the core and into `broadcasts`.

- `build_services`: the core's `Services`, with every personal-data owner kept outside
  the core registered (WhatsApp's delivery statuses, notices waiting for their job), so
  that /dataku, /hapusdata, retention and identity moves reach them too.
- `wire_broadcasts`: tells `broadcasts` how its jobs build services and which sender
  serves which platform. Adding a channel is one line in `senders`, which alone imports
  the platforms' clients (aiogram, pywa): commands that run no jobs start without them.
"""

from __future__ import annotations

from bot.platform.addresses import Platform
from bot.platform.clock import Clock
from bot.platform.config import Config
from bot.platform.dispatch import Dispatch
from bot.platform.store import Redis
from bot.services import Services
from bot.services import build_services as build_core
from broadcasts.context import Wiring, wire
from broadcasts.notices import Notices
from broadcasts.senders import SenderFactory
from handlers.whatsapp.tracking import StatusOwner


def senders() -> dict[Platform, SenderFactory]:
    """The sender of every platform."""
    from handlers.telegram.outbound import TelegramSender
    from handlers.whatsapp.outbound import WhatsAppSender

    return {"tg": TelegramSender.from_env, "wa": WhatsAppSender.from_env}


def build_services(
    config: Config, redis: Redis, clock: Clock | None = None, dispatch: Dispatch | None = None
) -> Services:
    """The core's services plus the personal-data owners of the channels and broadcasts."""
    services = build_core(config, redis, clock=clock, dispatch=dispatch)
    services.privacy.register(StatusOwner(redis, services.announcements))
    services.privacy.register(Notices(redis))
    return services


def _job_services(config: Config, redis: Redis, dispatch: Dispatch) -> Services:
    return build_services(config, redis, dispatch=dispatch)


def wire_broadcasts() -> None:
    """Let this process's jobs reach every channel."""
    wire(Wiring(build_services=_job_services, senders=senders()))
