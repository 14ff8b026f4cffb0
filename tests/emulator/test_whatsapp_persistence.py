"""WhatsApp people, conversations, windows and media in the emulator's state file; the CLI."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

import pytest
from pywa_async.errors import ReEngagementMessage

from emulator import Emulator, SimClient
from emulator.__main__ import parse_args, whatsapp_config
from emulator.persistence import FORMAT_VERSION, dump_world
from emulator.state import World
from emulator.whatsapp import Template, WaSimClient, WhatsAppConfig
from tests.support.constants import (
    BOT_TOKEN,
    BOT_USERNAME,
    ROOT,
    SITI_BSUID,
    SITI_PHONE,
)
from tests.support.stand_in import business, pywa_client


def config() -> WhatsAppConfig:
    """The business number of these tests (no webhook receiver: statuses are only logged)."""
    return business(status_delay=0.001, webhook_retries=0)


async def test_round_trip_keeps_people_conversations_windows_and_media(tmp_path: Path) -> None:
    """Stop, start again from the file: same people, messages, ids, windows, media bytes."""
    path = tmp_path / "state.json"
    async with (
        Emulator(tokens=[BOT_TOKEN], state_file=path, whatsapp=config()) as emu,
        WaSimClient(emu.base_url) as sim,
    ):
        await sim.wa_user("Siti", wa_id=SITI_PHONE, user_id=SITI_BSUID)
        quiet = await sim.wa_user("Budi", wa_id="6281322223333")
        await sim.wa_send(SITI_BSUID, "DAFTAR kel_3672021001")
        await sim.wa_send(SITI_BSUID, image=True, caption="foto")
        wa, session = pywa_client(emu.base_url)
        try:
            sent = await wa.send_message(to=SITI_PHONE, text="Halo Siti")
        finally:
            await session.aclose()
        await sim.wa_block(quiet["key"])
        before = await sim.wa_messages(SITI_BSUID)
        tg_user = await sim.create_user("Telegram Tono")
    document = json.loads(path.read_bytes())
    assert document["format_version"] == FORMAT_VERSION == 2
    assert {u["name"] for u in document["whatsapp"]["users"]} == {"Siti", "Budi"}

    async with (
        Emulator(tokens=[BOT_TOKEN], state_file=path, whatsapp=config()) as emu,
        WaSimClient(emu.base_url) as sim,
    ):
        after = await sim.wa_messages(SITI_BSUID)
        assert [m["id"] for m in after] == [m["id"] for m in before]
        assert after[-1]["id"] == sent.id
        assert after[-1]["text"] == "Halo Siti"
        siti = await sim.call("GET", f"/sim/wa/users/{SITI_PHONE}")
        assert siti["window"]["open"] is True
        budi = await sim.call("GET", f"/sim/wa/users/{quiet['key']}")
        assert budi["blocked"] is True
        assert budi["window"]["open"] is False
        wa, session = pywa_client(emu.base_url)
        try:
            photo = after[1]["media"]
            url = await wa.get_media_url(photo["id"])
            assert (await wa.get_media_bytes(url.url)).startswith(b"\x89PNG")
            with pytest.raises(ReEngagementMessage):
                await wa.send_message(to="6281322223333", text="Halo Budi")
        finally:
            await session.aclose()
        more = await sim.wa_send(SITI_BSUID, "lagi")
        assert more["message"]["seq"] == len(before) + 1
        assert (await sim.call("GET", f"/sim/users/{tg_user['id']}"))[
            "first_name"
        ] == "Telegram Tono"


async def test_version_1_files_still_load(tmp_path: Path) -> None:
    """A file written before WhatsApp existed loads; the WhatsApp side starts empty."""
    world = World()
    world.add_bot(BOT_TOKEN, BOT_USERNAME)
    user = world.add_user("Lama")
    document = dump_world(world)
    document["format_version"] = 1
    path = tmp_path / "state.json"
    path.write_text(json.dumps(document))
    async with (
        Emulator(tokens=[BOT_TOKEN], state_file=path, whatsapp=config()) as emu,
        WaSimClient(emu.base_url) as sim,
    ):
        assert emu.state is not None
        assert emu.state.loaded
        assert user.id in emu.world.users
        assert await sim.call("GET", "/sim/wa/users") == []
        await sim.wa_user("Baru", wa_id=SITI_PHONE)
    saved = json.loads(path.read_bytes())
    assert saved["format_version"] == 2
    assert [u["name"] for u in saved["whatsapp"]["users"]] == ["Baru"]


async def test_a_whatsapp_section_survives_an_emulator_without_whatsapp(tmp_path: Path) -> None:
    """Started without --wa-* flags, the emulator writes the WhatsApp section back unchanged."""
    path = tmp_path / "state.json"
    async with (
        Emulator(state_file=path, whatsapp=config()) as emu,
        WaSimClient(emu.base_url) as sim,
    ):
        await sim.wa_user("Siti", wa_id=SITI_PHONE, user_id=SITI_BSUID)
    section = json.loads(path.read_bytes())["whatsapp"]
    async with Emulator(state_file=path) as emu, SimClient(emu.base_url) as sim:
        await sim.create_user("Budi")
    assert json.loads(path.read_bytes())["whatsapp"] == section


async def test_a_broken_whatsapp_section_is_quarantined(tmp_path: Path) -> None:
    """An inconsistent WhatsApp section moves the file aside like any unusable file."""
    path = tmp_path / "state.json"
    document = dump_world(World())
    document["whatsapp"] = {"version": 1, "epoch": 0, "next_phone": 1, "next_media": 1, "users": 3}
    path.write_text(json.dumps(document))
    async with Emulator(state_file=path, whatsapp=config()) as emu:
        assert emu.state is not None
        assert emu.state.quarantined is not None
        assert emu.whatsapp is not None
        assert emu.whatsapp.world.users == {}


def test_cli_flags_build_the_whatsapp_config() -> None:
    """--wa-* flags: ids, secrets, webhook, templates and rules; none means no WhatsApp."""
    assert whatsapp_config(parse_args([])) is None
    args = parse_args(
        [
            "--wa-phone-id",
            "123456789",
            "--wa-token",
            "tok-cli-7",
            "--wa-app-secret",
            "sec-cli-9",
            "--wa-webhook",
            "http://127.0.0.1:8080/whatsapp/webhook",
            "--wa-template",
            "pengumuman:id:2",
            "--wa-template",
            "sapaan:en_US",
            "--wa-pair-limit",
            "5",
            "--wa-pair-window",
            "10",
            "--wa-statuses",
            "sent,delivered",
            "--wa-shuffle-statuses",
        ]
    )
    wa = whatsapp_config(args)
    assert wa is not None
    assert (wa.phone_number_id, wa.access_token, wa.app_secret) == (
        "123456789",
        "tok-cli-7",
        "sec-cli-9",
    )
    assert wa.templates == (Template("pengumuman", "id", 2), Template("sapaan", "en_US", 0))
    rules = wa.rules
    assert rules.webhook_url == "http://127.0.0.1:8080/whatsapp/webhook"
    assert (rules.pair_limit, rules.pair_window) == (5, 10.0)
    assert (rules.status_stages, rules.status_order) == (("sent", "delivered"), "shuffled")
    assert "sec-cli-9" not in repr(wa)
    assert "tok-cli-7" not in repr(wa)
    with pytest.raises(ValueError, match="NAME:LANG"):
        whatsapp_config(parse_args(["--wa-template", "broken"]))


async def test_cli_prints_the_whatsapp_line_but_never_the_app_secret() -> None:
    """`python -m emulator --wa-...` serves WhatsApp and says where."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "emulator",
        "--port",
        "0",
        "--wa-token",
        "cli-token",
        "--wa-app-secret",
        "cli-app-secret",
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stdout is not None
    lines: list[str] = []
    try:
        while not any(line.startswith("whatsapp ") for line in lines):
            raw = await asyncio.wait_for(process.stdout.readline(), 10)
            assert raw, "the emulator exited early"
            lines.append(raw.decode().strip())
    finally:
        process.send_signal(signal.SIGTERM)
        rest, _ = await asyncio.wait_for(process.communicate(), 10)
    output = "\n".join(lines) + rest.decode()
    line = next(line for line in lines if line.startswith("whatsapp "))
    assert "token=cli-token" in line
    assert "/graph" in line
    assert "cli-app-secret" not in output
    assert process.returncode == 0
