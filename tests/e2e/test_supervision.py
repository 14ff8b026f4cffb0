"""Issue 10's failures, for real: SIGKILL the worker `kimbot run` started, SIGKILL
`kimbot run` itself again and again, SIGKILL the worker holding RQ's scheduler in the
middle of a broadcast. Each test prints the figure it measured (pytest -s shows it)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from rq import Worker
from rq.job import Job
from rq.registry import StartedJobRegistry

from bot.platform.addresses import Address
from bot.platform.config import Config
from bot.platform.store import EmbeddedRedis, Redis, connect
from bot.residents.records import Residents
from broadcasts.dispatch import RQDispatch
from broadcasts.queues import BULK_QUEUE
from emulator import SimClient
from handlers.wiring import build_services
from tests.e2e.test_polling import onboard
from tests.support.constants import BAGENDUNG, BOT_TOKEN
from tests.support.people import Person
from tests.support.processes import (
    Process,
    alive,
    bot_env,
    children,
    free_port,
    kimbot,
    parent_of,
    pointing_at,
    start_emulator,
    wait_until,
    write_config,
)
from tests.support.worlds import E2E, running_world

pytestmark = pytest.mark.e2e

TEXT = "Kerja bakti Minggu pagi di balai warga"


def figure(name: str, value: Any) -> None:
    """A measured figure, printed for the report."""
    print(f"\nFIGURE {name}: {value}", flush=True)


def worker_child(bot: Process) -> int | None:
    """The RQ worker `kimbot run` started (its only child with no REDIS_URL set: the
    embedded Redis is the other)."""
    for pid in children(bot.popen.pid):
        try:
            args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except FileNotFoundError:
            continue
        if b"worker" in args:
            return pid
    return None


def registered(rq_redis: Redis, pid: int) -> bool:
    """Whether RQ lists a live worker with this pid."""
    return any(w.pid == pid for w in Worker.all(connection=rq_redis))


def test_a_killed_worker_is_restarted_and_delivers_what_was_queued_meanwhile(
    tmp_path: Path, redis_url: str, config: Config
) -> None:
    """SIGKILL the worker child: `kimbot run` logs an ERROR and starts another, which
    delivers a broadcast queued after the death. (Its own world, not the module's: no
    other worker may outlive this test.)"""
    with running_world(tmp_path, redis_url, config) as e2e:
        asyncio.run(kill_the_worker_and_broadcast(e2e, connect(redis_url, decode=False)))


async def kill_the_worker_and_broadcast(e2e: E2E, rq_redis: Redis) -> None:
    """The first test's story, in the running world."""
    await asyncio.to_thread(
        wait_until, lambda: worker_child(e2e.bot) is not None, 60, "the worker child starting"
    )
    first = worker_child(e2e.bot)
    assert first is not None
    await asyncio.to_thread(
        wait_until, lambda: registered(rq_redis, first), 60, "the first worker registering"
    )
    async with SimClient(e2e.api) as sim:
        resident = await Person.create(sim)
        await onboard(resident)
        os.kill(first, signal.SIGKILL)
        killed = time.monotonic()
        admin = Person(sim, {"id": e2e.admin})
        await admin.say("/broadcast")
        await admin.wait_for("Kirim pengumumannya")
        await admin.say(TEXT)
        await admin.wait_for("Menjangkau")
        await admin.press("✅")
        await asyncio.to_thread(
            wait_until, lambda: worker_child(e2e.bot) not in (None, first), 60, "a new worker"
        )
        restarted = time.monotonic() - killed
        second = worker_child(e2e.bot)
        assert second is not None
        await asyncio.to_thread(
            wait_until, lambda: registered(rq_redis, second), 60, "the new worker registering"
        )
        ready = time.monotonic() - killed
        await resident.wait_for(TEXT, seconds=120)
        delivered = time.monotonic() - killed
    rq_redis.close()
    assert not alive(first)
    assert f"RQ worker (pid {first}) died (killed by SIGKILL); restarting it in 1 s" in (
        e2e.bot.output()
    )
    figure("worker restart: new process after kill (s)", round(restarted, 2))
    figure("worker restart: registered with RQ after kill (s)", round(ready, 2))
    figure(
        "worker restart: broadcast queued after the kill delivered after (s)", round(delivered, 2)
    )


def test_kimbot_run_sigkilled_four_times_leaves_nothing_and_loses_nothing(
    tmp_path: Path, config: Config
) -> None:
    """`kimbot run` on the embedded Redis, SIGKILLed four times in a row: each time its
    worker (and the worker's forks) and its redis-server stop, found neither by pid nor by
    a /proc scan for the data dir; what was written before each kill is there after."""
    emulator, api = start_emulator(tmp_path)
    data = tmp_path / "data"
    config_path = write_config(config, tmp_path / "config.yaml")
    env = dict(
        os.environ,
        KIMBOT_TELEGRAM_TOKEN=BOT_TOKEN,
        KIMBOT_TELEGRAM_API_URL=api,
        KIMBOT_DATA_DIR=str(data),
    )
    env.pop("REDIS_URL", None)
    command = [sys.executable, "-m", "handlers.cli", "run", "--config", str(config_path)]
    try:
        cleared = [
            run_write_and_sigkill(command, env, data, tmp_path / f"bot-{n}.log", 9100 + n)
            for n in range(4)
        ]
        assert pointing_at(data) == []
        with EmbeddedRedis(data) as server:
            client = connect(server.url)
            residents = Residents(client)
            assert all(residents.get(Address.telegram(9100 + n)) for n in range(4))
            client.close()
    finally:
        emulator.stop()
    figure("kimbot run SIGKILLed x4: processes left", len(pointing_at(data)))
    figure(
        "kimbot run SIGKILLed: seconds until its children were gone", [round(c, 2) for c in cleared]
    )


def run_write_and_sigkill(
    command: list[str], env: dict[str, str], data: Path, log: Path, resident: int
) -> float:
    """Start `kimbot run`, write a resident once its worker runs, SIGKILL it; returns how
    long its processes took to be all gone."""
    bot = Process([*command, "--port", str(free_port())], env, log)
    try:
        wait_until(lambda: EmbeddedRedis.running_url(data), 60, "the embedded Redis")
        url = EmbeddedRedis.running_url(data)
        assert url is not None
        rq_redis = connect(url, decode=False)
        wait_until(lambda: worker_child(bot) is not None, 60, "the worker child")
        worker = worker_child(bot)
        assert worker is not None
        wait_until(lambda: registered(rq_redis, worker), 60, "the worker registering")
        wait_until(lambda: len(children(worker)) >= 1, 60, "the worker's scheduler")
        tree = [bot.popen.pid, *children(bot.popen.pid), *children(worker)]
        assert len(tree) >= 4  # kimbot run, redis-server, the worker, its scheduler
        rq_redis.close()
        client = connect(url)
        Residents(client).consent(Address.telegram(resident), "id", "v1", 1.0)
        client.close()
        os.kill(bot.popen.pid, signal.SIGKILL)
        bot.popen.wait()
        killed = time.monotonic()
        wait_until(
            lambda: not any(alive(p) for p in tree) and not pointing_at(data),
            60,
            "every process of the killed kimbot run stopping",
        )
        return time.monotonic() - killed
    finally:
        bot.stop()


async def test_a_broadcast_survives_the_death_of_the_scheduler_holder(
    tmp_path: Path, config: Config, redis: Redis, redis_url: str
) -> None:
    """Two workers share a broadcast through the emulator; SIGKILL the one holding RQ's
    scheduler lock in the middle of a batch, with its forks, all at once, as the OOM
    killer would (so no scheduler lets go of the lock: it must be found stale): the
    survivor takes the scheduler over and the lost batch is sent again; everyone gets
    the announcement. (Killing the worker alone, whose scheduler then lets go as it dies,
    resumed in 38.8 s the same way.)"""
    chats = list(range(700_100_001, 700_100_301))
    emulator, api = start_emulator(tmp_path)
    rq_redis = connect(redis_url, decode=False)
    workers: list[Process] = []
    try:
        async with SimClient(api) as sim:
            for chat in chats:
                await sim.create_user("Warga", id=chat, language_code="id")
                await sim.start(chat)
            quick = config.model_dump(mode="json")["broadcasts"] | {
                "rate_per_second": 20,
                "batch_size": 100,
            }
            config_path = write_config(config, tmp_path / "config.yaml", broadcasts=quick)
            services = build_services(config, redis)
            for chat in chats:
                services.residents.consent(Address.telegram(chat), "id", "v1", time.time())
                services.residents.subscribe(Address.telegram(chat), BAGENDUNG, time.time())
            env = bot_env(tmp_path, api, redis_url) | {"KIMBOT_CONFIG": str(config_path)}
            arguments = ["worker", "--config", str(config_path)]
            workers = [kimbot(arguments, env, tmp_path / f"worker-{n}.log") for n in range(2)]
            pids = {w.popen.pid for w in workers}
            await asyncio.to_thread(
                wait_until,
                lambda: pids <= {w.pid for w in Worker.all(connection=rq_redis)},
                60,
                "both workers registering",
            )
            await asyncio.to_thread(
                wait_until, lambda: holder(rq_redis) in pids, 60, "a worker taking the scheduler"
            )
            await sim.call("DELETE", "/sim/deliveries")
            ann = services.announcements.create(None, [BAGENDUNG], time.time(), text=TEXT)
            RQDispatch(rq_redis).submit(ann.id)
            victim, batch = await mid_batch(sim, rq_redis, services, ann.id)
            for pid in [victim, *children(victim)]:
                os.kill(pid, signal.SIGKILL)
            killed = time.monotonic()
            await asyncio.sleep(1.0)  # what was in flight at the kill has arrived
            before = await delivered_to(sim, batch)
            while await delivered_to(sim, batch) == before:
                assert time.monotonic() < killed + 240, "the lost batch never resumed"
                await asyncio.sleep(0.2)
            resumed = time.monotonic() - killed
            while (current := services.announcements.get(ann.id)) and current.state != "done":
                assert time.monotonic() < killed + 300, f"not done: {current.counts}"
                await asyncio.sleep(0.2)
            deliveries = (await sim.call("GET", "/sim/deliveries"))["chats"]
        missed = [c for c in chats if not deliveries.get(str(c))]
        duplicates = sum(max(int(deliveries.get(str(c), 0)) - 1, 0) for c in chats)
        assert missed == []
        assert holder(rq_redis) in pids - {victim}
    finally:
        for worker in workers:
            worker.stop()
        emulator.stop()
        rq_redis.close()
    figure(
        "scheduler holder killed with its forks: lost batch resumed after (s)", round(resumed, 2)
    )
    figure("scheduler holder killed with its forks: missed, duplicates", (len(missed), duplicates))


def holder(rq_redis: Redis) -> int:
    """The pid of the worker whose scheduler holds the lock of kim-default, 0 if none."""
    name = rq_redis.get("rq:scheduler-lock:kim-default")
    pid = rq_redis.hget(f"rq:scheduler:{name.decode()}", "pid") if name else None
    return parent_of(int(pid)) if pid else 0


async def mid_batch(
    sim: SimClient, rq_redis: Redis, services: Any, announcement_id: str
) -> tuple[int, list[int]]:
    """(pid, chats) of the scheduler holder and the batch it runs, once it is 20-80% done."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        worker = holder(rq_redis)
        names = {w.name: w.pid for w in Worker.all(connection=rq_redis)}
        for job_id in StartedJobRegistry(BULK_QUEUE, connection=rq_redis).get_job_ids():
            job = Job.fetch(job_id, connection=rq_redis)
            if names.get(job.worker_name or "") != worker or not job.args:
                continue
            _, start, stop = job.args
            recipients = services.announcements.recipients(announcement_id, start, stop)
            batch = [int(r.removeprefix("tg:")) for r in recipients]
            done = await delivered_to(sim, batch)
            if 0.2 * len(batch) <= done <= 0.8 * len(batch):
                return worker, batch
        await asyncio.sleep(0.05)
    raise TimeoutError("the scheduler holder never ran a batch")


async def delivered_to(sim: SimClient, chats: list[int]) -> int:
    """How many of `chats` the emulator delivered something to."""
    deliveries = (await sim.call("GET", "/sim/deliveries"))["chats"]
    return sum(1 for c in chats if deliveries.get(str(c)))
