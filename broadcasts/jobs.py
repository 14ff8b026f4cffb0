"""RQ jobs that deliver announcements, whatever the channels.

- `start_job(id)`: moves the announcement to `sending`, fixes its recipient list (or
  completes the one a killed start job left half-made), and enqueues one `batch_job`
  per `batch_size` recipients (in bulk, each as soon as the plan holds it, while Redis
  plans the rest) and the `watch_job`.
- `batch_job(id, start, stop)`: hands recipients `start..stop-1` that have no outcome yet
  to their channels' senders (broadcasts/senders.py), keeping a heartbeat while it runs.
- `watch_job(id)`: every few seconds edits the admin's progress message, re-enqueues any
  batch whose worker died (pending recipients, not queued, no heartbeat), and writes the
  final report when every recipient has an outcome.

An early warning's delivery (`Announcement.alert`, bot/alerts/delivery.py) runs the same
way with priority: its start and batch jobs are on the alert queue, served before every
other; before each batch the alert's expiry is checked again (an expired one is stopped);
its recipients are sent in groups of the same text (their language and kelurahan), each
group as the alert's own announcement text. A bulk batch yields while the alert queue
holds a job: it stops (its sent recipients stay sent), queues itself again behind the
alert and ends, so even the one worker of `kimbot run` takes the warning within a
second; its senders' priority tokens keep bulk batches on other workers waiting.

Redis keys (besides the announcement's own, see bot/announcements/store.py):
- `kim:bc:{id}:queued` — set of batch starts enqueued but not yet started.
- `kim:bc:{id}:hb:{start}` — heartbeat of a running batch (expires after `HEARTBEAT_TTL`).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import replace
from datetime import timedelta
from typing import Any

from rq import Queue, Retry
from rq.queue import EnqueueData

from bot.alerts import delivery as alert_delivery
from bot.announcements import audit
from bot.announcements.report import progress_text
from bot.announcements.store import Announcement
from bot.platform.addresses import Address, Platform
from broadcasts import eventloop
from broadcasts.context import JobContext, job_context
from broadcasts.failures import scrubbed
from broadcasts.queues import ALERT_QUEUE, BULK_QUEUE, CONTROL_QUEUE
from broadcasts.senders import Batch
from broadcasts.tally import TALLY

log = logging.getLogger(__name__)
WATCH_EVERY = timedelta(seconds=3)
HEARTBEAT_TTL = 15
JOB_TIMEOUT = 3600
OUTCOMES = ("sent", "blocked", "failed", "deferred")  # a sender's figures the metrics count
ENQUEUE_CHUNK = 500  # batch jobs per pipeline round trip when a broadcast starts
ENQUEUE_WHILE_PLANNING = 8  # batch jobs enqueued during one planning step (~0.5 ms each)
YIELD_CHECK_SECONDS = 0.25  # how often a bulk batch looks for early warnings waiting


def _queued_key(announcement_id: str) -> str:
    return f"kim:bc:{announcement_id}:queued"


def _beat_key(announcement_id: str, start: int) -> str:
    return f"kim:bc:{announcement_id}:hb:{start}"


def _queue(ctx: JobContext, name: str) -> Queue:
    return Queue(name, connection=ctx.rq_redis)


def _batches(ctx: JobContext, total: int) -> list[tuple[int, int]]:
    size = ctx.services.config.broadcasts.batch_size
    return [(start, min(start + size, total)) for start in range(0, total, size)]


def _batch_data(announcement_id: str, start: int, stop: int) -> EnqueueData:
    return Queue.prepare_data(
        batch_job,
        (announcement_id, start, stop),
        description=f"announcement {announcement_id}: batch {start}-{stop}",
        timeout=JOB_TIMEOUT,
        retry=Retry(max=3, interval=[5, 30, 120]),
        result_ttl=3600,
        failure_ttl=7 * 86400,
    )


def enqueue_batch(
    ctx: JobContext, announcement_id: str, start: int, stop: int, priority: bool = False
) -> None:
    """Queue one batch (ids only), remembering that it waits."""
    enqueue_batches(ctx, announcement_id, [(start, stop)], priority)


def enqueue_batches(
    ctx: JobContext, announcement_id: str, batches: list[tuple[int, int]], priority: bool = False
) -> None:
    """Queue batches (ids only) in bulk, remembering that they wait: one pipeline per
    `ENQUEUE_CHUNK` jobs (no transaction holding Redis for all of them); an early
    warning's (`priority`) on the alert queue."""
    queue = _queue(ctx, ALERT_QUEUE if priority else BULK_QUEUE)
    for at in range(0, len(batches), ENQUEUE_CHUNK):
        chunk = batches[at : at + ENQUEUE_CHUNK]
        ctx.services.redis.sadd(_queued_key(announcement_id), *(start for start, _ in chunk))
        pipe = ctx.rq_redis.pipeline(transaction=False)
        queue.enqueue_many(
            [_batch_data(announcement_id, start, stop) for start, stop in chunk], pipeline=pipe
        )
        pipe.execute()


class _Enqueuer:
    """Enqueues a broadcast's batches while Redis is still planning the rest: each batch
    as soon as the plan holds all of it (planned recipients never move), a few at a time
    so that Redis never waits for us, the last ones once the plan is complete."""

    def __init__(self, ctx: JobContext, announcement_id: str, priority: bool = False) -> None:
        self.ctx = ctx
        self.announcement_id = announcement_id
        self.priority = priority
        self.size = ctx.services.config.broadcasts.batch_size
        self.next = 0  # the start of the first batch not enqueued yet
        # a retry after a killed start: batches its first run enqueued are waiting already
        self.waiting = {int(s) for s in ctx.services.redis.smembers(_queued_key(announcement_id))}
        self.count = 0

    def _enqueue(self, stop: int, total: int | None = None) -> None:
        batches = []
        while self.next < stop:
            end = min(self.next + self.size, stop if total is None else total)
            if self.next not in self.waiting:
                batches.append((self.next, end))
            self.count += 1
            self.next = end
        if batches:
            enqueue_batches(self.ctx, self.announcement_id, batches, self.priority)

    def meanwhile(self, planned: int) -> None:
        """Enqueue up to `ENQUEUE_WHILE_PLANNING` batches the first `planned` recipients fill."""
        whole = planned - planned % self.size
        self._enqueue(min(whole, self.next + ENQUEUE_WHILE_PLANNING * self.size))

    def rest(self, total: int) -> int:
        """Enqueue every batch left; returns how many batches the plan makes."""
        self._enqueue(total, total)
        return self.count


@scrubbed
def start_job(announcement_id: str) -> int:
    """Plan the recipients and enqueue every batch; returns how many batches."""
    ctx = job_context()
    store = ctx.services.announcements
    now = ctx.services.clock.now()
    # Only the job that moves it to `sending` plans it: a duplicated or late start job
    # must not enqueue the batches a second time (the watch job revives lost ones). The
    # one exception is a plan a killed start job left half-made: its retry completes it.
    if not store.move(announcement_id, "sending", ["queued", "scheduled"], started_at=now):
        ann = store.get(announcement_id)
        if ann is None or ann.state != "sending" or ann.planned:
            log.info(
                "announcement %s not started: %s", announcement_id, ann.state if ann else "missing"
            )
            return 0
        log.warning("announcement %s: completing the plan a killed start left", announcement_id)
    current = store.get(announcement_id)
    enqueuer = _Enqueuer(ctx, announcement_id, bool(current and current.alert))
    total = store.plan(announcement_id, enqueuer.meanwhile)
    if current is not None and current.alert:
        ctx.services.alerts.forget_recipients(current.alert)  # the plan holds them now
    _schedule_watch(ctx, announcement_id)
    batches = enqueuer.rest(total)
    log.info("announcement %s: %d recipients in %d batches", announcement_id, total, batches)
    return batches


@scrubbed
def batch_job(announcement_id: str, start: int, stop: int) -> dict[str, Any]:
    """Deliver one batch; safe to run again (the ledger skips recipients with an outcome),
    and never twice at the same time: the heartbeat key doubles as the batch's lock."""
    ctx = job_context()
    redis = ctx.services.redis
    beat = _beat_key(announcement_id, start)
    pipe = redis.pipeline(transaction=True)
    pipe.srem(_queued_key(announcement_id), start)
    pipe.set(beat, "1", ex=HEARTBEAT_TTL, nx=True)
    if not pipe.execute()[1]:
        log.info("announcement %s batch %d already running elsewhere", announcement_id, start)
        return {"skipped": "running elsewhere"}
    done = threading.Event()

    def heartbeat() -> None:
        while not done.wait(HEARTBEAT_TTL / 3):
            redis.set(beat, "1", ex=HEARTBEAT_TTL)

    beating = threading.Thread(target=heartbeat, daemon=True)
    beating.start()
    try:
        stats = eventloop.run(_deliver(ctx, announcement_id, start, stop))
    finally:
        done.set()
        redis.delete(beat)
    if stats.get("yielded"):
        log.info("announcement %s batch %d yields to an early warning", announcement_id, start)
        enqueue_batch(ctx, announcement_id, start, stop)
    _finish_if_complete(ctx, announcement_id)
    return stats


def _alerts_waiting(ctx: JobContext) -> bool:
    """Whether an early warning's job waits on the alert queue."""
    return bool(_queue(ctx, ALERT_QUEUE).count)


async def _deliver(ctx: JobContext, announcement_id: str, start: int, stop: int) -> dict[str, Any]:
    store = ctx.services.announcements
    ann = store.get(announcement_id)
    if ann is None or ann.state != "sending":
        return {"skipped": ann.state if ann else "missing"}
    if ann.alert and not alert_delivery.live(ctx.services, ann):
        return {"skipped": "expired"}
    last_check = [0.0, False]
    last_yield = [0.0, False]
    result: dict[str, Any] = {}

    def cancelled() -> bool:
        now = time.monotonic()
        if now - last_check[0] > 1.0:
            current = store.get(announcement_id)
            last_check[:] = [now, current is None or current.state != "sending"]
        if not ann.alert and now - last_yield[0] > YIELD_CHECK_SECONDS:
            last_yield[:] = [now, _alerts_waiting(ctx)]
            if last_yield[1]:
                result["yielded"] = True
        return bool(last_check[1] or last_yield[1])

    by_platform: dict[Platform, list[Address]] = {}
    for address in store.addresses(announcement_id, start, stop):
        by_platform.setdefault(address.platform, []).append(address)
    senders = ctx.senders()
    try:
        for platform, recipients in by_platform.items():  # channels first: the plan's order
            sender = senders.get(platform)
            for part, group in _parts(ctx, ann, recipients):
                batch = Batch(part, group, cancelled, senders.fetch_media)
                began = ctx.services.clock.now()
                figures = await sender.deliver(batch)
                _add(result, platform, figures)
                if ann.alert and figures.get("sent"):
                    ctx.services.alerts.reached(ann.alert, began, ctx.services.clock.now())
                for outcome in OUTCOMES:
                    if figures.get(outcome):
                        TALLY.add(f"sends:broadcast:{platform}:{outcome}", figures[outcome])
                if cancelled():
                    break
    finally:
        await senders.aclose()
    return result


def _parts(
    ctx: JobContext, ann: Announcement, recipients: list[Address]
) -> list[tuple[Announcement, list[Address]]]:
    """The batch as one part, or for an early warning one part per text (language and
    kelurahan), each with that text as the announcement's."""
    if not ann.alert:
        return [(ann, recipients)]
    groups: dict[str, list[Address]] = {}
    for address, text in alert_delivery.texts(ctx.services, ann, recipients).items():
        groups.setdefault(text, []).append(address)
    return [(replace(ann, text=text), group) for text, group in groups.items()]


def _add(result: dict[str, Any], platform: str, figures: dict[str, Any]) -> None:
    """Add a part's figures to the batch's, per platform."""
    into = result.setdefault(platform, {})
    for key, value in figures.items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            into[key] = into.get(key, 0) + value
        else:
            into[key] = value


@scrubbed
def watch_job(announcement_id: str) -> str:
    """Report progress, revive lost batches, and write the final report; reschedules itself."""
    ctx = job_context()
    store = ctx.services.announcements
    ann = store.get(announcement_id)
    if ann is None:
        return "missing"
    if ann.state == "sending":
        _revive_lost_batches(ctx, ann)
        if _finish_if_complete(ctx, announcement_id):
            return "done"
        eventloop.run(_edit_progress(ctx, announcement_id))
        _schedule_watch(ctx, announcement_id)
        return "sending"
    eventloop.run(_edit_progress(ctx, announcement_id))
    return ann.state


def _schedule_watch(ctx: JobContext, announcement_id: str) -> None:
    _queue(ctx, CONTROL_QUEUE).enqueue_in(
        WATCH_EVERY,
        watch_job,
        announcement_id,
        description=f"announcement {announcement_id}: watch",
        result_ttl=60,
    )


def _revive_lost_batches(ctx: JobContext, ann: Announcement) -> None:
    redis = ctx.services.redis
    store = ctx.services.announcements
    if ctx.services.clock.now() < ann.resume_at:
        return  # deferred recipients wait for a channel's limit, not for a lost worker
    queued = {int(s) for s in redis.smembers(_queued_key(ann.id))}
    for start, stop in _batches(ctx, ann.total):
        if start in queued or redis.exists(_beat_key(ann.id, start)):
            continue
        if store.pending(ann.id, store.recipients(ann.id, start, stop)):
            log.warning("announcement %s: batch %d lost its worker; enqueued again", ann.id, start)
            enqueue_batch(ctx, ann.id, start, stop, bool(ann.alert))


def _finish_if_complete(ctx: JobContext, announcement_id: str) -> bool:
    if not ctx.services.announcements.finish(announcement_id, ctx.services.clock.now()):
        return False
    ann = ctx.services.announcements.get(announcement_id)
    if ann is not None:
        audit.sent(ctx.services, ann)
        if ann.alert:
            alert_delivery.delivered(ctx.services, ann)
    eventloop.run(_edit_progress(ctx, announcement_id, final=True))
    return True


async def _edit_progress(ctx: JobContext, announcement_id: str, final: bool = False) -> None:
    ann = ctx.services.announcements.get(announcement_id)
    if ann is None or ann.progress_chat is None or not (ann.progress_message or final):
        return  # no message to edit (WhatsApp keeps none): only the final report goes out
    tr = ctx.services.translator(ctx.services.config.locales.default)
    text = progress_text(tr, ann, ctx.services.clock.now())
    senders = ctx.senders()
    try:
        await senders.get(ann.progress_chat.platform).edit(
            ann.progress_chat, ann.progress_message, text, final
        )
    finally:
        await senders.aclose()
