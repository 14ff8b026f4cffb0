"""`GET /metrics` in Prometheus' text format, on the HTTP server `kimbot run` serves.

That server is the webhook port (`--webhook`, or WhatsApp enabled), and with
`--metrics-port PORT` a listener of its own (with `/healthz`), which is how polling-only
deployments get one; without either, no port is opened.

What this process counts itself:
- `kimbot_updates_total{platform,outcome}` and `kimbot_update_seconds{platform}`: the
  inbound paths report each update handled with `observe_update`.
What is read from Redis when scraped (one collector; a failure shows as `kimbot_redis_up 0`):
- `kimbot_queue_jobs{queue,state}` (RQ: queued, started, scheduled, failed) and
  `kimbot_workers` (RQ workers alive);
- `kimbot_tickets_open`, `kimbot_tickets_overdue` (from the desk's indexes) and
  `kimbot_subscribers` (active subscribers of every village in the config);
- totals every process writes to Redis (broadcasts/tally.py): `kimbot_sends_total
  {kind,platform,outcome}`, `kimbot_rate_limited_total{platform}`,
  `kimbot_limiter_waits_total{priority}`, `kimbot_limiter_wait_seconds_total{priority}`.
Plus the process's own CPU, memory and open files (`process_*`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Iterable
from typing import Any

from aiohttp import web
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    ProcessCollector,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector
from redis.exceptions import RedisError

from bot.services import Services
from broadcasts.queues import depths, live_workers
from broadcasts.tally import TALLY, totals

log = logging.getLogger(__name__)
REDIS_UP = "1 when Redis answered this scrape."
UPDATES = Counter(
    "kimbot_updates",
    "Inbound updates handled, by platform (tg, wa) and outcome.",
    ["platform", "outcome"],
    registry=None,
)
LATENCY = Histogram(
    "kimbot_update_seconds",
    "Time from receiving an update to having answered it.",
    ["platform"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
    registry=None,
)
TALLIED = {  # the tally's counter → its metric, help text and labels
    "sends": (
        "kimbot_sends",
        "Messages sent by workers, by kind (broadcast, notice), platform and outcome.",
        ("kind", "platform", "outcome"),
    ),
    "rate_limited": (
        "kimbot_rate_limited",
        "Rate-limit answers: 429 (Telegram), 130429/131056 (WhatsApp).",
        ("platform",),
    ),
    "limiter_waits": (
        "kimbot_limiter_waits",
        "Sends that had to wait for the shared rate limiter, by priority (bulk, reply).",
        ("priority",),
    ),
    "limiter_wait_seconds": (
        "kimbot_limiter_wait_seconds",
        "Seconds sends waited for the shared rate limiter, by priority.",
        ("priority",),
    ),
}


def observe_update(platform: str, outcome: str, seconds: float) -> None:
    """Count one inbound update (`tg` or `wa`) and how long handling it took.

    `outcome` is one of a few fixed words (e.g. `answered`, `duplicate`, `ignored`,
    `error`), never anything a resident typed: each distinct value is a time series.
    """
    UPDATES.labels(platform, outcome).inc()
    LATENCY.labels(platform).observe(seconds)


class StoreCollector(Collector):
    """Queue depths, the desk, subscribers and the workers' totals, read from Redis."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.villages = [v.code for v in services.regions.villages()]

    def collect(self) -> Iterable[Metric]:
        """Every metric read from Redis now, and whether Redis answered."""
        try:
            metrics = list(self._read())
        except RedisError as exc:
            log.warning("metrics: Redis did not answer: %s", exc)
            return [GaugeMetricFamily("kimbot_redis_up", REDIS_UP, value=0)]
        return [GaugeMetricFamily("kimbot_redis_up", REDIS_UP, value=1), *metrics]

    def _read(self) -> Iterable[Metric]:
        redis = self.services.redis
        queues = GaugeMetricFamily(
            "kimbot_queue_jobs", "RQ jobs by queue and state.", labels=["queue", "state"]
        )
        for (queue, state), count in depths(redis).items():
            queues.add_metric([queue, state], count)
        yield queues
        yield GaugeMetricFamily("kimbot_workers", "RQ workers alive.", value=live_workers(redis))
        open_count, overdue = self.services.tickets.open_counts(self.services.clock.now())
        yield GaugeMetricFamily("kimbot_tickets_open", "Desk tickets still open.", open_count)
        yield GaugeMetricFamily(
            "kimbot_tickets_overdue", "Open desk tickets past their due time.", overdue
        )
        yield GaugeMetricFamily(
            "kimbot_subscribers",
            "Active subscribers of the configured villages.",
            self.services.residents.count_subscribers(self.villages),
        )
        TALLY.flush(redis)  # this process's own counts (replies' waits and 429s) first
        yield from _tallied(totals(redis))


def _tallied(counts: dict[str, float]) -> Iterable[Metric]:
    """The totals (`sends:broadcast:tg:sent` …) as counter families."""
    families = {
        prefix: CounterMetricFamily(name, text, labels=labels)
        for prefix, (name, text, labels) in TALLIED.items()
    }
    for key, value in sorted(counts.items()):
        prefix, _, rest = key.partition(":")
        family = families.get(prefix)
        labels = rest.split(":")
        if family is not None and len(labels) == len(TALLIED[prefix][2]):
            family.add_metric(labels, value)
    return families.values()


def build_registry(services: Services) -> CollectorRegistry:
    """A registry with this process's counters, the Redis collector and process figures."""
    registry = CollectorRegistry()
    registry.register(UPDATES)
    registry.register(LATENCY)
    registry.register(StoreCollector(services))
    ProcessCollector(registry=registry)
    return registry


def add_metrics_route(app: web.Application, services: Services) -> None:
    """Serve `GET /metrics` on `app` in the format the scraper asks for (Prometheus' text
    format by default), built in a thread: the collector uses the synchronous Redis client."""
    registry = build_registry(services)

    async def metrics(request: web.Request) -> web.Response:
        encode, content_type = choose_encoder(request.headers.get("Accept", ""))
        body = await asyncio.to_thread(encode, registry)
        return web.Response(body=body, headers={"Content-Type": content_type})

    app.router.add_get("/metrics", metrics)


async def serving_metrics(
    services: Services, host: str, port: int | None, main: Coroutine[Any, Any, None]
) -> None:
    """Run `main` with `/metrics` and `/healthz` served on `host:port` meanwhile (if a port)."""
    if port is None:
        await main
        return
    app = web.Application()
    add_metrics_route(app, services)
    app.router.add_get("/healthz", _healthz)
    runner = web.AppRunner(app, access_log=None)  # no log line per scrape
    await runner.setup()
    try:
        try:
            await web.TCPSite(runner, host, port).start()
        except BaseException:
            main.close()  # never started: the port is taken, say
            raise
        log.info("serving /metrics and /healthz on http://%s:%d", host, port)
        await main
    finally:
        await runner.cleanup()


async def _healthz(request: web.Request) -> web.Response:
    return web.Response(text="ok")
