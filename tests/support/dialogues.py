"""The residents' dialogue tables, one definition for every channel.

Each table is what a resident does and what the bot answers (`tests.support.dialog`), in
Bahasa Indonesia ("id") and in English ("en"). tests/test_dialogs.py plays every table on
Telegram and on WhatsApp; channel-only checks (message kinds, app languages) play them too.
Buttons are named by their label: each channel's driver finds it however that channel
shows it (WhatsApp shortens list rows and numbers long lists).

The resident's app tells no language here (WhatsApp never does), so a first answer comes
in the deployment's default, Indonesian, with the language question in every language.
"""

from __future__ import annotations

from tests.support.dialog import Table

LANGUAGES = ["id", "en"]
LANGUAGE_BUTTON = {"id": "[Bahasa Indonesia]", "en": "[English]"}

SUBSCRIBE: dict[str, Table] = {
    "id": [
        ("halo", "Selamat datang di KIM Kota Cilegon!"),
        ("[Bahasa Indonesia]", "Pemberitahuan privasi"),
        ("[✅]", "Anda tinggal di kecamatan mana?"),
        ("[Cilegon]", "Kecamatan Cilegon: kelurahan yang mana?"),
        (
            "[Bagendung]",
            "Anda sudah berlangganan pengumuman untuk Kelurahan Bagendung, Kecamatan Cilegon",
        ),
    ],
    "en": [
        ("hello", "Choose your language"),
        ("[English]", "Privacy notice"),
        ("[✅]", "Which kecamatan do you live in?"),
        ("[Cilegon]", "Kecamatan Cilegon: which kelurahan?"),
        (
            "[Bagendung]",
            "You are subscribed to announcements for Kelurahan Bagendung, Kecamatan Cilegon",
        ),
    ],
}

ONBOARDING_BY_BUTTONS: dict[str, Table] = {
    "id": [*SUBSCRIBE["id"], ("/start", "Selamat datang kembali!")],
    "en": [*SUBSCRIBE["en"], ("/start", "Welcome back!")],
}

ONBOARDING_BY_NUMBERS: dict[str, Table] = {
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

ONBOARDING_BY_NAMES: dict[str, Table] = {
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
TYPED_VILLAGE = {"id": "Kebon Dalem", "en": "Lebakgede"}  # where ONBOARDING_BY_NAMES ends

# From here on the resident is subscribed to Bagendung (SUBSCRIBE) in that language.

MOVE_STOP_RESUME: dict[str, Table] = {
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

KOMUNITAS_DATA_ERASE: dict[str, Table] = {
    "id": [
        ("/komunitas", "Komunitas KIM"),
        ("[Sepeda]", "✅ Komunitas Sepeda Onthel Cilegon"),
        ("[Sepeda]", "➕ Komunitas Sepeda Onthel Cilegon"),
        ("[Sepeda]", "✅ Komunitas Sepeda Onthel Cilegon"),
        ("[Seni]", "✅ Seni Budaya Cilegon"),
        ("<photo>", "Silakan tekan salah satu tombol"),
        ("[Selesai]", "Kelurahan Bagendung"),
        ("/dataku", "Komunitas: Komunitas Sepeda Onthel Cilegon, Seni Budaya Cilegon"),
        ("/dataku", "Senin, 21 September 2026 21.13"),  # consent time, Indonesian, WIB
        ("/hapusdata", "Hapus semua data Anda sekarang?"),
        ("[✖]", "Tidak ada yang diubah"),
        ("/hapusdata", "Hapus semua data"),
        ("[🗑]", "Semua data Anda sudah dihapus"),
    ],
    "en": [
        ("/community", "Community KIM"),
        ("[Sepeda]", "✅ Komunitas Sepeda Onthel Cilegon"),
        ("<location>", "Please press one of the buttons"),
        ("[Done]", "Kelurahan Bagendung"),
        ("/mydata", "Communities: Komunitas Sepeda Onthel Cilegon"),
        ("/mydata", "Monday, 21 September 2026 21:13"),
        ("/deletedata", "Delete all your data now?"),
        ("[🗑]", "All your data has been deleted"),
    ],
}

# Erased means unknown: answered in the default language (on Telegram: the app's, if told).
AFTER_ERASURE: dict[str, Table] = {
    "id": [
        ("/dataku", "Kami tidak menyimpan data apa pun tentang Anda"),
        ("/hapusdata", "Kami tidak menyimpan data apa pun tentang Anda"),
    ],
    "en": [("/mydata", "Kami tidak menyimpan data apa pun tentang Anda")],
}

LANGUAGE_HELP_CANCEL: dict[str, Table] = {
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


def by_poster(payload: str, done: str, notice: str = "Pemberitahuan privasi") -> Table:
    """A newcomer's poster link (`kel_…`, `kom_…`): straight to the privacy notice, agreed."""
    return [(f"/start {payload}", notice), ("[✅]", done)]


# Poster links skip the language and region questions; an unknown one asks as usual.
BAGENDUNGS_POSTER = by_poster("kel_3672021001", "Kelurahan Bagendung")
KOMUNITAS_POSTER = by_poster("kom_seni-budaya", "bergabung dengan komunitas Seni Budaya")
UNKNOWN_POSTER: Table = [
    ("/start kel_9999999999", "Saya tidak mengenali tautan itu"),
    ("[English]", "Privacy"),
]
DEEP_LINKS = [BAGENDUNGS_POSTER, UNKNOWN_POSTER, KOMUNITAS_POSTER]
# Bagendung's poster on WhatsApp: the wa.me link's prefilled text.
BAGENDUNGS_WA_POSTER: Table = [
    ("DAFTAR kel_3672021001", "Pemberitahuan privasi"),
    ("[✅]", "Kelurahan Bagendung"),
]

# A subscriber's anonymous complaint about health care, up to the confirmation ("[Kirim]"
# files it and tells the report number).
ASPIRASI: Table = [
    ("/aspirasi", "Apa yang ingin Anda kirim?"),
    ("[Pengaduan]", "Tentang topik apa?"),
    ("[Kesehatan]", "Tuliskan laporan Anda"),
    (
        "Antrean di Puskesmas Bagendung sangat panjang setiap Senin pagi.",
        "Anda dapat menambahkan foto",
    ),
    ("[Lanjut]", "secara anonim?"),
    ("[Anonim]", "Periksa sebelum mengirim"),
]

# For a subscriber of Bagendung: another kelurahan's poster asks before moving (declined,
# then accepted).
ANOTHER_KELURAHAN: Table = [
    ("/start kel_3672071003", "Berlangganan pengumuman Kelurahan Kebon Dalem"),
    ("[✖]", "Tidak ada yang diubah"),
    ("/start kel_3672071003", "Kebon Dalem"),
    ("[✅]", "Anda sudah pindah ke"),
]

DECLINING_CONSENT: Table = [
    ("/start", "Pilih bahasa"),
    ("[Bahasa Indonesia]", "Apakah Anda setuju?"),
    ("[✖]", "kami tidak menyimpan apa pun tentang Anda"),
    ("/dataku", "Kami tidak menyimpan data apa pun tentang Anda"),
]
