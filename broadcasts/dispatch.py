"""The core's `Dispatch` on RQ: start announcements now or later, and notify people.

Jobs are enqueued by dotted path, so this module imports no job code (the worker's job
context uses it too, to let jobs notify people). A job's arguments and description are
ids only: RQ keeps them in Redis and logs the description. A notice's address and text
wait in broadcasts/notices.py, where erasing the resident it is about reaches them.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from redis import Redis as RawRedis
from rq import Queue, Retry

from bot.platform.addresses import Address
from bot.platform.messages import Reply
from broadcasts.notices import KEEP, Notices
from broadcasts.queues import CONTROL_QUEUE, INTERACTIVE_QUEUE

START_JOB = "broadcasts.jobs.start_job"
NOTIFY_JOB = "broadcasts.notify.notify_job"


class RQDispatch:
    """Delivery through RQ queues on the given (bytes) Redis connection."""

    def __init__(self, rq_redis: RawRedis) -> None:
        self._redis = rq_redis
        self._notices = Notices(rq_redis)

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

    def notify(self, to: Address, reply: Reply, about: Address | None = None) -> None:
        """Keep the message, and queue its id on the interactive queue."""
        notice_id = self._notices.put(to, reply, about or (to if to.is_private else None))
        Queue(INTERACTIVE_QUEUE, connection=self._redis).enqueue(
            NOTIFY_JOB,
            notice_id,
            description=f"notice {notice_id}",
            retry=Retry(max=3, interval=[2, 10, 60]),
            result_ttl=600,
            failure_ttl=KEEP,
        )
