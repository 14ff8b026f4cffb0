"""The early-warning feed poller: config.yaml's `alerts.feeds`, read politely, into the
alert records (bot/alerts/store.py).

`feed_job` runs every `alerts.interval_seconds` (60 at the least: BMKG allows about 60
requests a minute per address) on the worker's scheduler, with one job id, so several
workers never poll twice. For each feed it sends a conditional GET (`If-None-Match`,
`If-Modified-Since` from the last answer): a 304 costs nothing. A CAP document is
ingested; an RSS or Atom feed's embedded alerts are ingested, and the links of its items
not seen before are fetched, at most `LINKS_PER_POLL` per feed and poll (the rest wait for
the next). Every body is read to `cap.MAX_BYTES` at most, then dropped. A 429 or 503 with
`Retry-After` waits that long; other failures wait twice as long each time, an hour at
most; a failure is logged with the feed and the reason, never with a body. Each new
alert is then acted on at once (bot/alerts/delivery.py: sent, drafted, or to staff).

Redis keys (owned here):
- `kim:alfeed:{sha256(url)}` — hash: url, etag, modified, retry_at, failures, checked_at.
- `kim:alfeed:{sha256(url)}:seen` — sorted set: item links fetched → when (the newest
  `SEEN_KEPT` kept).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from email.utils import parsedate_to_datetime
from typing import cast

import httpx
from redis import Redis as RawRedis
from rq import Queue

from bot.alerts import cap, delivery
from bot.audit import actors
from bot.platform.store import Redis
from bot.services import Services
from broadcasts.context import job_context
from broadcasts.failures import scrubbed

log = logging.getLogger(__name__)
FEED_JOB_ID = "kim-alert-feeds"
LINKS_PER_POLL = 20
SEEN_KEPT = 2_000
MAX_BACKOFF = 3600.0
TIMEOUT = 10.0


def _key(url: str) -> str:
    return "kim:alfeed:" + hashlib.sha256(url.encode()).hexdigest()


@dataclass
class Polled:
    """What one poll did, for the log and the tests."""

    fetched: int = 0  # requests answered 200
    unchanged: int = 0  # 304s
    ingested: int = 0  # new alerts stored
    duplicates: int = 0  # alerts already on record
    refused: list[str] = field(default_factory=list)  # "url: reason"
    waiting: int = 0  # feeds skipped, backing off


class FeedPoller:
    """Reads the configured feeds into the alert records."""

    def __init__(self, services: Services, client: httpx.Client) -> None:
        self.services = services
        self.redis: Redis = services.redis
        self.client = client

    def poll(self) -> Polled:
        """One round over every configured feed."""
        done = Polled()
        now = self.services.clock.now()
        for url in self.services.config.alerts.feeds:
            state = cast(dict[str, str], self.redis.hgetall(_key(url)))
            if float(state.get("retry_at") or 0) > now:
                done.waiting += 1
                continue
            self._feed(url, state, now, done)
        return done

    def _feed(self, url: str, state: dict[str, str], now: float, done: Polled) -> None:
        headers = {}
        if state.get("etag"):
            headers["If-None-Match"] = state["etag"]
        if state.get("modified"):
            headers["If-Modified-Since"] = state["modified"]
        answer = self._get(url, headers, now, done)
        if answer is None:
            return
        status, body, response_headers = answer
        self.redis.hset(
            _key(url),
            mapping={
                "url": url,
                "etag": response_headers.get("etag", state.get("etag", "")),
                "modified": response_headers.get("last-modified", state.get("modified", "")),
                "failures": 0,
                "retry_at": 0,
                "checked_at": repr(now),
            },
        )
        if status == 304:
            done.unchanged += 1
            return
        try:
            if not cap.is_feed(body):
                self._ingest(url, body, done)
                return
            for embedded in _embedded(body):
                self._ingest(url, embedded, done)
            self._items(url, cap.item_links(body), now, done)
        except cap.CapError as exc:
            done.refused.append(f"{url}: {exc.problems[0]}")
            log.warning("alert feed %s: %s", url, "; ".join(exc.problems[:3]))

    def _items(self, url: str, links: list[str], now: float, done: Polled) -> None:
        seen_key = _key(url) + ":seen"
        fresh = [link for link in links if self.redis.zscore(seen_key, link) is None]
        for link in fresh[:LINKS_PER_POLL]:
            answer = self._get(link, {}, now, done, feed=url)
            if answer is None:
                return  # the feed's host is failing: the rest waits for the next poll
            self.redis.zadd(seen_key, {link: now})
            try:
                self._ingest(link, answer[1], done)
            except cap.CapError as exc:
                done.refused.append(f"{link}: {exc.problems[0]}")
                log.warning("alert %s: %s", link, "; ".join(exc.problems[:3]))
        self.redis.zremrangebyrank(seen_key, 0, -SEEN_KEPT - 1)

    def _ingest(self, origin: str, data: bytes, done: Polled) -> None:
        ingested = self.services.alerts.ingest(data, origin, actors.system())
        if ingested.duplicate:
            done.duplicates += 1
        else:
            done.ingested += 1
            outcome = delivery.act(self.services, ingested)
            record = ingested.record
            log.info("alert %s from %s: %s, %s", record.id, origin, record.decision, outcome)

    def _get(
        self, url: str, headers: dict[str, str], now: float, done: Polled, feed: str = ""
    ) -> tuple[int, bytes, httpx.Headers] | None:
        """(status, body, headers) of a 200 or 304; None after recording a failure."""
        try:
            with self.client.stream("GET", url, headers=headers) as response:
                if response.status_code == 304:
                    return 304, b"", response.headers
                if response.status_code != 200:
                    self._failed(feed or url, now, f"HTTP {response.status_code}", response)
                    done.refused.append(f"{url}: HTTP {response.status_code}")
                    return None
                body = b""
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > cap.MAX_BYTES:
                        self._failed(feed or url, now, "larger than 1 MB", None)
                        done.refused.append(f"{url}: larger than {cap.MAX_BYTES:,} bytes")
                        return None
                done.fetched += 1
                return 200, body, response.headers
        except httpx.HTTPError as exc:
            self._failed(feed or url, now, type(exc).__name__, None)
            done.refused.append(f"{url}: {type(exc).__name__}")
            return None

    def _failed(self, url: str, now: float, why: str, response: httpx.Response | None) -> None:
        failures = int(self.redis.hget(_key(url), "failures") or 0) + 1
        interval = float(self.services.config.alerts.interval_seconds)
        wait = min(interval * 2**failures, MAX_BACKOFF)
        if response is not None and response.status_code in (429, 503):
            wait = max(wait, _retry_after(response.headers.get("retry-after", ""), now))
        self.redis.hset(
            _key(url),
            mapping={"url": url, "failures": failures, "retry_at": repr(now + wait)},
        )
        log.warning("alert feed %s: %s; trying again in %d s", url, why, wait)


def _embedded(body: bytes) -> list[bytes]:
    """The CAP alerts a feed carries inside it (none is fine: its items link to them)."""
    try:
        return cap.documents(body)
    except cap.CapError:
        return []


def _retry_after(value: str, now: float) -> float:
    """Seconds a Retry-After asks for (a number, or an HTTP date), capped at an hour."""
    if value.strip().isdigit():
        return min(float(value), MAX_BACKOFF)
    try:
        return min(max(parsedate_to_datetime(value).timestamp() - now, 0.0), MAX_BACKOFF)
    except (TypeError, ValueError):
        return 0.0


def client_for(services: Services) -> httpx.Client:
    """An HTTP client that says who polls (BMKG asks for a contact)."""
    deployment = services.config.deployment
    agent = f"KIM-Bot ({deployment.name}; {deployment.contact})"
    return httpx.Client(timeout=TIMEOUT, headers={"User-Agent": agent}, follow_redirects=True)


@scrubbed
def feed_job() -> int:
    """Poll every configured feed once; schedule the next poll. Returns alerts stored."""
    ctx = job_context()
    services = ctx.services
    done = Polled()
    if services.config.alerts.feeds:
        with client_for(services) as client:
            done = FeedPoller(services, client).poll()
        log.info(
            "alert feeds: %d fetched, %d unchanged, %d new, %d known, %d refused",
            done.fetched,
            done.unchanged,
            done.ingested,
            done.duplicates,
            len(done.refused),
        )
    schedule_feeds(ctx.rq_redis, timedelta(seconds=services.config.alerts.interval_seconds))
    return done.ingested


def schedule_feeds(rq_redis: RawRedis, delay: timedelta) -> None:
    """(Re)schedule the poll (one job id: restarts and several workers keep one)."""
    Queue("kim-default", connection=rq_redis).enqueue_in(
        delay, feed_job, job_id=FEED_JOB_ID, description="alert feeds", result_ttl=3600
    )
