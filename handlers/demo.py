"""`kimbot demo`: try KIM Bot with no Telegram account and no internet.

Starts, on loopback: the Telegram Bot API emulator with its web page, and the real,
unmodified bot (`kimbot run`, with its RQ worker and the embedded Redis) pointed at it.
The first run seeds personas — a KIM admin for Kelurahan Bagendung, Diskominfo staff, a
superadmin, and residents — plus Bagendung's KIM channel and an approval-only group for
Kecamatan Cilegon, and writes `data/demo-config.yaml` (the shipped config plus those
roles and chats). Everything persists under the data directory; `--reset` starts empty.
Ctrl-C stops every process. With no config.yaml in the directory it is started in (an
installed wheel, say) it uses the Kota Cilegon example packaged with it
(`handlers/examples/cilegon.yaml`, the repository's config.yaml) and says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from bot.platform.config import Config
from bot.platform.store import EmbeddedRedis, connect
from handlers.demo_roles import presets, spare_admins, spare_staff
from handlers.processes import stop_process, wait_http

DEMO_TOKEN = "777000:DEMO-token-for-the-local-emulator"  # noqa: S105 (the emulator's, not Telegram's)
# The local WhatsApp stand-in's number and test credentials (not Meta's).
WA_PHONE_ID = "106540352242922"
WA_NUMBER = "6281100000001"
WA_SECRETS = {
    "KIMBOT_WA_TOKEN": "DEMO-whatsapp-token",
    "KIMBOT_WA_APP_SECRET": "DEMO-whatsapp-app-secret",
    "KIMBOT_WA_VERIFY_TOKEN": "DEMO-whatsapp-verify-token",
}
WORLD_FILE = "demo-world.json"
STATE_FILE = "emulator.json"
CONFIG_FILE = "demo-config.yaml"
REDIS_FILES = ("kimbot.rdb", "kimbot.rdb.settings", "appendonly.aof")


def packaged_example() -> Path:
    """The Kota Cilegon config shipped inside the package (the repository's config.yaml)."""
    return Path(str(resources.files("handlers") / "examples" / "cilegon.yaml"))


class DemoError(RuntimeError):
    """Something the person starting the demo must fix (a busy port, say)."""


def port_free(host: str, port: int) -> bool:
    """Whether nothing listens on host:port."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def reset(data_dir: Path) -> None:
    """Stop a leftover embedded Redis and delete the demo's data."""
    url = EmbeddedRedis.running_url(data_dir)
    if url:
        with contextlib.suppress(Exception):  # the server going away mid-call is the goal
            connect(url).shutdown(nosave=True)
    for name in (*REDIS_FILES, WORLD_FILE, STATE_FILE, CONFIG_FILE):
        (data_dir / name).unlink(missing_ok=True)
    shutil.rmtree(data_dir / (STATE_FILE + ".files"), ignore_errors=True)


async def seed_world(api: str) -> dict[str, Any]:
    """Personas and chats, created through the emulator's user API."""
    from emulator import SimClient

    async with SimClient(api) as sim:

        async def person(first: str, last: str, lang: str) -> int:
            user = await sim.create_user(first, last_name=last, language_code=lang)
            return int(user["id"])

        admin = await person("Bu Siti", "(admin KIM Bagendung)", "id")
        staff = await person("Pak Rahmat", "(staf Diskominfo)", "id")
        boss = await person("Pak Kadis", "(superadmin)", "id")
        residents = {
            "budi": await person("Budi", "(warga Bagendung)", "id"),
            "ani": await person("Ani", "(resident, English)", "en"),
            "ujang": await person("Ujang", "(warga, Basa Sunda)", "su"),
            "sri": await person("Sri", "(warga, Basa Jawa)", "jv"),
        }
        channel = await sim.create_chat(
            "channel", "KIM Bagendung", admin, bots=[{"admin": True}], username="kim_bagendung"
        )
        group = await sim.create_chat(
            "supergroup",
            "KIM Kecamatan Cilegon",
            admin,
            join_by_request=True,
            bots=[{"admin": True}],
        )
        link = await sim.call(
            "POST", f"/sim/chats/{group['id']}/invite_links", {"creates_join_request": True}
        )
        desk = await sim.create_chat(
            "supergroup",
            "Meja Layanan Diskominfo",
            boss,
            is_forum=True,
            members=[staff],
            bots=[{"admin": True}],
        )
        for user in (admin, staff, boss):
            await sim.start(user)
        return {
            "admin": admin,
            "staff": staff,
            "superadmin": boss,
            "residents": residents,
            "channel": channel["id"],
            "group": group["id"],
            "group_link": link["invite_link"],
            "desk": desk["id"],
        }


async def announce_presets(api: str, world: dict[str, Any], console: str) -> None:
    """Tell the emulator's page which quick-add personas have a role (the spares), and
    link the bot's web console in its header."""
    from emulator import SimClient

    async with SimClient(api) as sim:
        await sim.set_presets(presets(int(world["desk"])))
        await sim.set_links([{"label": "Konsol KIM ↗", "url": console}])


def demo_config(config: Config, world: dict[str, Any]) -> dict[str, Any]:
    """The shipped config plus the demo's roles and chats."""
    data = config.model_dump(mode="json")
    data["roles"] = {
        "superadmins": [f"tg:{world['superadmin']}"],
        "admins": [
            {"id": f"tg:{world['admin']}", "name": "Bu Siti", "scope": ["36.72.02.1001"]},
            *spare_admins(),
        ],
        "staff": {
            "group": f"tg:{world['desk']}",
            "members": [{"id": f"tg:{world['staff']}", "name": "Pak Rahmat"}, *spare_staff()],
        },
    }
    data["whatsapp"] = {
        "enabled": True,
        "phone_number_id": WA_PHONE_ID,
        "business_number": WA_NUMBER,
        "announcement_template": {"name": "kim_pengumuman", "language": "id"},
        "ticket_template": {"name": "kim_tiket_diperbarui", "language": "id"},
        "messages_per_second": 80,
        "daily_limit": 250,
    }
    data["channels"] = {
        "36.72.02.1001": {"chat_id": world["channel"], "invite_link": "https://t.me/kim_bagendung"},
        "36.72.02": {
            "chat_id": world["group"],
            "invite_link": world["group_link"],
            "join_request": True,
        },
    }
    return data


async def subscribe_seeded(api: str, world: dict[str, Any]) -> None:
    """Budi and Ani (Telegram) and Dewi (WhatsApp) subscribe to Bagendung through the
    running bot, as they would by hand."""
    from emulator.whatsapp.client import WaSimClient

    async with WaSimClient(api) as sim:
        dewi = await sim.wa_user("Dewi (warga Bagendung, WhatsApp)")
        ref = str(dewi["user_id"] or dewi["wa_id"])
        world["whatsapp"] = ref
        await sim.wa_send(ref, "DAFTAR kel_3672021001")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            found = await sim.wa_messages(ref, from_business=1, wait=2)
            buttons = [b for m in found for b in (m.get("buttons") or [])]
            if any(str(b.get("title", "")).startswith("✅") for b in buttons):
                await sim.wa_press(
                    ref,
                    title=next(
                        b["title"] for b in buttons if str(b.get("title", "")).startswith("✅")
                    ),
                )
                break
        else:
            raise DemoError("the bot did not answer the WhatsApp resident within 60 s")
        for key in ("budi", "ani"):
            user = world["residents"][key]
            await sim.start(user, payload="kel_3672021001")
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                messages = await sim.messages(user, from_bot=1, wait=2)
                buttons = [b for m in messages for row in (m.get("buttons") or []) for b in row]
                agree = [b for b in buttons if b.get("text", "").startswith("✅")]
                if agree:
                    message = messages[-1]
                    await sim.press(
                        user, int(message["message_id"]), data=agree[0]["callback_data"]
                    )
                    break
            else:
                raise DemoError("the bot did not answer the seeded residents within 60 s")


def _child(command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    """A child that the kernel stops (SIGTERM) when the demo dies, even by SIGKILL."""
    wrapped = [sys.executable, "-m", "bot.platform.lifetime", str(os.getpid()), *command]
    return subprocess.Popen(wrapped, env=env)  # noqa: S603 (our own interpreter and modules)


def _stop(child: subprocess.Popen[bytes]) -> None:
    stop_process(child, signal.SIGINT, 20)


def _wait_http(url: str, seconds: float) -> None:
    if not wait_http(url, seconds):
        raise DemoError(f"{url} did not start in {seconds:.0f} s")


def run_demo(config: Config, data_dir: Path, port: int, fresh: bool) -> int:
    """Run the demo until Ctrl-C or until one of its processes stops."""
    host = "127.0.0.1"
    bot_port = port + 1  # the bot's own webhook server (WhatsApp's webhook)
    for needed in (port, bot_port):
        if not port_free(host, needed):
            raise DemoError(
                f"port {needed} on {host} is busy (another program, or another demo, listens "
                f"there); the demo needs {port} and {bot_port}: choose others with --port"
            )
    data_dir.mkdir(parents=True, exist_ok=True)
    if fresh:
        reset(data_dir)
    python = sys.executable
    emulator = _child(
        [
            python,
            "-m",
            "emulator",
            "--host",
            host,
            "--port",
            str(port),
            "--token",
            DEMO_TOKEN + ":kim_demo_bot",
            "--state-file",
            str(data_dir / STATE_FILE),
            "--wa-phone-id",
            WA_PHONE_ID,
            "--wa-display-number",
            WA_NUMBER,
            "--wa-token",
            WA_SECRETS["KIMBOT_WA_TOKEN"],
            "--wa-app-secret",
            WA_SECRETS["KIMBOT_WA_APP_SECRET"],
            "--wa-webhook",
            f"http://{host}:{bot_port}/whatsapp/webhook",
            "--wa-template",
            "kim_pengumuman:id:1",
            "--wa-template",
            "kim_tiket_diperbarui:id:1",
        ],
        dict(os.environ),
    )
    bot: subprocess.Popen[bytes] | None = None
    api = f"http://{host}:{port}"
    try:
        _wait_http(api + "/sim/bots", 20)
        world_file = data_dir / WORLD_FILE
        first_run = not world_file.exists()
        if first_run:
            world = asyncio.run(seed_world(api))
            world_file.write_text(json.dumps(world, indent=1))
        else:
            world = json.loads(world_file.read_text())
        console = f"http://{host}:{bot_port}/console/"
        asyncio.run(announce_presets(api, world, console))
        config_path = data_dir / CONFIG_FILE
        config_path.write_text(
            "# Written by `kimbot demo`: the shipped config.yaml plus the demo's roles and chats.\n"
            + yaml.safe_dump(demo_config(config, world), allow_unicode=True, sort_keys=False),
            encoding="utf-8",
        )
        env = dict(
            os.environ,
            KIMBOT_TELEGRAM_TOKEN=DEMO_TOKEN,
            KIMBOT_TELEGRAM_API_URL=api,
            KIMBOT_WA_API_URL=api + "/graph",
            **WA_SECRETS,
        )
        env.pop("REDIS_URL", None)
        bot = _child(
            [
                python,
                "-m",
                "handlers.cli",
                "run",
                "--config",
                str(config_path),
                "--data-dir",
                str(data_dir),
                "--port",
                str(bot_port),
            ],
            env,
        )
        _wait_http(f"http://{host}:{bot_port}/healthz", 60)  # the bot is up and serving
        if first_run:
            asyncio.run(subscribe_seeded(api, world))
            world_file.write_text(json.dumps(world, indent=1))
        print(
            f"\nKIM Bot demo is running. Open {api}/ in a browser.\n"
            "Personas: Bu Siti (admin KIM Bagendung: /broadcast), Pak Rahmat (staff),\n"
            "Pak Kadis (superadmin), Budi and Ani (Telegram) and Dewi (WhatsApp), subscribed\n"
            "to Bagendung; Ujang and Sri (new: try /start). Quick add › KIM admin or Staff\n"
            "on the page adds a persona with that role (5 of each). The web console is at\n"
            f"{console} (send /konsol as Pak Kadis, Bu Siti or Pak Rahmat for a login link,\n"
            "or press Konsol KIM on the page). Data stays in "
            f"{data_dir}/ between runs (--reset starts empty). Ctrl-C stops everything.\n",
            flush=True,
        )
        while emulator.poll() is None and bot.poll() is None:
            time.sleep(0.5)
        print("a demo process stopped; stopping the rest", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        if bot is not None:
            _stop(bot)
        _stop(emulator)
