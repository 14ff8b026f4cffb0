"""The poll job: every minute, send due reminders and close due polls (bot/polls/runs.py),
whichever worker runs it; one job id, so restarts and replicas never pile up copies."""

from __future__ import annotations

import logging
from datetime import timedelta

from redis import Redis as RawRedis
from rq import Queue

from bot.polls import runs
from broadcasts.context import job_context
from broadcasts.failures import scrubbed
from broadcasts.queues import CONTROL_QUEUE

log = logging.getLogger(__name__)
POLL_JOB_ID = "kim-polls"
EVERY = timedelta(minutes=1)


@scrubbed
def poll_job() -> tuple[int, int]:
    """Reminders and closings that are due; schedule the next check."""
    ctx = job_context()
    try:
        reminded, closed = runs.tick(ctx.services, ctx.services.clock.now())
    finally:
        schedule_polls(ctx.rq_redis, EVERY)
    if reminded or closed:
        log.info("polls: %d reminder(s) sent, %d closed", reminded, closed)
    return reminded, closed


def schedule_polls(rq_redis: RawRedis, delay: timedelta) -> None:
    """(Re)schedule the poll check."""
    Queue(CONTROL_QUEUE, connection=rq_redis).enqueue_in(
        delay,
        poll_job,
        job_id=POLL_JOB_ID,
        description="polls: reminders and closing",
        result_ttl=600,
    )
