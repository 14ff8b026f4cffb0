"""The web simulator page, used as a person would, against the real bot in headless Chromium."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from playwright.sync_api import Locator, Page, ViewportSize, expect

from bot.platform.addresses import Address
from bot.residents.records import Residents
from emulator import SimClient
from tests.support.constants import BAGENDUNG
from tests.support.dialogues import ASPIRASI, BAGENDUNGS_POSTER
from tests.support.people import Person
from tests.support.press import find_label
from tests.support.worlds import E2E

pytestmark = pytest.mark.browser

WAIT_MS = 20_000
PHONE: ViewportSize = {"width": 390, "height": 844}
T = TypeVar("T")


def press(page: Page, label: str) -> None:
    """Press the inline button `label` means (the newest, if old messages show it too)."""
    buttons = page.get_by_test_id("inline-button")
    expect(buttons.filter(has_text=label).last).to_be_visible(timeout=WAIT_MS)
    buttons.nth(find_label(buttons.all_inner_texts(), label)).click()


def bot_says(page: Page, text: str) -> Locator:
    """The newest message on the page containing `text` (a bot's words), once it is shown."""
    message = page.get_by_test_id("message").filter(has_text=text).last
    expect(message).to_be_visible(timeout=WAIT_MS)
    return message


def outside_the_page(work: Coroutine[Any, Any, T]) -> T:
    """Run `work` (the emulator's user API, as other people) on a loop of its own: the
    page's Playwright already runs one in this thread."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, work).result()


def assert_fits_width(page: Page) -> None:
    """Nothing scrolls sideways, and every composer control lies inside the window."""
    width = PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for testid in ("message-input", "send-button", "send-start", "send-photo", "send-location"):
        box = page.get_by_test_id(testid).bounding_box()
        assert box is not None, testid
        assert box["x"] >= 0, testid
        assert box["x"] + box["width"] <= width, testid


def test_resident_subscribes_on_the_page(stack: E2E, page: Page, tmp_path: Path) -> None:
    """A new resident persona onboards by buttons on the page and is subscribed in Redis."""
    page.goto(stack.api + "/")
    expect(page.get_by_test_id("status")).to_have_text("connected", timeout=WAIT_MS)

    page.get_by_test_id("preset-resident-id").click()
    persona = page.get_by_test_id("persona").filter(has_text=re.compile(r"^Siti \d+"))
    expect(persona).to_have_attribute("aria-pressed", "true", timeout=WAIT_MS)
    user_id = int(persona.get_attribute("data-user-id") or 0)
    assert user_id > 0

    page.get_by_test_id("send-start").click()
    bot_says(page, "Pilih bahasa")
    press(page, "Bahasa Indonesia")
    bot_says(page, "Pemberitahuan privasi")
    press(page, "✅ Saya setuju")
    bot_says(page, "kecamatan mana")
    press(page, "Cilegon")
    bot_says(page, "kelurahan yang mana")
    press(page, "Bagendung")
    confirmation = bot_says(page, "Kelurahan Bagendung")
    expect(confirmation.get_by_test_id("inline-url")).to_have_count(1)

    expect(page.get_by_test_id("reply-keyboard")).to_be_hidden()
    page.screenshot(path=str(tmp_path / "simulator-desktop.png"))
    assert Residents(stack.redis).is_subscriber(Address.telegram(user_id), BAGENDUNG)

    page.set_viewport_size(PHONE)
    page.get_by_test_id("chat-title").evaluate("title => title.scrollIntoView()")
    assert_fits_width(page)
    expect(confirmation.get_by_test_id("inline-url")).to_be_in_viewport()
    page.screenshot(path=str(tmp_path / "simulator-phone.png"))


def test_staff_answer_a_ticket_by_replying_to_its_card(
    stack: E2E, page: Page, tmp_path: Path
) -> None:
    """The bot asks staff to reply to the card ("Balas kartu ini"): on the page Pak Rahmat
    claims it, presses Jawab, replies to the card, and the resident gets the answer."""
    answer = "Loket Puskesmas Bagendung dibuka pukul 07.00 mulai Senin depan."

    async def file_complaint() -> int:
        async with SimClient(stack.api) as sim:
            warga = await Person.create(sim, "Rina")
            await warga.play(BAGENDUNGS_POSTER)
            await warga.play(ASPIRASI)
            await warga.press("Kirim")
            await warga.wait_for("Nomor laporan Anda ASP-")
            return warga.id

    async def told(user: int) -> str:
        async with SimClient(stack.api) as sim:
            return str((await Person(sim, {"id": user}).wait_for(answer))["text"])

    warga = outside_the_page(file_complaint())
    page.goto(stack.api + "/")
    expect(page.get_by_test_id("status")).to_have_text("connected", timeout=WAIT_MS)
    page.get_by_test_id("persona").filter(has_text="Pak Rahmat").first.click()
    page.get_by_text("Meja Layanan Diskominfo").first.click()
    card = bot_says(page, "Antrean di Puskesmas Bagendung")
    press(page, "Tangani")
    bot_says(page, "sedang diverifikasi")
    press(page, "Jawab")
    expect(page.get_by_test_id("callback-answer")).to_contain_text("Balas kartu ini")
    card.get_by_test_id("reply-to").click()
    expect(page.get_by_test_id("replying-to")).to_contain_text("ASP-")
    page.get_by_test_id("message-input").fill(answer)
    page.get_by_test_id("send-button").click()
    expect(page.get_by_test_id("replying-to")).to_be_hidden()
    sent = page.locator("[data-testid=message].mine").filter(has_text=answer)
    expect(sent).to_be_visible(timeout=WAIT_MS)
    expect(sent.locator(".quote")).to_contain_text("Antrean di Puskesmas")
    page.screenshot(path=str(tmp_path / "staff-replies-to-card.png"))

    assert answer in outside_the_page(told(warga))


# How many drawn pixels are not black, for `text` drawn in the page's own font on a canvas
# (text and the box drawn for a missing glyph are black; a colour emoji is not).
COLOURED_PIXELS = """(text) => {
  const canvas = document.createElement("canvas");
  canvas.width = 64; canvas.height = 64;
  const context = canvas.getContext("2d");
  context.font = "48px " + getComputedStyle(document.body).fontFamily;
  context.textBaseline = "top";
  context.fillText(text, 4, 4);
  const pixels = context.getImageData(0, 0, 64, 64).data;
  let coloured = 0;
  for (let i = 0; i < pixels.length; i += 4) {
    const [r, g, b, a] = [pixels[i], pixels[i + 1], pixels[i + 2], pixels[i + 3]];
    if (a > 128 && Math.max(r, g, b) > 100) coloured += 1;  // not the black of text or a box
  }
  return coloured;
}"""


def test_emoji_are_drawn_in_colour(stack: E2E, page: Page) -> None:
    """The bot's buttons carry emoji (✅ 📨 🕒): the page draws them with a colour emoji
    font, not as boxes (issue 11, item 14; .ci/run installs fonts-noto-color-emoji)."""
    page.goto(stack.api + "/")
    for emoji in ("✅", "📨", "🕒"):
        assert page.evaluate(COLOURED_PIXELS, emoji) > 100, emoji
    assert page.evaluate(COLOURED_PIXELS, "A") == 0  # a letter is drawn in black
