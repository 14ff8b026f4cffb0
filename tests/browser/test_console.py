"""The web console in headless Chromium, against the real `kimbot run` and the emulator:
signing in with the link `/konsol` sends, on a desktop and a phone-sized screen."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from bot.people.bot_links import BotLinks
from bot.platform.config import Config
from emulator import SimClient
from tests.browser.test_simulator_page import outside_the_page
from tests.support.people import Person
from tests.support.worlds import E2E

pytestmark = pytest.mark.browser

WAIT_MS = 20_000
PHONE: ViewportSize = {"width": 390, "height": 844}
LINK = re.compile(r"https?://\S+/console/masuk\?t=[A-Za-z0-9_-]+")


async def login_link(stack: E2E, user_id: int) -> str:
    """What the bot answers `user_id`'s /konsol with: the login link."""
    async with SimClient(stack.api) as sim:
        person = Person(sim, {"id": user_id})
        await person.say("/konsol")
        message = await person.wait_for("/console/masuk?t=")
    found = LINK.search(str(message.get("text", "")))
    assert found is not None, message
    return found.group(0)


def sign_in(page: Page, stack: E2E, user_id: int) -> None:
    """Open the link from the bot, press Masuk, land on the dashboard."""
    link = outside_the_page(login_link(stack, user_id))
    page.goto(link)
    expect(page.get_by_role("heading", name="Masuk ke Konsol KIM")).to_be_visible(timeout=WAIT_MS)
    page.get_by_role("button", name="Masuk").click()
    expect(page.get_by_role("heading", name="Dasbor")).to_be_visible(timeout=WAIT_MS)


def test_a_superadmin_signs_in_with_the_bots_link_and_out_everywhere(
    stack: E2E, page: Page, tmp_path: Path, config: Config
) -> None:
    """The link signs in once; the menu shows every page; a reused link is refused; log out
    on every device ends the session."""
    link = outside_the_page(login_link(stack, stack.superadmin))
    page.goto(link)
    page.get_by_role("button", name="Masuk").click()
    expect(page.get_by_role("heading", name="Dasbor")).to_be_visible(timeout=WAIT_MS)
    menu = page.get_by_role("navigation", name="Menu")
    for entry in ("Dasbor", "Pengumuman", "Meja layanan", "Arsip hoaks", "Jejak audit"):
        expect(menu.get_by_role("link", name=entry)).to_be_visible()
    page.screenshot(path=str(tmp_path / "console-desktop.png"), full_page=True)
    again = page.context.new_page()
    again.goto(link)
    expect(again.get_by_role("heading", name="Tautan masuk ini sudah dipakai")).to_be_visible()
    page.get_by_role("button", name="Keluar dari semua perangkat").click()
    expect(page.get_by_role("heading", name="Anda sudah keluar")).to_be_visible()
    page.goto(BotLinks(stack.redis).console_base(config) + "/console/")
    expect(page.get_by_role("heading", name="Masuk ke Konsol KIM")).to_be_visible()


def test_a_kelurahan_admin_on_a_phone(stack: E2E, page: Page, tmp_path: Path) -> None:
    """Bu Siti's menu has no audit trail; nothing scrolls sideways on a 390-px screen; the
    English switch works."""
    page.set_viewport_size(PHONE)
    sign_in(page, stack, stack.admin)
    menu = page.get_by_role("navigation", name="Menu")
    expect(menu.get_by_role("link", name="Pengumuman")).to_be_visible()
    expect(menu.get_by_role("link", name="Jejak audit")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(tmp_path / "console-phone.png"), full_page=True)
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
