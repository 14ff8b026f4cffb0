"""`kimbot demo`'s simulator page, used as a newcomer would (issue 11, items 13 and 14):
the quick-add "KIM admin" persona can /broadcast, the "Staff" persona sits in the demo's
staff desk group, and the demo's WhatsApp resident does not have the bot's own number."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from handlers.demo import WA_NUMBER
from tests.support.processes import start_demo

pytestmark = pytest.mark.browser

WAIT_MS = 30_000


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A running `kimbot demo`; yields its page's URL."""
    process, url = start_demo(tmp_path_factory.mktemp("demo-page"))
    try:
        yield url
    finally:
        process.stop()


def open_page(page: Page, url: str) -> None:
    """The simulator page, connected."""
    page.goto(url + "/")
    expect(page.get_by_test_id("status")).to_have_text("connected", timeout=WAIT_MS)


def test_quick_admin_can_broadcast(demo: str, page: Page, tmp_path: Path) -> None:
    """Quick add › KIM admin gives a persona the demo's config makes an admin: /broadcast
    asks for the announcement instead of refusing."""
    open_page(page, demo)
    page.get_by_test_id("preset-admin").click()
    persona = page.get_by_test_id("persona").filter(has_text="Admin KIM 1")
    expect(persona).to_have_attribute("aria-pressed", "true", timeout=WAIT_MS)
    assert persona.get_attribute("data-user-id") == "710000001"
    page.get_by_test_id("message-input").fill("/broadcast")
    page.get_by_test_id("send-button").click()
    prompt = page.get_by_test_id("message").filter(has_text="Kirim pengumumannya sekarang").last
    expect(prompt).to_be_visible(timeout=WAIT_MS)
    page.screenshot(path=str(tmp_path / "quick-admin-broadcast.png"))


def test_quick_staff_joins_the_desk(demo: str, page: Page) -> None:
    """Quick add › Staff joins the demo's desk group (not a new "Staf KIM" group)."""
    open_page(page, demo)
    page.get_by_test_id("preset-staff").click()
    persona = page.get_by_test_id("persona").filter(has_text="Staf 1")
    expect(persona).to_have_attribute("aria-pressed", "true", timeout=WAIT_MS)
    staff = int(persona.get_attribute("data-user-id") or 0)
    chats = httpx.get(f"{demo}/sim/chats", params={"user": staff}).json()["result"]
    titles = {c["title"]: c["membership"] for c in chats if c["type"] != "private"}
    assert titles.get("Meja Layanan Diskominfo") == "member", titles
    assert "Staf KIM" not in titles


def test_whatsapp_resident_has_a_number_of_her_own(demo: str) -> None:
    """Dewi's WhatsApp id differs from the business number the bot sends from."""
    users = httpx.get(f"{demo}/sim/wa/users").json()["result"]
    dewi = next(u for u in users if u["name"].startswith("Dewi"))
    assert dewi["wa_id"] not in (None, WA_NUMBER), json.dumps(dewi)


def test_whatsapp_window_label_has_a_date(demo: str, page: Page, tmp_path: Path) -> None:
    """Dewi's 24 h window closes tomorrow at the latest: the label names the day and month
    with the time (it showed only a time, which read as today's)."""
    open_page(page, demo)
    page.get_by_test_id("wa-persona").filter(has_text="Dewi").first.click()
    subtitle = page.get_by_test_id("chat-subtitle")
    expect(subtitle).to_contain_text("window open until", timeout=WAIT_MS)
    label = subtitle.inner_text().split("window open until", 1)[1]
    assert re.search(r"\d{1,2}\s+\w{3}", label), label  # "2 Dec" (the page's locale: id-ID)
    assert re.search(r"\d{2}[.:]\d{2}", label), label
    page.screenshot(path=str(tmp_path / "whatsapp-window.png"))
