"""Notices wait in Redis by id: their jobs carry the id only, and erasing the resident they
are about (recipient, or requester of the ticket a staff card shows) drops them unsent."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from rq import Queue

from bot.desk.staff import Desk
from bot.dialogs import build_conversations
from bot.platform.actions import TicketAction
from bot.platform.addresses import Address
from bot.platform.config import Config
from bot.platform.messages import Reply
from bot.platform.store import Redis
from broadcasts.context import JobContext
from broadcasts.dispatch import RQDispatch
from broadcasts.notices import Notices
from broadcasts.notify import notify_job
from broadcasts.queues import INTERACTIVE_QUEUE
from handlers.wiring import build_services
from tests.support.admins import STAFF, RecordingDispatch, with_admins
from tests.support.aspirasi import file_aspirasi
from tests.support.constants import BAGENDUNG
from tests.support.dialog import Resident
from tests.support.jobs import job_context_with
from tests.support.storage import everything_in

ME = Address.telegram(7771001)
STAFF_GROUP = Address.parse("tg:-1009999")
TEXT = "Jawaban untuk Bu Siti: lampu jalan RT 02 diganti Jumat."


@pytest.fixture
def ctx(
    redis: Redis, redis_url: str, config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[JobContext]:
    """A worker's job context on the test Redis (no channel is reached: nothing is sent)."""
    data = with_admins(config).model_dump(mode="json")
    with job_context_with(data, tmp_path, monkeypatch, redis_url) as context:
        yield context


def resident_of_bagendung(ctx: JobContext, address: Address) -> None:
    """A consenting subscriber."""
    ctx.services.residents.consent(address, "id", "v1", 1.0)
    ctx.services.residents.subscribe(address, BAGENDUNG, 2.0)


def test_the_job_carries_the_notice_id_only(ctx: JobContext, redis: Redis) -> None:
    """RQ's record of a queued notice (arguments, description) names neither the chat nor
    the text; only the notice's own keys hold them."""
    RQDispatch(ctx.rq_redis).notify(ME, Reply(text=TEXT))
    (job,) = Queue(INTERACTIVE_QUEUE, connection=ctx.rq_redis).get_jobs()
    (notice_id,) = job.args
    assert job.description == f"notice {notice_id}"
    notice = Notices(redis).get(notice_id)
    assert notice is not None
    assert (notice.to, notice.about, notice.reply.text) == (ME, ME, TEXT)
    assert 0 < redis.ttl(f"kim:nt:{notice_id}") <= 86400
    Notices(redis).drop(notice)
    assert "7771001" not in everything_in(redis)
    assert "Siti" not in everything_in(redis)


def test_erasure_drops_the_notices_to_and_about_the_resident(ctx: JobContext, redis: Redis) -> None:
    """A notice to the resident and a staff card about their ticket, both still queued:
    /hapusdata deletes both; their jobs then send nothing (no channel is even opened)."""
    resident_of_bagendung(ctx, ME)
    other = Address.telegram(7771002)
    resident_of_bagendung(ctx, other)
    dispatch = RQDispatch(ctx.rq_redis)
    dispatch.notify(ME, Reply(text=TEXT))
    dispatch.notify(STAFF_GROUP, Reply(text="🗂 ASP-2611-0001 · Bu Siti minta lampu"), about=ME)
    dispatch.notify(STAFF_GROUP, Reply(text="⏰ 1 ticket(s) still unclaimed"))
    kept = Notices(redis).put(other, Reply(text="Untuk tetangga"), about=other)
    assert ctx.services.privacy.export(ME)["pending notices"] == {"waiting": 2}
    ctx.services.privacy.erase(ME)
    assert "7771001" not in everything_in(redis)
    assert "Siti" not in everything_in(redis)
    jobs = Queue(INTERACTIVE_QUEUE, connection=ctx.rq_redis).get_jobs()
    outcomes = [notify_job(job.args[0]) for job in jobs[:2]]
    assert outcomes == ["gone", "gone"]
    assert Notices(redis).get(jobs[2].args[0]) is not None  # about nobody: kept
    assert Notices(redis).get(kept) is not None  # another resident's: kept
    assert ctx.services.privacy.export(other)["pending notices"] == {"waiting": 1}


def test_an_identity_move_takes_waiting_notices_along(ctx: JobContext, redis: Redis) -> None:
    """A phone-keyed WhatsApp resident moving to their business-scoped id: a waiting notice
    goes to, and is about, the new id; the phone number is left nowhere."""
    old, new = Address("wa", "6281234567890"), Address("wa", "ID.123456")
    resident_of_bagendung(ctx, old)
    notices = Notices(redis)
    notice_id = notices.put(old, Reply(text=TEXT), about=old)
    card = notices.put(STAFF_GROUP, Reply(text="🗂 kartu"), about=old)
    ctx.services.privacy.readdress(old, new)
    moved, card_moved = notices.get(notice_id), notices.get(card)
    assert moved is not None
    assert card_moved is not None
    assert (moved.to, moved.about) == (new, new)
    assert (card_moved.to, card_moved.about) == (STAFF_GROUP, new)
    assert "6281234567890" not in everything_in(redis)
    ctx.services.privacy.erase(new)
    assert notices.get(notice_id) is None
    assert notices.get(card) is None


def test_staff_cards_are_about_the_requester(
    config: Config, redis: Redis, dispatch: RecordingDispatch
) -> None:
    """The desk tells the dispatcher whom a staff card concerns; notices to a resident are
    about the resident."""
    services = build_services(with_admins(config), redis, dispatch=dispatch)
    me = Resident(build_conversations(services), chat_id=7771003, language_code="en")
    ticket_id = file_aspirasi(me, "Mohon posyandu ditambah di RW 03 Bagendung.", anonymous=True)
    ((card_to, _),) = dispatch.notified
    assert (card_to, dispatch.about) == (STAFF_GROUP, [me.address])
    Desk(services).act(Address.telegram(STAFF), TicketAction("claim", ticket_id), 5.0)
    assert dispatch.notified[-1][0] == me.address
    assert dispatch.about[-1] == me.address
