"""The web simulator page, used as a person would, against the real bot in headless Chromium."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, ViewportSize, expect

from bot.platform.addresses import Address
from bot.residents.records import Residents
from tests.support.constants import BAGENDUNG
from tests.support.press import find_label
from tests.support.worlds import E2E

pytestmark = pytest.mark.browser

WAIT_MS = 20_000
PHONE: ViewportSize = {"width": 390, "height": 844}


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
