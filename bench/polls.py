"""Benchmark a poll to 100,000 residents, 30 % of them answering within 10 minutes.

Everything runs in this process against a fresh embedded Redis (AOF on, in a temp dir),
with the shipped Kota Cilegon config. 100,000 subscribers are written in pipelines
(bot/residents/records.py's keys, the current privacy notice, four languages, spread
over the 43 kelurahan); a superadmin's poll to the whole city is stored with
`bot.polls.runs.start`, its announcement planned as a worker plans it, and every
recipient's outcome recorded as delivered (`Announcements.record`, as the senders do).

Then the answers come in at the rate the issue names, 30,000 in 600 s = 50 a second
(`--seconds` shortens the run at the same rate): each is a resident's press (or, one in
ten, a typed number) through the conversation engine, as the bot hands it a button press
(`Conversations.handle`), one in twenty a changed answer; meanwhile other residents ask
for the /menu (two a second) and the admin reads the results (one a second). A press is
answered with a notice alone, which Telegram shows as a toast (answerCallbackQuery, not
a message: it spends none of the bot's 30/s), so what a resident waits for is this turn
plus one HTTP round trip. The same loop is then run flat out (`flat_out`), and the
planning and results figures are measured at the end, with every answer in.

It prints one JSON line per case, p50/p99/max in ms:
- `answers`: the press turns and the typed-number turns at the issue's rate, and the
  menu replies of other residents meanwhile, with how many were late (the schedule's lag);
- `flat_out`: press turns one after another as fast as one core serves them (answers/s;
  respondents changing their answer, so the count of respondents stays);
- `results`: `Polls.results` for the city, `by_village`, the admin's results view (text
  of the city, its kecamatan and the top kelurahan), and the CSV table, at 30,000 answers;
- `planning`: seconds to plan the poll (100,000), its reminder (those who have not
  answered: the respondents left out) and its results (the respondents), and
  `personal_replies` for a batch of 500 (what each sender does per batch);
- `seed`: seconds, Redis bytes of the poll's keys per answer.
Each line has host_other_cpu_per_s: CPU that other programs used meanwhile (cores).

    .venv/bin/python bench/polls.py
    .venv/bin/python bench/polls.py --residents 20000 --seconds 60
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402
from machine import host_busy, own_cpu, tree_cpu  # noqa: E402  (bench/machine.py)

from bot.announcements.store import SENT, Outcome  # noqa: E402
from bot.dialogs import build_conversations  # noqa: E402
from bot.dialogs.poll_results import results_view  # noqa: E402
from bot.dialogs.turn import Turn  # noqa: E402
from bot.platform.actions import PollVote  # noqa: E402
from bot.platform.addresses import Address  # noqa: E402
from bot.platform.clock import FixedClock  # noqa: E402
from bot.platform.config import load_config  # noqa: E402
from bot.platform.messages import Incoming  # noqa: E402
from bot.platform.store import EmbeddedRedis, connect  # noqa: E402
from bot.polls import runs  # noqa: E402
from bot.polls.export import table  # noqa: E402
from bot.polls.messages import personal_replies  # noqa: E402
from bot.residents.records import record_key, village_audience_key  # noqa: E402
from bot.services import Services  # noqa: E402
from handlers.wiring import build_services  # noqa: E402

NOW = 1_790_000_000.0
PIPE = 5_000
LOCALES = ("id", "id", "id", "id", "jv", "su", "en")
SUPERADMIN = "tg:9001"
ANSWERS = ("Depan pasar", "Depan sekolah", "Depan puskesmas", "Dekat stasiun")


class NoDispatch:
    """The worker is not in this benchmark: what would be queued is dropped."""

    def submit(self, announcement_id: str, at: float | None = None) -> None:
        """Nothing: the plan is made here."""

    def notify(self, to: Address, reply: Any, about: Address | None = None) -> None:
        """Nothing: no notices in this benchmark."""

    def fan_out(self, run_id: str) -> None:
        """Nothing."""


def address(n: int) -> Address:
    """Resident `n`: even on Telegram, odd on WhatsApp."""
    return Address.telegram(800_000_000 + n) if n % 2 == 0 else Address.whatsapp(f"62812{n:07d}")


def seed(svc: Services, count: int, rng: random.Random) -> list[Address]:
    """`count` subscribers of the city's kelurahan, consented to the current notice."""
    villages = [v.code for v in svc.regions.villages()]
    version = svc.config.privacy.notice_version
    pipe = svc.redis.pipeline(transaction=False)
    people = []
    for n in range(count):
        who, village = address(n), rng.choice(villages)
        pipe.hset(
            record_key(who),
            mapping={
                "locale": rng.choice(LOCALES),
                "status": "active",
                "village": village,
                "consent_at": repr(NOW - 86400),
                "consent_version": version,
                "created_at": repr(NOW - 86400),
                "updated_at": repr(NOW - 86400),
            },
        )
        pipe.sadd(village_audience_key(village), str(who))
        people.append(who)
        if len(pipe) >= PIPE:
            pipe.execute()
    pipe.execute()
    return people


def percentiles(samples: list[float]) -> dict[str, float]:
    """p50, p99 and max of `samples` (seconds) in ms."""
    ordered = sorted(samples) or [0.0]
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {
        "p50_ms": round(pick(0.50) * 1000, 2),
        "p99_ms": round(pick(0.99) * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
        "n": len(samples),
    }


def timed(work: Callable[..., object], *args: Any) -> float:
    """Seconds `work(*args)` took."""
    started = time.perf_counter()
    work(*args)
    return time.perf_counter() - started


def emit(case: str, busy: Callable[[], float], **figures: Any) -> None:
    """One JSON line."""
    print(json.dumps({"bench": "polls", "case": case, **figures, "host_other_cpu_per_s": busy()}))
    sys.stdout.flush()


def main() -> int:
    """Seed, answer at the rate, answer flat out, then planning and results."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--share", type=float, default=0.30, help="who answers (0.30)")
    parser.add_argument("--seconds", type=float, default=600.0, help="of answering (600)")
    parser.add_argument("--flat-out", type=int, default=3_000, help="answers timed flat out")
    args = parser.parse_args()
    rng = random.Random(16)
    with tempfile.TemporaryDirectory() as tmp, EmbeddedRedis(Path(tmp) / "redis") as server:
        return run(args, rng, server.url)


def run(args: argparse.Namespace, rng: random.Random, url: str) -> int:
    """The benchmark on the Redis at `url`."""
    config = load_config(ROOT / "config.yaml")
    roles = config.roles.model_copy(update={"superadmins": [SUPERADMIN]})
    config = config.model_copy(update={"roles": roles})
    clock = FixedClock(NOW)
    svc = build_services(config, connect(url), clock, NoDispatch())  # type: ignore[arg-type]
    conv = build_conversations(svc)
    busy = host_busy_meter()

    started = time.perf_counter()
    people = seed(svc, args.residents, rng)
    city = config.regions.code
    poll = runs.start(
        svc,
        Address.parse(SUPERADMIN),
        question="Di mana halte bus baru sebaiknya dibangun?",
        options=list(ANSWERS),
        scale=False,
        other=True,
        targets=[city],
        closes_at=NOW + 3 * 86400,
        remind=True,
        now=NOW,
    ).poll
    store = svc.announcements
    store.move(poll.announcement, "sending", ["queued"], started_at=NOW)
    plan_poll = timed(lambda: store.plan(poll.announcement))
    for at in range(0, len(people), PIPE):
        store.record(poll.announcement, [Outcome(str(p), SENT) for p in people[at : at + PIPE]])
    seeded = time.perf_counter() - started
    emit("seed", busy, residents=len(people), seconds=round(seeded, 1))

    answering = rng.sample(people, int(len(people) * args.share))
    rate = len(answering) / 600.0  # the issue's: 30 % within ten minutes
    count = min(len(answering), int(rate * args.seconds))
    press_times: list[float] = []
    typed_times: list[float] = []
    menu_times: list[float] = []
    view_times: list[float] = []
    late = 0
    begin = time.perf_counter()
    menu_every, view_every = max(1, int(rate / 2)), max(1, int(rate))
    for n, who in enumerate(answering[:count]):
        due = begin + n / rate
        wait = due - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        elif wait < -0.1:
            late += 1
        answer = rng.randrange(1, len(ANSWERS) + 1)
        clock.t = NOW + 60 + n / rate
        if n % 10 == 9:
            typed_times.append(timed(conv.handle, Incoming(who, "text", text=str(answer))))
        else:
            press = Incoming(who, "button", button=PollVote(poll.id, answer).pack())
            press_times.append(timed(conv.handle, press))
        if n % 20 == 19:  # a changed answer
            change = Incoming(who, "button", button=PollVote(poll.id, 1).pack())
            press_times.append(timed(conv.handle, change))
        if n % menu_every == 0:
            other = people[rng.randrange(len(people))]
            menu_times.append(timed(conv.handle, Incoming(other, "command", command="menu")))
        if n % view_every == 0:
            view_times.append(timed(lambda: view(svc, conv, poll.id)))
    emit(
        "answers",
        busy,
        rate_per_s=round(rate, 1),
        seconds=round(time.perf_counter() - begin, 1),
        late=late,
        press=percentiles(press_times),
        typed=percentiles(typed_times),
        menu_reply=percentiles(menu_times),
        results_view_during=percentiles(view_times),
    )

    rest = answering[count:]
    for who in rest:  # the rest of the 30 %, when the run was shortened
        svc.polls.answer(poll.id, who, rng.randrange(1, 5), clock.now())
    flat = answering[: args.flat_out]  # respondents changing their answer: full turns
    flat_started = time.perf_counter()
    flat_times = []
    for who in flat:
        press = Incoming(who, "button", button=PollVote(poll.id, rng.randrange(1, 5)).pack())
        flat_times.append(timed(conv.handle, press))
    flat_seconds = time.perf_counter() - flat_started
    emit(
        "flat_out",
        busy,
        answers_per_s=round(len(flat) / flat_seconds, 1) if flat else 0,
        press=percentiles(flat_times),
    )

    found = svc.polls.get(poll.id)
    assert found is not None
    whole = [timed(lambda: svc.polls.results(found)) for _ in range(50)]
    per_village = [timed(lambda: svc.polls.by_village(found)) for _ in range(50)]
    views = [timed(lambda: view(svc, conv, poll.id)) for _ in range(50)]
    tr = svc.translator("id")
    tables = [timed(lambda: table(svc, tr, found)) for _ in range(20)]
    emit(
        "results",
        busy,
        respondents=svc.polls.results(found).respondents,
        city=percentiles(whole),
        by_village=percentiles(per_village),
        results_view=percentiles(views),
        csv_table=percentiles(tables),
    )

    reminder = runs._follow_on(svc, found, "reminder", clock.now())
    plan_reminder = timed(lambda: store.plan(reminder.id))
    closed_at = found.closes_at
    assert runs.close(svc, found, closed_at)
    closed = svc.polls.get(poll.id)
    assert closed is not None
    plan_results = timed(lambda: store.plan(closed.results))
    results_ann = store.get(closed.results)
    assert results_ann is not None
    batch = store.addresses(closed.results, 0, 500)
    batch_poll = store.addresses(poll.announcement, 0, 500)
    poll_ann = store.get(poll.announcement)
    assert poll_ann is not None
    emit(
        "planning",
        busy,
        poll_recipients=store.get(poll.announcement).total,  # type: ignore[union-attr]
        poll_plan_s=round(plan_poll, 3),
        reminder_recipients=store.get(reminder.id).total,  # type: ignore[union-attr]
        reminder_plan_s=round(plan_reminder, 3),
        results_recipients=results_ann.total,
        results_plan_s=round(plan_results, 3),
        personal_poll_500=percentiles(
            [timed(lambda: personal_replies(svc, poll_ann, batch_poll)) for _ in range(20)]
        ),
        personal_results_500=percentiles(
            [timed(lambda: personal_replies(svc, results_ann, batch)) for _ in range(20)]
        ),
        poll_bytes_per_answer=round(poll_bytes(svc, poll.id) / max(1, len(answering)), 1),
    )
    return 0


def view(svc: Services, conv: Any, poll_id: str) -> None:
    """The superadmin's results view, as the press of 🔄 Refresh builds it."""
    poll = svc.polls.get(poll_id)
    assert poll is not None
    turn = Turn(
        Incoming(Address.parse(SUPERADMIN), "button"),
        svc,
        svc.translator("id"),
        None,
        None,
        svc.clock.now(),
    )
    results_view(turn, poll)


def poll_bytes(svc: Services, poll_id: str) -> int:
    """MEMORY USAGE of every key of the poll (its answers, villages, tally, sets)."""
    total = 0
    for key in svc.redis.scan_iter(f"kim:poll:{poll_id}*", count=1000):
        total += int(svc.redis.memory_usage(key) or 0)
    return total


def host_busy_meter() -> Callable[[], float]:
    """CPU other programs used per second (cores) since the previous call, leaving out
    this process (which holds the benchmark) and the Redis server it started."""
    server = next(p for p in psutil.Process().children() if "redis" in p.name())
    last = [host_busy(), own_cpu() + tree_cpu(server.pid), time.monotonic()]

    def other() -> float:
        now = [host_busy(), own_cpu() + tree_cpu(server.pid), time.monotonic()]
        spent = (now[0] - last[0]) - (now[1] - last[1])
        elapsed = max(now[2] - last[2], 1e-6)
        last[:] = now
        return round(max(0.0, spent) / elapsed, 2)

    return other


if __name__ == "__main__":
    os.environ.setdefault("TZ", "UTC")
    raise SystemExit(main())
