"""What a job needs, built once per worker process from its environment.

Jobs carry only ids. The worker's environment names the config (`KIMBOT_CONFIG`), Redis
(`REDIS_URL`), the bot token (`KIMBOT_TELEGRAM_TOKEN`) and an optional Bot API server
(`KIMBOT_TELEGRAM_API_URL`); `kimbot run` passes them to the worker it starts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from redis import Redis as RawRedis

from bot.platform.config import load_config
from bot.platform.store import connect
from bot.services import Services, build_services
from broadcasts.dispatch import RQDispatch
from broadcasts.limiter import RateLimiter, Rates


@dataclass(frozen=True)
class JobContext:
    """Services, the raw Redis connection RQ needs, and how to reach Telegram."""

    services: Services
    rq_redis: RawRedis
    token: str
    api_url: str | None

    @property
    def bot_id(self) -> int:
        """The bot's numeric id (the token's first part; not secret)."""
        return int(self.token.split(":", 1)[0])

    def limiter(self) -> RateLimiter:
        """The shared limiter at the configured rate."""
        rate = self.services.config.broadcasts.rate_per_second
        return RateLimiter(self.services.redis, self.bot_id, Rates(per_second=rate))

    def bot(self) -> Bot:
        """A new Bot (its session must be closed by the caller, inside the job's loop)."""
        session = (
            JobSession(api=TelegramAPIServer.from_base(self.api_url))
            if self.api_url
            else JobSession()
        )
        return Bot(
            self.token,
            session=session,
            # HTML like the bot's own replies (the renderer escapes); bulk text and
            # photo captions pass parse_mode=None themselves, copies keep the original's.
            default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
        )


class JobSession(AiohttpSession):
    """aiogram's aiohttp session, closed without its 250 ms pause where no TLS was used.

    `AiohttpSession.close()` always sleeps 250 ms so that TLS connections can shut down
    cleanly. Every batch job closes its session, so against a plain-HTTP Bot API server
    (a local `telegram-bot-api`, the emulator) that pause was nearly half of a fast batch's
    time; with `https` the pause stays.
    """

    async def close(self) -> None:
        """Close the connections; wait for TLS shutdowns only when the API is https."""
        if self.api.base.startswith("https:"):
            await super().close()
        elif self._session is not None and not self._session.closed:
            await self._session.close()


def _required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"the worker needs {name} in its environment")
    return value


@lru_cache(maxsize=1)
def job_context() -> JobContext:
    """The context of this worker process."""
    config = load_config(os.environ.get("KIMBOT_CONFIG", "config.yaml"))
    redis_url = _required("REDIS_URL")
    rq_redis = connect(redis_url, decode=False)
    services = build_services(config, connect(redis_url), dispatch=RQDispatch(rq_redis))
    return JobContext(
        services=services,
        rq_redis=rq_redis,
        token=_required("KIMBOT_TELEGRAM_TOKEN"),
        api_url=os.environ.get("KIMBOT_TELEGRAM_API_URL") or None,
    )
