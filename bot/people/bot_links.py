"""What the channels tell the core about the bot itself, for links it gives people.

The Telegram adapter learns the bot's username (getMe) and the staff group's
join-request link when it starts, and writes them here; the core reads them to build
invitation links (`https://t.me/<username>?start=inv_…`) and to send new staff to their
group. WhatsApp's links come from config.yaml (`whatsapp.business_number`).

`kimbot run` also records the address its web console answers on, when config.yaml's
`console.url` does not name one, for the login links of `/konsol`.

Redis keys (owned here): `kim:bot:links` — hash: telegram_username, staff_group_link,
group (the staff group that link is for), console_url.
"""

from __future__ import annotations

from urllib.parse import quote

from bot.platform.config import Config
from bot.platform.store import Redis

KEY = "kim:bot:links"


class BotLinks:
    """The bot's own public links."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    def set_telegram(self, username: str, staff_group_link: str = "", group: str = "") -> None:
        """Record the Telegram bot's username and the staff group's join link (made for
        `group`, so that a new staff group in config.yaml gets a new link)."""
        self.redis.hset(KEY, mapping={"telegram_username": username})
        if staff_group_link:
            self.redis.hset(KEY, mapping={"staff_group_link": staff_group_link, "group": group})
        else:
            self.redis.hdel(KEY, "staff_group_link", "group")

    def staff_group(self) -> str:
        """The staff group the kept join link is for."""
        return str(self.redis.hget(KEY, "group") or "")

    def telegram_username(self) -> str:
        """The bot's username ("" until the Telegram adapter has started once)."""
        return str(self.redis.hget(KEY, "telegram_username") or "")

    def staff_group_link(self) -> str:
        """The staff group's join-request link ("" when unknown)."""
        return str(self.redis.hget(KEY, "staff_group_link") or "")

    def set_console(self, url: str) -> None:
        """Record where `kimbot run` serves the console (http://host:port)."""
        self.redis.hset(KEY, "console_url", url.rstrip("/"))

    def console_base(self, config: Config) -> str:
        """The console's address for links: config.yaml's `console.url`, else the one
        `kimbot run` recorded ("" when neither is known)."""
        return config.console.base or str(self.redis.hget(KEY, "console_url") or "")

    def start_links(self, config: Config, payload: str) -> dict[str, str]:
        """The links that send `/start <payload>` to the bot, by platform (only those
        this deployment has)."""
        links: dict[str, str] = {}
        username = self.telegram_username()
        if username:
            links["tg"] = f"https://t.me/{username}?start={payload}"
        number = config.whatsapp.business_number
        if config.whatsapp.enabled and number:
            links["wa"] = f"https://wa.me/{number}?text={quote('DAFTAR ' + payload)}"
        return links
