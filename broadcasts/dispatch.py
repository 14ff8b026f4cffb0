"""The core's `Dispatch` on RQ: start announcements now or later (early warnings on the
alert queue), notify people, and
queue the job that tells a corrected verdict's recipients (broadcasts/desk_jobs.py).

Jobs are enqueued by dotted path, so this module imports no job code (the worker's job
context uses it too, to let jobs notify people). A job's arguments and description are
ids only: RQ keeps them in Redis and logs the description. A notice's address and text
wait in broadcasts/notices.py, where erasing the resident it is about reaches them.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime

from redis import Redis as RawRedis
from redis.client import Pipeline
from rq import Queue, Retry

from bot.platform.addresses import Address
from bot.platform.messages import Reply
from broadcasts.notices import KEEP, Notices
from broadcasts.queues import ALERT_QUEUE, BULK_QUEUE, CONTROL_QUEUE, INTERACTIVE_QUEUE

START_JOB = "broadcasts.jobs.start_job"
NOTIFY_JOB = "broadcasts.notify.notify_job"
FAN_OUT_JOB = "broadcasts.desk_jobs.fan_out_job"
NOTIFY_RETRY = (2, 10, 60)


class RQDispatch:
    """Delivery through RQ queues on the given (bytes) Redis connection."""

    def __init__(self, rq_redis: RawRedis) -> None:
        self._redis = rq_redis
        self._notices = Notices(rq_redis)

    def submit(
        self, announcement_id: str, at: float | None = None, *, priority: bool = False
    ) -> None:
        """Enqueue the start job, now or, when `at` is still ahead, at that moment; with
        `priority` (an early warning) on the alert queue, served before every other."""
        queue = Queue(ALERT_QUEUE if priority else CONTROL_QUEUE, connection=self._redis)
        job_id = f"kim-bc-start-{announcement_id}"
        described = f"announcement {announcement_id}: start"
        if at is None or at <= time.time():
            queue.enqueue(
                START_JOB, announcement_id, job_id=job_id, description=described, result_ttl=3600
            )
        else:
            moment = datetime.fromtimestamp(at, tz=UTC)
            queue.enqueue_at(
                moment,
                START_JOB,
                announcement_id,
                job_id=job_id,
                description=described,
                result_ttl=3600,
            )

    def notify(self, to: Address, reply: Reply, about: Address | None = None) -> None:
        """Keep the message, and queue its id on the interactive queue."""
        notice_id = self._notices.put(to, reply, about or (to if to.is_private else None))
        Queue(INTERACTIVE_QUEUE, connection=self._redis).enqueue(
            NOTIFY_JOB,
            notice_id,
            description=f"notice {notice_id}",
            retry=Retry(max=len(NOTIFY_RETRY), interval=list(NOTIFY_RETRY)),
            result_ttl=600,
            failure_ttl=KEEP,
        )

    def notify_many(self, notices: Sequence[tuple[Address, Reply]], pipeline: Pipeline) -> None:
        """Keep many notices to residents and queue them, all in the caller's `pipeline`
        (a transaction it executes): on the bulk queue, so that staff cards and the
        replies people wait for stay ahead of a correction's thousands."""
        queue = Queue(BULK_QUEUE, connection=self._redis)
        jobs = []
        for to, reply in notices:
            notice_id = self._notices.put(to, reply, to if to.is_private else None, pipeline)
            jobs.append(
                Queue.prepare_data(
                    NOTIFY_JOB,
                    (notice_id,),
                    description=f"notice {notice_id}",
                    retry=Retry(max=len(NOTIFY_RETRY), interval=list(NOTIFY_RETRY)),
                    result_ttl=600,
                    failure_ttl=KEEP,
                )
            )
        if jobs:
            queue.enqueue_many(jobs, pipeline=pipeline)

    def fan_out(self, run_id: str) -> None:
        """Queue the job that tells a correction's or withdrawal's recipients."""
        Queue(CONTROL_QUEUE, connection=self._redis).enqueue(
            FAN_OUT_JOB,
            run_id,
            job_id=f"kim-hx-out-{run_id}",
            description=f"correction run {run_id}",
            job_timeout=3600,
            retry=Retry(max=3, interval=[10, 60, 300]),
            result_ttl=86400,
            failure_ttl=7 * 86400,
        )
