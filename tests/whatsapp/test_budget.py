"""WhatsApp's daily budget of recipients outside the 24-hour window, and the window."""

from __future__ import annotations

from bot.platform.addresses import Address
from bot.platform.store import Redis
from bot.residents.records import Residents
from bot.services import Services
from handlers.whatsapp.budget import DAY, DailyBudget
from tests.support.constants import BAGENDUNG


def test_budget_counts_unique_recipients_per_moving_day(redis: Redis) -> None:
    """Three slots: the same person twice costs one; the fourth waits for the oldest to age out."""
    budget = DailyBudget(redis, "1234", limit=3)
    t = 1_000_000.0
    assert budget.take(Address("wa", "A.1"), t) == (True, 0.0)
    assert budget.take(Address("wa", "A.1"), t + 10) == (True, 0.0)
    assert budget.take(Address("wa", "A.2"), t + 20)[0]
    assert budget.take(Address("wa", "A.3"), t + 30)[0]
    assert budget.take(Address("wa", "A.4"), t + 40) == (False, t + DAY)
    assert budget.take(Address("wa", "A.4"), t + DAY + 1) == (True, 0.0)
    assert "A.1" not in str(redis.zrange(budget.key, 0, -1))


def test_unlimited_tier(redis: Redis) -> None:
    """A limit of 0 never refuses."""
    budget = DailyBudget(redis, "1234", limit=0)
    assert all(budget.take(Address("wa", f"A.{i}"), 1.0)[0] for i in range(500))


def test_window_opens_with_each_inbound_message(redis: Redis) -> None:
    """A resident's last message opens 24 hours (minus a safety margin) of free messaging."""
    residents = Residents(redis)
    me = Address("wa", "AA.123")
    residents.touch_inbound(me, 5.0)
    assert residents.get(me) is None  # no record without consent: nothing stored
    residents.consent(me, "id", "v1", 10.0)
    residents.touch_inbound(me, 100.0)
    resident = residents.get(me)
    assert resident is not None
    assert resident.in_window(100.0 + DAY - 3600)
    assert not resident.in_window(100.0 + DAY - 60)


def test_onboarding_messages_open_the_window(services: Services) -> None:
    """A WhatsApp resident who just subscribed is inside the window (no template needed)."""
    from bot.dialogs import build_conversations
    from bot.platform.messages import Incoming

    conversations = build_conversations(services)
    me = Address("wa", "AA.777")
    conversations.handle(
        Incoming(
            me, "command", text="/start kel_3672021001", command="start", args="kel_3672021001"
        )
    )
    conversations.handle(Incoming(me, "text", text="1"))  # typed number: "✅ I agree"
    resident = services.residents.get(me)
    assert resident is not None
    assert resident.village == BAGENDUNG
    assert resident.in_window(services.clock.now())
