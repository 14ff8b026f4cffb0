"""Issue 10, for real: after /hapusdata nothing about the resident is left in Redis, in its
files on disk, in RQ's job records or in the worker's log.

A Telegram and a WhatsApp resident each file an aspirasi naming themselves and their phone,
and each is answered from the hoax archive (recorded, so a correction would reach them);
staff claim and answer, so notices to them and staff cards about them wait on the queue.
Both erase their data; then the real `kimbot worker` runs (its maintenance compacts the
files, its jobs find the notices gone) with `-v`. On the embedded Redis 6.2
and on Redis 7, every key and value (RQ's included), every file of the data directory,
what Redis 7 loads from a copy of the AOF and of the RDB, every job record and the log are
searched for the residents' chat ids, names, phone numbers and words.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from rq import Queue
from rq.job import Job
from rq.registry import FailedJobRegistry, FinishedJobRegistry, ScheduledJobRegistry

from bot.desk.hoaxes import Claim, Fingerprint
from bot.desk.staff import Desk
from bot.dialogs import build_conversations
from bot.platform.actions import TicketAction
from bot.platform.addresses import Address
from bot.platform.config import Config
from bot.platform.messages import Reply
from bot.platform.store import connect
from bot.services import Services
from broadcasts.dispatch import RQDispatch
from broadcasts.queues import QUEUES
from handlers.whatsapp.tracking import remember
from handlers.wiring import build_services
from tests.support.admins import STAFF, with_admins
from tests.support.aspirasi import file_aspirasi
from tests.support.constants import BAGENDUNG, ROOT
from tests.support.dialog import Resident
from tests.support.disk_redis import KINDS, DiskRedis, disk_redis, reloaded, wait_for
from tests.support.storage import everything_in
from tests.support.whatsapp import with_whatsapp

TG_CHAT = 7773001
WA_ID = "6281298765432"
NEIGHBOUR = 7773999  # stays: proves each place searched does hold data
HOAX = "Vaksin MR di sekolah bikin anak mandul, 14 anak lumpuh, sebarkan ke grup wali murid"
TG_TEXT = "Saya Siti Rahmawati, HP 081234567890: lampu jalan RT 02 Bagendung mati sejak Senin."
WA_TEXT = "Nama saya Dewi Lestari, HP 081298765432, mohon posyandu ditambah di RW 03."
PERSONAL = (
    str(TG_CHAT),
    WA_ID,
    "Siti Rahmawati",
    "Dewi Lestari",
    "081234567890",
    "081298765432",
    "lampu jalan RT 02",
    "posyandu ditambah",
)


@dataclass
class WhatsAppResident(Resident):
    """The same dialogues, from a phone-keyed WhatsApp address."""

    wa_id: str = WA_ID

    @property
    def address(self) -> Address:
        """The resident's WhatsApp chat."""
        return Address("wa", self.wa_id)


@pytest.fixture(params=KINDS)
def disk(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DiskRedis]:
    """A Redis of each kind, files in tmp_path/data."""
    with disk_redis(request.param, tmp_path / "data") as server:
        yield server


def claim_and_answer(services: Services, ticket_id: str) -> None:
    """Staff claim the ticket and answer it: two notices to the resident wait."""
    desk, staff = Desk(services), Address.telegram(STAFF)
    desk.act(staff, TicketAction("claim", ticket_id), time.time())
    ticket = services.tickets.get(ticket_id)
    assert ticket is not None
    desk.staff_reply(staff, ticket, "Sudah kami teruskan ke dinas terkait.", time.time())


def erase(me: Resident) -> None:
    """/hapusdata, confirmed."""
    me.send("/hapusdata")
    me.press("🗑")


def run_worker(disk: DiskRedis, config_path: Path, log: Path) -> None:
    """`kimbot -v worker --burst` on the disk Redis until the queues are empty."""
    env = dict(os.environ, REDIS_URL=disk.url, KIMBOT_CONFIG=str(config_path))
    command = [sys.executable, "-m", "handlers.cli", "-v", "worker", "--burst"]
    with log.open("wb") as out:
        done = subprocess.run(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, timeout=120
        )
    assert done.returncode == 0, log.read_text()


def job_records(disk: DiskRedis) -> str:
    """Every job RQ still knows: description, arguments, result, failure."""
    raw = connect(disk.url, decode=False)
    parts = []
    for name in QUEUES:
        queue = Queue(name, connection=raw)
        ids = set(queue.get_job_ids())
        for registry in (FinishedJobRegistry, FailedJobRegistry, ScheduledJobRegistry):
            ids |= set(registry(queue=queue).get_job_ids())
        for job in Job.fetch_many(sorted(ids), connection=raw):
            if job is None:
                continue
            result = job.latest_result()
            parts += [str(job.description), repr(job.args), repr(job.kwargs)]
            parts += [repr(result.return_value), str(result.exc_string)] if result else []
    raw.close()
    return "\n".join(parts)


def test_nothing_about_erased_residents_is_left_anywhere(
    config: Config, disk: DiskRedis, tmp_path: Path
) -> None:
    """The issue's row: nothing in Redis, on disk, in jobs or in logs."""
    cfg = with_admins(with_whatsapp(config))
    cfg = cfg.model_copy(
        update={"limits": cfg.limits.model_copy(update={"flood_messages_per_minute": 600})}
    )
    config_path = tmp_path / "config.yaml"
    config_path.write_text(yaml.safe_dump(cfg.model_dump(mode="json"), allow_unicode=True))
    rq_redis = connect(disk.url, decode=False)
    services = build_services(cfg, disk.client, dispatch=RQDispatch(rq_redis))
    conversations = build_conversations(services)
    neighbour = Resident(conversations, chat_id=NEIGHBOUR, language_code="en")
    neighbour.send("/start kel_3672021001")
    neighbour.press("✅")
    tg = Resident(conversations, chat_id=TG_CHAT, language_code="en")
    wa = WhatsAppResident(conversations, language_code="en")
    tg_ticket = file_aspirasi(tg, TG_TEXT)
    wa_ticket = file_aspirasi(wa, WA_TEXT)
    # both are answered from the hoax archive, so a correction would reach them
    services.hoaxes.add_claim(
        Claim(
            "HKS-2609-0900",
            HOAX,
            "hoaks",
            "Tidak benar.",
            "",
            time.time(),
            fingerprint=Fingerprint.of(HOAX, []),
        )
    )
    for me in (tg, wa):
        me.send("/cekhoaks")
        me.send(HOAX)
        me.press("🔎")
        assert "[HOAKS]" in me.said()
    answered = {str(a) for a in disk.client.zrange("kim:hx:rcpt:HKS-2609-0900", 0, -1)}
    assert answered == {str(tg.address), str(wa.address)}
    # what the WhatsApp channel records for a resident: the open window, a broadcast's
    # message id (it embeds the phone number), a reply held for a closed window
    services.residents.touch_inbound(wa.address, time.time())
    ann = services.announcements.create(None, [BAGENDUNG], time.time(), text="Kerja bakti.")
    remember(disk.client, ann.id, str(wa.address), f"wamid.HBgN{WA_ID}FQIAERgSQzA")
    services.held.hold(wa.address, Reply(text=f"Untuk Dewi Lestari: {wa_ticket}"))
    for ticket_id in (tg_ticket, wa_ticket):
        claim_and_answer(services, ticket_id)
    waiting = Queue("kim-interactive", connection=rq_redis).count
    assert waiting == 6  # per resident: the staff card, "being handled", the answer

    before = everything_in(disk.client)
    assert all(text in before for text in PERSONAL)
    wait_for(lambda: TG_TEXT.encode() in disk.on_disk(), "the AOF to hold the ticket")

    erase(tg)
    erase(wa)
    assert not disk.client.exists("kim:hx:rcpt:HKS-2609-0900")
    log = tmp_path / "worker.log"
    run_worker(disk, config_path, log)
    wait_for(lambda: not disk.writing() and TG_TEXT.encode() not in disk.on_disk(), "compaction")

    worker_log = log.read_text()
    assert "compacting Redis's files after 2 erasure(s)" in worker_log
    assert worker_log.count("notice ") >= 6  # each job's description, as RQ logs it
    records = job_records(disk)
    assert records.count("'gone'") == 6  # every notice job ran and found its notice erased
    everything = b"".join(p.read_bytes() for p in disk.data_dir.rglob("*") if p.is_file())
    places = {
        "Redis": everything_in(disk.client),
        "RQ job records": records,
        "worker log": worker_log,
        "data directory": everything.decode("utf-8", "replace"),
    }
    for source in ("aof", "rdb"):
        with reloaded(disk, tmp_path / f"reloaded-{source}", source) as copy:
            places[f"the {source} as Redis loads it"] = everything_in(copy)
    for place in ("Redis", "the aof as Redis loads it", "the rdb as Redis loads it"):
        assert str(NEIGHBOUR) in places[place], place
    left = {place: [t for t in PERSONAL if t in text] for place, text in places.items()}
    assert left == {place: [] for place in places}
    rq_redis.close()
