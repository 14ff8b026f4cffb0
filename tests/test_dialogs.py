"""Every resident flow as a dialogue table (tests/support/dialogues.py), played on Telegram
and on WhatsApp, in Bahasa Indonesia and in English; then what only Telegram's app
language, and a new privacy notice, change."""

from __future__ import annotations

import pytest

from bot.dialogs import Conversations, build_conversations
from bot.platform.clock import FixedClock
from bot.platform.config import Config
from bot.platform.store import Redis
from handlers.wiring import build_services
from tests.support.constants import BAGENDUNG, DRINGO, KEBON_DALEM
from tests.support.dialog import Driver, Resident, Table, play, verify_dialog
from tests.support.dialogues import (
    AFTER_ERASURE,
    ANOTHER_KELURAHAN,
    DECLINING_CONSENT,
    DEEP_LINKS,
    KOMUNITAS_DATA_ERASE,
    LANGUAGE_HELP_CANCEL,
    LANGUAGES,
    MOVE_STOP_RESUME,
    ONBOARDING_BY_BUTTONS,
    ONBOARDING_BY_NAMES,
    ONBOARDING_BY_NUMBERS,
    SUBSCRIBE,
    TYPED_VILLAGE,
    by_poster,
)


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_onboarding_by_buttons(resident: Driver, lang: str) -> None:
    """Language, consent, kecamatan, kelurahan: subscribed, in that language; then welcomed
    back."""
    await play(resident, ONBOARDING_BY_BUTTONS[lang])
    residents = resident.services.residents
    assert residents.is_subscriber(resident.address, BAGENDUNG)
    record = residents.get(resident.address)
    assert record is not None
    assert record.locale == lang


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_onboarding_by_typed_numbers(resident: Driver, lang: str) -> None:
    """Every choice answered by typing its number, as the resident sees it offered."""
    await play(resident, ONBOARDING_BY_NUMBERS[lang])
    assert resident.services.residents.is_subscriber(resident.address, BAGENDUNG)


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_onboarding_by_typed_names(resident: Driver, lang: str) -> None:
    """Typed names: not found, several matches, a kecamatan alias, a spacing variant."""
    await play(resident, ONBOARDING_BY_NAMES[lang])
    record = resident.services.residents.get(resident.address)
    assert record is not None
    assert record.village is not None
    assert resident.services.regions[record.village].name == TYPED_VILLAGE[lang]


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_move_stop_resume(resident: Driver, lang: str) -> None:
    """/pindah by a local spelling, /berhenti cancelled and confirmed, then /start again."""
    await play(resident, SUBSCRIBE[lang] + MOVE_STOP_RESUME[lang])
    assert resident.services.residents.is_subscriber(resident.address, DRINGO)


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_komunitas_data_and_erasure(resident: Driver, lang: str) -> None:
    """Toggle communities, see the data, cancel and confirm erasure: nothing is kept."""
    await play(resident, SUBSCRIBE[lang] + KOMUNITAS_DATA_ERASE[lang] + AFTER_ERASURE[lang])
    assert resident.services.residents.get(resident.address) is None


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_language_help_cancel_and_oddities(resident: Driver, lang: str) -> None:
    """/bahasa switches the conversation's language; help, menu, cancel; unknown input."""
    await play(resident, SUBSCRIBE[lang] + LANGUAGE_HELP_CANCEL[lang])


@pytest.mark.parametrize("table", DEEP_LINKS)
async def test_deep_links(resident: Driver, table: Table) -> None:
    """Poster links skip language and region choice; unknown links fall back politely."""
    await play(resident, table)


async def test_deep_link_for_another_kelurahan_asks_before_moving(resident: Driver) -> None:
    """A subscriber scanning another kelurahan's poster is asked, not silently moved."""
    residents = resident.services.residents
    await play(resident, SUBSCRIBE["id"] + ANOTHER_KELURAHAN[:2])
    assert residents.is_subscriber(resident.address, BAGENDUNG)
    await play(resident, ANOTHER_KELURAHAN[2:])
    assert residents.is_subscriber(resident.address, KEBON_DALEM)


async def test_declining_consent(resident: Driver) -> None:
    """No consent: told plainly, nothing stored, /start works later."""
    await play(resident, DECLINING_CONSENT)
    assert resident.services.residents.get(resident.address) is None


# Telegram only: the app tells the bot its language, which answers a newcomer.


@pytest.mark.parametrize(
    ("lang", "welcome"),
    [("id", "Selamat datang di KIM Kota Cilegon!"), ("en", "Welcome to KIM Kota Cilegon!")],
)
def test_the_apps_language_welcomes_a_newcomer(
    conversations: Conversations, lang: str, welcome: str
) -> None:
    """/start from an app in Indonesian or English: the welcome is in that language."""
    verify_dialog(Resident(conversations, language_code=lang), [("/start", welcome)])


@pytest.mark.parametrize(
    "table",
    [
        by_poster("kel_3672021001", "Kelurahan Bagendung", "Privacy notice"),
        by_poster("kom_seni-budaya", "You joined the community", "Privacy notice"),
    ],
)
def test_deep_links_answer_in_the_apps_language(conversations: Conversations, table: Table) -> None:
    """A poster link skips the language question: the app's language (English) is used."""
    verify_dialog(Resident(conversations, language_code="en"), table)


def test_an_erased_resident_is_answered_in_the_apps_language(conversations: Conversations) -> None:
    """After /deletedata the resident is unknown again: the app's language answers."""
    me = Resident(conversations, language_code="en")
    verify_dialog(me, SUBSCRIBE["en"])
    verify_dialog(
        me,
        [
            ("/deletedata", "Delete all your data now?"),
            ("[🗑]", "All your data has been deleted"),
            ("/mydata", "We hold no data about you"),
        ],
    )


def test_language_from_the_app_and_sundanese_onboarding(conversations: Conversations) -> None:
    """Telegram's language_code picks the first language; Sundanese onboarding is translated."""
    me = Resident(conversations, language_code="su")
    verify_dialog(
        me,
        [
            ("/start", "Pilih basa"),
            ("[Basa Sunda]", "Anjeun"),
            ("[✅]", "kecamatan"),
            ("[Cilegon]", "Bagendung"),
            ("[Bagendung]", "Kelurahan Bagendung"),
        ],
    )
    assert "Anjeun" in me.said()


def test_new_notice_version_asks_for_consent_again(
    conversations: Conversations, config: Config, redis: Redis, clock: FixedClock
) -> None:
    """After the operator bumps the notice version, the next message asks again."""
    me = Resident(conversations)
    verify_dialog(me, SUBSCRIBE["id"])
    bumped = config.model_copy(
        update={"privacy": config.privacy.model_copy(update={"notice_version": "2027-01"})}
    )
    again = Resident(build_conversations(build_services(bumped, redis, clock)), chat_id=me.chat_id)
    verify_dialog(again, [("halo", "Pemberitahuan versi 2027-01"), ("[✅]", "Terima kasih!")])
    assert again.conversations.svc.residents.get(me.address).consent_version == "2027-01"  # type: ignore[union-attr]
