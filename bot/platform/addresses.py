"""Where a message comes from or goes to: a platform and a stable chat id.

Telegram chats are keyed by their int64 chat id; WhatsApp users by their business-scoped
user id. The text form `tg:123456` / `wa:ID` is what config.yaml and Redis keys use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Platform = Literal["tg", "wa"]
PLATFORMS: tuple[Platform, ...] = ("tg", "wa")
_TG_ID = re.compile(r"^-?\d{1,19}$")
_WA_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class AddressError(ValueError):
    """A text that is not a valid address."""


@dataclass(frozen=True, slots=True)
class Address:
    """A chat on one platform."""

    platform: Platform
    chat_id: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.chat_id}"

    @property
    def is_private(self) -> bool:
        """True for a person's private chat (Telegram: positive ids; WhatsApp: always)."""
        return self.platform == "wa" or not self.chat_id.startswith("-")

    @classmethod
    def telegram(cls, chat_id: int) -> Address:
        """The address of a Telegram chat."""
        return cls("tg", str(chat_id))

    @classmethod
    def whatsapp(cls, chat_id: str) -> Address:
        """The address of a WhatsApp user; raise AddressError on an invalid id."""
        return cls.parse(f"wa:{chat_id}")

    @classmethod
    def parse(cls, text: str) -> Address:
        """Parse `tg:123` or `wa:ID`; raise AddressError on anything else."""
        platform, sep, chat_id = text.partition(":")
        if not sep or platform not in PLATFORMS:
            raise AddressError(f"{text!r} is not an address like tg:123456789 or wa:ID")
        pattern = _TG_ID if platform == "tg" else _WA_ID
        if not pattern.match(chat_id):
            raise AddressError(f"{text!r} has an invalid {platform} chat id")
        return cls("tg" if platform == "tg" else "wa", chat_id)
