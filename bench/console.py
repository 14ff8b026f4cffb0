"""Benchmark the console's dashboard at 100,000 subscribers and 10,000 tickets.

Everything runs in this process against a fresh embedded Redis (AOF on, in a temp dir),
with the shipped Kota Cilegon config (its kelurahan). Seeding writes the residents in
pipelines, with the keys and counter increments of bot/residents/records.py and
bot/insights/counters.py (its own functions compose them), spread over 26 weeks, both
platforms and four languages, 5 % of them stopped; then 100 erasures through
`Privacy.erase`, 10,000 tickets through `Tickets.create` and `transition` over 180 days
(a fifth still open, half of those overdue; the rest answered or rejected, half of the
answered rated), 30 % of them hoax checks in 300 claims, 3,000 instant archive answers
through `HoaxRecipients.record`, and 60 announcements over 60 days.

It prints one JSON line per case, with p50/p99 in ms over `--runs` runs:
- `dashboard`: `build_dashboard` for the whole deployment, one kecamatan, one kelurahan;
- `charts`: every chart of the whole deployment's page (bars per kecamatan and per
  kelurahan, the platform share, languages, weekly growth, open tickets per topic and
  kecamatan, ratings, hoax checks per week, top claims);
- `page`: `GET /console/` by a signed-in superadmin (whole) and a kelurahan admin, over
  loopback: the dashboard, its charts and its template, as the server serves it;
- `seed`: seed seconds, the rebuild's seconds (`rebuild`, as at the first start after an
  upgrade), the counters' keys and Redis bytes (MEMORY USAGE of every `kim:ins:` key).
Each line has host_other_cpu_per_s: CPU that other programs used meanwhile (cores).

    .venv/bin/python bench/console.py
    .venv/bin/python bench/console.py --residents 20000 --tickets 2000 --runs 30
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

SCRIPT = Path(__file__).resolve()
ROOT = SCRIPT.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from machine import host_busy, tree_cpu  # noqa: E402  (bench/machine.py)

from bot.announcements.store import Outcome  # noqa: E402
from bot.desk.hoaxes import Claim  # noqa: E402
from bot.insights import counters  # noqa: E402
from bot.insights.dashboard import Dashboard, build_dashboard  # noqa: E402
from bot.insights.rebuild import rebuild  # noqa: E402
from bot.people.viewer import Viewer  # noqa: E402
from bot.platform.addresses import Address  # noqa: E402
from bot.platform.clock import FixedClock  # noqa: E402
from bot.platform.config import Admin, load_config  # noqa: E402
from bot.platform.i18n import Translator  # noqa: E402
from bot.platform.store import EmbeddedRedis, connect  # noqa: E402
from bot.residents.records import STOPPED_INDEX, record_key, village_audience_key  # noqa: E402
from bot.services import Services  # noqa: E402
from handlers.console import home  # noqa: E402
from handlers.console.app import add_console  # noqa: E402
from handlers.wiring import build_services  # noqa: E402

NOW = 1_790_000_000.0
DAY = 86400.0
LOCALES = ("id", "id", "id", "id", "jv", "su", "en")
TOPICS = ("kesehatan", "pendidikan", "adminduk", "infrastruktur", "jalan", "lainnya")
PIPE = 5_000


def log(message: str) -> None:
    """Progress on stderr."""
    print(message, file=sys.stderr, flush=True)


def own_cpu() -> float:
    """CPU seconds of this process and its children (the embedded Redis)."""
    return tree_cpu(os.getpid())


def percentile(times: list[float], p: int) -> float:
    """The p-th percentile of `times` (seconds) in ms."""
    ordered = sorted(times)
    return round(ordered[min(len(ordered) - 1, len(ordered) * p // 100)] * 1000, 2)


def address(n: int) -> Address:
    """Resident n: two thirds on Telegram, a third on WhatsApp."""
    return Address.whatsapp(f"628{n:010d}") if n % 3 == 0 else Address.telegram(10**9 + n)


def seed_residents(svc: Services, count: int, rng: random.Random) -> list[tuple[Address, str]]:
    """`count` subscribers in the deployment's villages, 5 % stopped, written in pipelines."""
    villages = [v.code for v in svc.regions.villages()]
    tz = svc.config.deployment.timezone
    people: list[tuple[Address, str]] = []
    pipe = svc.redis.pipeline(transaction=False)
    for n in range(count):
        who, village, locale = address(n), rng.choice(villages), rng.choice(LOCALES)
        made = NOW - rng.uniform(0, 26 * 7 * DAY)
        record: dict[str | bytes, str] = {
            "locale": locale,
            "status": "active",
            "village": village,
            "consent_at": repr(made),
            "consent_version": "v1",
            "created_at": repr(made),
            "updated_at": repr(made),
        }
        counters.joined(pipe, village, who, locale, counters.week_of(made, tz))
        if rng.random() < 0.05:
            left = made + rng.uniform(0, NOW - made)
            record.update(status="stopped", stopped_at=repr(left))
            counters.left(pipe, village, who, locale, counters.week_of(left, tz))
            counters.stopped(pipe, village, 1)
            pipe.zadd(STOPPED_INDEX, {str(who): left})
        else:
            pipe.sadd(village_audience_key(village), str(who))
            people.append((who, village))
        pipe.hset(record_key(who), mapping=record)
        if len(pipe) >= PIPE:
            pipe.execute()
    pipe.execute()
    return people


def seed_desk(
    svc: Services, people: list[tuple[Address, str]], count: int, rng: random.Random
) -> None:
    """`count` tickets, their transitions and ratings; archive answers; announcements."""
    claims = [f"HKS-C{n:03d}" for n in range(300)]
    for claim_id in claims[:150]:
        svc.hoaxes.add_claim(Claim(claim_id, f"klaim nomor {claim_id}", "hoaks", "", "", NOW))
    for n in range(count):
        who, village = rng.choice(people)
        made = NOW - rng.uniform(0, 180 * DAY)
        hoax = rng.random() < 0.3
        ticket = svc.tickets.create(
            who,
            "hoaks" if hoax else "aspirasi",
            made,
            made + 3 * DAY,
            topic="" if hoax else rng.choice(TOPICS),
            village=village,
            text="teks",
            group=rng.choice(claims) if hoax else "",
        )
        fate = rng.random()
        if fate < 0.2:  # open: half of them past due
            if made > NOW - 3 * DAY and rng.random() < 0.5:
                continue
            svc.tickets.transition(ticket.id, "diverifikasi", ("diterima",), "s", made + 3600)
            continue
        first = made + rng.expovariate(1 / 7200)
        svc.tickets.transition(ticket.id, "diverifikasi", ("diterima",), "s", first)
        if fate < 0.9:
            done = first + rng.expovariate(1 / 86400)
            svc.tickets.transition(ticket.id, "dijawab", ("diverifikasi",), "s", done)
            if rng.random() < 0.5:
                svc.tickets.rate(ticket.id, who, rng.randint(1, 5))
        else:
            svc.tickets.transition(ticket.id, "ditolak", ("diverifikasi",), "s", first + 60)
        if n and n % 2000 == 0:
            log(f"{n} tickets")
    for _n in range(3000):
        who, village = rng.choice(people)
        svc.recipients.record(
            rng.choice(claims[:150]), who, NOW - rng.uniform(0, 84 * DAY), village
        )
    kecamatan = [k.code for k in svc.regions.kecamatan]
    for n in range(60):
        target = rng.choice([*kecamatan, people[n][1], svc.regions.city.code])
        made = svc.announcements.create(None, [target], NOW - n * DAY)
        svc.announcements.move(made.id, "done", ["queued"], audience=rng.randint(100, 20000))
        outcomes = [Outcome(str(who), rng.choice("ssssb")) for who, _v in people[n : n + 50]]
        svc.announcements.record(made.id, outcomes)


VIEWER = Viewer(
    who=Address.telegram(1),
    name="bench",
    role="superadmin",
    is_superadmin=True,
    is_admin=True,
    is_staff=True,
    manages_roles=True,
    scope=(),
    villages=None,
    komunitas=frozenset(),
)


def charts(board: Dashboard) -> list[str]:
    """Every chart of the dashboard page, drawn by the page's own code."""
    tr = Translator("id", "Asia/Jakarta")
    return [str(svg) for svg in home.charts(board, tr, home.Links(VIEWER)).values()]


async def page_times(svc: Services, runs: int, who: Address) -> tuple[list[float], int]:
    """`GET /console/` as a signed-in browser would, `runs` times after a warm-up: the
    seconds of each round trip over loopback (the server's work, template included) and
    the page's size."""
    app = web.Application()
    add_console(app, svc)
    async with TestClient(TestServer(app)) as browser:
        token = svc.console.issue_link(who, svc.clock.now(), valid_seconds=600, per_hour=99)
        assert token is not None
        signed = await browser.post("/console/masuk", data={"t": token})
        size = len(await signed.read())
        times = []
        for _n in range(runs):
            began = time.perf_counter()
            response = await browser.get("/console/")
            await response.read()
            times.append(time.perf_counter() - began)
            if response.status != 200:
                raise RuntimeError(f"the dashboard answered {response.status}")
    return times, size


def timed(runs: int, work: Callable[[], object]) -> list[float]:
    """Seconds of each of `runs` calls (after one warm-up call)."""
    work()
    times = []
    for _n in range(runs):
        began = time.perf_counter()
        work()
        times.append(time.perf_counter() - began)
    return times


def counter_bytes(svc: Services) -> tuple[int, int]:
    """How many `kim:ins:` keys there are, and the bytes Redis says they use."""
    keys = [str(k) for k in svc.redis.scan_iter("kim:ins:*", 1000)]
    pipe = svc.redis.pipeline(transaction=False)
    for key in keys:
        pipe.memory_usage(key)
    return len(keys), sum(int(n or 0) for n in pipe.execute())


def run(residents: int, tickets: int, runs: int, work: Path) -> list[dict[str, Any]]:
    """Seed, then time each case."""
    config = load_config(ROOT / "config.yaml")
    lines: list[dict[str, Any]] = []
    with EmbeddedRedis(work / "redis") as server:
        redis = connect(server.url)
        kelurahan = config.regions.kecamatan[0].villages[0].code
        roles = config.roles.model_copy(
            update={
                "superadmins": ["tg:1"],
                "admins": [Admin(id="tg:2", name="Admin KIM", scope=[kelurahan])],
            }
        )
        config = config.model_copy(update={"roles": roles})
        svc = build_services(config, redis, FixedClock(NOW))
        rng = random.Random(15)
        busy0, own0, t0 = host_busy(), own_cpu(), time.monotonic()
        people = seed_residents(svc, residents, rng)
        log(f"{residents} residents seeded")
        for who, _village in people[:100]:
            svc.privacy.erase(who)
        people = people[100:]
        seed_desk(svc, people, tickets, rng)
        seed = time.monotonic() - t0
        keys, used = counter_bytes(svc)
        began = time.monotonic()
        rebuild(svc)
        rebuilt = time.monotonic() - began
        lines.append(
            {
                "case": "seed",
                "residents": residents,
                "tickets": tickets,
                "seed_s": round(seed, 1),
                "rebuild_s": round(rebuilt, 2),
                "counter_keys": keys,
                "counter_bytes": used,
                "host_other_cpu_per_s": other_cpu(busy0, own0, t0),
            }
        )
        now = datetime.fromtimestamp(NOW + 3600, UTC)
        kecamatan = svc.regions.kecamatan[0]
        scopes: dict[str, frozenset[str] | None] = {
            "whole": None,
            "kecamatan": frozenset(v.code for v in svc.regions.villages(kecamatan.code)),
            "kelurahan": frozenset([kecamatan.children[0]]),
        }
        for scope, villages in scopes.items():
            busy0, own0, t0 = host_busy(), own_cpu(), time.monotonic()
            times = timed(runs, lambda v=villages: build_dashboard(svc, v, now))  # type: ignore[misc]
            board = build_dashboard(svc, villages, now)
            lines.append(
                {
                    "case": "dashboard",
                    "scope": scope,
                    "subscribers": board.residents.subscribers.value,
                    "open_tickets": board.desk.open.value,
                    "runs": runs,
                    "p50_ms": percentile(times, 50),
                    "p99_ms": percentile(times, 99),
                    "host_other_cpu_per_s": other_cpu(busy0, own0, t0),
                }
            )
        whole = build_dashboard(svc, None, now)
        busy0, own0, t0 = host_busy(), own_cpu(), time.monotonic()
        times = timed(runs, lambda: charts(whole))
        lines.append(
            {
                "case": "charts",
                "scope": "whole",
                "svg_bytes": sum(len(c) for c in charts(whole)),
                "runs": runs,
                "p50_ms": percentile(times, 50),
                "p99_ms": percentile(times, 99),
                "host_other_cpu_per_s": other_cpu(busy0, own0, t0),
            }
        )
        kelurahan_admin = Address.telegram(2)
        for scope, who in (("whole", Address.telegram(1)), ("kelurahan", kelurahan_admin)):
            busy0, own0, t0 = host_busy(), own_cpu(), time.monotonic()
            times, size = asyncio.run(page_times(svc, runs, who))
            lines.append(
                {
                    "case": "page",
                    "scope": scope,
                    "request": "GET /console/ over loopback, signed in",
                    "html_bytes": size,
                    "runs": runs,
                    "p50_ms": percentile(times, 50),
                    "p99_ms": percentile(times, 99),
                    "host_other_cpu_per_s": other_cpu(busy0, own0, t0),
                }
            )
        redis.close()
    return lines


def other_cpu(busy0: float, own0: float, t0: float) -> float:
    """Cores other programs kept busy since the marks."""
    other = (host_busy() - busy0) - (own_cpu() - own0)
    return round(max(other, 0.0) / max(time.monotonic() - t0, 1e-9), 2)


def main() -> None:
    """Parse the sizes, run, print a JSON line per case."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kimbot-bench-console-") as tmp:
        for line in run(args.residents, args.tickets, max(args.runs, 30), Path(tmp)):
            print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
