"""What a job needs, built once per worker process from its environment and its wiring.

Jobs carry only ids. The worker's environment names the config (`KIMBOT_CONFIG`) and
Redis (`REDIS_URL`); each channel's sender reads its own secrets from the environment
when a job first needs it. Which channels exist, and how the core's `Services` are built
(with every channel's personal-data owners), is told by the composition root with `wire`
before the worker starts: `broadcasts` itself imports no channel.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from redis import Redis as RawRedis

from bot.platform.addresses import Platform
from bot.platform.config import Config, load_config
from bot.platform.dispatch import Dispatch
from bot.platform.store import Redis, connect
from bot.services import Services
from broadcasts.dispatch import RQDispatch
from broadcasts.senders import SenderFactory, Senders

ServicesFactory = Callable[[Config, Redis, Dispatch], Services]


@dataclass(frozen=True)
class Wiring:
    """What the composition root gives broadcasts: services and senders per platform."""

    build_services: ServicesFactory
    senders: Mapping[Platform, SenderFactory] = field(default_factory=dict)


_wiring: Wiring | None = None


def wire(wiring: Wiring) -> None:
    """Register how jobs of this process build services and reach channels."""
    global _wiring
    _wiring = wiring
    job_context.cache_clear()


def wired() -> Wiring:
    """The registered wiring; a worker started without one is a programming error."""
    if _wiring is None:
        raise RuntimeError("broadcasts are not wired: call broadcasts.context.wire() first")
    return _wiring


@dataclass(frozen=True)
class JobContext:
    """Services, the raw Redis connection RQ needs, and the channels' sender factories."""

    services: Services
    rq_redis: RawRedis
    factories: Mapping[Platform, SenderFactory]

    def senders(self) -> Senders:
        """A fresh set of senders for one job (close it inside the job's event loop)."""
        return Senders(self.services, self.factories)


def _required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"the worker needs {name} in its environment")
    return value


@lru_cache(maxsize=1)
def job_context() -> JobContext:
    """The context of this worker process."""
    wiring = wired()
    config = load_config(os.environ.get("KIMBOT_CONFIG", "config.yaml"))
    redis_url = _required("REDIS_URL")
    rq_redis = connect(redis_url, decode=False)
    services = wiring.build_services(config, connect(redis_url), RQDispatch(rq_redis))
    return JobContext(services=services, rq_redis=rq_redis, factories=wiring.senders)
