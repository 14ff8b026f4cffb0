"""broadcasts reaches channels only through registered Senders: the jobs name no platform."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.announcements.store import SENT, Outcome
from bot.platform.addresses import Address
from bot.platform.config import Config
from bot.platform.messages import Reply
from bot.platform.store import Redis
from bot.services import Services
from broadcasts import jobs
from broadcasts.context import Wiring, job_context, wire
from broadcasts.failures import JobFailed
from broadcasts.notices import Notices
from broadcasts.notify import notify_job
from broadcasts.senders import Batch, NoSender
from handlers.wiring import build_services, wire_broadcasts
from tests.support.constants import BAGENDUNG, ROOT


@dataclass
class RecordingSender:
    """A channel that records what jobs hand it and marks every recipient sent."""

    services: Services
    platform: str
    log: list[tuple[str, Any]] = field(default_factory=list)

    async def deliver(self, batch: Batch) -> dict[str, Any]:
        """Record the batch; every recipient is sent."""
        sent = [Outcome(str(a), SENT) for a in batch.recipients]
        self.log.append(("deliver", [o.recipient for o in sent]))
        self.services.announcements.record(batch.announcement.id, sent)
        return {"sent": len(sent)}

    async def notify(self, to: Address, reply: Reply) -> str:
        """Record the notice."""
        self.log.append(("notify", (str(to), reply.text)))
        return "sent"

    async def edit(self, chat: Address, message_id: int, text: str, final: bool = False) -> None:
        """Record the edit."""
        self.log.append(("edit", (str(chat), message_id)))

    async def fetch_media(self, ref: str) -> bytes:
        """No media here."""
        raise LookupError(ref)

    async def aclose(self) -> None:
        """Record the close."""
        self.log.append(("close", None))


@pytest.fixture
def senders(
    redis: Redis, redis_url: str, config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, RecordingSender]]:
    """Jobs of this process wired to recording senders for Telegram only."""
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config.model_dump(mode="json"), allow_unicode=True))
    monkeypatch.setenv("KIMBOT_CONFIG", str(path))
    monkeypatch.setenv("REDIS_URL", redis_url)
    made: dict[str, RecordingSender] = {}

    def telegram(services: Services) -> RecordingSender:
        made["tg"] = made.get("tg") or RecordingSender(services, "tg")
        return made["tg"]

    wire(
        Wiring(
            build_services=lambda c, r, d: build_services(c, r, dispatch=d),
            senders={"tg": telegram},
        )
    )
    yield made
    wire_broadcasts()


def subscribe(services: Services, *addresses: Address) -> None:
    """Residents of Bagendung."""
    for address in addresses:
        services.residents.consent(address, "id", "v1", 1.0)
        services.residents.subscribe(address, BAGENDUNG, 2.0)


def test_a_batch_goes_to_the_registered_sender_of_each_platform(
    senders: dict[str, RecordingSender],
) -> None:
    """Telegram recipients reach the "tg" sender once, which is closed after the batch."""
    services = job_context().services
    subscribe(services, Address.telegram(11), Address.telegram(12))
    ann = services.announcements.create(None, [BAGENDUNG], 1.0, text="Halo")
    jobs.start_job(ann.id)
    jobs.batch_job(ann.id, 0, 2)
    log = [
        (call, sorted(recipients) if recipients else None) for call, recipients in senders["tg"].log
    ]
    assert log == [("deliver", ["tg:11", "tg:12"]), ("close", None)]  # in the plan's order
    assert services.announcements.get(ann.id).state == "done"  # type: ignore[union-attr]


def test_a_platform_without_a_sender_fails_loudly_and_records_nothing(
    senders: dict[str, RecordingSender],
) -> None:
    """A WhatsApp recipient in a process with no WhatsApp sender: a clear error, no outcome."""
    services = job_context().services
    subscribe(services, Address("wa", "ID.77"))
    ann = services.announcements.create(None, [BAGENDUNG], 1.0, text="Halo")
    jobs.start_job(ann.id)
    with pytest.raises(JobFailed, match=r"^NoSender at broadcasts/senders\.py"):
        jobs.batch_job(ann.id, 0, 1)
    assert services.announcements.pending(ann.id, ["wa:ID.77"]) == ["wa:ID.77"]


def test_a_notice_goes_to_the_sender_of_its_address(senders: dict[str, RecordingSender]) -> None:
    """notify_job hands the notice it is given the id of to the channel of its address,
    once: the notice is gone after it was sent."""
    notices = Notices(job_context().services.redis)
    notice_id = notices.put(Address.telegram(42), Reply(text="Tiket Anda dijawab"), None)
    assert notify_job(notice_id) == "sent"
    assert senders["tg"].log == [("notify", ("tg:42", "Tiket Anda dijawab")), ("close", None)]
    assert notices.get(notice_id) is None
    assert notify_job(notice_id) == "gone"


def test_broadcasts_source_names_no_platform() -> None:
    """No module of broadcasts/ uses a channel library, a Bot API method or an address prefix."""
    words = ("aiogram", "pywa", "sendmessage", "copymessage", '"tg:', '"wa:', "'tg'", '"tg"')
    found = [
        f"{path.name}: {word}"
        for path in sorted((ROOT / "broadcasts").glob("*.py"))
        for word in words
        if word in path.read_text(encoding="utf-8").lower()
    ]
    assert found == []


async def test_media_of_a_platform_without_a_sender_is_refused(
    senders: dict[str, RecordingSender],
) -> None:
    """A media reference no registered channel holds (forged, or another install's) is a
    clear error, not a crash in some channel's code."""
    from broadcasts.senders import Senders

    opened = job_context().senders()
    assert isinstance(opened, Senders)
    with pytest.raises(NoSender, match="no sender holds media"):
        await opened.fetch_media("xx:photo:AgAD123")
    with pytest.raises(LookupError):
        await opened.fetch_media("tg:photo:AgAD123")  # the recording sender holds none
    await opened.aclose()
