"""RQ workers, the daily maintenance they schedule, and their own periodic maintenance.

`kimbot worker` runs one worker with RQ's scheduler on every KIM queue; `kimbot run`
starts one as a child process in the embedded default. The daily retention sweep erases
residents past `privacy.retention_days`, trims the audit trail to
`audit.retention_years` and drops early-warning records older than `alerts.keep_days`.
Besides RQ's own upkeep, each worker's maintenance (every `MAINTENANCE_SECONDS`)
rewrites Redis's files after erasures when due (bot/residents/compaction.py). Any number
may run on any machine that reaches the same Redis.

A worker runs its jobs in its own process, one after another (RQ's `SimpleWorker`), not
in a work horse forked per job: the jobs' event loop and the channels' HTTP sessions on
it live as long as the worker (broadcasts/eventloop.py), so a batch reuses the
connection the previous one opened. While a job runs, a thread keeps the worker's and
the job's RQ heartbeats, as a forking worker's parent does for its horse; a worker
SIGKILLed mid-job is therefore seen dead as soon as with a horse, and its batch is taken
up again by the watchdog (broadcasts/jobs.py: the batch's own heartbeat key).

Jobs find Redis through the worker's `REDIS_URL` environment variable, never through
their arguments (RQ logs arguments, and a URL can hold a password). The composition
root wires the channels (`broadcasts.context.wire`) before calling `run_worker`.
"""

from __future__ import annotations

import logging
import os
import threading
from datetime import timedelta

from redis import Redis
from rq import Queue, SimpleWorker
from rq.job import Job
from rq.worker.base import BaseWorker, WorkerStatus

import broadcasts.jobs
import broadcasts.notify  # noqa: F401
from bot.desk.trends import next_digest
from bot.platform.heap import settle
from bot.platform.store import connect
from bot.residents.compaction import compact_if_due
from bot.residents.retention import sweep_expired
from broadcasts import eventloop
from broadcasts.alert_feeds import schedule_feeds
from broadcasts.context import job_context, wired
from broadcasts.desk_jobs import schedule_digest, schedule_reminders
from broadcasts.failures import scrubbed
from broadcasts.poll_jobs import schedule_polls
from broadcasts.queues import CONTROL_QUEUE, QUEUES, release_stale_scheduler_locks

log = logging.getLogger(__name__)
MAINTENANCE_SECONDS = 30
# An idle worker blocks in its dequeue for `worker_ttl - 15` s and runs maintenance only
# between dequeues; RQ's default (420 s) let a killed scheduler's work stall ~7 minutes
# while the survivors idled. 45 s: a dequeue of 30 s, no longer than the maintenance
# interval; maintenance frees a scheduler lock its dead holder stopped refreshing 15 s
# ago (RQ would let it live 61 s), so a survivor takes the scheduler over within about
# 45 s of the death.
WORKER_TTL = 45
SWEEP_JOB_ID = "kim-retention-sweep"
SWEEP_EVERY = timedelta(hours=24)


@scrubbed
def retention_job() -> int:
    """Erase expired residents and drop audit entries past their retention, then schedule
    the next sweep a day later."""
    ctx = job_context()
    erased = sweep_expired(ctx.services)
    trimmed = ctx.services.audit.trim()
    keep = ctx.services.config.alerts.keep_days * 86400
    alerts = ctx.services.alerts.trim(ctx.services.clock.now() - keep)
    log.info(
        "retention sweep erased %d resident(s), %d audit entries, %d alert(s)",
        erased,
        trimmed,
        alerts,
    )
    schedule_retention(ctx.rq_redis, SWEEP_EVERY)
    return erased


def schedule_retention(rq_redis: Redis, delay: timedelta) -> None:
    """(Re)schedule the sweep; one job id, so restarts never pile up copies."""
    queue = Queue(CONTROL_QUEUE, connection=rq_redis)
    queue.enqueue_in(
        delay,
        retention_job,
        job_id=SWEEP_JOB_ID,
        description="retention sweep",
        result_ttl=86400,
    )


def run_worker(redis_url: str, config_path: str, burst: bool = False) -> None:
    """Run one worker with the scheduler until stopped (or, with burst, until idle)."""
    wired()  # fail here, not in the first job, when the composition root forgot the wiring
    os.environ["REDIS_URL"] = redis_url
    os.environ["KIMBOT_CONFIG"] = os.path.abspath(config_path)
    rq_redis = connect(redis_url, decode=False)
    schedule_retention(rq_redis, timedelta(minutes=1))
    schedule_reminders(rq_redis, timedelta(minutes=1))
    schedule_feeds(rq_redis, timedelta(seconds=5))
    schedule_polls(rq_redis, timedelta(seconds=10))
    services = job_context().services
    schedule_digest(rq_redis, next_digest(services, services.clock.now()))
    frozen = settle()  # modules, channels' clients, services: out of the collector's way
    log.debug("worker ready: %d long-lived objects frozen", frozen)
    eventloop.keep()
    try:
        build_worker(rq_redis).work(with_scheduler=True, burst=burst)
    finally:
        eventloop.release()


def build_worker(rq_redis: Redis) -> MaintainingWorker:
    """A worker on every KIM queue that notices a dead scheduler within about a minute.

    Maintenance (cleaning registries, taking over RQ's scheduler when the worker that held
    it died) runs every 30 s instead of RQ's 10 minutes, and an idle worker wakes from its
    dequeue at least that often (`WORKER_TTL`).
    """
    queues = [Queue(name, connection=rq_redis) for name in QUEUES]
    return MaintainingWorker(
        queues,
        connection=rq_redis,
        maintenance_interval=MAINTENANCE_SECONDS,
        worker_ttl=WORKER_TTL,
    )


class MaintainingWorker(SimpleWorker):
    """RQ's in-process worker that keeps its heartbeats while a job runs, and whose
    maintenance also takes over a dead scheduler sooner and compacts Redis's files after
    erasures."""

    def execute_job(self, job: Job, queue: Queue) -> None:
        """Run the job here, with the worker's and the job's heartbeats kept meanwhile."""
        execution = self.prepare_execution(job)
        done = threading.Event()

        def beat() -> None:
            while not done.wait(self.job_monitoring_interval):
                try:
                    self.maintain_heartbeats(job, execution)
                except Exception:  # Redis away for a moment: the next beat tries again
                    log.warning("could not renew the heartbeat of job %s", job.id)

        beating = threading.Thread(target=beat, name="kim-job-heartbeat", daemon=True)
        beating.start()
        try:
            self.perform_job(job, queue, execution)
        finally:
            done.set()
            beating.join(timeout=5)
        self.set_state(WorkerStatus.IDLE)

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        """As a forking worker's: the next beat's interval plus a minute, not (like
        `SimpleWorker`'s) the job's whole timeout, since this worker beats during jobs."""
        return BaseWorker.get_heartbeat_ttl(self, job, working_time)

    def run_maintenance_tasks(self) -> None:
        """Free a dead scheduler's locks, RQ's maintenance (which takes the scheduler over
        when it can), then the compaction when due."""
        if release_stale_scheduler_locks(self.connection):
            log.warning("the scheduler's holder stopped; this worker takes the scheduler over")
        super().run_maintenance_tasks()  # type: ignore[no-untyped-call]
        services = job_context().services
        every = services.config.privacy.compaction_minutes * 60
        compact_if_due(services.redis, every, services.clock.now())
