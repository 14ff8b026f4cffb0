"""Delivery jobs on a real Redis and real RQ queues: planning, scheduling, lost batches."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rq import Queue
from rq.registry import ScheduledJobRegistry

from bot.announcements import planning
from bot.platform.addresses import Address
from bot.platform.config import Config
from bot.platform.store import Redis, connect
from broadcasts import jobs
from broadcasts.context import JobContext
from broadcasts.dispatch import RQDispatch
from broadcasts.queues import BULK_QUEUE
from tests.support.constants import BAGENDUNG, BOT_TOKEN, CILEGON
from tests.support.jobs import job_context_with


@pytest.fixture
def ctx(
    redis: Redis, redis_url: str, config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[JobContext]:
    """A worker's job context on the test Redis, with batches of 10."""
    data = config.model_dump(mode="json")
    data["broadcasts"]["batch_size"] = 10
    with job_context_with(data, tmp_path, monkeypatch, redis_url, BOT_TOKEN) as context:
        yield context


def subscribers(ctx: JobContext, count: int) -> None:
    """`count` residents of Bagendung."""
    residents = ctx.services.residents
    for chat in range(1, count + 1):
        residents.consent(Address.telegram(chat), "id", "v1", 1.0)
        residents.subscribe(Address.telegram(chat), BAGENDUNG, 2.0)


def bulk(ctx: JobContext) -> Queue:
    """The queue batch jobs go to."""
    return Queue(BULK_QUEUE, connection=ctx.rq_redis)


def test_start_job_plans_and_enqueues_batches_of_ids(ctx: JobContext) -> None:
    """25 residents in batches of 10: three batch jobs carrying only ids and ranges."""
    subscribers(ctx, 25)
    ann = ctx.services.announcements.create(None, [BAGENDUNG], 1.0, text="Halo")
    assert jobs.start_job(ann.id) == 3
    queued = bulk(ctx).get_jobs()
    assert [job.args for job in queued] == [(ann.id, 0, 10), (ann.id, 10, 20), (ann.id, 20, 25)]
    assert ctx.services.announcements.get(ann.id).state == "sending"  # type: ignore[union-attr]
    assert jobs.start_job(ann.id) == 0  # a second start does nothing: it is already sending


def test_a_start_killed_while_planning_is_completed_by_its_retry(
    ctx: JobContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker dies after a few planning steps (the announcement is already sending):
    RQ's retry of the start job completes that plan and enqueues every batch once; a
    start job after that does nothing."""
    subscribers(ctx, 25)
    store = ctx.services.announcements
    ann = store.create(None, [BAGENDUNG], 1.0, text="Halo")
    monkeypatch.setattr(planning, "STEP", 4)
    monkeypatch.setattr(planning, "SSCAN_COUNT", 2)
    meanwhile = jobs._Enqueuer.meanwhile
    calls = []

    def dies_during_the_third_step(enqueuer: jobs._Enqueuer, planned: int) -> None:
        calls.append(planned)
        if len(calls) == 3:
            raise SystemExit("SIGKILL")
        meanwhile(enqueuer, planned)

    monkeypatch.setattr(jobs._Enqueuer, "meanwhile", dies_during_the_third_step)
    with pytest.raises(SystemExit):
        jobs.start_job(ann.id)
    assert bulk(ctx).count < 3  # at most the batches the plan held before the kill
    monkeypatch.setattr(jobs._Enqueuer, "meanwhile", meanwhile)
    assert jobs.start_job(ann.id) == 3
    assert [job.args for job in bulk(ctx).get_jobs()] == [
        (ann.id, 0, 10),
        (ann.id, 10, 20),
        (ann.id, 20, 25),
    ]
    assert len(set(store.recipients(ann.id, 0, 25))) == 25
    assert jobs.start_job(ann.id) == 0
    assert bulk(ctx).count == 3


def test_lost_batches_are_enqueued_again(ctx: JobContext) -> None:
    """A batch whose worker died (pending recipients, not queued, no heartbeat) is revived;
    a running one (heartbeat) and a finished one are left alone."""
    subscribers(ctx, 25)
    store = ctx.services.announcements
    ann = store.create(None, [BAGENDUNG], 1.0, text="Halo")
    jobs.start_job(ann.id)
    bulk(ctx).empty()
    ctx.services.redis.delete(f"kim:bc:{ann.id}:queued")  # every batch was taken by a worker
    ctx.services.redis.set(f"kim:bc:{ann.id}:hb:10", "1", ex=15)  # batch 10-20 still beating
    from bot.announcements.store import SENT, Outcome

    store.record(ann.id, [Outcome(r, SENT) for r in store.recipients(ann.id, 20, 25)])  # 20-25 done
    current = store.get(ann.id)
    assert current is not None
    jobs._revive_lost_batches(ctx, current)
    assert [job.args for job in bulk(ctx).get_jobs()] == [(ann.id, 0, 10)]


def test_scheduled_announcement_waits_in_rqs_scheduler(ctx: JobContext) -> None:
    """A future scheduled_at puts the start job in RQ's scheduled registry, not the queue."""
    later = datetime(2099, 1, 1, tzinfo=UTC).timestamp()
    ann = ctx.services.announcements.create(None, [BAGENDUNG], 1.0, text="x", scheduled_at=later)
    RQDispatch(ctx.rq_redis).submit(ann.id, ann.scheduled_at)
    control = Queue("kim-default", connection=ctx.rq_redis)
    assert f"kim-bc-start-{ann.id}" in ScheduledJobRegistry(queue=control).get_job_ids()
    assert control.count == 0


def test_cancelled_announcement_is_not_started(ctx: JobContext) -> None:
    """A start job that finds the announcement cancelled plans nothing."""
    subscribers(ctx, 3)
    store = ctx.services.announcements
    ann = store.create(None, [BAGENDUNG], 1.0, text="x")
    assert store.move(ann.id, "cancelled", ["queued"])
    assert jobs.start_job(ann.id) == 0
    assert store.recipients(ann.id, 0, 10) == []


def test_operator_cli_broadcast_and_status(
    ctx: JobContext, tmp_path: Path, capsys: pytest.CaptureFixture[str], redis_url: str
) -> None:
    """`kimbot broadcast --detach` records and queues; `status` reports; bad input is named."""
    from handlers.cli import main

    subscribers(ctx, 4)
    text = tmp_path / "pengumuman.txt"
    text.write_text("Vaksinasi gratis Sabtu di Puskesmas.", encoding="utf-8")
    config = ["--config", str(tmp_path / "config.yaml")]
    assert main(["broadcast", "--to", CILEGON, "--text-file", str(text), "--detach", *config]) == 0
    assert "4 residents and 0 channels (queued)" in capsys.readouterr().out
    assert Queue("kim-default", connection=connect(redis_url, decode=False)).count == 1
    assert main(["broadcast", "status", "1", *config]) == 0
    report = capsys.readouterr().out
    assert "Announcement #1: queued" in report
    assert "targets: Kec. Cilegon" in report
    for args, message in [
        (["--to", "99.99", "--text-file", str(text)], "is not a region"),
        (["--to", "komunitas:nope", "--text-file", str(text)], "no komunitas"),
        (["--to", "36.72", "--text-file", "/nonexistent"], "cannot read"),
        (
            ["--to", "36.72", "--text-file", str(text), "--photo", str(text)],
            "not a JPEG, PNG or WebP",
        ),
        (["--to", "36.72", "--text-file", str(text), "--at", "kemarin"], "not a future day"),
        (["status", "999"], "no announcement"),
    ]:
        assert main(["broadcast", *args, "--detach", *config]) == 2
        assert message in capsys.readouterr().err


def test_a_batch_never_runs_twice_at_once(ctx: JobContext) -> None:
    """While a batch's heartbeat exists, another copy of that batch does nothing."""
    subscribers(ctx, 3)
    ann = ctx.services.announcements.create(None, [BAGENDUNG], 1.0, text="x")
    jobs.start_job(ann.id)
    ctx.services.redis.set(f"kim:bc:{ann.id}:hb:0", "1", ex=15)
    assert jobs.batch_job(ann.id, 0, 3) == {"skipped": "running elsewhere"}
    assert ctx.services.announcements.get(ann.id).counts == {}  # type: ignore[union-attr]


def test_watchdog_waits_for_the_whatsapp_budget_then_resumes(ctx: JobContext) -> None:
    """Pending recipients waiting for WhatsApp's daily budget are not taken for a lost
    worker; once the resume time has passed, their batch is enqueued again."""
    subscribers(ctx, 3)
    ann = ctx.services.announcements.create(None, [BAGENDUNG], 1.0, text="x")
    jobs.start_job(ann.id)
    bulk(ctx).empty()
    ctx.services.redis.delete(f"kim:bc:{ann.id}:queued")
    ctx.services.announcements.defer(ann.id, ctx.services.clock.now() + 3600)
    current = ctx.services.announcements.get(ann.id)
    assert current is not None
    jobs._revive_lost_batches(ctx, current)
    assert bulk(ctx).count == 0
    current.resume_at = ctx.services.clock.now() - 1  # an hour later
    jobs._revive_lost_batches(ctx, current)
    assert [job.args for job in bulk(ctx).get_jobs()] == [(ann.id, 0, 3)]
