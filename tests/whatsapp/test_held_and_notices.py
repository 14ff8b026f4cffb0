"""Desk notices to WhatsApp residents: in the window at once, else held behind a template."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from bot.dialogs import build_conversations
from bot.platform.addresses import Address
from bot.platform.config import Config
from bot.platform.messages import Incoming, Reply
from bot.platform.store import Redis
from broadcasts import notify
from broadcasts.context import JobContext, job_context
from broadcasts.notices import Notices
from handlers.whatsapp.send import CloudAPI
from tests.support.constants import BAGENDUNG, BOT_TOKEN, WA_PHONE_NUMBER_ID
from tests.support.graph import GraphAPI
from tests.support.storage import everything_in
from tests.support.whatsapp import SETTINGS

ME = Address("wa", "ID.7070707")


@pytest.fixture
def ctx(
    wa_config: Config,
    redis: Redis,
    redis_url: str,
    tmp_path: Path,
    graph: GraphAPI,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[JobContext]:
    """A worker's context with WhatsApp on the recording Graph API and a ticket template."""
    data = wa_config.model_dump(mode="json")
    data["whatsapp"]["ticket_template"] = {"name": "kim_tiket", "language": "id"}
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    for name, value in {
        "KIMBOT_CONFIG": str(path),
        "REDIS_URL": redis_url,
        "KIMBOT_TELEGRAM_TOKEN": BOT_TOKEN,
        "KIMBOT_WA_TOKEN": SETTINGS.token,
        "KIMBOT_WA_APP_SECRET": SETTINGS.app_secret,
        "KIMBOT_WA_VERIFY_TOKEN": SETTINGS.verify_token,
    }.items():
        monkeypatch.setenv(name, value)

    original = CloudAPI.connect

    def connect(settings: object, phone: str, *args: object, **kwargs: object) -> CloudAPI:
        return original(
            SETTINGS, WA_PHONE_NUMBER_ID, httpx.AsyncClient(transport=graph.transport())
        )

    monkeypatch.setattr(CloudAPI, "connect", staticmethod(connect))
    job_context.cache_clear()
    yield job_context()
    job_context.cache_clear()


def consented(ctx: JobContext, wrote_at: float | None) -> None:
    """The resident, subscribed, who last wrote at `wrote_at`."""
    ctx.services.residents.consent(ME, "id", "v1", 1.0)
    ctx.services.residents.subscribe(ME, BAGENDUNG, 2.0)
    if wrote_at is not None:
        ctx.services.residents.touch_inbound(ME, wrote_at)


def notice(ctx: JobContext) -> str:
    """A desk notice for the resident, waiting for its job; returns its id."""
    reply = Reply(
        text="Jawaban atas laporan Anda ASP-2611-0001: sudah diperbaiki.",
        ticket="ASP-2611-0001",
    )
    return Notices(ctx.services.redis).put(ME, reply, about=ME)


def test_inside_the_window_the_notice_goes_at_once(ctx: JobContext, graph: GraphAPI) -> None:
    """A resident who wrote an hour ago gets the notice itself."""
    consented(ctx, time.time() - 3600)
    assert notify.notify_job(notice(ctx)) == "sent"
    (sent,) = graph.to(ME.chat_id)
    assert "sudah diperbaiki" in sent.text


def test_outside_the_window_it_is_held_behind_a_template(
    ctx: JobContext, graph: GraphAPI, redis: Redis
) -> None:
    """Outside the window: the template names the ticket; the notice comes with the next reply."""
    consented(ctx, None)
    assert notify.notify_job(notice(ctx)) == "held; sent"
    (template,) = graph.to(ME.chat_id)
    assert template.kind == "template"
    assert template.body["template"]["components"][0]["parameters"][0]["text"] == "ASP-2611-0001"
    conversations = build_conversations(ctx.services)
    replies = conversations.handle(Incoming(ME, "text", text="baca"))
    assert "sudah diperbaiki" in replies[0].text
    assert ctx.services.held.release(ME) == []


def test_held_messages_are_erased_with_the_resident(ctx: JobContext, redis: Redis) -> None:
    """/hapusdata also removes messages waiting for the resident."""
    consented(ctx, None)
    ctx.services.held.hold(ME, Reply(text="menunggu"))
    ctx.services.privacy.erase(ME)
    assert "7070707" not in everything_in(redis)


def test_unknown_resident_gets_nothing(ctx: JobContext, graph: GraphAPI) -> None:
    """A notice for someone who erased their data is dropped."""
    assert notify.notify_job(notice(ctx)) == "gone"
    assert graph.sent == []


def test_a_whatsapp_only_worker_delivers_broadcasts_and_notices(
    ctx: JobContext, graph: GraphAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No Telegram token in the worker's environment: a broadcast to a WhatsApp resident
    and a desk notice still go out (each channel's sender opens only when a job needs it)."""
    from broadcasts import jobs

    monkeypatch.delenv("KIMBOT_TELEGRAM_TOKEN")
    consented(ctx, time.time() - 600)
    ann = ctx.services.announcements.create(None, [BAGENDUNG], 1.0, text="Kerja bakti Minggu.")
    assert jobs.start_job(ann.id) == 1
    jobs.batch_job(ann.id, 0, 1)
    assert notify.notify_job(notice(ctx)) == "sent"
    assert [m.text for m in graph.to(ME.chat_id)] == [
        "Kerja bakti Minggu.",
        "Jawaban atas laporan Anda ASP-2611-0001: sudah diperbaiki.",
    ]
    done = ctx.services.announcements.get(ann.id)
    assert done is not None
    assert (done.state, done.counts) == ("done", {"sent": 1})
