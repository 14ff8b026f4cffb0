"""Every deployment shape, started for real against the emulator: Telegram only (polling or
webhook), WhatsApp only (no Telegram token), both; on the Redis `kimbot run` embeds, or on
an external one; and replicas: bots in webhook mode behind one URL (a round-robin proxy
that also redelivers every update to another replica) with their own `kimbot worker`s,
on one Redis.

With Telegram, the world is tests/support/worlds.py's (Bu Siti, Bagendung's channel, the
staff group). WhatsApp only, Bu Siti and the staff member Pak Rahmat are WhatsApp users
(`wa:` in roles), and there is no staff group and no channel.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from rq import Worker

from bot.platform.config import Config, load_config
from bot.platform.store import EmbeddedRedis, Redis, connect
from bot.services import Services
from emulator.whatsapp.client import WaSimClient
from handlers.wiring import build_services
from tests.support.constants import (
    BAGENDUNG,
    WA_APP_SECRET,
    WA_BUSINESS_NUMBER,
    WA_PHONE_NUMBER_ID,
    WA_TOKEN,
)
from tests.support.processes import (
    Process,
    bot_env,
    free_port,
    kimbot,
    start_emulator,
    wait_http,
    write_config,
)
from tests.support.proxy import RoundRobin, round_robin
from tests.support.worlds import build_world, world_config

SECRET = "shapes-Secret_token"
WHATSAPP = {
    "enabled": True,
    "phone_number_id": WA_PHONE_NUMBER_ID,
    "business_number": WA_BUSINESS_NUMBER,
}


@dataclass(frozen=True)
class Shape:
    """How a Diskominfo runs KIM Bot: Telegram by polling, by webhook, or not at all;
    WhatsApp or not; one `kimbot run`, or `replicas` of them with as many workers."""

    telegram: Literal["polling", "webhook"] | None
    whatsapp: bool
    replicas: int = 1


@dataclass
class Deployment:
    """A running shape: the emulator's URL, the bot's Redis and core (to check what it
    stored), the people, and what running `kimbot` commands needs."""

    shape: Shape
    api: str
    redis: Redis
    services: Services
    people: dict[str, Any]  # the Telegram world's ids, or WhatsApp's admin and staff refs
    config_path: Path
    env: dict[str, str]
    balancer: RoundRobin | None
    ports: list[int]  # each `kimbot run`'s own port (webhooks, the console)


async def whatsapp_staff(api: str) -> dict[str, Any]:
    """Bu Siti (admin of Bagendung) and Pak Rahmat (staff), on WhatsApp."""
    async with WaSimClient(api) as sim:
        admin = await sim.wa_user("Bu Siti (admin KIM Bagendung)")
        staff = await sim.wa_user("Pak Rahmat (staf)")
    return {"admin": str(admin["user_id"]), "staff": str(staff["user_id"])}


def shape_config(config: Config, path: Path, shape: Shape, people: dict[str, Any]) -> Path:
    """The world's config for `shape`: WhatsApp enabled or not; WhatsApp only, the roles are
    `wa:` addresses, with no staff group and no channels."""
    whatsapp = {"whatsapp": WHATSAPP} if shape.whatsapp else {}
    if shape.telegram:
        return world_config(config, path, people, **whatsapp)
    roles = {
        "admins": [{"id": f"wa:{people['admin']}", "name": "Bu Siti", "scope": [BAGENDUNG]}],
        "staff": {"members": [f"wa:{people['staff']}"]},
    }
    return write_config(config, path, roles=roles, channels={}, **whatsapp)


@contextmanager
def deployed(
    shape: Shape, tmp: Path, config: Config, redis_url: str | None
) -> Iterator[Deployment]:
    """Emulator, people, config and the shape's processes, on `redis_url` (None: the one
    `kimbot run` embeds); everything stops, and an external Redis is flushed, at the end."""
    public = free_port()
    ports = [public] if shape.replicas == 1 else _distinct_ports(shape.replicas, public)
    flags: dict[str, Any] = {}
    if shape.whatsapp:
        flags = {
            "wa_phone_id": WA_PHONE_NUMBER_ID,
            "wa_display_number": WA_BUSINESS_NUMBER,
            "wa_token": WA_TOKEN,
            "wa_app_secret": WA_APP_SECRET,
            "wa_webhook": f"http://127.0.0.1:{public}/whatsapp/webhook",
        }
    with ExitStack() as stack:
        if redis_url is not None:
            connect(redis_url).flushdb()
            stack.callback(lambda: connect(redis_url).flushdb())
        emulator, api = start_emulator(tmp, **flags)
        stack.callback(emulator.stop)
        people = asyncio.run(build_world(api) if shape.telegram else whatsapp_staff(api))
        config_path = shape_config(config, tmp / "config.yaml", shape, people)
        env = bot_env(tmp, api, redis_url, telegram=bool(shape.telegram), whatsapp=shape.whatsapp)
        run = ["run", "--config", str(config_path)]
        if shape.telegram == "webhook":
            env |= {
                "KIMBOT_WEBHOOK_SECRET": SECRET,
                "KIMBOT_WEBHOOK_URL": f"http://127.0.0.1:{public}/telegram/webhook",
            }
            run.append("--webhook")
        balancer = None
        children: list[Process] = []
        if shape.replicas > 1:
            balancer = stack.enter_context(round_robin(public, ports))
            run.append("--no-worker")
            worker = ["worker", "--config", str(config_path)]
            children += [kimbot(worker, env, tmp / f"worker{n}.log") for n in range(shape.replicas)]
        stack.callback(_stop_together, children)
        for n, port in enumerate(ports):
            children.append(kimbot([*run, "--port", str(port)], env, tmp / f"bot{n}.log"))
        for port in ports:
            if shape.whatsapp or shape.telegram == "webhook":
                wait_http(f"http://127.0.0.1:{port}/healthz", 60)
        if shape.telegram:
            method = "setWebhook" if shape.telegram == "webhook" else "getUpdates"
            asyncio.run(_called(api, method, shape.replicas))
        url = redis_url or _embedded(tmp / "data")
        redis = connect(url)
        stack.callback(redis.close)
        _workers_up(redis, shape.replicas)
        services = build_services(load_config(config_path), redis)
        yield Deployment(shape, api, redis, services, people, config_path, env, balancer, ports)


def _stop_together(processes: list[Process]) -> None:
    """Stop the processes at once, each as `Process.stop` does."""
    stopping = [threading.Thread(target=process.stop) for process in processes]
    for thread in stopping:
        thread.start()
    for thread in stopping:
        thread.join()


def _distinct_ports(count: int, taken: int) -> list[int]:
    """`count` free ports, none of them `taken` nor each other."""
    ports: set[int] = set()
    while len(ports) < count:
        port = free_port()
        if port != taken:
            ports.add(port)
    return sorted(ports)


async def _called(api: str, method: str, times: int, seconds: float = 60) -> None:
    """Wait until the bots called the Bot API's `method` `times` times (they are up)."""
    async with WaSimClient(api) as sim:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            log = await sim.call("GET", "/sim/log", query={"method": method})
            if len(log["entries"]) >= times:
                return
            await asyncio.sleep(0.1)
    raise TimeoutError(f"the bot never called {method}")


def _workers_up(redis: Redis, count: int, seconds: float = 60) -> None:
    """Wait until `count` RQ workers listen on the bots' Redis."""
    deadline = time.monotonic() + seconds
    while Worker.count(connection=redis) < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"fewer than {count} workers came up")
        time.sleep(0.1)


def _embedded(data_dir: Path, seconds: float = 60) -> str:
    """The URL of the Redis that `kimbot run` embedded in `data_dir`, once it runs."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        url = EmbeddedRedis.running_url(data_dir)
        if url:
            return url
        time.sleep(0.1)
    raise TimeoutError(f"no embedded Redis came up in {data_dir}")
