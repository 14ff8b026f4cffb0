"""The Telegram adapter through aiogram's dispatcher, with a recording Bot API session."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import (
    AnswerCallbackQuery,
    ApproveChatJoinRequest,
    DeclineChatJoinRequest,
    EditMessageText,
    SendMessage,
    SetMyCommands,
)
from aiohttp.test_utils import TestClient, TestServer

from bot.platform.addresses import Address
from bot.platform.clock import FixedClock
from bot.platform.config import Chat, Config
from bot.platform.store import Redis
from bot.services import Services
from handlers.telegram.app import set_commands, webhook_app
from handlers.telegram.render import split
from handlers.telegram.webhook import WEBHOOK_PATH
from handlers.wiring import build_services
from tests.support.constants import BAGENDUNG, DRINGO
from tests.support.telegram import TelegramWorld

GROUP = -1001000000001  # Bagendung's approval-only group
KOM_GROUP = -1001000000002  # the cyclists' group


@pytest.fixture
def tg_config(config: Config) -> Config:
    """Cilegon with an approval-only group for Bagendung and one for a komunitas."""
    channels = {
        BAGENDUNG: Chat(chat_id=GROUP, invite_link="https://t.me/+bagendung", join_request=True)
    }
    komunitas = [
        k.model_copy(
            update={
                "chat": Chat(
                    chat_id=KOM_GROUP, invite_link="https://t.me/+onthel", join_request=True
                )
            }
        )
        if k.slug == "sepeda-onthel"
        else k
        for k in config.komunitas
    ]
    return config.model_copy(update={"channels": channels, "komunitas": komunitas})


@pytest.fixture
def tg_services(tg_config: Config, redis: Redis, clock: FixedClock) -> Services:
    """Services on that config."""
    return build_services(tg_config, redis, clock)


@pytest.fixture
async def world(tg_services: Services) -> AsyncIterator[TelegramWorld]:
    """A fresh Telegram world per test."""
    w = TelegramWorld(tg_services)
    yield w
    await w.aclose()


async def test_onboarding_by_buttons_renders_keyboards_and_edits(world: TelegramWorld) -> None:
    """/start → language → consent → kecamatan → kelurahan, as Telegram messages."""
    user = world.updates.user(501)
    await world.subscribe(user)
    first = world.session.of(SendMessage)[0]
    assert first.reply_markup.inline_keyboard[0][0].callback_data.startswith("v1:")
    assert any(
        isinstance(r, EditMessageText) for r in world.session.requests
    )  # kecamatan → kelurahan
    assert world.services.residents.is_subscriber(Address.telegram(501), BAGENDUNG)
    last = world.session.of(SendMessage)[-1]
    urls = [b.url for row in last.reply_markup.inline_keyboard for b in row if b.url]
    assert urls == ["https://t.me/+bagendung"]
    assert len(world.session.of(AnswerCallbackQuery)) == 4


async def test_typed_kelurahan_name(world: TelegramWorld) -> None:
    """Typing a local spelling at the kecamatan step subscribes straight away."""
    user = world.updates.user(502)
    await world.feed(world.updates.message(user, "/start"))
    await world.press(user, "Bahasa Indonesia")
    await world.press(user, "✅")
    await world.feed(world.updates.message(user, "deringo"))
    assert world.services.residents.is_subscriber(Address.telegram(502), DRINGO)


async def test_deep_link_goes_straight_to_consent(world: TelegramWorld) -> None:
    """`/start kel_3672021001` skips language and region choice."""
    user = world.updates.user(503, "en")
    await world.feed(world.updates.message(user, "/start kel_3672021001"))
    await world.press(user, "✅")
    assert world.services.residents.is_subscriber(Address.telegram(503), BAGENDUNG)
    assert world.services.residents.get(Address.telegram(503)).locale == "en"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "data", ["v0:abc.kec.36.72.02", "v1:ffffff.vil.36.72.02.1001", "garbage", "v1:m.nope"]
)
async def test_stale_or_forged_buttons_change_nothing(
    world: TelegramWorld, redis: Redis, data: str
) -> None:
    """Old-version, wrong-nonce, foreign and unknown-menu callbacks get a toast and no change."""
    user = world.updates.user(504)
    await world.feed(world.updates.message(user, "/start"))
    state = redis.get("kim:dlg:tg:504")
    await world.feed(world.updates.press(user, data))
    answer = world.session.of(AnswerCallbackQuery)[-1]
    assert answer.text
    assert redis.get("kim:dlg:tg:504") == state
    assert world.services.residents.get(Address.telegram(504)) is None


async def test_sticker_during_onboarding_changes_nothing(
    world: TelegramWorld, redis: Redis
) -> None:
    """A sticker gets a short pointer to the buttons; the step stays."""
    user = world.updates.user(505)
    await world.feed(world.updates.message(user, "/start"))
    state = redis.get("kim:dlg:tg:505")
    await world.feed(world.updates.sticker(user))
    assert len(world.session.of(SendMessage)) == 2
    assert redis.get("kim:dlg:tg:505") == state


async def test_join_request_from_subscriber_is_approved(world: TelegramWorld) -> None:
    """The kelurahan group admits its own subscribers and tells them."""
    user = world.updates.user(506)
    await world.subscribe(user)
    await world.feed(world.updates.join_request(user, GROUP))
    assert [r.user_id for r in world.session.of(ApproveChatJoinRequest)] == [506]
    assert world.session.of(DeclineChatJoinRequest) == []
    assert "Bagendung" in world.session.of(SendMessage)[-1].text


async def test_join_request_from_stranger_is_declined_with_explanation(
    world: TelegramWorld,
) -> None:
    """Non-subscribers, and subscribers of another kelurahan, are declined and told why."""
    stranger = world.updates.user(507)
    await world.feed(world.updates.join_request(stranger, GROUP))
    elsewhere = world.updates.user(508)
    await world.feed(world.updates.message(elsewhere, "/start kel_3672071003"))
    await world.press(elsewhere, "✅")
    await world.feed(world.updates.join_request(elsewhere, GROUP))
    assert sorted(r.user_id for r in world.session.of(DeclineChatJoinRequest)) == [507, 508]
    told = [r for r in world.session.of(SendMessage) if r.chat_id in (507, 508)]
    assert any("/start" in r.text for r in told if r.chat_id == 507)


async def test_komunitas_group_admits_members_only(world: TelegramWorld) -> None:
    """The cyclists' group admits residents who joined that komunitas."""
    user = world.updates.user(509)
    await world.feed(world.updates.message(user, "/start kom_sepeda-onthel"))
    await world.press(user, "✅")
    await world.feed(world.updates.join_request(user, KOM_GROUP))
    assert [r.user_id for r in world.session.of(ApproveChatJoinRequest)] == [509]


async def test_join_request_to_unknown_chat_is_left_alone(world: TelegramWorld) -> None:
    """Chats that are not KIM chats are not ours to decide."""
    user = world.updates.user(510)
    await world.feed(world.updates.join_request(user, -100999))
    assert world.session.requests == []


async def test_flood_warns_once_and_spares_others(
    world: TelegramWorld, tg_services: Services
) -> None:
    """Dozens of messages a minute: one warning, the rest dropped; others unaffected."""
    flooder = world.updates.user(511)
    limit = tg_services.config.limits.flood_messages_per_minute
    for _ in range(limit + 15):
        await world.feed(world.updates.message(flooder, "halo"))
    assert len(world.session.texts(511)) == limit + 1
    other = world.updates.user(512)
    await world.feed(world.updates.message(other, "/start"))
    assert len(world.session.texts(512)) == 1


async def test_failing_update_is_logged_and_bot_goes_on(
    world: TelegramWorld, caplog: pytest.LogCaptureFixture
) -> None:
    """An exception in one update is logged; the next update is handled normally."""
    user = world.updates.user(513)
    world.session.failures[SendMessage] = [TelegramNetworkError(method=None, message="boom")]  # type: ignore[arg-type]
    with caplog.at_level(logging.ERROR):
        await world.feed(world.updates.message(user, "/start"))
    assert any("failed" in r.message for r in caplog.records)
    await world.feed(world.updates.message(user, "/start"))
    assert world.session.of(SendMessage)[-1].reply_markup is not None


async def test_redelivered_update_is_handled_once(world: TelegramWorld) -> None:
    """The same update_id twice produces one answer."""
    user = world.updates.user(514)
    update = world.updates.message(user, "/start")
    await world.feed(update)
    await world.feed(update)
    assert len(world.session.of(SendMessage)) == 1


async def test_group_messages_get_no_resident_dialog(world: TelegramWorld) -> None:
    """Messages in groups are not resident conversations."""
    user = world.updates.user(515)
    await world.feed(world.updates.group_message(user, GROUP, "/start"))
    assert world.session.requests == []


async def test_command_menus_per_language(world: TelegramWorld) -> None:
    """English gets English command names; Indonesian is also the default menu."""
    await set_commands(world.bot, world.services)
    calls = world.session.of(SetMyCommands)
    by_lang = {c.language_code: [b.command for b in c.commands] for c in calls}
    assert "move" in by_lang["en"]
    assert "pindah" in by_lang["id"]
    assert by_lang[None] == by_lang["id"]
    assert set(by_lang) == {None, "id", "en", "su", "jv"}


def test_long_text_is_split_at_line_breaks() -> None:
    """Nothing over 4096 characters goes to Telegram; lines stay whole when possible."""
    text = "\n".join(["x" * 100] * 100)
    parts = split(text)
    assert all(len(p) <= 4096 for p in parts)
    assert "".join(parts).replace("\n", "") == text.replace("\n", "")
    assert split("y" * 9000)[0] == "y" * 4096


async def test_webhook_checks_the_secret_and_the_body(world: TelegramWorld, redis: Redis) -> None:
    """Wrong or missing secret: 401, nothing processed. Not JSON: 400. Right: processed."""
    app = webhook_app(world.bot, world.dp, world.services, "s3cret-Token_1")
    user = world.updates.user(516)
    body = world.updates.message(user, "/start").model_dump(mode="json", exclude_none=True)
    async with TestClient(TestServer(app)) as client:
        assert (await client.post(WEBHOOK_PATH, json=body)).status == 401
        wrong = {"X-Telegram-Bot-Api-Secret-Token": "nope"}
        assert (await client.post(WEBHOOK_PATH, json=body, headers=wrong)).status == 401
        assert world.session.requests == []
        good = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-Token_1"}
        assert (await client.post(WEBHOOK_PATH, data=b"{not json", headers=good)).status == 400
        assert (await client.post(WEBHOOK_PATH, json=[1, 2], headers=good)).status == 400
        response = await client.post(WEBHOOK_PATH, json=body, headers=good)
        assert response.status == 200  # answered once handled: the reply went out before
        assert len(world.session.of(SendMessage)) == 1
        assert (await client.get("/healthz")).status == 200


def test_a_pressed_button_is_parsed_without_the_keyboard_it_was_on() -> None:
    """The shown message's keyboard is left out of the Update (no handler reads it); the
    rest of the press arrives whole, and Telegram's JSON is not changed."""
    from aiogram import Bot
    from pydantic import ValidationError

    from handlers.telegram.inbound import parse_update

    keyboard = {
        "inline_keyboard": [[{"text": f"Kel {i}", "callback_data": f"p:{i}"}] for i in range(40)]
    }
    shown = {
        "message_id": 7,
        "date": 1_700_000_000,
        "chat": {"id": 42, "type": "private", "first_name": "Warga"},
        "text": "Kelurahan yang mana?",
        "reply_markup": keyboard,
    }
    raw = {
        "update_id": 9,
        "callback_query": {
            "id": "q1",
            "from": {"id": 42, "is_bot": False, "first_name": "Warga", "language_code": "id"},
            "chat_instance": "c",
            "data": "p:3",
            "message": shown,
        },
    }
    bot = Bot("1:test")
    update = parse_update(raw, bot)
    query = update.callback_query
    assert query is not None
    assert query.data == "p:3"
    assert query.from_user.id == 42
    assert query.message is not None
    assert query.message.chat.id == 42
    assert query.message.text == "Kelurahan yang mana?"  # type: ignore[union-attr]
    assert query.message.reply_markup is None  # type: ignore[union-attr]
    assert raw["callback_query"]["message"]["reply_markup"] == keyboard  # type: ignore[index]

    message = {"update_id": 10, "message": {**shown, "text": "/start"}}
    assert parse_update(message, bot).message.reply_markup is not None  # type: ignore[union-attr]
    with pytest.raises(ValidationError):
        parse_update({"update_id": 11, "callback_query": {"id": "q2"}}, bot)
