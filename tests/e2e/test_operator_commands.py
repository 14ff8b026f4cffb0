"""The operator's commands as real processes: `kimbot tickets export` and `kimbot
broadcast` with no bot running (they open the data dir's embedded Redis themselves, and
`kimbot run` finds their data afterwards), and `kimbot broadcast` against a running
`kimbot demo` (its config, not ./config.yaml: the reach it shows is what is sent; its
progress is the admin's report, and it ends when delivery does)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.platform.addresses import Address
from bot.platform.config import Config
from bot.platform.store import EmbeddedRedis, connect
from emulator import SimClient
from handlers.wiring import build_services
from tests.support.constants import BAGENDUNG, ROOT
from tests.support.processes import (
    bot_env,
    free_port,
    kimbot,
    pointing_at,
    start_demo,
    start_emulator,
    wait_until,
)

pytestmark = pytest.mark.e2e
TEXT = "Kerja bakti Minggu pukul 07.00 di balai kelurahan."
COMPLAINT = "Lampu jalan di depan SD Bagendung mati sejak dua minggu."
PREVIEW = re.compile(r"announcement #(\d+): (\d+) residents and (\d+) channels \(queued\)")


async def two_residents(api: str) -> list[int]:
    """Two emulator users who started the bot (so it may write to them)."""
    async with SimClient(api) as sim:
        users = [await sim.create_user(name, language_code="id") for name in ("Wati", "Yusuf")]
        for user in users:
            await sim.start(user["id"])
        return [int(user["id"]) for user in users]


async def received(api: str, user: int, text: str) -> bool:
    """Whether `user` got `text` from the bot."""
    async with SimClient(api) as sim:
        return any(m.get("text") == text for m in await sim.messages(user, from_bot=1))


def test_export_and_broadcast_with_no_bot_running(tmp_path: Path, config: Config) -> None:
    """No bot runs: the export reads the data dir's tickets and the broadcast is recorded,
    each command opening the embedded Redis itself and leaving nothing running; then
    `kimbot run` on that data dir delivers the announcement, and the ticket is still there."""
    data = tmp_path / "data"
    emulator, api = start_emulator(tmp_path)
    bot = None
    try:
        users = asyncio.run(two_residents(api))
        now = time.time()
        with EmbeddedRedis(data) as server:  # what earlier runs of the bot left there
            services = build_services(config, connect(server.url))
            for user in users:
                services.residents.consent(Address.telegram(user), "id", "v1", now)
                services.residents.subscribe(Address.telegram(user), BAGENDUNG, now)
            ticket = services.tickets.create(
                Address.telegram(users[0]), "pengaduan", now, now + 86400, text=COMPLAINT
            )
        env = bot_env(tmp_path, api, None)
        today = datetime.fromtimestamp(now, ZoneInfo(config.deployment.timezone)).date()
        out = tmp_path / "tiket.csv"
        export = ["tickets", "export", "--from", str(today), "--to", str(today)]
        exporting = kimbot([*export, "--out", str(out)], env, tmp_path / "export.log")
        assert exporting.finish(60) == 0, exporting.output()
        assert "opened its embedded Redis for this command" in exporting.output()
        assert ticket.id in out.read_text(encoding="utf-8")
        assert EmbeddedRedis.running_url(data) is None  # closed again, and saved
        assert pointing_at(data) == []

        text = tmp_path / "pengumuman.txt"
        text.write_text(TEXT, encoding="utf-8")
        command = ["broadcast", "--to", BAGENDUNG, "--text-file", str(text)]
        sending = kimbot(command, env, tmp_path / "broadcast.log")
        assert sending.finish(60) == 0, sending.output()
        said = sending.output()
        preview = PREVIEW.search(said)
        assert preview is not None, said
        assert preview.group(2, 3) == ("2", "0")  # the shipped config.yaml has no channels
        assert "goes out when `kimbot run` starts there" in said
        assert EmbeddedRedis.running_url(data) is None
        assert pointing_at(data) == []

        arguments = ["run", "--config", str(ROOT / "config.yaml"), "--port", str(free_port())]
        bot = kimbot(arguments, env, tmp_path / "bot.log")
        wait_until(lambda: EmbeddedRedis.running_url(data), 60, "the bot's embedded Redis")
        redis = connect(str(EmbeddedRedis.running_url(data)))
        services = build_services(config, redis)

        def done() -> bool:
            ann = services.announcements.get(preview.group(1))
            return ann is not None and ann.state == "done"

        wait_until(done, 90, "the announcement recorded with no bot running being delivered")
        ann = services.announcements.get(preview.group(1))
        assert ann is not None
        assert ann.counts.get("sent") == 2
        assert all(asyncio.run(received(api, user, TEXT)) for user in users)
        kept = services.tickets.get(ticket.id)
        assert kept is not None
        assert kept.text == COMPLAINT
        redis.close()
    finally:
        if bot is not None:
            bot.stop()
        emulator.stop()
    assert pointing_at(data) == []


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, object], str]]:
    """`kimbot demo` started in an empty directory, as after `pip install kimbot`; yields
    (its directory, its seeded world, what it printed once running)."""
    tmp: Path = tmp_path_factory.mktemp("demo-elsewhere")
    process, _url = start_demo(tmp, outside_checkout=True)
    try:
        world = json.loads((tmp / "data" / "demo-world.json").read_text())
        yield tmp, world, process.output()
    finally:
        process.stop()


def test_demo_outside_a_checkout_uses_the_packaged_example(
    demo: tuple[Path, dict[str, object], str],
) -> None:
    """No config.yaml in its directory: the demo starts on the packaged Kota Cilegon
    example and says so, in one line, before anything else it prints."""
    tmp, world, said = demo
    assert not (tmp / "config.yaml").exists()
    (line,) = [s for s in said.splitlines() if "packaged" in s]
    assert line.startswith(f"kimbot demo: no config.yaml in {tmp}: using the packaged ")
    assert line.endswith(os.path.join("handlers", "examples", "cilegon.yaml"))
    assert "demo is running" in said
    assert world["channel"]  # seeded, on the example's regions


def test_broadcast_against_a_running_demo(
    demo: tuple[Path, dict[str, object], str], tmp_path: Path
) -> None:
    """From the checkout (whose config.yaml has no channels), with no --config: the command
    takes the demo's config, so the reach it shows (three residents and Bagendung's
    channel) is what is sent; it prints the admin's report and ends when delivery does."""
    demo_dir, _world, _said = demo
    text = tmp_path / "pengumuman.txt"
    text.write_text(TEXT, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "KIMBOT_CONFIG")}
    command = ["broadcast", "--data-dir", str(demo_dir / "data"), "--to", BAGENDUNG]
    sending = kimbot([*command, "--text-file", str(text)], env, tmp_path / "broadcast.log")
    assert sending.finish(120) == 0, sending.output()
    said = sending.output()
    assert "using the running bot's config (pid " in said
    assert str(demo_dir / "data" / "demo-config.yaml") in said
    preview = PREVIEW.search(said)
    assert preview is not None, said
    reach = int(preview.group(2)) + int(preview.group(3))
    assert (int(preview.group(2)), int(preview.group(3))) == (3, 1)
    last = said.strip().splitlines()[-1]
    assert last.startswith(f"📣 Announcement #{preview.group(1)}: done"), said
    assert f"Sent {reach} · blocked 0 · failed 0 · remaining 0" in last
    assert "\r" not in said  # one line per report, readable in a log or a narrow terminal
