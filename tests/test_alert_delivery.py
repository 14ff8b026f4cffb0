"""Issue 17, delivery: early warnings reach the residents of their villages ahead of all
bulk, in each resident's language with their kelurahan named; drafts wait for a
superadmin's ✅ Kirim; Test alerts go to staff only; Updates and Cancels reach exactly
who got the alert; expired alerts are never sent; a running bulk batch yields.

The ingest side acts with a recording dispatch; the delivery jobs then run here, as a
worker would run them, with a recording Telegram sender on the same Redis."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from rq import Queue

from bot.alerts import delivery
from bot.alerts.store import Ingested
from bot.announcements.store import SENT, Outcome
from bot.audit import actors
from bot.dialogs import build_conversations
from bot.platform.actions import AlertAction, ButtonData
from bot.platform.addresses import Address
from bot.platform.config import Config
from bot.platform.messages import Reply
from bot.platform.store import Redis
from bot.services import Services
from broadcasts import jobs
from broadcasts.context import Wiring, job_context, wire
from broadcasts.queues import ALERT_QUEUE, BULK_QUEUE
from broadcasts.senders import Batch
from handlers import alerts_cli
from handlers.wiring import build_services, wire_broadcasts
from tests.support.admins import KELURAHAN_ADMIN, SUPERADMIN, RecordingDispatch, with_admins
from tests.support.constants import BAGENDUNG, DRINGO
from tests.support.dialog import Resident
from tests.test_alerts_cli import fresh

TAMANSARI = "36.72.03.1001"  # Kel. Tamansari, Kec. Pulomerak: on the coast
LEBAKGEDE = "36.72.03.1002"  # Kel. Lebakgede, Kec. Pulomerak
CIWANDAN = "36.72.04"  # on the coast, but not in the Update


@dataclass
class RecordingSender:
    """A channel that keeps each recipient's text and marks them sent (those with no
    outcome yet, as the real senders do); with `pause`, it
    sends one recipient at a time, asking `should_stop` before each (a bulk batch)."""

    services: Services
    got: list[tuple[str, str]] = field(default_factory=list)
    pause: float = 0.0
    before_second: Any = None  # called once, before the second recipient

    async def deliver(self, batch: Batch) -> dict[str, Any]:
        """Record and mark sent, stopping when the batch says so."""
        sent = 0
        store = self.services.announcements
        waiting = set(store.pending(batch.announcement.id, [str(a) for a in batch.recipients]))
        for n, address in enumerate(a for a in batch.recipients if str(a) in waiting):
            if n == 1 and self.before_second is not None:
                self.before_second()
                await asyncio.sleep(self.pause)
            if batch.should_stop():
                break
            self.got.append((str(address), batch.announcement.text))
            self.services.announcements.record(batch.announcement.id, [Outcome(str(address), SENT)])
            sent += 1
        return {"sent": sent}

    async def notify(self, to: Address, reply: Reply) -> str:
        """Not used here."""
        return "sent"

    async def edit(self, chat: Address, message_id: int, text: str, final: bool = False) -> None:
        """Nothing to edit."""

    async def fetch_media(self, ref: str) -> bytes:
        """No media."""
        raise LookupError(ref)

    async def aclose(self) -> None:
        """Nothing to close."""


@dataclass
class World:
    """The ingesting side (recording dispatch) and the jobs' sender, on one Redis."""

    services: Services
    dispatch: RecordingDispatch
    sender: RecordingSender

    def ingest(self, name: str, data: bytes | None = None) -> tuple[Ingested, str]:
        """Ingest a test document (moved to today) and act on it."""
        ingested = self.services.alerts.ingest(data or fresh(name), name, actors.operator())
        return ingested, delivery.act(self.services, ingested)

    def deliver(self) -> dict[str, str]:
        """Run the start and batch jobs of everything submitted, as a worker would;
        returns what each recipient got in this round."""
        before = len(self.sender.got)
        queue = Queue(ALERT_QUEUE, connection=job_context().rq_redis)
        for announcement_id in self.dispatch.submitted:
            jobs.start_job(announcement_id)
        self.dispatch.submitted.clear()
        while queue.count:
            job = queue.jobs[0]
            queue.remove(job)
            jobs.batch_job(*job.args)
        return dict(self.sender.got[before:])


def resident(services: Services, chat: int, village: str, locale: str = "id") -> str:
    """A subscribed Telegram resident."""
    address = Address.telegram(chat)
    services.residents.consent(address, locale, "v1", 1.0)
    services.residents.subscribe(address, village, 2.0)
    return str(address)


@pytest.fixture
def world(
    redis: Redis, redis_url: str, config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
    """Admins and a staff group; jobs of this process wired to the recording sender."""
    cfg = with_admins(config)
    data = cfg.model_dump(mode="json")
    data["broadcasts"]["batch_size"] = 10
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    monkeypatch.setenv("KIMBOT_CONFIG", str(path))
    monkeypatch.setenv("REDIS_URL", redis_url)
    made: dict[str, RecordingSender] = {}

    def telegram(services: Services) -> RecordingSender:
        made["tg"] = made.get("tg") or RecordingSender(services)
        return made["tg"]

    wire(
        Wiring(
            build_services=lambda c, r, d: build_services(c, r, dispatch=d),
            senders={"tg": telegram},
        )
    )
    dispatch = RecordingDispatch()
    services = build_services(Config.model_validate(data), redis, dispatch=dispatch)
    telegram(job_context().services)
    yield World(services, dispatch, made["tg"])
    wire_broadcasts()


def test_the_tsunami_reaches_the_coast_in_each_residents_language(world: World) -> None:
    """The Extreme, Actual tsunami warning goes out at once with priority: residents of
    the four coastal kecamatan get it in their language (the CAP text of their language
    when the alert has it, else the Indonesian), their own kelurahan named; a resident
    inland gets nothing. Its reach and times are on record, in the audit trail and in
    `kimbot alerts list`."""
    svc = world.services
    siti = resident(svc, 1, TAMANSARI, "id")
    john = resident(svc, 2, DRINGO, "en")
    slamet = resident(svc, 3, TAMANSARI, "jv")
    inland = resident(svc, 4, BAGENDUNG, "id")
    ingested, outcome = world.ingest("cilegon-tsunami.xml")
    assert outcome == "sending as broadcast #1"
    assert world.dispatch.priority == [True]
    got = world.deliver()
    assert set(got) == {siti, john, slamet}
    assert inland not in got
    assert got[siti].splitlines()[:2] == [
        "⚠️ PERINGATAN DINI",
        "Peringatan dini tsunami di pesisir Kota Cilegon",
    ]
    assert "Di mana: Tamansari, Kec. Pulomerak" in got[siti]
    assert "Yang harus dilakukan: Segera menjauhi pantai menuju tempat yang tinggi." in got[siti]
    assert "Tingkat bahaya: Ekstrem" in got[siti]
    assert "Sumber: BMKG" in got[siti]
    assert "Berlaku sampai: " in got[siti]
    assert "03.05 WIB" in got[siti]
    assert got[john].splitlines()[:2] == [
        "⚠️ EARLY WARNING",
        "Tsunami warning for the coast of Cilegon",
    ]
    assert "Where: Dringo, Kec. Citangkil" in got[john]
    assert "What to do: Move away from the beach to high ground now." in got[john]
    assert "Wonten pundi: Tamansari, Kec. Pulomerak" in got[slamet]  # Javanese labels
    assert "Segera menjauhi pantai" in got[slamet]  # the CAP's Indonesian text, as given
    record = svc.alerts.get(ingested.record.id)
    assert record is not None
    assert record.delivery == "1"
    assert record.ingested <= record.first_sent <= record.last_sent
    ann = svc.announcements.get("1")
    assert ann is not None
    assert (ann.state, ann.counts.get("sent"), ann.channels) == ("done", 3, 0)
    (sent,) = svc.audit.entries(0, 4e9, action_prefix="alert.sent")
    assert (sent.object, sent.detail["delivered"], sent.detail["broadcast"]) == ("alert:1", 3, "1")
    assert int(sent.detail["first_after_ms"]) <= int(sent.detail["last_after_ms"])
    (line,) = alerts_cli.listing(svc, 5)
    assert " · auto (Actual, Extreme: at once) · broadcast #1 done, reached 3, first " in line
    assert Queue(BULK_QUEUE, connection=job_context().rq_redis).count == 0


def test_a_draft_waits_for_a_superadmin_and_a_forged_press_changes_nothing(
    world: World,
) -> None:
    """A Moderate Actual alert is drafted: the superadmins get it with ✅ Kirim and
    ✖ Abaikan. Pressed by a KIM admin (or forged as a broadcast approval) nothing
    changes; the superadmin's ✅ sends it, once; ✖ on another one ignores it."""
    svc = world.services
    siti = resident(svc, 1, TAMANSARI)
    moderate = fresh("cilegon-tsunami.xml").replace(b"Extreme", b"Moderate")
    ingested, outcome = world.ingest("moderate.xml", moderate)
    assert outcome == "awaits a superadmin as broadcast #1"
    assert world.dispatch.submitted == []
    (to, reply), *_ = world.dispatch.notified
    assert to == Address.telegram(SUPERADMIN)
    assert reply.text.startswith("Peringatan dini #1 menunggu persetujuan Anda: Kec. Pulomerak")
    assert [(c.label, ButtonData.unpack(c.data)) for c in reply.flat_choices] == [
        ("✅ Kirim", AlertAction("send", "1")),
        ("✖ Abaikan", AlertAction("ignore", "1")),
    ]
    conv = build_conversations(svc)
    admin = Resident(conv, chat_id=KELURAHAN_ADMIN)
    admin.press_data("a.al.send.1")
    assert admin.last[0].notice
    boss = Resident(conv, chat_id=SUPERADMIN)
    boss.press_data("a.bc.approve.1")  # the broadcast buttons do not take an alert's
    assert svc.announcements.get("1").state == "awaiting_approval"  # type: ignore[union-attr]
    assert world.dispatch.submitted == []
    assert world.deliver() == {}
    boss.press_data("a.al.send.1")
    assert boss.last[0].text == "Peringatan dini #1 sedang dikirim."
    assert world.dispatch.priority == [True]
    boss.press_data("a.al.send.1")
    assert boss.last[0].notice == "Peringatan dini #1 sudah diputuskan."
    assert set(world.deliver()) == {siti}
    record = svc.alerts.get(ingested.record.id)
    assert record is not None
    assert (record.decision, record.decided_by) == ("approved", f"tg:{SUPERADMIN}")
    (approved,) = svc.audit.entries(0, 4e9, action_prefix="alert.approved")
    assert approved.actor == f"tg:{SUPERADMIN}"
    other = moderate.replace(b"TEWS-20260921210500", b"TEWS-OTHER")
    world.ingest("other.xml", other)
    boss.press_data("a.al.ignore.2")
    assert boss.last[0].text == "Peringatan dini #2 diabaikan."
    assert svc.announcements.get("2").state == "rejected"  # type: ignore[union-attr]
    assert svc.alerts.get("2").decision == "ignored"  # type: ignore[union-attr]
    assert world.deliver() == {}


def test_a_test_alert_goes_to_the_staff_group_only(world: World) -> None:
    """status Test: one message to the staff group, marked as a test; no resident."""
    resident(world.services, 1, TAMANSARI)
    _, outcome = world.ingest("test-alert.xml")
    assert outcome == "told the staff group"
    ((to, reply),) = world.dispatch.notified
    assert to == Address.parse("tg:-1009999")
    assert reply.text.startswith("🧪 UJI PERINGATAN DINI")
    assert world.dispatch.submitted == []
    assert world.deliver() == {}


def test_an_update_reaches_exactly_who_got_the_alert_and_a_cancel_the_all_clear(
    world: World,
) -> None:
    """The Update (Pulomerak and Grogol) reaches those who got the tsunami warning, also
    in the kecamatan it no longer names, and no one who subscribed since elsewhere; the
    Cancel sends the all-clear to everyone who got either, and to no one else."""
    svc = world.services
    coast = {
        resident(svc, 1, TAMANSARI),
        resident(svc, 2, LEBAKGEDE, "en"),
        resident(svc, 3, DRINGO, "su"),
    }
    resident(svc, 4, BAGENDUNG)
    world.ingest("cilegon-tsunami.xml")
    assert set(world.deliver()) == coast
    late = resident(svc, 5, svc.regions.villages(CIWANDAN)[0].code)
    _, outcome = world.ingest("cilegon-tsunami-update.xml")
    assert outcome == "sending as broadcast #2"
    update = world.deliver()
    assert set(update) == coast
    assert late not in update
    assert update["tg:1"].startswith("⚠️ PERINGATAN DINI — PEMUTAKHIRAN")
    _, outcome = world.ingest("cilegon-tsunami-cancel.xml")
    assert outcome == "sending as broadcast #3"
    clear = world.deliver()
    assert set(clear) == coast
    assert clear["tg:1"].splitlines()[:2] == [
        "✅ AMAN: peringatan dini dicabut",
        "Peringatan dini tsunami di pesisir Kota Cilegon",
    ]
    assert clear["tg:2"].startswith("✅ ALL CLEAR: the early warning is lifted")
    assert "Di mana: Dringo, Kec. Citangkil" in clear["tg:3"]  # su labels


def test_a_cancel_of_an_alert_still_going_out_stops_it(world: World) -> None:
    """The all-clear arrives while the warning's batches wait: the rest of the warning is
    not sent, and the all-clear goes only to those it had reached."""
    svc = world.services
    first = resident(svc, 1, TAMANSARI)
    for chat in range(2, 5):
        resident(svc, chat, TAMANSARI)
    world.ingest("cilegon-tsunami.xml")
    jobs.start_job(world.dispatch.submitted.pop())
    svc.announcements.record("1", [Outcome(first, SENT)])  # one reached before the cancel
    world.ingest("cilegon-tsunami-cancel.xml")
    got = world.deliver()
    assert set(got) == {first}
    assert got[first].startswith("✅ AMAN")
    assert svc.announcements.get("1").state == "cancelled"  # type: ignore[union-attr]


def test_an_expired_alert_is_never_sent(world: World, redis: Redis) -> None:
    """One expired on arrival is not sent; one that expires before its batch runs is
    stopped there, its record saying so."""
    svc = world.services
    resident(svc, 1, TAMANSARI)
    _, outcome = world.ingest("expired.xml")  # it expired in September
    assert outcome == "not sent"
    assert world.dispatch.submitted == []
    ingested, _ = world.ingest("cilegon-tsunami.xml")
    redis.hset(f"kim:al:{ingested.record.id}", "expires", "1.0")  # it expired meanwhile
    assert world.deliver() == {}
    ann = svc.announcements.get("1")
    assert ann is not None
    assert (ann.state, ann.note) == ("cancelled", "expired")
    assert svc.alerts.get(ingested.record.id).decision == "expired"  # type: ignore[union-attr]


def test_a_running_bulk_batch_yields_to_a_waiting_alert(world: World) -> None:
    """A bulk batch that sees an early warning's job waiting stops, keeps what it sent,
    and queues itself again behind the warning; the rest go out when it runs again."""
    svc = world.services
    everyone = [resident(svc, chat, BAGENDUNG) for chat in range(1, 6)]
    ann = svc.announcements.create(None, [BAGENDUNG], 1.0, text="Kerja bakti Minggu")
    jobs.start_job(ann.id)
    rq = job_context().rq_redis
    bulk, alert = Queue(BULK_QUEUE, connection=rq), Queue(ALERT_QUEUE, connection=rq)
    (batch,) = bulk.jobs
    bulk.remove(batch)
    world.sender.pause = jobs.YIELD_CHECK_SECONDS + 0.05
    world.sender.before_second = lambda: alert.enqueue("broadcasts.jobs.start_job", "999")
    stats = jobs.batch_job(*batch.args)
    assert stats["yielded"] is True
    assert len(world.sender.got) == 1
    assert [j.args for j in bulk.jobs] == [batch.args]  # queued again, behind the alert
    alert.empty()
    world.sender.before_second = None
    jobs.batch_job(*bulk.jobs[0].args)
    assert sorted(r for r, _ in world.sender.got) == sorted(everyone)  # each once
    assert svc.announcements.get(ann.id).state == "done"  # type: ignore[union-attr]


def test_alert_records_are_trimmed_after_keep_days(world: World, redis: Redis) -> None:
    """The retention sweep's trim drops old alerts with every key of theirs."""
    svc = world.services
    resident(svc, 1, TAMANSARI)
    world.ingest("cilegon-tsunami.xml")
    world.deliver()
    world.ingest("cilegon-tsunami-cancel.xml")
    assert svc.alerts.trim(svc.clock.now() - 86400) == 0
    assert svc.alerts.trim(svc.clock.now() + 1) == 2
    assert sorted(str(k) for k in redis.scan_iter("kim:al:*")) == ["kim:al:seq"]
    assert svc.alerts.recent() == []


def test_alert_buttons_pack_and_bad_ones_do_not_unpack() -> None:
    """`a.al.<verb>.<id>` round-trips; another verb or a dotted id is no button."""
    assert ButtonData.unpack(AlertAction("send", "12").pack()) == AlertAction("send", "12")
    assert ButtonData.unpack("a.al.ignore.3") == AlertAction("ignore", "3")
    for bad in ("a.al.approve.3", "a.al.send", "a.al.send.3.4", "a.al..3"):
        assert ButtonData.unpack(bad) is None
    with pytest.raises(ValueError, match="cannot be packed"):
        AlertAction("send", "1.2").pack()


def test_listing_times_are_in_the_deployments_zone(world: World) -> None:
    """Nothing sent yet: the list names the broadcast and its state only."""
    world.ingest("cilegon-tsunami.xml")
    record = world.services.alerts.get("1")
    assert record is not None
    zone = ZoneInfo(world.services.config.deployment.timezone)
    assert alerts_cli.reach(world.services, record, zone) == " · broadcast #1 queued, reached 0"


def test_broadcasts_lists_an_alerts_delivery_with_its_number(world: World) -> None:
    """`/broadcasts` marks the announcement that carries an early warning."""
    world.ingest("cilegon-tsunami.xml")
    boss = Resident(build_conversations(world.services), chat_id=SUPERADMIN)
    boss.send("/broadcasts")
    assert "#1 · ⚠️ peringatan dini #1 · " in boss.last[0].text


def test_a_draft_pressed_after_its_expiry_is_not_sent(world: World, redis: Redis) -> None:
    """✅ Kirim on a draft that has expired meanwhile sends nothing and says so."""
    svc = world.services
    resident(svc, 1, TAMANSARI)
    world.ingest("moderate.xml", fresh("cilegon-tsunami.xml").replace(b"Extreme", b"Moderate"))
    redis.hset("kim:al:1", "expires", "1.0")  # it expired while the superadmin was away
    boss = Resident(build_conversations(svc), chat_id=SUPERADMIN)
    boss.press_data("a.al.send.1")
    assert boss.last[0].text == "Peringatan dini #1 sudah kedaluwarsa: tidak dikirim."
    assert world.dispatch.submitted == []
    assert svc.announcements.get("1").state == "cancelled"  # type: ignore[union-attr]
    assert svc.alerts.get("1").decision == "expired"  # type: ignore[union-attr]


def test_who_an_all_clear_will_reach_is_personal_data(world: World, redis: Redis) -> None:
    """Until the all-clear's plan holds them, its further recipients are a set the
    resident's access request shows and erasure empties; once planned, the set is gone."""
    svc = world.services
    siti, budi = resident(svc, 1, TAMANSARI), resident(svc, 2, TAMANSARI)
    world.ingest("cilegon-tsunami.xml")
    world.deliver()
    world.ingest("cilegon-tsunami-cancel.xml")
    assert svc.privacy.export(Address.parse(siti))["alerts"] == {"to_be_told": ["2"]}
    svc.privacy.erase(Address.parse(siti))
    assert redis.smembers("kim:al:2:to") == {budi}
    assert "alerts" not in svc.privacy.export(Address.parse(siti))
    assert set(world.deliver()) == {budi}
    assert not redis.exists("kim:al:2:to")


def test_a_drafted_update_stops_nothing_until_a_superadmin_sends_it(world: World) -> None:
    """A Moderate Update waits for approval while the warning it changes keeps going out;
    ✅ Kirim then stops the warning's rest and sends the Update to whoever it reached."""
    svc = world.services
    first = resident(svc, 1, TAMANSARI)
    resident(svc, 2, TAMANSARI)
    world.ingest("cilegon-tsunami.xml")
    jobs.start_job(world.dispatch.submitted.pop())
    svc.announcements.record("1", [Outcome(first, SENT)])
    update = fresh("cilegon-tsunami-update.xml").replace(b"Severe", b"Moderate")
    _, outcome = world.ingest("update.xml", update)
    assert outcome == "awaits a superadmin as broadcast #2"
    assert svc.announcements.get("1").state == "sending"  # type: ignore[union-attr]
    boss = Resident(build_conversations(svc), chat_id=SUPERADMIN)
    boss.press_data("a.al.send.2")
    assert svc.announcements.get("1").state == "cancelled"  # type: ignore[union-attr]
    got = world.deliver()
    assert set(got) == {first, "tg:2"}  # who got it, and Pulomerak's residents (the Update's)
    assert got[first].startswith("⚠️ PERINGATAN DINI — PEMUTAKHIRAN")


def test_the_daily_retention_sweep_drops_alerts_past_keep_days(world: World, redis: Redis) -> None:
    """`retention_job` trims alerts ingested more than `alerts.keep_days` ago, only them."""
    from broadcasts.worker import retention_job

    world.ingest("cilegon-tsunami.xml")
    world.ingest("test-alert.xml")
    keep = world.services.config.alerts.keep_days * 86400
    redis.zadd("kim:al:index", {"1": world.services.clock.now() - keep - 60})  # long ago
    retention_job()
    assert [r.id for r in world.services.alerts.recent()] == ["2"]
    assert not redis.exists("kim:al:1")
