"""WhatsApp secrets and endpoints from the environment; never in config.yaml or logs.

| variable | meaning |
| --- | --- |
| `KIMBOT_WA_TOKEN` | the Cloud API access token (system user token) (secret) |
| `KIMBOT_WA_APP_SECRET` | the Meta app's secret; signs every webhook POST (secret) |
| `KIMBOT_WA_VERIFY_TOKEN` | the string Meta echoes when verifying the webhook (secret) |
| `KIMBOT_WA_API_URL` | optional Graph API root for a local stand-in (default Meta's) |

The phone number id and the business number are not secrets: they live in config.yaml
under `whatsapp:`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from handlers.settings import SettingsError

REQUIRED = {
    "KIMBOT_WA_TOKEN": "the Cloud API access token from Meta's WhatsApp Manager",
    "KIMBOT_WA_APP_SECRET": "the app secret from the Meta app's Basic Settings",
    "KIMBOT_WA_VERIFY_TOKEN": "any string you also type into the webhook settings",
}


@dataclass(frozen=True)
class WhatsAppSettings:
    """The WhatsApp part of the environment; `repr` never shows a secret."""

    token: str = field(repr=False)
    app_secret: str = field(repr=False)
    verify_token: str = field(repr=False)
    api_url: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> WhatsAppSettings:
        """Read the variables above; raise SettingsError naming every missing or bad one."""
        env = os.environ if env is None else env
        values = {name: env.get(name, "").strip() for name in (*REQUIRED, "KIMBOT_WA_API_URL")}
        problems = [
            f"{name} is not set: {meaning} (environment only, never config.yaml)"
            for name, meaning in REQUIRED.items()
            if not values[name]
        ]
        problems += [
            f"{name} must not contain spaces or line breaks"
            for name in REQUIRED
            if values[name] and any(c.isspace() for c in values[name])
        ]
        api_url = values["KIMBOT_WA_API_URL"] or None
        if api_url is not None and not api_url.startswith(("https://", "http://")):
            problems.append("KIMBOT_WA_API_URL must start with https:// or http://")
        if problems:
            raise SettingsError("; ".join(problems))
        return cls(
            token=values["KIMBOT_WA_TOKEN"],
            app_secret=values["KIMBOT_WA_APP_SECRET"],
            verify_token=values["KIMBOT_WA_VERIFY_TOKEN"],
            api_url=api_url.rstrip("/") if api_url else None,
        )
