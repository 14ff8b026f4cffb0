"""The gettext catalogs: complete where they must be, consistent, and compiled."""

from __future__ import annotations

import re
import string

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from locales.__main__ import stale
from tests.support.constants import ROOT

LOCALES = ROOT / "locales"
POT = LOCALES / "kimbot.pot"
# Button labels start with an emoji or an arrow and are short in English; longer messages
# that start with an emoji are headings, not buttons.
SHORT_LABEL = re.compile(r"^[^\w\s/{].{0,21}$")
LABEL_LIMIT = 20  # WhatsApp reply buttons


def catalog(locale: str) -> Catalog:
    """A locale's .po file."""
    with (LOCALES / locale / "LC_MESSAGES" / "kimbot.po").open("rb") as handle:
        return read_po(handle)


def template_ids() -> set[str]:
    """Every message id the source code uses."""
    with POT.open("rb") as handle:
        return {m.id for m in read_po(handle) if m.id and isinstance(m.id, str)}


def fields(text: str) -> set[str]:
    """The {placeholder} names in a message."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("locale", ["id", "en", "su", "jv"])
def test_every_message_is_translated(locale: str) -> None:
    """Indonesian and English must be complete; Sundanese and Javanese are complete too."""
    translated = {m.id for m in catalog(locale) if m.id and m.string and not m.fuzzy}
    missing = sorted(template_ids() - translated)
    assert missing == [], f"{locale} lacks: {missing[:5]}"


@pytest.mark.parametrize("locale", ["id", "en", "su", "jv"])
def test_placeholders_match(locale: str) -> None:
    """A translation uses exactly the placeholders of its message id."""
    wrong = [
        m.id
        for m in catalog(locale)
        if m.id and isinstance(m.string, str) and m.string and fields(m.string) != fields(str(m.id))
    ]
    assert wrong == []


@pytest.mark.parametrize("locale", ["id", "en", "su", "jv"])
def test_button_labels_fit_whatsapp(locale: str) -> None:
    """Button labels stay within 20 characters in every language."""
    too_long = [
        m.string
        for m in catalog(locale)
        if isinstance(m.id, str)
        and SHORT_LABEL.match(m.id)
        and isinstance(m.string, str)
        and len(m.string) > LABEL_LIMIT
    ]
    assert too_long == []


def test_template_is_current() -> None:
    """kimbot.pot holds exactly the messages the code uses (run `python -m locales update`)."""
    from babel.messages.extract import extract_from_dir

    found: set[str] = set()
    for sub in ("bot", "handlers", "broadcasts"):
        for _, _, message, *_ in extract_from_dir(
            str(ROOT / sub),
            method_map=[("**.py", "python"), ("console/templates/**.html", "jinja2")],
            keywords={"_": None, "N_": None},
        ):
            found.add(message if isinstance(message, str) else message[0])
    assert found == template_ids()


def test_compiled_catalogs_match_their_sources() -> None:
    """Every .mo says what its .po says (run `python -m locales compile`)."""
    assert stale() == []


def test_english_catalog_uses_english_commands() -> None:
    """English speakers are shown /move, /help… rather than the Indonesian names."""
    text = " ".join(str(m.string) for m in catalog("en") if m.string)
    for indonesian in ("/pindah", "/bantuan", "/berhenti", "/hapusdata", "/dataku", "/bahasa"):
        assert indonesian not in text


def test_every_locale_directory_is_known() -> None:
    """No stray catalogs: each directory is a locale the bot offers."""
    dirs = {p.name for p in LOCALES.iterdir() if (p / "LC_MESSAGES").is_dir()}
    assert dirs == {"id", "en", "su", "jv"}


# Wording that reads wrong to a resident, found by reading every catalog (issue 11, item 5).
WORDING = [
    (re.compile(r"KIM\s+komunitas", re.I), "the name is “Komunitas KIM”"),
    (re.compile(r"Asia/(?:Jakarta|Makassar|Jayapura|Pontianak)"), "say WIB, WITA or WIT"),
]


@pytest.mark.parametrize("locale", ["id", "en", "su", "jv"])
def test_wording_rules(locale: str) -> None:
    """No translation uses wording that a resident reading every string found wrong."""
    found = [
        f"{m.string!r}: {why}"
        for m in catalog(locale)
        if m.id and isinstance(m.string, str)
        for pattern, why in WORDING
        if pattern.search(m.string)
    ]
    assert found == []
