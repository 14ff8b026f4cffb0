"""Translations and locale-aware formatting, per resident, outside any update context.

Message ids are English; every resident-facing string goes through `Translator._` (or
`N_` where it is only marked, to be translated later) so Babel can extract it. A locale
missing a message falls back to Indonesian, then to the English message id. Dates, times
and numbers are formatted by Babel in the resident's locale and the deployment's zone.
"""

from __future__ import annotations

import gettext
from datetime import datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale, dates, numbers
from babel.support import NullTranslations, Translations

DOMAIN = "kimbot"
DEFAULT_LOCALE = "id"
# Indonesia's three zones by the names residents use (Permendagri: WIB, WITA, WIT).
ZONE_LABELS = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}
LANGUAGE_NAMES = {"id": "Bahasa Indonesia", "en": "English", "su": "Basa Sunda", "jv": "Basa Jawa"}
BABEL_LOCALE = {"id": "id_ID", "en": "en_GB", "su": "su_ID", "jv": "jv_ID"}


def locales_dir() -> Path:
    """Where the compiled catalogs live (the `locales` package)."""
    return Path(str(resources.files("locales")))


@lru_cache(maxsize=16)
def _catalog(locale: str) -> gettext.NullTranslations:
    found = Translations.load(str(locales_dir()), [locale], DOMAIN)
    if locale != DEFAULT_LOCALE and isinstance(found, Translations):
        found.add_fallback(_catalog(DEFAULT_LOCALE))
    elif locale != DEFAULT_LOCALE:
        return _catalog(DEFAULT_LOCALE)
    return found if isinstance(found, Translations) else NullTranslations()


class Translator:
    """Everything a dialog needs to speak one resident's language."""

    def __init__(self, locale: str, timezone: str = "Asia/Jakarta") -> None:
        self.locale = locale if locale in LANGUAGE_NAMES else DEFAULT_LOCALE
        self.tz = ZoneInfo(timezone)
        self._t = _catalog(self.locale)
        self._babel = Locale.parse(BABEL_LOCALE[self.locale])

    def _(self, message: str, **params: Any) -> str:
        """Translate `message` and fill its `{name}` placeholders."""
        text = self._t.gettext(message)
        return text.format(**params) if params else text

    def number(self, value: float) -> str:
        """A number as the locale writes it (id: 1.234.567,891)."""
        return numbers.format_decimal(value, locale=self._babel)

    @property
    def zone(self) -> str:
        """The deployment's zone as residents name it: WIB, WITA, WIT (else its UTC offset)."""
        label = ZONE_LABELS.get(self.tz.key)
        if label is not None:
            return label
        return dates.get_timezone_gmt(datetime.now(self.tz), width="long", locale=self._babel)

    def datetime_text(self, moment: datetime) -> str:
        """A date and time in the deployment's zone, labelled (id: Minggu, 17 Agustus 2025
        14.30 WIB)."""
        local = moment.astimezone(self.tz)
        day = dates.format_date(local, format="full", locale=self._babel)
        time = dates.format_time(local, format="short", locale=self._babel)
        return f"{day} {time} {self.zone}"

    def date_text(self, moment: datetime) -> str:
        """A date in the deployment's zone, short (id: 17 Agu 2025)."""
        return dates.format_date(moment.astimezone(self.tz), format="medium", locale=self._babel)

    def day_from_now(self, moment: datetime, now: datetime) -> str:
        """How far off `moment`'s day is, in words: today, tomorrow, in 3 days."""
        days = (moment.astimezone(self.tz).date() - now.astimezone(self.tz).date()).days
        if days == 0:
            return self._("today")
        if days == 1:
            return self._("tomorrow")
        if days == 2:
            return self._("the day after tomorrow")
        if days > 2:
            return self._("in {days} days", days=self.number(days))
        return self._("{days} days ago", days=self.number(-days))


def N_(message: str) -> str:
    """Mark a message for extraction where it is translated later, with `Translator._`."""
    return message


def pick_locale(language_code: str | None, enabled: list[str], default: str) -> str:
    """The resident's locale from Telegram's language_code, else the deployment default."""
    if language_code:
        base = language_code.replace("_", "-").split("-")[0].lower()
        if base in enabled:
            return base
    return default
