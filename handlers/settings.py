"""Runtime settings from the environment. Secrets live only here, never in config.yaml.

| variable | meaning |
| --- | --- |
| `KIMBOT_TELEGRAM_TOKEN` | the bot token from @BotFather (secret) |
| `KIMBOT_TELEGRAM_API_URL` | another Bot API server, e.g. the local emulator |
| `KIMBOT_WEBHOOK_SECRET` | 1-256 of `A-Za-z0-9_-`, checked on every webhook call (secret) |
| `KIMBOT_WEBHOOK_URL` | the public HTTPS URL Telegram posts updates to |
| `REDIS_URL` | an external Redis; unset: the embedded one under the data directory |
| `KIMBOT_DATA_DIR` | where the embedded Redis keeps its data (default `./data`) |
| `KIMBOT_CONFIG` | the config file (default `./config.yaml`) |

WhatsApp's `KIMBOT_WA_TOKEN`, `KIMBOT_WA_APP_SECRET`, `KIMBOT_WA_VERIFY_TOKEN` (secrets)
and `KIMBOT_WA_API_URL` are read by `handlers.whatsapp.settings`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_BOT_TOKEN = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{10,100}$")


class SettingsError(ValueError):
    """An environment variable is missing or malformed (the message names it)."""


@dataclass(frozen=True)
class Settings:
    """What the environment says; `repr` never shows a secret."""

    telegram_token: str | None = field(default=None, repr=False)
    telegram_api_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    webhook_url: str | None = None
    redis_url: str | None = field(default=None, repr=False)
    data_dir: str = "data"
    config_path: str = "config.yaml"
    config_named: bool = False  # KIMBOT_CONFIG set: the path was chosen, not the default

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read the variables above."""
        env = os.environ if env is None else env

        def get(name: str) -> str | None:
            return env.get(name, "").strip() or None

        return cls(
            telegram_token=get("KIMBOT_TELEGRAM_TOKEN"),
            telegram_api_url=get("KIMBOT_TELEGRAM_API_URL"),
            webhook_secret=get("KIMBOT_WEBHOOK_SECRET"),
            webhook_url=get("KIMBOT_WEBHOOK_URL"),
            redis_url=get("REDIS_URL"),
            data_dir=get("KIMBOT_DATA_DIR") or "data",
            config_path=get("KIMBOT_CONFIG") or "config.yaml",
            config_named=get("KIMBOT_CONFIG") is not None,
        )

    def require_token(self) -> str:
        """The bot token, or a clear error."""
        if not self.telegram_token:
            raise SettingsError(
                "KIMBOT_TELEGRAM_TOKEN is not set: put the token from @BotFather in the "
                "environment (never in config.yaml)"
            )
        if not _BOT_TOKEN.match(self.telegram_token):
            raise SettingsError(
                "KIMBOT_TELEGRAM_TOKEN does not look like a bot token (123456:ABC…)"
            )
        return self.telegram_token

    def require_webhook(self) -> tuple[str, str]:
        """(public URL, secret) for webhook mode, or a clear error."""
        if not self.webhook_secret:
            raise SettingsError("--webhook needs KIMBOT_WEBHOOK_SECRET (1-256 of A-Z a-z 0-9 _ -)")
        if not _SECRET_TOKEN.match(self.webhook_secret):
            raise SettingsError("KIMBOT_WEBHOOK_SECRET may hold only A-Z a-z 0-9 _ - (1-256 chars)")
        if not self.webhook_url or not self.webhook_url.startswith(("https://", "http://")):
            raise SettingsError(
                "--webhook needs KIMBOT_WEBHOOK_URL, the public URL of /telegram/webhook"
            )
        return self.webhook_url, self.webhook_secret
