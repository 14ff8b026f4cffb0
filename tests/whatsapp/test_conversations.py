"""Resident flows over WhatsApp as dialogue tables, in Bahasa Indonesia and in English:
signed webhooks in, rendered Graph API messages out, the real core on real Redis."""

from __future__ import annotations

import pytest

from bot.platform.addresses import Address
from bot.platform.store import Redis
from tests.support.constants import BAGENDUNG
from tests.support.dialog import play
from tests.support.storage import everything_in
from tests.support.webhooks import Person
from tests.support.whatsapp import WhatsAppDriver, WhatsAppWorld

BY_LIST = {
    "id": [
        ("halo", "Selamat datang di KIM Kota Cilegon!"),
        ("[Bahasa Indonesia]", "*Pemberitahuan privasi*"),
        ("[✅]", "Anda tinggal di kecamatan mana?"),
        ("[Cilegon]", "Kecamatan Cilegon: kelurahan yang mana?"),
        (
            "[Bagendung]",
            "Anda sudah berlangganan pengumuman untuk Kelurahan Bagendung, Kecamatan Cilegon",
        ),
        ("/start", "Selamat datang kembali!"),
    ],
    "en": [
        ("hello", "Choose your language"),  # no language from WhatsApp: asked first
        ("[English]", "*Privacy notice*"),
        ("[✅]", "Which kecamatan do you live in?"),
        ("[Cilegon]", "Kecamatan Cilegon: which kelurahan?"),
        (
            "[Bagendung]",
            "You are subscribed to announcements for Kelurahan Bagendung, Kecamatan Cilegon",
        ),
        ("/start", "Welcome back!"),
    ],
}

BY_NUMBER = {
    "id": [
        ("/start", "Pilih bahasa"),
        ("#Bahasa Indonesia", "Pemberitahuan privasi"),
        ("#✅", "Anda tinggal di kecamatan mana?"),
        ("#Cilegon", "Kecamatan Cilegon: kelurahan yang mana?"),
        ("#Bagendung", "Kelurahan Bagendung, Kecamatan Cilegon"),
    ],
    "en": [
        ("/start", "Choose your language"),
        ("#English", "Privacy notice"),
        ("#✅", "Which kecamatan do you live in?"),
        ("#Cilegon", "Kecamatan Cilegon: which kelurahan?"),
        ("#Bagendung", "Kelurahan Bagendung, Kecamatan Cilegon"),
    ],
}

BY_NAME = {
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

ERASE = {
    "id": [
        ("DAFTAR kel_3672021001", "Pemberitahuan privasi"),
        ("[✅]", "Kelurahan Bagendung"),
        ("/komunitas", "KIM komunitas"),
        ("[Sepeda]", "✅ Komunitas Sepeda Onthel Cilegon"),
        ("<photo>", "Silakan tekan salah satu tombol"),
        ("/dataku", "Komunitas Sepeda Onthel Cilegon"),
        ("/hapusdata", "Hapus semua data Anda sekarang?"),
        ("[🗑]", "Semua data Anda sudah dihapus"),
    ],
    "en": [
        ("hello", "Choose your language"),
        ("[English]", "Privacy notice"),
        ("[✅]", "Which kecamatan"),
        ("bagendung", "Kelurahan Bagendung"),
        ("/community", "Community KIM"),
        ("[Sepeda]", "✅ Komunitas Sepeda Onthel Cilegon"),
        ("<location>", "Please press one of the buttons"),
        ("/mydata", "Communities: Komunitas Sepeda Onthel Cilegon"),
        ("/deletedata", "Delete all your data now?"),
        ("[🗑]", "All your data has been deleted"),
    ],
}


@pytest.mark.parametrize("locale", ["id", "en"])
async def test_onboarding_by_list_rows_and_buttons(
    world: WhatsAppWorld, siti: Person, locale: str
) -> None:
    """Language and places from lists, consent by button: subscribed, in that language."""
    await play(WhatsAppDriver(world, siti), BY_LIST[locale])
    services = world.channel.services
    address = Address("wa", siti.user_id)
    assert services.residents.is_subscriber(address, BAGENDUNG)
    resident = services.residents.get(address)
    assert resident is not None
    assert resident.locale == locale
    kinds = [s.kind for s in world.graph.to(siti.user_id)]
    assert kinds == ["list", "button", "list", "list", "list", "list"]
    label = world.graph.sent[-1].body["interactive"]["action"]["button"]
    assert label == services.translator(locale)._("Choose")


@pytest.mark.parametrize("locale", ["id", "en"])
async def test_onboarding_by_typed_numbers(world: WhatsAppWorld, siti: Person, locale: str) -> None:
    """Every choice answered by typing its number, as the resident sees it listed."""
    await play(WhatsAppDriver(world, siti), BY_NUMBER[locale])
    assert all(m.kind in ("text", "command") for m in world.incoming)
    services = world.channel.services
    assert services.residents.is_subscriber(Address("wa", siti.user_id), BAGENDUNG)


@pytest.mark.parametrize("locale", ["id", "en"])
async def test_onboarding_by_typed_names(world: WhatsAppWorld, budi: Person, locale: str) -> None:
    """Typed place names, local spellings and a pick from several matches."""
    await play(WhatsAppDriver(world, budi), BY_NAME[locale])
    services = world.channel.services
    resident = services.residents.get(Address("wa", budi.user_id))
    assert resident is not None
    assert resident.village is not None
    expected = {"id": "Kebon Dalem", "en": "Lebakgede"}[locale]
    assert services.regions[resident.village].name == expected


@pytest.mark.parametrize("locale", ["id", "en"])
async def test_hapusdata_leaves_nothing_that_mentions_the_resident(
    world: WhatsAppWorld, redis: Redis, siti: Person, locale: str
) -> None:
    """After erasure no key or value holds the resident's id or phone number."""
    await play(WhatsAppDriver(world, siti), ERASE[locale])
    stored = everything_in(redis)
    assert any(k.startswith("kim:seen:wa:") for k in redis.scan_iter())
    assert siti.user_id not in stored
    assert str(siti.phone) not in stored
    # Erased means unknown: the next message is answered in the default language.
    await play(
        WhatsAppDriver(world, siti), [("/dataku", "Kami tidak menyimpan data apa pun tentang Anda")]
    )
    assert world.channel.services.residents.get(Address("wa", siti.user_id)) is None
