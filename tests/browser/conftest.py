"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright, plus the bot stack.

The browser tests skip only on a developer machine without Chromium; when the `CI`
variable is set a missing browser fails, so the check cannot silently disappear.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from bot.platform.config import Config
from tests.support.worlds import E2E, running_world

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> Path:
    """Debian's Chromium; skip without it, except under CI, where it must be installed."""
    if CHROMIUM.exists():
        return CHROMIUM
    if "CI" in os.environ:
        pytest.fail(f"CI is set but {CHROMIUM} is missing: install Debian's chromium package")
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium); under CI this test fails")


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory, redis_url: str, config: Config
) -> Iterator[E2E]:
    """Emulator + the e2e world (Bu Siti, Bagendung's channel) + `kimbot run`, per module."""
    with running_world(tmp_path_factory.mktemp("browser"), redis_url, config) as world:
        yield world


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium, closed (with Playwright) after the module.

    Playwright gives every launch a fresh temporary profile and removes it on close.
    """
    executable = chromium_path()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(executable), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A new desktop-sized (1280x800) tab in its own browser context."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="id-ID")
    tab = context.new_page()
    yield tab
    context.close()
