"""The core's `Dispatch` on RQ: start announcements now or later, and notify people.

Jobs are enqueued by dotted path, so this module imports no job code (the worker's job
context uses it too, to let jobs notify people).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from redis import Redis as RawRedis
from rq import Queue, Retry

from bot.platform.addresses import Address
from bot.platform.messages import Reply, reply_to_dict
from broadcasts.queues import CONTROL_QUEUE, INTERACTIVE_QUEUE

START_JOB = "broadcasts.jobs.start_job"
NOTIFY_JOB = "broadcasts.notify.notify_job"


class RQDispatch:
    """Delivery through RQ queues on the given (bytes) Redis connection."""

    def __init__(self, rq_redis: RawRedis) -> None:
        self._redis = rq_redis

    def submit(self, announcement_id: str, at: float | None = None) -> None:
        """Enqueue the start job, now or, when `at` is still ahead, at that moment."""
        queue = Queue(CONTROL_QUEUE, connection=self._redis)
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

    def notify(self, to: Address, reply: Reply) -> None:
        """Queue one message to another chat on the interactive queue."""
        Queue(INTERACTIVE_QUEUE, connection=self._redis).enqueue(
            NOTIFY_JOB,
            str(to),
            reply_to_dict(reply),
            retry=Retry(max=3, interval=[2, 10, 60]),
            result_ttl=600,
        )
