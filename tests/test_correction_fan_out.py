"""Issue 12, item 4: a correction's fan-out is one idempotent RQ job, not the press.

The staff member's ✅ Send only replaces the verdict and queues one job; real RQ workers
then tell every recipient through the notice path, once each, even when the job runs
again after a worker died mid-way, and never a resident erased meanwhile.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from rq import Queue, SimpleWorker

from bot.desk.correction_runs import CorrectionRuns
from bot.desk.corrections import Corrections
from bot.desk.hoaxes import Claim
from bot.desk.staff import Desk
from bot.platform.actions import ClaimAction
from bot.platform.addresses import Address
from bot.platform.config import Config
from bot.platform.store import Redis
from bot.services import Services
from broadcasts.context import Wiring, job_context, wire
from broadcasts.desk_jobs import _tell_once, fan_out_job
from broadcasts.queues import BULK_QUEUE, CONTROL_QUEUE, INTERACTIVE_QUEUE, QUEUES
from handlers.wiring import build_services, wire_broadcasts
from tests.support.admins import STAFF, with_admins
from tests.support.constants import BAGENDUNG
from tests.test_senders import RecordingSender

CLAIM = "HKS-2609-0001"
RESIDENTS = 1_010
ERASED = 10
GROUP = "tg:-1009999"


@pytest.fixture
def sender(
    redis: Redis, redis_url: str, config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[RecordingSender]:
    """The worker's job context on the test Redis, with staff, and Telegram recorded."""
    path = tmp_path / "config.yaml"
    data = with_admins(config).model_dump(mode="json")
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    monkeypatch.setenv("KIMBOT_CONFIG", str(path))
    monkeypatch.setenv("REDIS_URL", redis_url)
    made: list[RecordingSender] = []

    def telegram(services: Services) -> RecordingSender:
        if not made:
            made.append(RecordingSender(services, "tg"))
        return made[0]

    wire(
        Wiring(
            build_services=lambda c, r, d: build_services(c, r, dispatch=d),
            senders={"tg": telegram},
        )
    )
    telegram(job_context().services)
    yield made[0]
    wire_broadcasts()


def archive(services: Services, count: int) -> list[Address]:
    """A verdict `/cekhoaks` answered `count` Bagendung residents with."""
    now = services.clock.now()
    services.hoaxes.add_claim(
        Claim(
            id=CLAIM,
            text="KTP warga Cilegon diblokir kalau tidak daftar ulang.",
            verdict="hoaks",
            explanation="Tidak ada pemblokiran KTP.",
            sources="",
            at=now,
        )
    )
    people = [Address.telegram(100_000 + n) for n in range(count)]
    for address in people:
        services.residents.consent(address, "id", "v1", 1.0)
        services.residents.subscribe(address, BAGENDUNG, 2.0)
        services.recipients.record(CLAIM, address, now)
    return people


def correct(services: Services) -> None:
    """✏️ Correct → [BENAR] → the explanation → ⏭ No sources → ✅ Send, as staff press."""
    desk, staff, now = Desk(services), Address.telegram(STAFF), services.clock.now()

    def press(verb: str, arg: str = "") -> None:
        desk.press(staff, ClaimAction(verb, CLAIM, arg).pack(), now)

    press("fix")
    press("fixv", "11")
    assert Corrections(desk).reply(staff, "Aturan daftar ulang ada, tanpa blokir.") is not None
    press("nosrc")
    press("send")


def queue(name: str) -> Queue:
    """One of the KIM queues on the worker's connection."""
    return Queue(name, connection=job_context().rq_redis)


def test_a_thousand_residents_are_told_once_though_the_job_runs_twice(
    sender: RecordingSender, redis: Redis
) -> None:
    """✅ Send answers before anything is sent (one job waits, no notice); a worker that
    died after 300 notices, the job retried and a second copy of it tell the 1,000
    residents still here exactly once each, the 10 erased meanwhile none, and the staff
    group gets the count once."""
    services = job_context().services
    people = archive(services, RESIDENTS)
    correct(services)

    # the press returned: one fan-out job waits, no notice was queued or sent
    waiting = queue(CONTROL_QUEUE).get_jobs()
    assert [job.func_name for job in waiting] == ["broadcasts.desk_jobs.fan_out_job"]
    assert queue(BULK_QUEUE).count == queue(INTERACTIVE_QUEUE).count == 0
    assert sender.log == []
    claim = services.hoaxes.claim(CLAIM)
    assert claim is not None
    assert claim.verdict == "benar"  # the archive answers with the correction at once

    erased, kept = people[:ERASED], people[ERASED:]
    for address in erased:
        services.privacy.erase(address)

    # a worker killed after queueing the first 300 notices of the run
    (run_id,) = waiting[0].args
    runs = CorrectionRuns(Corrections(Desk(services)))
    run = runs.get(run_id)
    assert run is not None
    first = next(runs.pending(run))
    assert _tell_once(job_context(), runs, run_id, first[:300]) == 300

    # the job (RQ's retry of it) and a second copy run on real workers, with the notices
    queue(CONTROL_QUEUE).enqueue(fan_out_job, run_id, job_id="second-copy")
    worker = SimpleWorker([queue(name) for name in QUEUES], connection=job_context().rq_redis)
    assert worker.work(burst=True)
    assert queue(CONTROL_QUEUE).fetch_job(waiting[0].id).return_value() == 700  # type: ignore[union-attr]
    assert queue(CONTROL_QUEUE).fetch_job("second-copy").return_value() == 0  # type: ignore[union-attr]

    notices = [payload for kind, payload in sender.log if kind == "notify"]
    per_person = Counter(to for to, _text in notices if to != GROUP)
    assert set(per_person) == {str(a) for a in kept}
    assert set(per_person.values()) == {1}
    assert all(
        "Koreksi: cek fakta HKS-2609-0001 kini [BENAR]" in t for to, t in notices if to != GROUP
    )
    reports = [t for to, t in notices if to == GROUP]
    assert reports == ["Koreksi HKS-2609-0001 dikirim ke 1.000 warga."]
    assert runs.told(run_id) == len(kept)
    run_keys = list(redis.scan_iter("kim:hx:out:*"))
    assert len(run_keys) == 2
    stored = " ".join(
        str(redis.smembers(k) if redis.type(k) == "set" else redis.hgetall(k)) for k in run_keys
    )
    assert "tg:1" not in stored  # who was told is kept as hashes, not chat ids
