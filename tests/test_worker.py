"""The RQ worker on a real Redis runs the retention sweep and reschedules it."""

from __future__ import annotations

from pathlib import Path

import pytest
from rq import Queue, SimpleWorker
from rq.registry import ScheduledJobRegistry
from rq.scheduler import RQScheduler

from bot.platform.addresses import Address
from bot.platform.config import Config
from bot.platform.store import Redis, connect
from broadcasts.context import job_context
from broadcasts.queues import QUEUES, release_stale_scheduler_locks
from broadcasts.worker import SWEEP_JOB_ID, retention_job
from tests.support.constants import ROOT


def test_retention_job_runs_and_reschedules(
    redis: Redis, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The job erases nothing on an empty store and schedules its next run."""
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("KIMBOT_CONFIG", str(ROOT / "config.yaml"))
    job_context.cache_clear()
    raw = connect(redis_url, decode=False)
    queue = Queue("kim-default", connection=raw)
    queue.enqueue(retention_job, job_id="first-sweep")
    SimpleWorker([queue], connection=raw).work(burst=True)
    job = queue.fetch_job("first-sweep")
    assert job is not None
    assert job.return_value() == 0
    assert SWEEP_JOB_ID in ScheduledJobRegistry(queue=queue).get_job_ids()


def test_an_idle_worker_wakes_for_maintenance_often_enough(redis_url: str) -> None:
    """Its dequeue blocks no longer than the maintenance interval, so an idle worker takes
    over a dead worker's scheduler lock soon after it expires (not ~7 minutes later)."""
    from broadcasts.worker import MAINTENANCE_SECONDS, build_worker

    worker = build_worker(connect(redis_url, decode=False))
    assert worker.dequeue_timeout <= MAINTENANCE_SECONDS
    assert worker.maintenance_interval == MAINTENANCE_SECONDS
    assert [q.name for q in worker.queues] == [
        "kim-alert",
        "kim-interactive",
        "kim-default",
        "kim-bulk",
    ]  # early warnings first


def test_a_scheduler_lock_its_holder_stopped_refreshing_is_freed(redis_url: str) -> None:
    """A lock refreshed a moment ago stays; one not refreshed for 15 s (its scheduler is
    dead) is deleted, so a surviving worker's maintenance can take the scheduler over."""
    rq_redis = connect(redis_url, decode=False)
    rq_redis.flushdb()
    live, dead, gone = (RQScheduler.get_locking_key(name) for name in QUEUES[:3])
    rq_redis.set(live, b"worker-a", px=61_000)
    rq_redis.set(dead, b"worker-b", px=45_000)
    assert release_stale_scheduler_locks(rq_redis) == 1
    assert rq_redis.get(live) == b"worker-a"
    assert rq_redis.exists(dead) == 0
    assert rq_redis.exists(gone) == 0
    rq_redis.flushdb()
    rq_redis.close()


def test_a_workers_jobs_run_on_one_loop_and_a_timeout_cancels_the_coroutine(
    redis_url: str,
) -> None:
    """In a worker, job after job runs on the one kept loop; RQ's job timeout interrupts
    the wait, the job fails, and its coroutine is cancelled rather than left running."""
    import time

    from rq.job import JobStatus

    from broadcasts import eventloop
    from tests.support.jobs import NAPS, nap_job

    raw = connect(redis_url, decode=False)
    raw.flushdb()
    queue = Queue("kim-default", connection=raw)
    quick = queue.enqueue(nap_job, 0.01)
    slow = queue.enqueue(nap_job, 30.0, job_timeout=1)
    NAPS.clear()
    eventloop.keep()
    try:
        SimpleWorker([queue], connection=raw).work(burst=True)
        deadline = time.monotonic() + 5
        while NAPS != ["woke", "cancelled"] and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        eventloop.release()
    assert quick.get_status() == JobStatus.FINISHED
    assert slow.get_status() == JobStatus.FAILED
    assert NAPS == ["woke", "cancelled"]
    raw.flushdb()


def test_a_running_job_keeps_the_workers_heartbeat_short(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker that runs jobs in its own process renews its heartbeat during a job, with
    a TTL of one beat plus a minute (not the job's hour-long timeout): a worker SIGKILLed
    mid-batch is seen dead as soon as a forking worker's would be."""
    import threading

    from rq.job import JobStatus

    from broadcasts import eventloop
    from broadcasts.worker import build_worker
    from tests.support.jobs import nap_job

    monkeypatch.setenv("REDIS_URL", redis_url)  # the worker's maintenance reads them
    monkeypatch.setenv("KIMBOT_CONFIG", str(ROOT / "config.yaml"))
    raw = connect(redis_url, decode=False)
    raw.flushdb()
    worker = build_worker(raw)
    worker.job_monitoring_interval = 1
    job = Queue("kim-bulk", connection=raw).enqueue(nap_job, 2.5, job_timeout=3600)
    seen: list[int] = []
    done = threading.Event()

    def watch() -> None:
        # Only while the job runs: an idle worker's dequeue beats with worker_ttl + 60
        # before and after it, which is not what this test is about.
        while not done.wait(0.1):
            ttl = int(raw.ttl(worker.key))
            if job.get_status(refresh=True) == JobStatus.STARTED:
                seen.append(ttl)

    watcher = threading.Thread(target=watch)
    watcher.start()
    eventloop.keep()
    try:
        worker.work(burst=True)
    finally:
        done.set()
        watcher.join()
        eventloop.release()
    during = [ttl for ttl in seen if ttl > 0]
    assert during
    assert max(during) <= 61 + 1
    raw.flushdb()


def test_a_workers_batches_share_one_connection_to_telegram(
    redis_url: str, config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two batch jobs in one worker reach Telegram over the connection the first opened;
    it stays open between them and is closed when the worker stops."""
    from broadcasts import eventloop, jobs
    from handlers.telegram.link import TelegramLink
    from handlers.telegram.outbound import TelegramSender
    from tests.support.constants import BAGENDUNG, BOT_TOKEN
    from tests.support.jobs import job_context_with
    from tests.support.processes import start_emulator

    emulator, url = start_emulator(tmp_path)
    monkeypatch.setenv("KIMBOT_TELEGRAM_API_URL", url)
    data = config.model_dump(mode="json")
    try:
        with job_context_with(data, tmp_path, monkeypatch, redis_url, BOT_TOKEN) as ctx:
            ctx.services.redis.flushdb()
            store = ctx.services.announcements
            villages = [BAGENDUNG, "36.72.02.1002"]  # one per batch: Bagendung, Ciwedus
            for chat in range(1, 7):  # unknown to Telegram: each batch asks it three times
                ctx.services.residents.consent(Address.telegram(chat), "id", "v1", 1.0)
                ctx.services.residents.subscribe(Address.telegram(chat), villages[chat > 3], 2.0)

            async def link() -> TelegramLink:
                return TelegramSender.from_env(ctx.services).link

            links: list[TelegramLink] = []
            eventloop.keep()
            try:
                for village in villages:
                    ann = store.create(None, [village], 1.0, text="Halo")
                    store.move(ann.id, "sending", ["queued"], started_at=1.0)
                    store.plan(ann.id)
                    jobs.batch_job(ann.id, 0, 3)
                    assert store.get(ann.id).counts == {"blocked": 3}  # type: ignore[union-attr]
                    links.append(eventloop.run(link()))
                    assert not links[-1].api.session().closed
            finally:
                eventloop.release()
            assert links[0] is links[1]
            assert links[0].api._http is None  # closed with the worker's loop
            ctx.services.redis.flushdb()
    finally:
        emulator.stop()
