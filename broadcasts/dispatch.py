"""The core's `Dispatch` on RQ: start announcements now or later, cancel, notify.

Jobs are enqueued by dotted path, so this module imports no job code (the worker's job
context uses it too, to let jobs notify people).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from redis import Redis as RawRedis
from rq import Queue, Retry

from bot.platform.addresses import Address
from bot.platform.messages import Reply, reply_to_dict

log = logging.getLogger(__name__)
CONTROL_QUEUE = "kim-default"
INTERACTIVE_QUEUE = "kim-interactive"
START_JOB = "broadcasts.jobs.start_job"
NOTIFY_JOB = "broadcasts.notify.notify_job"


class RQDispatch:
    """Delivery through RQ queues on the given (bytes) Redis connection."""

    def __init__(self, rq_redis: RawRedis) -> None:
        self._redis = rq_redis

    def submit(self, announcement_id: str) -> None:
        """Enqueue the start job, now or at `scheduled_at`."""
        queue = Queue(CONTROL_QUEUE, connection=self._redis)
        job_id = f"kim-bc-start-{announcement_id}"
        at = self._scheduled_at(announcement_id)
        if at is None:
            queue.enqueue(START_JOB, announcement_id, job_id=job_id, result_ttl=3600)
        else:
            queue.enqueue_at(at, START_JOB, announcement_id, job_id=job_id, result_ttl=3600)

    def cancel(self, announcement_id: str) -> None:
        """Running batches stop at their next check; a scheduled start finds it cancelled."""
        log.info("announcement %s cancelled", announcement_id)

    def notify(self, to: Address, reply: Reply) -> None:
        """Queue one message to another chat on the interactive queue."""
        Queue(INTERACTIVE_QUEUE, connection=self._redis).enqueue(
            NOTIFY_JOB,
            str(to),
            reply_to_dict(reply),
            retry=Retry(max=3, interval=[2, 10, 60]),
            result_ttl=600,
        )

    def _scheduled_at(self, announcement_id: str) -> datetime | None:
        raw = self._redis.hget(f"kim:bc:{announcement_id}", "scheduled_at")
        if not raw:
            return None
        moment = datetime.fromtimestamp(float(raw), tz=UTC)
        return moment if moment > datetime.now(UTC) else None
