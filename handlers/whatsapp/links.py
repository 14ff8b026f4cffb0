"""Poster links for WhatsApp: `https://wa.me/<number>?text=DAFTAR%20kel_3672021001`.

WhatsApp has no `?start=` deep links. A `wa.me` link opens a chat with the business
number with the text prefilled; the resident only presses send. A prefilled text of a
start keyword (`DAFTAR`, `MULAI` or `START`, any case) followed by a Telegram-style
payload (`kel_<village code without dots>`, `kom_<komunitas slug>`, or an invitation's
`inv_<token>`, bot/people/invites.py) becomes the command
`/start <payload>`, exactly like `t.me/<bot>?start=<payload>` on Telegram. A start keyword
alone is `/start`.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from bot.platform.config import VILLAGE_CODE, WhatsApp

START_KEYWORDS = frozenset({"daftar", "mulai", "start"})
PAYLOAD = re.compile(r"^(?:kel|kom|inv)_[A-Za-z0-9_-]{1,60}$")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


def start_payload(text: str) -> str | None:
    """'kel_3672021001' for 'DAFTAR kel_3672021001', '' for 'daftar', None for other text."""
    words = text.split()
    if not words or len(words) > 2 or words[0].casefold() not in START_KEYWORDS:
        return None
    if len(words) == 1:
        return ""
    return words[1] if PAYLOAD.match(words[1]) else None


def village_payload(code: str) -> str:
    """The start payload for a village: 'kel_3672021001' for '36.72.02.1001'."""
    if not VILLAGE_CODE.match(code):
        raise ValueError(f"{code!r} is not a desa/kelurahan code like 36.72.02.1001")
    return "kel_" + code.replace(".", "")


def komunitas_payload(slug: str) -> str:
    """The start payload for a komunitas: 'kom_sepeda-onthel'."""
    if not SLUG.match(slug):
        raise ValueError(f"{slug!r} is not a komunitas slug")
    return "kom_" + slug


def poster_link(whatsapp: WhatsApp, payload: str = "", keyword: str = "DAFTAR") -> str:
    """The wa.me link for posters, from config.yaml's `whatsapp.business_number`."""
    number = whatsapp.business_number
    if not number:
        raise ValueError("whatsapp.business_number is empty in config.yaml")
    if keyword.casefold() not in START_KEYWORDS:
        raise ValueError(f"{keyword!r} is not a start keyword ({sorted(START_KEYWORDS)})")
    if payload and not PAYLOAD.match(payload):
        raise ValueError(f"{payload!r} is not a start payload like kel_3672021001")
    text = f"{keyword} {payload}" if payload else keyword
    return f"https://wa.me/{number}?text={quote(text)}"
