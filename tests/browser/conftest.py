"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright, plus the bot stack.

The browser tests skip only on a developer machine without Chromium; when the `CI`
variable is set a missing browser fails, so the check cannot silently disappear.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from bot.platform.config import Config
from bot.platform.store import Redis, connect
from tests.support.constants import BAGENDUNG
from tests.support.processes import Process, build_world, start_bot, start_emulator, write_config

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


@dataclass
class Stack:
    """The running emulator and `kimbot run`, and what the test needs to reach."""

    api: str
    redis: Redis
    admin: int
    channel: int
    bot: Process
    emulator: Process


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory, redis_url: str, config: Config
) -> Iterator[Stack]:
    """Emulator + a small world + the shipped config with Bagendung's admin and channel."""
    tmp = tmp_path_factory.mktemp("browser")
    redis = connect(redis_url)
    redis.flushdb()
    emulator, api = start_emulator(tmp)
    try:
        world = asyncio.run(build_world(api))
        config_path = write_config(
            config,
            tmp / "config.yaml",
            roles={
                "superadmins": [],
                "admins": [{"id": f"tg:{world['admin']}", "name": "Bu Siti", "scope": [BAGENDUNG]}],
                "staff": {"group": None, "members": []},
            },
            channels={
                BAGENDUNG: {
                    "chat_id": world["channel"],
                    "invite_link": "https://t.me/kim_bagendung",
                }
            },
        )
        bot = start_bot(tmp, api, config_path, redis_url)
    except BaseException:
        emulator.stop()
        redis.close()
        raise
    yield Stack(
        api=api,
        redis=redis,
        bot=bot,
        emulator=emulator,
        admin=world["admin"],
        channel=world["channel"],
    )
    bot.stop()
    emulator.stop()
    redis.flushdb()
    redis.close()


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
