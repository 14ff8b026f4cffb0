"""The web console in headless Chromium, against the real `kimbot run` and the emulator:
signing in with the link `/konsol` sends, on a desktop and a phone-sized screen."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from bot.announcements.store import Announcements
from bot.people.bot_links import BotLinks
from bot.platform.config import Config, load_config
from emulator import SimClient
from tests.browser.test_simulator_page import outside_the_page
from tests.support.constants import ROOT
from tests.support.dialogues import ASPIRASI, BAGENDUNGS_POSTER
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


async def filed_aspirasi(stack: E2E) -> tuple[int, str]:
    """A new resident of Bagendung files an anonymous complaint: (their id, its number)."""
    async with SimClient(stack.api) as sim:
        warga = await Person.create(sim, "Rina")
        await warga.play(BAGENDUNGS_POSTER)
        await warga.play(ASPIRASI)
        await warga.press("Kirim")
        told = await warga.wait_for("Nomor laporan Anda ASP-")
    found = re.search(r"ASP-\d{4}-\d{4}", str(told.get("text", "")))
    assert found is not None, told
    return warga.id, found.group(0)


async def answer_arrives(stack: E2E, user_id: int, ticket: str) -> str:
    """The answer the resident got in the emulator."""
    async with SimClient(stack.api) as sim:
        got = await Person(sim, {"id": user_id}).wait_for(f"Jawaban atas laporan Anda {ticket}")
    return str(got.get("text", ""))


async def scheduled_broadcast(stack: E2E) -> str:
    """Bu Siti schedules an announcement for tomorrow morning: its number."""
    async with SimClient(stack.api) as sim:
        siti = Person(sim, {"id": stack.admin})
        await siti.play(
            [
                ("/broadcast", "Kirim pengumumannya"),
                ("Kerja bakti Minggu pagi di balai warga.", "Menjangkau"),
            ]
        )
        await siti.press("Jadwalkan")
        await siti.say("besok jam 7 pagi")
        await siti.wait_for("(besok)")
        await siti.press("✅")
        told = await siti.wait_for("📣 Pengumuman #")
    found = re.search(r"#(\d+)", str(told.get("text", "")))
    assert found is not None, told
    return found.group(1)


def test_staff_filter_the_queue_and_answer_a_ticket_the_resident_receives(
    stack: E2E, page: Page, tmp_path: Path
) -> None:
    """Pak Rahmat filters the open queue by Kecamatan Cilegon, opens the new complaint,
    claims and answers it; the resident gets the answer in the emulator; the anonymous
    reporter is named nowhere on the page."""
    resident, ticket = outside_the_page(filed_aspirasi(stack))
    sign_in(page, stack, stack.staff)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Meja layanan").click()
    page.locator("select[name=kecamatan]").select_option(label="Cilegon")
    page.get_by_role("button", name="Tampilkan").click()
    page.get_by_role("link", name=ticket).click()
    expect(page.get_by_role("heading", name=re.compile(ticket))).to_be_visible()
    assert str(resident) not in page.content()
    page.get_by_role("button", name="Ambil").click()
    page.locator("textarea[name=text]").first.fill("Mulai Senin loket dibuka pukul 07.00.")
    page.get_by_role("button", name="Kirim jawaban").click()
    page.screenshot(path=str(tmp_path / "console-ticket.png"), full_page=True)
    text = outside_the_page(answer_arrives(stack, resident, ticket))
    assert "loket dibuka pukul 07.00" in text


def test_an_admin_cancels_a_scheduled_broadcast_on_a_phone(
    stack: E2E, page: Page, tmp_path: Path
) -> None:
    """Bu Siti's scheduled announcement is on her list; she cancels it from its report."""
    number = outside_the_page(scheduled_broadcast(stack))
    page.set_viewport_size(PHONE)
    sign_in(page, stack, stack.admin)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Pengumuman").click()
    page.get_by_role("link", name=f"#{number}").click()
    page.get_by_role("button", name="Batalkan pengumuman ini").click()
    expect(page.get_by_text("dibatalkan").first).to_be_visible(timeout=WAIT_MS)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(tmp_path / "console-broadcast-cancelled.png"), full_page=True)
    ann = Announcements(stack.redis, load_config(ROOT / "config.yaml")).get(number)
    assert ann is not None
    assert ann.state == "cancelled"


async def accept_invitation(stack: E2E, link: str) -> int:
    """A newcomer opens the invitation's Telegram link and accepts: their user id."""
    token = link.split("start=", 1)[1]
    async with SimClient(stack.api) as sim:
        newcomer = await Person.create(sim, "Yati")
        await newcomer.start(token)
        await newcomer.wait_for("mengundang Anda")
        await newcomer.press("Terima")
        await newcomer.wait_for("Selamat")
    return newcomer.id


def test_a_superadmin_invites_an_admin_and_exports_the_audit_trail(
    stack: E2E, page: Page, tmp_path: Path
) -> None:
    """From People and roles: an invitation for Bagendung's admin, shown once; the invited
    person accepts in the bot and is listed; the audit trail's CSV holds both steps."""
    sign_in(page, stack, stack.superadmin)
    menu = page.get_by_role("navigation", name="Menu")
    menu.get_by_role("link", name="Orang dan peran").click()
    values = page.locator("select[name=role] option").evaluate_all(
        "options => options.map(o => o.value)"
    )
    bagendung = next(v for v in values if v.endswith("36.72.02.1001"))
    page.locator("select[name=role]").select_option(bagendung)
    page.get_by_role("button", name="Buat tautan undangan").click()
    link = page.locator("ul.links code").first.inner_text()
    assert "start=inv_" in link, link
    page.screenshot(path=str(tmp_path / "console-invited.png"), full_page=True)
    invited = outside_the_page(accept_invitation(stack, link))
    menu = page.get_by_role("navigation", name="Menu")
    menu.get_by_role("link", name="Orang dan peran").click()
    expect(page.get_by_text("Yati").first).to_be_visible(timeout=WAIT_MS)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Jejak audit").click()
    with page.expect_download() as downloading:
        page.get_by_role("button", name="CSV").click()
    saved = tmp_path / downloading.value.suggested_filename
    downloading.value.save_as(saved)
    exported = saved.read_text(encoding="utf-8-sig")
    assert saved.suffix == ".csv"
    assert f"tg:{invited}" in exported
    assert exported.count("\n") >= 3
