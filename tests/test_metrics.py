"""`/metrics` on a real Redis: what a scrape reads, the workers' totals, faults."""

from __future__ import annotations

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families
from redis.exceptions import ConnectionError as RedisConnectionError
from rq import Queue

from bot.platform.addresses import Address
from bot.platform.clock import FixedClock
from bot.platform.config import Config
from bot.platform.store import Redis, connect
from bot.services import Services
from broadcasts.limiter import RateLimiter, Rates
from broadcasts.queues import BULK_QUEUE
from broadcasts.tally import COUNTERS, TALLY, Tally, totals
from handlers.metrics import add_metrics_route, observe_update
from handlers.wiring import build_services
from tests.support.constants import BAGENDUNG, BOT_ID, DRINGO
from tests.support.processes import free_port

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def parse(text: str) -> Samples:
    """Every sample of an exposition: (name, sorted labels) → value."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def scrape(services: Services) -> Samples:
    """GET /metrics from an app serving it, as Prometheus would."""
    app = web.Application()
    add_metrics_route(app, services)
    async with TestClient(TestServer(app)) as client:
        response = await client.get("/metrics")
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        return parse(await response.text())


def subscribe(services: Services, village: str, *chats: int) -> None:
    """Active subscribers of `village`."""
    for chat in chats:
        services.residents.consent(Address.telegram(chat), "id", "v1", 1.0)
        services.residents.subscribe(Address.telegram(chat), village, 2.0)


def empty_tally(redis: Redis) -> None:
    """Whatever earlier tests in this process counted is written away and forgotten."""
    TALLY.flush(redis)
    redis.delete(COUNTERS)


async def test_a_scrape_reads_queues_desk_subscribers_and_totals(
    services: Services, redis: Redis, redis_url: str, clock: FixedClock
) -> None:
    """Queue depths, open and overdue tickets, subscribers and the workers' totals."""
    empty_tally(redis)
    subscribe(services, BAGENDUNG, 1, 2, 3)
    subscribe(services, DRINGO, 4)
    services.residents.stop(Address.telegram(3), clock.now())
    now = clock.now()
    tickets = services.tickets
    late = tickets.create(Address.telegram(1), "aspirasi", now - 7200, now - 3600, text="Jalan")
    tickets.create(Address.telegram(2), "hoaks", now - 60, now + 3600, text="Benarkah?")
    done = tickets.create(Address.telegram(4), "informasi", now - 9000, now - 5000, text="Jam?")
    assert tickets.transition(done.id, "dijawab", ("diterima",), "staf", now, answer="08.00")
    assert tickets.transition(late.id, "diverifikasi", ("diterima",), "staf", now)
    bulk = Queue(BULK_QUEUE, connection=connect(redis_url, decode=False))
    bulk.enqueue("broadcasts.jobs.batch_job", "1", 0, 10)
    bulk.enqueue("broadcasts.jobs.batch_job", "1", 10, 20)
    worker_counts = Tally()  # what a work horse wrote when its job closed its senders
    worker_counts.add("sends:broadcast:tg:sent", 40)
    worker_counts.add("sends:broadcast:tg:blocked", 2)
    worker_counts.add("sends:notice:wa:held")
    worker_counts.add("rate_limited:tg", 3)
    worker_counts.flush(redis)
    TALLY.add("limiter_waits:reply")  # this process's own, written by the scrape
    TALLY.add("limiter_wait_seconds:reply", 0.25)
    observe_update("tg", "answered", 0.3)

    got = await scrape(services)

    assert got[("kimbot_redis_up", ())] == 1
    assert got[("kimbot_queue_jobs", (("queue", "kim-bulk"), ("state", "queued")))] == 2
    assert got[("kimbot_queue_jobs", (("queue", "kim-interactive"), ("state", "failed")))] == 0
    assert got[("kimbot_workers", ())] == 0
    assert got[("kimbot_tickets_open", ())] == 2
    assert got[("kimbot_tickets_overdue", ())] == 1
    assert got[("kimbot_subscribers", ())] == 3  # the one who stopped is not counted
    sends = (("kind", "broadcast"), ("outcome", "sent"), ("platform", "tg"))
    assert got[("kimbot_sends_total", sends)] == 40
    held = (("kind", "notice"), ("outcome", "held"), ("platform", "wa"))
    assert got[("kimbot_sends_total", held)] == 1
    assert got[("kimbot_rate_limited_total", (("platform", "tg"),))] == 3
    assert got[("kimbot_limiter_waits_total", (("priority", "reply"),))] == 1
    assert got[("kimbot_limiter_wait_seconds_total", (("priority", "reply"),))] == 0.25
    assert got[("kimbot_updates_total", (("outcome", "answered"), ("platform", "tg")))] >= 1
    assert got[("kimbot_update_seconds_bucket", (("le", "0.5"), ("platform", "tg")))] >= 1
    assert ("process_resident_memory_bytes", ()) in got


async def test_tickets_from_before_the_due_index_are_counted(
    services: Services, redis: Redis, clock: FixedClock
) -> None:
    """Data written before `kim:tk:due` existed gets the index built at the first scrape."""
    now = clock.now()
    for hours in (-3, -2, 5):
        services.tickets.create(Address.telegram(9), "pengaduan", now, now + hours * 3600)
    redis.delete("kim:tk:due")
    assert services.tickets.open_counts(now) == (3, 2)
    assert redis.zcard("kim:tk:due") == 3


async def test_redis_down_is_a_scrape_that_says_so(config: Config) -> None:
    """Nobody listens where Redis should be: /metrics still answers, with redis_up 0."""
    gone = connect(f"redis://127.0.0.1:{free_port()}/0")
    got = await scrape(build_services(config, gone))
    assert got[("kimbot_redis_up", ())] == 0
    assert not any(name.startswith("kimbot_queue") for name, _ in got)


def test_counts_survive_a_failed_write(redis: Redis) -> None:
    """Redis refusing the flush keeps the counts; the next flush writes them once."""
    tally = Tally()
    tally.add("sends:broadcast:wa:sent", 5)
    gone = connect(f"redis://127.0.0.1:{free_port()}/0")
    with pytest.raises(RedisConnectionError):
        tally.flush(gone)
    tally.add("sends:broadcast:wa:sent", 1)
    tally.flush(redis)
    tally.flush(redis)
    assert totals(redis) == {"sends:broadcast:wa:sent": 6.0}


async def test_a_send_that_waited_for_the_limiter_is_counted(redis: Redis) -> None:
    """Two bulk sends at 5/s: the second waits, and that wait is tallied as bulk."""
    empty_tally(redis)
    limiter = RateLimiter(redis, BOT_ID, Rates(per_second=5, burst_seconds=0))
    granted = 0
    while granted < 3:
        granted += await limiter.acquire()
    TALLY.flush(redis)
    counts = totals(redis)
    assert counts["limiter_waits:bulk"] >= 1
    assert counts["limiter_wait_seconds:bulk"] > 0
    assert "limiter_waits:reply" not in counts
