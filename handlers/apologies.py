"""Apologies that need no Redis: while the store is unreachable, residents hear once a
minute that their message will be answered, from memory only.

The locale comes from what the platform says of the person (Telegram's language code),
else the deployment's default: the resident's stored choice is in the store that is down.
"""

from __future__ import annotations

import time
from collections import OrderedDict

from bot.platform.config import Config
from bot.platform.i18n import Translator

QUIET_SECONDS = 60.0
REMEMBERED = 10_000


class Apologies:
    """Decides who to apologise to and in which words."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._last: OrderedDict[str, float] = OrderedDict()

    def due(self, chat: str) -> bool:
        """True (and remembered) if `chat` was not apologised to in the last minute."""
        now = time.monotonic()
        last = self._last.get(chat)
        if last is not None and now - last < QUIET_SECONDS:
            return False
        self._last[chat] = now
        self._last.move_to_end(chat)
        while len(self._last) > REMEMBERED:
            self._last.popitem(last=False)
        return True

    def text(self, language_code: str | None) -> str:
        """The apology in the person's language if the deployment speaks it."""
        locales = self.config.locales
        code = (language_code or "").split("-", 1)[0].casefold()
        locale = code if code in locales.enabled else locales.default
        tr = Translator(locale, self.config.deployment.timezone)
        return tr._(
            "Sorry, our service is disrupted right now. Your message has been received "
            "and will be answered as soon as the service is back."
        )
