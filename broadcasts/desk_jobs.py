"""The desk's background work: reminding staff of tickets nobody claimed, following up
answered ones, escalating overdue ones, the weekly digest of trending hoax claims, and
telling a corrected verdict's recipients.

`reminder_job` runs every `REMIND_EVERY` on the worker's scheduler (one job id, so
several workers never pile up copies) and posts one message in the staff group listing
tickets unclaimed for longer than `desk.remind_after_hours` (each at most once per that
period). It then asks the residents whose follow-up is due whether their problem is solved
(bot/desk/followup.py) and tells the staff group, then the supervisor, of tickets past
their due time (bot/desk/escalation.py); both claim each ticket in Redis first, so a
second copy of the job asks and tells nobody twice.

`digest_job` runs at `desk.digest` (default Monday 08.00 in the deployment's zone) and
posts `/tren`'s list to the staff group. It has one job id too, and the week is claimed
in Redis before posting, so two workers running it (or a worker started again that
week) post it once.

`fan_out_job(run)` tells everyone who received a corrected or withdrawn verdict
(bot/desk/correction_runs.py), `BATCH` at a time: for each batch, in one transaction
watched on the run's record of who was told, the residents not told yet are marked and
their notices kept and queued (broadcasts/dispatch.py `notify_many`). A retried job, a
second copy, or one running beside it (the watch makes it redo its batch) never queues
a resident's notice twice. When all are told, the staff group gets the count.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from redis import Redis as RawRedis
from redis.exceptions import WatchError
from rq import Queue

from bot.desk import routing
from bot.desk.correction_runs import CorrectionRuns, Tell
from bot.desk.corrections import Corrections
from bot.desk.escalation import escalate
from bot.desk.followup import FollowUps
from bot.desk.staff import Desk
from bot.desk.trends import next_digest, weekly_digest
from bot.platform.addresses import Address
from broadcasts.context import JobContext, job_context
from broadcasts.dispatch import RQDispatch
from broadcasts.failures import scrubbed

log = logging.getLogger(__name__)
REMINDER_JOB_ID = "kim-desk-reminder"
REMIND_EVERY = timedelta(minutes=15)
DIGEST_JOB_ID = "kim-desk-digest"


@scrubbed
def reminder_job() -> int:
    """Post a reminder if tickets wait unclaimed, ask due follow-ups, escalate overdue
    tickets; schedule the next check. Returns how many messages went out."""
    ctx = job_context()
    services = ctx.services
    desk, now = Desk(services), services.clock.now()
    count = 0
    if routing.group_chats(services.config):  # WhatsApp only: no group to remind
        for desk_id, reminder in desk.unclaimed_reminders(now):
            count += routing.post(services, desk_id, reminder)
    count += FollowUps(desk).ask_due(now)
    for to, notice in escalate(desk, now):
        services.dispatch.notify(to, notice)
        count += 1
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


@scrubbed
def fan_out_job(run_id: str) -> int:
    """Tell a correction's (or withdrawal's) recipients, once each; returns how many
    this run of the job queued notices for."""
    ctx = job_context()
    services = ctx.services
    runs = CorrectionRuns(Corrections(Desk(services)))
    queued = [0]

    def tell(run: str, tells: list[Tell]) -> int:
        count = _tell_once(ctx, runs, run, tells)
        queued[0] += count
        return count

    report = runs.run(run_id, tell)
    group = services.config.roles.staff.group
    if report is not None and group:
        services.dispatch.notify(Address.parse(group), report)
    log.info("correction run %s: %d notice(s) queued", run_id, queued[0])
    return queued[0]


def _tell_once(ctx: JobContext, runs: CorrectionRuns, run_id: str, tells: list[Tell]) -> int:
    """Mark and queue the batch's untold residents in one transaction; a concurrent
    change to the run's record makes it read again and retry."""
    dispatch = RQDispatch(ctx.rq_redis)
    with ctx.rq_redis.pipeline(transaction=True) as pipe:
        while True:
            try:
                runs.watch(run_id, pipe)
                untold = runs.untold(run_id, [t.mark for t in tells], pipe)
                fresh = [t for t, new in zip(tells, untold, strict=True) if new]
                pipe.multi()
                runs.mark(run_id, [t.mark for t in fresh], pipe)
                dispatch.notify_many([(t.to, t.reply) for t in fresh], pipe)
                pipe.execute()
                return len(fresh)
            except WatchError:
                continue
