"""The RQ worker on a real Redis runs the retention sweep and reschedules it."""

from __future__ import annotations

import pytest
from rq import Queue, SimpleWorker
from rq.registry import ScheduledJobRegistry
from rq.scheduler import RQScheduler

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
    assert {q.name for q in worker.queues} == {"kim-interactive", "kim-default", "kim-bulk"}


def test_a_scheduler_lock_its_holder_stopped_refreshing_is_freed(redis_url: str) -> None:
    """A lock refreshed a moment ago stays; one not refreshed for 15 s (its scheduler is
    dead) is deleted, so a surviving worker's maintenance can take the scheduler over."""
    rq_redis = connect(redis_url, decode=False)
    rq_redis.flushdb()
    live, dead, gone = (RQScheduler.get_locking_key(name) for name in QUEUES)
    rq_redis.set(live, b"worker-a", px=61_000)
    rq_redis.set(dead, b"worker-b", px=45_000)
    assert release_stale_scheduler_locks(rq_redis) == 1
    assert rq_redis.get(live) == b"worker-a"
    assert rq_redis.exists(dead) == 0
    assert rq_redis.exists(gone) == 0
    rq_redis.flushdb()
    rq_redis.close()
