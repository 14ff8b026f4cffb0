"""`kimbot regions links`: the poster links of every kelurahan/desa and komunitas.

    kimbot regions links [--bot kim_cilegon_bot] [--out links.csv]

A CSV, one row per kelurahan, desa or komunitas: what it is, its code or slug, its name,
the start payload, the Telegram deep link (`https://t.me/<bot>?start=<payload>`, with
`--bot`, the bot's username from @BotFather) and the WhatsApp link
(`https://wa.me/<number>?text=DAFTAR%20<payload>`, when `whatsapp.business_number` is set).
Printed as QR codes on posters, either link takes a resident straight to consent for that
place. Without `--out` the CSV goes to standard output.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from bot.platform.config import Config
from bot.regions.tree import RegionIndex
from handlers.whatsapp.links import komunitas_payload, poster_link, village_payload

BOT_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,30}[Bb][Oo][Tt]$")
COLUMNS = ("kind", "code", "name", "payload", "telegram", "whatsapp")


class LinksError(ValueError):
    """A bad `--bot` username or output file (the message says which)."""


def rows(config: Config, bot: str | None) -> list[dict[str, str]]:
    """One row per village and komunitas, in the region tree's order."""
    if bot is not None and not BOT_USERNAME.match(bot.removeprefix("@")):
        raise LinksError(f"--bot: {bot!r} is not a Telegram bot username (like kim_cilegon_bot)")
    username = bot.removeprefix("@") if bot else ""
    whatsapp = config.whatsapp if config.whatsapp.business_number else None
    places: list[tuple[str, str, str, str]] = [
        (v.level, v.code, v.name, village_payload(v.code))
        for v in RegionIndex(config.regions).villages()
    ]
    places += [("komunitas", k.slug, k.name, komunitas_payload(k.slug)) for k in config.komunitas]
    return [
        {
            "kind": kind,
            "code": code,
            "name": name,
            "payload": payload,
            "telegram": f"https://t.me/{username}?start={payload}" if username else "",
            "whatsapp": poster_link(whatsapp, payload) if whatsapp else "",
        }
        for kind, code, name, payload in places
    ]


def write(config: Config, bot: str | None, out: str | None) -> str:
    """The CSV text; also written to `out` when given."""
    buffer = io.StringIO()
    table = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    table.writeheader()
    table.writerows(rows(config, bot))
    if out:
        try:
            Path(out).write_text(buffer.getvalue(), encoding="utf-8")
        except OSError as exc:
            raise LinksError(f"--out: cannot write {out}: {exc.strerror}") from exc
    return buffer.getvalue()
