"""The desk's scheduled work: reminding staff of tickets nobody claimed.

`reminder_job` runs every `REMIND_EVERY` on the worker's scheduler (one job id, so
several workers never pile up copies) and posts one message in the staff group listing
tickets unclaimed for longer than `desk.remind_after_hours` (each at most once per that
period).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from redis import Redis as RawRedis
from rq import Queue

from bot.desk.staff import Desk
from bot.platform.addresses import Address
from broadcasts.context import job_context
from broadcasts.failures import scrubbed

log = logging.getLogger(__name__)
REMINDER_JOB_ID = "kim-desk-reminder"
REMIND_EVERY = timedelta(minutes=15)


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
