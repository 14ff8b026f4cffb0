"""The desk's scheduled work: reminding staff of tickets nobody claimed, and the weekly
digest of trending hoax claims.

`reminder_job` runs every `REMIND_EVERY` on the worker's scheduler (one job id, so
several workers never pile up copies) and posts one message in the staff group listing
tickets unclaimed for longer than `desk.remind_after_hours` (each at most once per that
period).

`digest_job` runs at `desk.digest` (default Monday 08.00 in the deployment's zone) and
posts `/tren`'s list to the staff group. It has one job id too, and the week is claimed
in Redis before posting, so two workers running it (or a worker started again that
week) post it once.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from redis import Redis as RawRedis
from rq import Queue

from bot.desk.staff import Desk
from bot.desk.trends import next_digest, weekly_digest
from bot.platform.addresses import Address
from broadcasts.context import job_context
from broadcasts.failures import scrubbed

log = logging.getLogger(__name__)
REMINDER_JOB_ID = "kim-desk-reminder"
REMIND_EVERY = timedelta(minutes=15)
DIGEST_JOB_ID = "kim-desk-digest"


@scrubbed
def reminder_job() -> int:
    """Post a reminder if tickets wait unclaimed; schedule the next check."""
    ctx = job_context()
    services = ctx.services
    count = 0
    group = services.config.roles.staff.group
    if group:
        reminder = Desk(services).unclaimed_reminder(services.clock.now())
        if reminder is not None:
            services.dispatch.notify(Address.parse(group), reminder)
            count = reminder.text.count("-")
    schedule_reminders(ctx.rq_redis, REMIND_EVERY)
    return count


def schedule_reminders(rq_redis: RawRedis, delay: timedelta) -> None:
    """(Re)schedule the reminder check."""
    Queue("kim-default", connection=rq_redis).enqueue_in(
        delay,
        reminder_job,
        job_id=REMINDER_JOB_ID,
        description="desk reminder",
        result_ttl=3600,
    )


@scrubbed
def digest_job() -> bool:
    """Post the weekly digest of trending hoax claims (once per week, whichever worker
    runs it, bot/desk/trends.py); schedule the next run."""
    ctx = job_context()
    services = ctx.services
    now = services.clock.now()
    posted = weekly_digest(services, now)
    log.info("weekly digest %s", "posted" if posted else "not due or posted already")
    schedule_digest(ctx.rq_redis, next_digest(services, now + 1))
    return posted


def schedule_digest(rq_redis: RawRedis, at: float) -> None:
    """(Re)schedule the weekly digest at `at`; one job id, so workers never pile up copies."""
    Queue("kim-default", connection=rq_redis).enqueue_at(
        datetime.fromtimestamp(at, tz=UTC),
        digest_job,
        job_id=DIGEST_JOB_ID,
        description="weekly digest",
        result_ttl=86400,
    )
