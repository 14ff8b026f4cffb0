"""Issue 12, item 5: staff search the archive (`/arsip`, scores, pages, staff only) and see
trending claims per kecamatan over 7 days (`/tren`), posted weekly to the staff group by
a job that posts once however many workers run it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from rq import Queue, SimpleWorker
from rq.registry import ScheduledJobRegistry

from bot.desk.browse import archive_page, archive_search
from bot.desk.hoaxes import Claim, Fingerprint
from bot.desk.staff import Desk
from bot.desk.trends import digest_slot, next_digest, trend_text, trending, weekly_digest
from bot.dialogs import build_conversations
from bot.platform.actions import ArchivePage
from bot.platform.addresses import Address
from bot.platform.clock import FixedClock
from bot.platform.config import Config
from bot.platform.messages import Reply
from bot.platform.store import Redis
from bot.services import Services
from broadcasts.context import JobContext
from broadcasts.desk_jobs import DIGEST_JOB_ID, digest_job
from broadcasts.queues import CONTROL_QUEUE, INTERACTIVE_QUEUE
from handlers.wiring import build_services
from tests.support.admins import STAFF, RecordingDispatch, with_admins
from tests.support.constants import BOT_TOKEN, CILEGON
from tests.support.dialog import Resident, render
from tests.support.jobs import job_context_with

STAFF_GROUP = Address.parse("tg:-1009999")
VACCINE = [
    "Vaksin mengandung chip pelacak 5G dari luar negeri, jangan mau disuntik",
    "Vaksin campak bikin anak lumpuh, sudah banyak korban di Banten",
    "Vaksin booster dihentikan pemerintah karena berbahaya bagi lansia",
    "Vaksin palsu beredar di puskesmas Cilegon, cek nomor batch",
    "Vaksin polio tetes mengandung babi, MUI melarang",
    "Vaksin HPV membuat perempuan mandul, kata dokter luar negeri",
    "Vaksin rabies untuk kucing wajib bayar Rp 500 ribu per ekor",
]


@pytest.fixture
def svc(config: Config, redis: Redis, clock: FixedClock, dispatch: RecordingDispatch) -> Services:
    """The core with a staff group and one staff member; notices recorded."""
    roomy = with_admins(config)
    limits = roomy.limits.model_copy(update={"flood_messages_per_minute": 600})
    return build_services(roomy.model_copy(update={"limits": limits}), redis, clock, dispatch)


def archived(
    svc: Services, number: int, text: str, verdict: str = "hoaks", days_ago: float = 1
) -> str:
    """A verdict in the archive, given `days_ago`."""
    claim_id = f"HKS-2609-{number:04d}"
    at = svc.clock.now() - days_ago * 86400
    svc.hoaxes.add_claim(
        Claim(claim_id, text, verdict, "Penjelasan.", "", at, claim_id, Fingerprint.of(text, []))
    )
    return claim_id


def test_archive_search_shows_scores_and_pages(svc: Services) -> None:
    """More than 5 matches: the first 5 with score, verdict, date, number and text, then
    ‹ › pages; the best match first."""
    for number, text in enumerate(VACCINE, 1):
        archived(svc, number, text, days_ago=number)
    archived(svc, 20, "Bantuan sosial Rp 3 juta lewat link bit.ly, isi data KTP", "penipuan")
    staff = Address.telegram(STAFF)
    first = archive_search(svc, staff, "vaksin chip 5G")
    lines = first.text.splitlines()
    assert lines[0].startswith("1. 100% · [HOAKS] · ")
    assert "HKS-2609-0001" in lines[0]
    assert "Vaksin mengandung chip pelacak 5G" in lines[1]
    assert "· HKS-2609-0002" in lines[2]  # a third of the query: "vaksin"
    assert "33%" in lines[2]
    assert "Halaman 1 dari 2 · 7 kecocokan." in first.text
    assert "Bantuan sosial" not in first.text
    assert [c.data for c in first.flat_choices] == [ArchivePage(1).pack()]
    (second,) = archive_page(svc, staff, 1)
    assert second.edit
    assert "6. " in second.text
    assert "Halaman 2 dari 2" in second.text
    assert [c.data for c in second.flat_choices] == [ArchivePage(0).pack()]
    dated = datetime.fromtimestamp(svc.clock.now() - 86400, ZoneInfo("Asia/Jakarta"))
    assert svc.translator("id").date_text(dated) in first.text


def test_archive_search_refuses_and_explains(svc: Services) -> None:
    """Non-staff are refused (a page button too); no words → usage; no match, or too
    long → said so; a page of an expired search says to search again."""
    archived(svc, 1, VACCINE[0])
    staff, outsider = Address.telegram(STAFF), Address.telegram(4242)
    assert (
        archive_search(svc, outsider, "vaksin").text == "Perintah ini khusus untuk petugas layanan."
    )
    assert archive_page(svc, outsider, 0)[0].notice
    assert "Cara pakai: /arsip" in archive_search(svc, staff, "   ").text
    assert "Tidak ada putusan di arsip yang cocok" in archive_search(svc, staff, "banjir rob").text
    assert "terlalu panjang" in archive_search(svc, staff, "vaksin " * 300).text
    assert "kedaluwarsa" in archive_page(svc, Address.telegram(9001), 0)[0].notice
    archive_search(svc, staff, "vaksin")
    assert "HKS-2609-0001" in render(svc_press(svc, staff, "a.ar.0"))  # from the staff group
    assert svc_press(svc, staff, "a.ar.x")[0].notice  # forged page data


def svc_press(svc: Services, staff: Address, data: str) -> list[Reply]:
    """A button in the staff group."""
    return Desk(svc).press(staff, data, svc.clock.now())


def test_archive_and_trends_in_a_private_chat(svc: Services) -> None:
    """Staff may use /arsip and /tren in a private chat with the bot; residents may not."""
    archived(svc, 1, VACCINE[0])
    conv = build_conversations(svc)
    staff = Resident(conv, chat_id=STAFF, language_code="id")
    assert "100% · [HOAKS]" in render(staff.send("/arsip vaksin chip"))
    assert "📈 Hoaks terpopuler" in render(staff.send("/tren"))
    warga = Resident(conv, chat_id=555, language_code="id")
    assert "khusus untuk petugas" in render(warga.send("/arsip vaksin"))
    assert "khusus untuk petugas" in render(warga.send("/tren"))
    assert "Tidak ada putusan NOPE" not in render(warga.press_data(ArchivePage(0).pack()))


def ask(svc: Services, chat_id: int, village: str, text: str) -> Resident:
    """A resident of `village` sends a hoax check."""
    me = Resident(build_conversations(svc), chat_id=chat_id, language_code="id")
    me.send(f"/start kel_{village.replace('.', '')}")
    me.press("✅")
    me.send("/cekhoaks")
    me.send(text)
    me.press("🔎")
    return me


def test_trending_counts_claims_per_kecamatan_over_7_days(svc: Services, clock: FixedClock) -> None:
    """Tickets and answers from the archive count by the asker's kecamatan; what was
    asked more than 7 days ago does not."""
    ktp = (
        "PENTING!! Mulai besok semua warga Cilegon wajib daftar ulang KTP di kelurahan, "
        "kalau tidak KTP diblokir."
    )
    bansos = "Bantuan sosial Rp 3 juta cair hari ini, daftar lewat bit.ly/bansos-cilegon isi KTP"
    ask(svc, 1, "36.72.02.1001", bansos)  # Bagendung, Kec. Cilegon: 8 days before
    clock.advance(86400)
    first = svc.tickets.of_resident(Address.telegram(1))[0].id
    clock.advance(7 * 86400)
    archived(svc, 90, ktp, days_ago=3)
    ask(svc, 2, "36.72.02.1001", ktp)  # answered from the archive
    ask(svc, 3, "36.72.02.1002", ktp)  # Kec. Cilegon again
    ask(svc, 4, "36.72.07.1003", ktp)  # Kebon Dalem, Kec. Purwakarta
    ask(svc, 5, "36.72.02.1001", bansos)  # a new ticket (the old group was still waiting)
    found = {(t.kecamatan, t.claim): t.count for t in trending(svc, clock.now())}
    assert found[(CILEGON, "HKS-2609-0090")] == 2
    assert found[("36.72.07", "HKS-2609-0090")] == 1
    assert found[(CILEGON, first)] == 1  # only the check of this week
    text = trend_text(svc, clock.now())
    assert "Kec. Cilegon: 3 cek" in text
    assert "Kec. Purwakarta: 1 cek" in text
    assert "HKS-2609-0090 · 2× · [HOAKS]" in text
    assert "(menunggu putusan)" in text
    clock.advance(8 * 86400)
    assert "Tidak ada cek hoaks dalam 7 hari ini." in trend_text(svc, clock.now())


def test_weekly_digest_is_posted_once_a_week(
    svc: Services, dispatch: RecordingDispatch, clock: FixedClock
) -> None:
    """Monday 08.00 in the deployment's zone by default: not before; once that week, by
    however many callers; again the next week."""
    slot = digest_slot(svc, clock.now())
    local = datetime.fromtimestamp(slot, ZoneInfo("Asia/Jakarta"))
    assert (local.weekday(), local.hour, local.minute) == (0, 8, 0)
    clock.t = slot - 60
    assert not weekly_digest(svc, clock.now())
    assert next_digest(svc, clock.now()) == slot
    clock.t = slot + 60
    assert weekly_digest(svc, clock.now())
    assert not weekly_digest(svc, clock.now() + 3600)
    posts = [r for to, r in dispatch.notified if to == STAFF_GROUP]
    assert len(posts) == 1
    assert "Ringkasan mingguan" in posts[0].text
    assert next_digest(svc, clock.now()) == slot + 7 * 86400
    clock.t = slot + 7 * 86400 + 10
    assert weekly_digest(svc, clock.now())


def test_a_missed_digest_is_caught_up_within_a_day(svc: Services, clock: FixedClock) -> None:
    """No worker ran at the moment: a worker starting within a day posts it in a minute;
    later, it waits for next week."""
    slot = digest_slot(svc, clock.now())
    assert next_digest(svc, slot + 3600) == slot + 3600 + 60
    assert next_digest(svc, slot + 2 * 86400) == slot + 7 * 86400


@pytest.fixture
def ctx(
    redis: Redis, redis_url: str, config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[JobContext]:
    """A worker's job context whose digest was due at midnight today."""
    today = datetime.now(ZoneInfo("Asia/Jakarta")).strftime("%A").lower()
    data = with_admins(config).model_dump(mode="json")
    data["desk"]["digest"] = {"day": today, "time": "00.00"}
    with job_context_with(data, tmp_path, monkeypatch, redis_url, BOT_TOKEN) as context:
        yield context


def test_two_workers_running_the_weekly_job_post_it_once(ctx: JobContext) -> None:
    """The job, run by two RQ workers, posts one digest to the staff group and schedules
    itself for next week."""
    control = Queue(CONTROL_QUEUE, connection=ctx.rq_redis)
    for copy in ("a", "b"):
        control.enqueue(digest_job, job_id=f"digest-copy-{copy}")
    for _ in range(2):
        SimpleWorker([control], connection=ctx.rq_redis).work(burst=True)
    assert Queue(INTERACTIVE_QUEUE, connection=ctx.rq_redis).count == 1  # one notice
    assert DIGEST_JOB_ID in ScheduledJobRegistry(queue=control).get_job_ids()
    services = ctx.services
    assert digest_slot(services, services.clock.now()) <= services.clock.now()
