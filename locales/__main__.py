"""The catalog workflow: `python -m locales update` then translate, then `compile`.

    python -m locales extract   write locales/kimbot.pot from the source
    python -m locales update    extract, then merge new messages into every .po
    python -m locales compile   compile every .po into the .mo the bot loads
    python -m locales init XX   start a catalog for a new locale XX
    python -m locales check     exit 1 if a .mo is missing or older than its .po

Run from the repository root. Message ids are English; Indonesian is the default locale.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent
POT = ROOT / "kimbot.pot"
KEYWORDS = ["-k", "_", "-k", "N_"]
LOCALES = ("id", "en", "su", "jv")


def _babel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def extract() -> None:
    """Write the template from the source code."""
    _babel(
        "extract",
        "-F",
        str(ROOT / "babel.cfg"),
        *KEYWORDS,
        "--no-location",
        "--sort-output",
        "--project=KIM Bot",
        "--copyright-holder=KIM Bot contributors",
        "-o",
        str(POT),
        str(ROOT.parent),
    )


def update() -> None:
    """Merge the template into every catalog (new messages arrive untranslated)."""
    extract()
    for locale in LOCALES:
        po = ROOT / locale / "LC_MESSAGES" / "kimbot.po"
        if po.exists():
            _babel(
                "update",
                "-i",
                str(POT),
                "-d",
                str(ROOT),
                "-D",
                "kimbot",
                "-l",
                locale,
                "--no-fuzzy-matching",
                "--ignore-obsolete",
            )
        else:
            _babel("init", "-i", str(POT), "-d", str(ROOT), "-D", "kimbot", "-l", locale)


def compile_all() -> None:
    """Compile every catalog."""
    _babel("compile", "-d", str(ROOT), "-D", "kimbot", "--statistics")


def _messages(catalog: Catalog) -> dict[object, object]:
    return {m.id: m.string for m in catalog if m.id and not m.fuzzy}


def stale() -> list[str]:
    """Catalogs whose compiled .mo is missing or says something other than the .po.

    Compares contents, not file times: a fresh clone gives every file the same age.
    """
    found = []
    for po in sorted(ROOT.glob("*/LC_MESSAGES/kimbot.po")):
        mo = po.with_suffix(".mo")
        with po.open("rb") as handle:
            source = _messages(read_po(handle))
        compiled: dict[object, object] = {}
        if mo.exists():
            with mo.open("rb") as handle:
                compiled = _messages(read_mo(handle))
        translated = {k: v for k, v in source.items() if v and (not isinstance(v, tuple) or all(v))}
        if not mo.exists() or translated != compiled:
            found.append(str(po.relative_to(ROOT.parent)))
    return found


def main(argv: list[str]) -> int:
    """Run one workflow step."""
    command = argv[0] if argv else ""
    if command == "extract":
        extract()
    elif command == "update":
        update()
    elif command == "compile":
        compile_all()
    elif command == "init" and len(argv) == 2:
        _babel("init", "-i", str(POT), "-d", str(ROOT), "-D", "kimbot", "-l", argv[1])
    elif command == "check":
        outdated = stale()
        for path in outdated:
            print(f"{path}: compiled catalog missing or stale; run python -m locales compile")
        return 1 if outdated else 0
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
