"""Every resident flow as a dialogue table, in Bahasa Indonesia and in English."""

from __future__ import annotations

import pytest

from bot.dialogs import Conversations, build_conversations
from bot.platform.clock import FixedClock
from bot.platform.config import Config
from bot.platform.store import Redis
from bot.services import Services
from handlers.wiring import build_services
from tests.support.constants import BAGENDUNG, KEBON_DALEM
from tests.support.dialog import Resident, verify_dialog

ONBOARDING = {
    "id": [
        ("/start", "Selamat datang di KIM Kota Cilegon!"),
        ("[Bahasa Indonesia]", "Pemberitahuan privasi"),
        ("[✅]", "Anda tinggal di kecamatan mana?"),
        ("[Cilegon]", "Kecamatan Cilegon: kelurahan yang mana?"),
        (
            "[Bagendung]",
            "Anda sudah berlangganan pengumuman untuk Kelurahan Bagendung, Kecamatan Cilegon",
        ),
        ("/start", "Selamat datang kembali!"),
    ],
    "en": [
        ("/start", "Welcome to KIM Kota Cilegon!"),
        ("[English]", "Privacy notice"),
        ("[✅]", "Which kecamatan do you live in?"),
        ("[Cilegon]", "Kecamatan Cilegon: which kelurahan?"),
        (
            "[Bagendung]",
            "You are subscribed to announcements for Kelurahan Bagendung, Kecamatan Cilegon",
        ),
        ("/start", "Welcome back!"),
    ],
}

TYPED_NAMES = {
    "id": [
        ("/start", "Pilih bahasa"),
        ("[Bahasa Indonesia]", "Pemberitahuan privasi"),
        ("[✅]", "kecamatan mana"),
        ("xyzzy", "Saya tidak menemukan “xyzzy”"),
        ("kebon", "Yang mana maksud Anda?"),
        ("[Kebon Dalem]", "Kelurahan Kebon Dalem, Kecamatan Purwakarta"),
    ],
    "en": [
        ("/start", "Choose your language"),
        ("[English]", "Privacy notice"),
        ("[✅]", "Which kecamatan"),
        ("merak", "Kecamatan Pulomerak: which kelurahan?"),
        ("lebak gede", "Kelurahan Lebakgede, Kecamatan Pulomerak"),
    ],
}

MOVE_STOP_RESUME = {
    "id": [
        ("/pindah", "Anda tinggal di kecamatan mana?"),
        ("deringo", "Anda sudah pindah ke Kelurahan Dringo, Kecamatan Citangkil"),
        ("/berhenti", "Berhenti menerima semua pengumuman KIM"),
        ("[✖]", "Tidak ada yang diubah"),
        ("/berhenti", "Berhenti menerima"),
        ("[⛔]", "Anda tidak akan menerima pengumuman lagi"),
        ("/berhenti", "Anda tidak sedang berlangganan"),
        ("/start", "Berlangganan lagi pengumuman Kelurahan Dringo"),
        ("[✅]", "Kelurahan Dringo, Kecamatan Citangkil"),
    ],
    "en": [
        ("/move", "Which kecamatan do you live in?"),
        ("deringo", "You moved to Kelurahan Dringo, Kecamatan Citangkil"),
        ("/stop", "Stop receiving all KIM announcements"),
        ("[✖]", "Nothing changed"),
        ("/stop", "Stop receiving"),
        ("[⛔]", "You will no longer receive announcements"),
        ("/stop", "You are not subscribed"),
        ("/start", "Subscribe again to Kelurahan Dringo"),
        ("[✅]", "Kelurahan Dringo, Kecamatan Citangkil"),
    ],
}

KOMUNITAS_DATA_ERASE = {
    "id": [
        ("/komunitas", "KIM komunitas"),
        ("[Sepeda]", "✅ Komunitas Sepeda Onthel Cilegon"),
        ("[Sepeda]", "➕ Komunitas Sepeda Onthel Cilegon"),
        ("[Seni]", "✅ Seni Budaya Cilegon"),
        ("[Selesai]", "Kelurahan Bagendung"),
        ("/dataku", "Seni Budaya Cilegon"),
        ("/dataku", "Senin, 21 September 2026 21.13"),  # consent time, Indonesian, WIB
        ("/hapusdata", "Hapus semua data Anda sekarang?"),
        ("[✖]", "Tidak ada yang diubah"),
        ("/hapusdata", "Hapus semua data"),
        ("[🗑]", "Semua data Anda sudah dihapus"),
        ("/dataku", "Kami tidak menyimpan data apa pun tentang Anda"),
        ("/hapusdata", "Kami tidak menyimpan data apa pun tentang Anda"),
    ],
    "en": [
        ("/community", "Community KIM"),
        ("[Sepeda]", "✅ Komunitas Sepeda Onthel Cilegon"),
        ("[Done]", "Kelurahan Bagendung"),
        ("/mydata", "Communities: Komunitas Sepeda Onthel Cilegon"),
        ("/mydata", "Monday, 21 September 2026 21:13"),
        ("/deletedata", "Delete all your data now?"),
        ("[🗑]", "All your data has been deleted"),
        ("/mydata", "We hold no data about you"),
    ],
}

LANGUAGE_HELP_CANCEL = {
    "id": [
        ("/bahasa", "Pilih bahasa Anda"),
        ("[English]", "Language changed to English"),
        ("/bahasa", "Choose your language"),
        ("[Bahasa Indonesia]", "Bahasa sudah diganti ke Bahasa Indonesia"),
        ("/bantuan", "/pindah"),
        ("/menu", "Kelurahan Bagendung"),
        ("/batal", "Tidak ada yang perlu dibatalkan"),
        ("/pindah", "kecamatan mana"),
        ("/batal", "Dibatalkan"),
        ("/tidakada", "Saya tidak mengenal perintah /tidakada"),
        ("halo", "Saya tidak mengerti"),
        ("<sticker>", "Maaf"),
    ],
    "en": [
        ("/help", "/move"),
        ("/menu", "Kelurahan Bagendung"),
        ("/cancel", "There was nothing to cancel"),
        ("/move", "Which kecamatan"),
        ("/cancel", "Cancelled"),
        ("/nope", "I don't know the command /nope. Type /help"),
        ("hello", "I did not understand that"),
        ("<voice>", "Sorry, I cannot process this kind of message here"),
    ],
}

LANG_BUTTON = {"id": "Bahasa Indonesia", "en": "English"}


def subscribed(conversations: Conversations, lang: str) -> Resident:
    """A resident of Kelurahan Bagendung who speaks `lang`."""
    me = Resident(conversations, language_code=lang)
    for action in ("/start", f"[{LANG_BUTTON[lang]}]", "[✅]", "[Cilegon]", "[Bagendung]"):
        me.send(action)
    return me


@pytest.mark.parametrize("lang", ["id", "en"])
def test_onboarding_by_buttons(conversations: Conversations, lang: str) -> None:
    """Language, consent, kecamatan, kelurahan; then a returning welcome."""
    verify_dialog(Resident(conversations, language_code=lang), ONBOARDING[lang])


@pytest.mark.parametrize("lang", ["id", "en"])
def test_onboarding_by_typed_names(conversations: Conversations, lang: str) -> None:
    """Typed names: not found, several matches, a kecamatan alias, a spacing variant."""
    verify_dialog(Resident(conversations, language_code=lang), TYPED_NAMES[lang])


@pytest.mark.parametrize("lang", ["id", "en"])
def test_move_stop_resume(conversations: Conversations, lang: str) -> None:
    """/pindah by a local spelling, /berhenti cancelled and confirmed, then /start again."""
    verify_dialog(subscribed(conversations, lang), MOVE_STOP_RESUME[lang])


@pytest.mark.parametrize("lang", ["id", "en"])
def test_komunitas_data_and_erasure(conversations: Conversations, lang: str) -> None:
    """Toggle communities, see the data, erase it all."""
    verify_dialog(subscribed(conversations, lang), KOMUNITAS_DATA_ERASE[lang])


@pytest.mark.parametrize("lang", ["id", "en"])
def test_language_help_cancel_and_oddities(conversations: Conversations, lang: str) -> None:
    """/bahasa switches the conversation's language; help, menu, cancel; unknown input."""
    verify_dialog(subscribed(conversations, lang), LANGUAGE_HELP_CANCEL[lang])


@pytest.mark.parametrize(
    ("lang", "table"),
    [
        (
            "id",
            [("/start kel_3672021001", "Pemberitahuan privasi"), ("[✅]", "Kelurahan Bagendung")],
        ),
        ("en", [("/start kel_3672021001", "Privacy notice"), ("[✅]", "Kelurahan Bagendung")]),
        (
            "id",
            [
                ("/start kel_9999999999", "Saya tidak mengenali tautan itu"),
                ("[English]", "Privacy"),
            ],
        ),
        (
            "en",
            [("/start kom_seni-budaya", "Privacy notice"), ("[✅]", "You joined the community")],
        ),
    ],
)
def test_deep_links(conversations: Conversations, lang: str, table: list[tuple[str, str]]) -> None:
    """Poster links skip language and region choice; unknown links fall back politely."""
    verify_dialog(Resident(conversations, language_code=lang), table)


def test_deep_link_for_another_kelurahan_asks_before_moving(
    conversations: Conversations, services: Services
) -> None:
    """A subscriber scanning another kelurahan's poster is asked, not silently moved."""
    me = subscribed(conversations, "id")
    verify_dialog(
        me,
        [
            ("/start kel_3672071003", "Berlangganan pengumuman Kelurahan Kebon Dalem"),
            ("[✖]", "Tidak ada yang diubah"),
        ],
    )
    assert services.residents.is_subscriber(me.address, BAGENDUNG)
    verify_dialog(me, [("/start kel_3672071003", "Kebon Dalem"), ("[✅]", "Anda sudah pindah ke")])
    assert services.residents.is_subscriber(me.address, KEBON_DALEM)


def test_declining_consent(conversations: Conversations, services: Services) -> None:
    """No consent: told plainly, nothing stored, /start works later."""
    me = Resident(conversations)
    verify_dialog(
        me,
        [
            ("/start", "Pilih bahasa"),
            ("[Bahasa Indonesia]", "Apakah Anda setuju?"),
            ("[✖]", "kami tidak menyimpan apa pun tentang Anda"),
            ("/dataku", "Kami tidak menyimpan data apa pun tentang Anda"),
        ],
    )
    assert services.residents.get(me.address) is None


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
    me = subscribed(conversations, "id")
    bumped = config.model_copy(
        update={"privacy": config.privacy.model_copy(update={"notice_version": "2027-01"})}
    )
    again = Resident(build_conversations(build_services(bumped, redis, clock)), chat_id=me.chat_id)
    verify_dialog(again, [("halo", "Pemberitahuan versi 2027-01"), ("[✅]", "Terima kasih!")])
    assert again.conversations.svc.residents.get(me.address).consent_version == "2027-01"  # type: ignore[union-attr]
