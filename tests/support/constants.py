"""Names the tests share, one definition each: paths, region codes, the test bots' tokens
and ids, the WhatsApp business number with its secrets, and the people who recur.

The secrets are fake, made for these tests; the region codes are Kota Cilegon's (36.72)
in the shipped region data.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the repository

# Regions of Kota Cilegon
CILEGON = "36.72.02"  # Kecamatan Cilegon
BAGENDUNG = "36.72.02.1001"  # Kelurahan Bagendung, Kecamatan Cilegon: the tests' home
KEBON_DALEM = "36.72.07.1003"  # Kelurahan Kebon Dalem, Kecamatan Purwakarta
DRINGO = "36.72.08.1002"  # Kelurahan Dringo, Kecamatan Citangkil ("deringo" locally)

# Telegram: the test bot, in the mocked session, the emulator and the e2e bot process
BOT_ID = 123456
BOT_USERNAME = "kim_test_bot"
BOT_TOKEN = f"{BOT_ID}:TEST-token-for-kim-bot"  # shaped like BotFather's (settings check it)
BOT_SPEC = f"{BOT_TOKEN}:{BOT_USERNAME}"  # TOKEN:username, as the emulator takes it

# WhatsApp: the business number and its app
WA_PHONE_NUMBER_ID = "106540352242922"
WA_BUSINESS_NUMBER = "6281234567890"
WABA_ID = "102290129340398"
WA_TOKEN = "EAAG-test-access-token-000111222333444555666"
WA_APP_SECRET = "5f1c2a9d8e7b6a5f4e3d2c1b0a9f8e7d"
WA_VERIFY_TOKEN = "kim-verify-7Qx"

# People on WhatsApp: Siti shows her phone number, Budi uses a username (no number)
SITI_BSUID = "ID.1649738043044942"
SITI_PHONE = "6281311112222"
BUDI_BSUID = "ID.3724117084395812"
