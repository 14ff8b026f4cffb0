"""Unexpected input at every step gets a short answer and changes no state."""

from __future__ import annotations

import pytest

from bot.dialogs import Conversations
from bot.platform.store import Redis
from bot.services import Services
from tests.support.constants import BAGENDUNG
from tests.support.dialog import Resident, verify_dialog
from tests.support.dialogues import SUBSCRIBE

ONBOARDING_STEPS = ["language", "consent", "kecamatan", "village"]


def snapshot(redis: Redis, resident: Resident) -> tuple[object, object, object]:
    """Everything a step could change: conversation, record, memberships."""
    key = f"kim:res:{resident.address}"
    return (
        redis.get(f"kim:dlg:{resident.address}"),
        redis.hgetall(key),
        redis.smembers(key + ":kom"),
    )


def walk_to(resident: Resident, step: str) -> None:
    """Bring a new resident to an onboarding step (the first steps of subscribing)."""
    verify_dialog(resident, SUBSCRIBE["id"][: ONBOARDING_STEPS.index(step) + 1])


@pytest.mark.parametrize("step", ONBOARDING_STEPS)
@pytest.mark.parametrize(
    "action", ["<sticker>", "<voice>", "<photo>", "<location>", "<contact>", "/nonsense", "/x@y z"]
)
def test_unexpected_content_during_onboarding(
    conversations: Conversations, redis: Redis, step: str, action: str
) -> None:
    """Stickers, voice, photos, locations, unknown commands: answered, nothing changes."""
    me = Resident(conversations)
    walk_to(me, step)
    before = snapshot(redis, me)
    replies = me.send(action)
    assert replies
    assert all(r.text or r.notice for r in replies)
    assert snapshot(redis, me) == before


@pytest.mark.parametrize("step", ONBOARDING_STEPS)
def test_five_thousand_characters(conversations: Conversations, redis: Redis, step: str) -> None:
    """A 5,000-character message is refused politely at every step."""
    me = Resident(conversations)
    walk_to(me, step)
    before = snapshot(redis, me)
    me.send("a" * 5000)
    assert "5.000" in me.said()  # the length, in Indonesian number format
    assert snapshot(redis, me) == before


@pytest.mark.parametrize(
    "data",
    [
        "",
        ".",
        "zzzzzz.vil.36.72.02.1001",  # wrong nonce
        "NONCE.vil.99.99.99.9999",  # right nonce, unknown village
        "NONCE.kec.36.72.02",  # right nonce, a kecamatan where a village is expected
        "NONCE.page.-1",
        "NONCE.page.abc",
        "NONCE.lang.xx",
        "NONCE." + "x" * 300,
        "m.doesnotexist",
        "m.",
        "🙂",
    ],
)
def test_forged_buttons_at_the_village_step(
    conversations: Conversations, redis: Redis, data: str
) -> None:
    """Forged and malformed button data is refused; the step stays as it was."""
    me = Resident(conversations)
    walk_to(me, "village")
    nonce = redis.get(f"kim:dlg:{me.address}")
    assert nonce is not None
    current = me.buttons[0][1].split(".", 1)[0]
    before = snapshot(redis, me)
    me.press_data(data.replace("NONCE", current))
    assert me.said()
    assert snapshot(redis, me) == before


def test_button_from_an_earlier_step_is_stale(conversations: Conversations, redis: Redis) -> None:
    """Pressing a language button after consent was asked does nothing."""
    me = Resident(conversations)
    me.send("/start")
    old = dict(me.buttons)["English"]
    me.press("Bahasa Indonesia")
    before = snapshot(redis, me)
    me.press_data(old)
    assert me.last[0].notice
    assert snapshot(redis, me) == before


def test_typed_numbers_out_of_range_are_plain_text(
    conversations: Conversations, redis: Redis
) -> None:
    """'99' is not a choice; '0' neither; they are treated as a (not found) name."""
    me = Resident(conversations)
    walk_to(me, "kecamatan")
    before = snapshot(redis, me)
    for typed in ("99", "0", "-1", "1.5"):
        me.send(typed)
        assert me.said()
    assert snapshot(redis, me) == before


def test_typed_number_picks_the_choice(conversations: Conversations, services: Services) -> None:
    """Typing '2' at the kecamatan step is the second button (Cilegon), then '1' Bagendung."""
    me = Resident(conversations)
    walk_to(me, "kecamatan")
    me.send("2")
    me.send("1")
    assert services.residents.is_subscriber(me.address, BAGENDUNG)


def test_expired_conversation_buttons_are_stale(
    conversations: Conversations, redis: Redis, services: Services
) -> None:
    """After the conversation expires, its buttons do nothing."""
    me = Resident(conversations)
    walk_to(me, "village")
    redis.delete(f"kim:dlg:{me.address}")  # what the TTL does
    me.press("Bagendung")
    assert me.last[0].notice
    assert services.residents.get(me.address) is not None
    assert services.residents.get(me.address).village is None  # type: ignore[union-attr]


def test_flood_warns_once_then_drops(conversations: Conversations, services: Services) -> None:
    """Beyond the per-minute limit: one warning, then silence; a new minute resets it."""
    me = Resident(conversations)
    limit = services.config.limits.flood_messages_per_minute
    answered = [bool(me.send("halo")) for _ in range(limit + 5)]
    assert answered == [True] * (limit + 1) + [False] * 4
    other = Resident(conversations, chat_id=2)
    assert other.send("halo")
    services.redis.delete(f"kim:flood:{me.address}")  # the minute passes
    assert me.send("halo")


def test_flood_window_expires_even_for_a_counter_left_without_one(
    conversations: Conversations, services: Services
) -> None:
    """A message opens a one-minute window; a counter an older version left without an
    expiry (a crash between its two commands) is given one instead of counting for ever."""
    me = Resident(conversations)
    key = f"kim:flood:{me.address}"
    me.send("halo")
    assert 0 < services.redis.ttl(key) <= 60
    services.redis.set(key, 3)  # no expiry
    me.send("halo")
    assert services.redis.get(key) == "4"
    assert 0 < services.redis.ttl(key) <= 60


def test_unknown_deep_links_fall_back_to_normal_onboarding(conversations: Conversations) -> None:
    """Unknown kelurahan codes and komunitas slugs are explained, then onboarding starts."""
    for payload in (
        "kel_9999999999",
        "kel_3672",
        "kel_36720",
        "kom_nope",
        "xyz",
        "kel_" + "9" * 60,
    ):
        me = Resident(conversations, chat_id=hash(payload) % 10_000 + 10)
        me.send(f"/start {payload}")
        assert len(me.last) == 2
        assert me.buttons[0][0] == "Bahasa Indonesia"
