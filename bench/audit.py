"""Benchmark the audit trail at a busy deployment's five years of entries.

Everything runs in this process against a real Redis (the embedded one, AOF on, in a temp
dir). The trail is filled through `AuditTrail.record` (one round trip each, the way the
bot writes it) with entries spread evenly over five years: two thirds staff actions on
tickets carrying one of 5,000 residents' pseudonyms, the rest broadcasts, exports and
erasures. Then it reads.

For each size it prints one JSON line: entries, record_per_s and record p50/p99 in ms,
redis_bytes_per_entry (used_memory growth / entries, the pseudonym index included),
month_read_s (`entries()` over one month, the month's entries counted), month_xlsx_s
(`kimbot audit export` of that month as XLSX, the file written), mydata_p50_ms and
mydata_p99_ms (`AuditTrail.export` for one resident: the index, then their entries) and
trim_s (dropping the oldest year with XTRIM MINID). host_other_cpu_per_s: CPU that other
programs used meanwhile (cores), as the other benchmarks report it.

    .venv/bin/python bench/audit.py                  # 100,000 and 1,000,000 entries
    .venv/bin/python bench/audit.py --sizes 20000
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).resolve()
ROOT = SCRIPT.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from machine import host_busy, tree_cpu  # noqa: E402  (bench/machine.py)

from bot.platform.addresses import Address  # noqa: E402
from bot.platform.clock import FixedClock  # noqa: E402
from bot.platform.config import load_config  # noqa: E402
from bot.platform.store import EmbeddedRedis, connect  # noqa: E402
from handlers import audit_cli  # noqa: E402
from handlers.wiring import build_services  # noqa: E402

YEAR = 365.25 * 86400
START = 1_640_000_000.0  # late 2021: five years before the fixed clock of the tests
RESIDENTS = 5000
VILLAGES = ["36.72.02.1001", "36.72.02.1002", "36.72.01.1001", "36.72.03.1001"]


def log(message: str) -> None:
    """Progress on stderr."""
    print(message, file=sys.stderr, flush=True)


def own_cpu() -> float:
    """CPU seconds of this process and its children (the embedded Redis)."""
    return tree_cpu(os.getpid())


def percentile(times: list[float], p: int) -> float:
    """The p-th percentile of `times` (seconds) in ms."""
    ordered = sorted(times)
    return round(ordered[min(len(ordered) - 1, len(ordered) * p // 100)] * 1000, 3)


def run(size: int, work: Path) -> dict[str, Any]:
    """Fill a fresh trail with `size` entries, then measure the reads."""
    config = load_config(ROOT / "config.yaml")
    with EmbeddedRedis(work / f"redis-{size}") as server:
        redis = connect(server.url)
        clock = FixedClock(START)
        svc = build_services(config, redis, clock)
        trail = svc.audit
        pseudonyms = [trail.pseudonym(Address.telegram(800_000_000 + i)) for i in range(RESIDENTS)]
        rng = random.Random(size)
        step = 5 * YEAR / size
        busy0, own0, t0 = host_busy(), own_cpu(), time.monotonic()
        base = int(redis.info("memory")["used_memory"])
        times: list[float] = []
        for n in range(size):
            clock.advance(step)
            kind = rng.random()
            began = time.perf_counter()
            if kind < 0.66:
                trail.record(
                    rng.choice(["ticket.claimed", "ticket.answered", "ticket.forwarded"]),
                    actor="tg:700000005",
                    actor_name="Petugas Diskominfo",
                    role="staff",
                    object=f"ticket:ASP-2611-{n % 10000:04d}",
                    scope=rng.choice(VILLAGES),
                    detail={"kind": "aspirasi", "requester": rng.choice(pseudonyms)},
                )
            elif kind < 0.98:
                trail.record(
                    rng.choice(["broadcast.composed", "broadcast.approved", "broadcast.sent"]),
                    actor="tg:700000002",
                    actor_name="Pengurus KIM Bagendung",
                    role="admin",
                    object=f"broadcast:{n}",
                    scope=",".join(rng.sample(VILLAGES, 2)),
                    detail={"residents": rng.randint(10, 5000), "state": "queued"},
                )
            else:
                trail.record("export.run", actor="operator", actor_name="", role="operator")
            times.append(time.perf_counter() - began)
            if n and n % 100_000 == 0:
                log(f"{size}: {n} entries")
        fill = time.monotonic() - t0
        grown = int(redis.info("memory")["used_memory"]) - base
        month_start = START + 2.5 * YEAR
        began = time.perf_counter()
        month = trail.entries(month_start, month_start + YEAR / 12)
        month_read = time.perf_counter() - began
        day = time.strftime("%Y-%m-%d", time.gmtime(month_start + 86400))
        last = time.strftime("%Y-%m-%d", time.gmtime(month_start + YEAR / 12 - 86400))
        began = time.perf_counter()
        audit_cli.export(svc, day, last, "xlsx", str(work / f"audit-{size}.xlsx"))
        month_xlsx = time.perf_counter() - began
        mydata: list[float] = []
        for i in range(200):
            began = time.perf_counter()
            trail.export(Address.telegram(800_000_000 + i))
            mydata.append(time.perf_counter() - began)
        held = len(trail.export(Address.telegram(800_000_000))["entries"])
        clock.t = START + 6 * YEAR  # the oldest year is now past five years
        began = time.perf_counter()
        trimmed = trail.trim()
        trim = time.perf_counter() - began
        other = (host_busy() - busy0) - (own_cpu() - own0)
        elapsed = time.monotonic() - t0
        redis.close()
    return {
        "entries": size,
        "record_per_s": round(size / fill),
        "record_p50_ms": percentile(times, 50),
        "record_p99_ms": percentile(times, 99),
        "redis_bytes_per_entry": round(grown / size),
        "month_entries": len(month),
        "month_read_s": round(month_read, 3),
        "month_xlsx_s": round(month_xlsx, 2),
        "mydata_entries": held,
        "mydata_p50_ms": percentile(mydata, 50),
        "mydata_p99_ms": percentile(mydata, 99),
        "trimmed": trimmed,
        "trim_s": round(trim, 3),
        "host_other_cpu_per_s": round(max(other, 0.0) / elapsed, 2),
    }


def main() -> None:
    """Parse the sizes, run each, print a JSON line each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kimbot-bench-audit-") as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            print(json.dumps(run(size, Path(tmp))), flush=True)


if __name__ == "__main__":
    main()
