"""UU PDP: /dataku shows everything held; /hapusdata leaves no trace in Redis."""

from __future__ import annotations

from bot.dialogs import Conversations
from bot.platform.clock import FixedClock
from bot.platform.store import Redis
from bot.residents.retention import DAY, sweep_expired
from bot.services import Services
from tests.support.constants import BAGENDUNG
from tests.support.dialog import Resident, verify_dialog
from tests.support.dialogues import SUBSCRIBE
from tests.support.storage import everything_in


def subscribe(resident: Resident) -> None:
    """Onboard by buttons into Kelurahan Bagendung."""
    verify_dialog(resident, SUBSCRIBE["id"])


def test_erase_leaves_no_trace(
    conversations: Conversations, redis: Redis, services: Services
) -> None:
    """After /hapusdata no key or value anywhere mentions the resident."""
    other = Resident(conversations, chat_id=2002)
    subscribe(other)
    me = Resident(conversations, chat_id=7770001)
    subscribe(me)
    me.send("/komunitas")
    me.press("Sepeda")
    assert "7770001" in everything_in(redis)
    me.send("/hapusdata")
    me.press("🗑")
    assert "7770001" not in everything_in(redis)
    assert services.residents.get(other.address) is not None
    assert services.residents.is_subscriber(other.address, BAGENDUNG)


def test_declined_consent_stores_nothing(conversations: Conversations, redis: Redis) -> None:
    """Declining the privacy notice leaves nothing about the resident behind."""
    me = Resident(conversations, chat_id=7770002)
    me.send("/start")
    me.press("Bahasa Indonesia")
    me.press("✖")
    assert "7770002" not in everything_in(redis).replace("kim:flood:tg:7770002", "")
    assert redis.ttl("kim:flood:tg:7770002") <= 60


def test_retention_sweep_erases_only_expired(
    conversations: Conversations, services: Services, clock: FixedClock, redis: Redis
) -> None:
    """Residents stopped longer than retention_days are erased; others stay."""
    old = Resident(conversations, chat_id=31)
    subscribe(old)
    old.send("/berhenti")
    old.press("⛔")
    clock.advance(services.config.privacy.retention_days * DAY - 10)
    recent = Resident(conversations, chat_id=32)
    subscribe(recent)
    recent.send("/berhenti")
    recent.press("⛔")
    active = Resident(conversations, chat_id=33)
    subscribe(active)
    clock.advance(20)
    assert sweep_expired(services) == 1
    assert services.residents.get(old.address) is None
    assert services.residents.get(recent.address) is not None
    assert services.residents.get(active.address) is not None
    assert "tg:31" not in everything_in(redis).replace("kim:flood:tg:31", "")
