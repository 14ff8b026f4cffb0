"""Issue 14 end to end, through the emulator and the real `kimbot run`: a superadmin names
themself, invites a kelurahan admin, who accepts from the link and broadcasts; `kimbot
audit export` shows the three steps with names. Then config.yaml changes and SIGHUP makes
a new admin without a restart, while the bot keeps answering."""

from __future__ import annotations

import asyncio
import csv
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from bot.platform.config import Config
from emulator.client import SimClient
from handlers.running import running_bot
from tests.support.constants import BAGENDUNG, BOT_USERNAME, ROOT
from tests.support.people import Person, body
from tests.support.shapes import Deployment, Shape, deployed

pytestmark = pytest.mark.e2e

TEXT = "Posyandu balita Sabtu 08.00 di balai RW 03 Bagendung."
LINK = re.compile(rf"https://t\.me/{BOT_USERNAME}\?start=(inv_[A-Za-z0-9_-]+)")


@pytest.fixture
def deployment(tmp_path: Path, config: Config) -> Iterator[Deployment]:
    """Telegram by polling, on the Redis `kimbot run` embeds."""
    with deployed(Shape("polling", whatsapp=False), tmp_path, config, None) as running:
        yield running


async def invite_and_broadcast(d: Deployment, sim: SimClient) -> None:
    """The superadmin's link, Dewi's acceptance, Dewi's broadcast."""
    boss = Person(sim, {"id": d.people["superadmin"]})
    await boss.play([("/nama Kominfo Cilegon", "Nama Anda sekarang Kominfo Cilegon")])
    await boss.play([("/undang", "Siapa yang ingin Anda undang?")])
    await boss.press("Admin kelurahan")
    await boss.wait_for("Di kecamatan mana?")
    await boss.press("Cilegon")
    await boss.wait_for("admin kelurahan atau desa mana?")
    await boss.press("Bagendung")
    await boss.wait_for("Buat undangan menjadi admin KIM Kelurahan Bagendung")
    await boss.press("Buat tautan")
    found = LINK.search(body(await boss.wait_for("t.me/")))
    assert found is not None, "the link names the bot by the username getMe gave"

    dewi = await Person.create(sim, "Dewi Lestari")
    await dewi.start(found.group(1))
    shown = body(await dewi.wait_for("mengundang Anda menjadi admin KIM Kelurahan Bagendung"))
    assert "Kominfo Cilegon" in shown
    assert "(Dewi Lestari)" in shown, shown  # the profile name, as it will be kept
    await dewi.press("Terima")
    await dewi.wait_for("Sekarang Anda admin KIM Kelurahan Bagendung")
    await boss.wait_for("Dewi Lestari menerima undangan Anda")

    await dewi.play([("/broadcast", "Kirim pengumumannya"), (TEXT, "Menjangkau")])
    await dewi.press("✅")
    await dewi.wait_for("selesai", seconds=60)
    reused = await Person.create(sim, "Budi")
    await reused.start(found.group(1))
    await reused.wait_for("Undangan ini sudah dipakai")


def audit_rows(d: Deployment, out: Path) -> list[dict[str, str]]:
    """`kimbot audit export` as the operator runs it, read back."""
    command = [sys.executable, "-m", "handlers.cli", "audit", "export"]
    command += ["--from", "2020-01-01", "--to", "2040-12-31", "--format", "csv", "--out", str(out)]
    command += ["--config", str(d.config_path)]
    done = subprocess.run(command, env=d.env, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    with out.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


async def test_invite_accept_broadcast_and_the_audit_export(
    deployment: Deployment, tmp_path: Path
) -> None:
    """Three steps, three kinds of entry, each with a name."""
    async with SimClient(deployment.api) as sim:
        await invite_and_broadcast(deployment, sim)
    rows = audit_rows(deployment, tmp_path / "audit.csv")
    header = list(rows[0])
    assert header[:4] == ["Waktu", "Pelaku", "Peran", "Tindakan"]
    by_action = {row["Tindakan"]: row for row in rows}
    assert by_action["Undangan dibuat"]["Pelaku"].startswith("Kominfo Cilegon")
    assert by_action["Undangan dipakai"]["Pelaku"].startswith("Dewi Lestari")
    assert by_action["Peran diberikan"]["Pelaku"].startswith("Kominfo Cilegon")
    composed = by_action["Pengumuman disusun"]
    assert composed["Pelaku"].startswith("Dewi Lestari")
    assert "Bagendung" in composed["Cakupan"]
    assert BAGENDUNG not in composed["Cakupan"]  # names, not codes


async def test_sighup_reloads_roles_while_the_bot_answers(deployment: Deployment) -> None:
    """A new admin in config.yaml, SIGHUP: the bot, still the same process, lets them
    broadcast; a resident's message in between is answered."""
    async with SimClient(deployment.api) as sim:
        newcomer = await Person.create(sim, "Pak Camat")
        await newcomer.play([("/broadcast", "khusus untuk admin KIM")])
        data = yaml.safe_load(deployment.config_path.read_text(encoding="utf-8"))
        data["roles"]["admins"].append(
            {"id": f"tg:{newcomer.id}", "name": "Pak Camat", "scope": [BAGENDUNG]}
        )
        deployment.config_path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
        bot = running_bot(Path(deployment.env["KIMBOT_DATA_DIR"]))
        assert bot is not None
        os.kill(bot.pid, signal.SIGHUP)
        resident = await Person.create(sim, "Rina")
        await resident.play([("/bantuan", "/aspirasi")])  # answered meanwhile
        log = Path(deployment.env["KIMBOT_DATA_DIR"]).parent / "bot0.log"
        for _attempt in range(100):
            if "config.yaml reloaded: roles in effect" in log.read_text(errors="replace"):
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("no reload in the bot's log")
        await newcomer.play([("/broadcast", "Kirim pengumumannya")])
        again = running_bot(Path(deployment.env["KIMBOT_DATA_DIR"]))
        assert again is not None
        assert again.pid == bot.pid  # reloaded, not restarted
