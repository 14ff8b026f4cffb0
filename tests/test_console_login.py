"""`/konsol`: the bot's one-time link to the web console, for role holders only."""

from __future__ import annotations

import re

from bot.dialogs import build_conversations
from bot.platform.addresses import Address
from bot.platform.clock import FixedClock
from bot.platform.config import Config
from bot.platform.store import Redis
from bot.services import Services
from handlers.wiring import build_services
from tests.support.admins import KELURAHAN_ADMIN, STAFF, SUPERADMIN, with_admins
from tests.support.dialog import Resident

LINK = re.compile(r"(https?://\S+/console/masuk\?t=)([A-Za-z0-9_-]+)")


def core(config: Config, redis: Redis, clock: FixedClock) -> Services:
    """Admins of every kind; `kimbot run` recorded where it serves the console."""
    services = build_services(with_admins(config), redis, clock)
    services.bot_links.set_console("http://127.0.0.1:8080/")
    return services


def test_role_holders_get_a_link_that_signs_them_in(
    config: Config, redis: Redis, clock: FixedClock
) -> None:
    """Superadmin, KIM admin and staff each get their own link, in their language."""
    services = core(config, redis, clock)
    conversations = build_conversations(services)
    for chat in (SUPERADMIN, KELURAHAN_ADMIN, STAFF):
        person = Resident(conversations, chat_id=chat)
        person.send("/konsol")
        said = person.said()
        found = LINK.search(said)
        assert found is not None, said
        assert found.group(1) == "http://127.0.0.1:8080/console/masuk?t="
        assert "10 menit" in said
        assert services.console.link_state(found.group(2), clock.now()) == "open"
    english = Resident(build_conversations(services), chat_id=SUPERADMIN, language_code="en")
    english.send("/language")
    english.press("English")
    english.send("/console")
    assert "works once, for 10 minutes" in english.said()


def test_residents_get_no_link(config: Config, redis: Redis, clock: FixedClock) -> None:
    """A resident (or a stranger) is told what the console is for; no link exists."""
    services = core(config, redis, clock)
    stranger = Resident(build_conversations(services), chat_id=5555)
    stranger.send("/konsol")
    assert "untuk pengurus KIM dan petugas meja layanan" in stranger.said()
    assert LINK.search(stranger.said()) is None
    assert redis.keys("kim:login:*") == []


def test_links_per_hour_are_limited(config: Config, redis: Redis, clock: FixedClock) -> None:
    """The sixth link within the hour is refused; an hour later there is one again."""
    services = core(config, redis, clock)
    admin = Resident(build_conversations(services), chat_id=KELURAHAN_ADMIN)
    for _ in range(5):
        admin.send("/konsol")
        assert LINK.search(admin.said()) is not None
    admin.send("/konsol")
    assert "sudah meminta 5 tautan masuk" in admin.said()
    assert LINK.search(admin.said()) is None
    redis.delete(f"kim:login:rate:tg:{KELURAHAN_ADMIN}")  # the hour's key expired
    admin.send("/konsol")
    assert LINK.search(admin.said()) is not None


def test_configured_address_and_a_switched_off_console(
    config: Config, redis: Redis, clock: FixedClock
) -> None:
    """config.yaml's console.url wins; with the console off (or no address) no link."""
    behind_proxy = with_admins(config).model_copy(
        update={"console": config.console.model_copy(update={"url": "https://kim.example.id/"})}
    )
    services = build_services(behind_proxy, redis, clock)
    kadis = Resident(build_conversations(services), chat_id=SUPERADMIN)
    kadis.send("/konsol")
    assert "https://kim.example.id/console/masuk?t=" in kadis.said()
    off = behind_proxy.model_copy(
        update={"console": behind_proxy.console.model_copy(update={"enabled": False})}
    )
    kadis = Resident(build_conversations(build_services(off, redis, clock)), chat_id=SUPERADMIN)
    kadis.send("/konsol")
    assert "tidak diaktifkan" in kadis.said()
    redis.flushdb()
    unknown = build_services(with_admins(config), redis, clock)  # never served: no address
    kadis = Resident(build_conversations(unknown), chat_id=SUPERADMIN)
    kadis.send("/konsol")
    assert "tidak diaktifkan" in kadis.said()


def test_links_and_sessions_are_in_mydata_and_gone_with_the_data(
    config: Config, redis: Redis, clock: FixedClock
) -> None:
    """A staff member who signed in sees the session in /dataku; /hapusdata ends it and
    deletes the links (no key names them any more)."""
    services = core(config, redis, clock)
    helper = Address.telegram(4343)
    services.roles.grants.grant(helper, "staff", "", by=f"tg:{SUPERADMIN}", at=clock.now())
    staff = Resident(build_conversations(services), chat_id=4343)
    staff.send("/konsol")
    found = LINK.search(staff.said())
    assert found is not None
    opened = services.console.open_link(found.group(2), clock.now())
    assert opened.who == helper
    services.console.start(helper, clock.now(), idle_seconds=1800)
    staff.send("/konsol")  # a second link, never used
    staff.send("/dataku")
    assert "Sesi konsol web yang terbuka: 1" in staff.said()
    assert "Peran yang Anda pegang: 1" in staff.said()
    staff.send("/hapusdata")
    staff.press("🗑")
    left = [k for k in redis.keys("kim:*") if k.startswith(("kim:sess", "kim:login"))]
    assert left == []
    assert services.console.live(helper) == 0
