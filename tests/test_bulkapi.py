"""The bulk path's lean Bot API client against the emulator's real answers: the same
requests as aiogram's, the same classification of every error, and never the token."""

from __future__ import annotations

import asyncio
import json
import logging
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import CopyMessage, SendMessage, SendPhoto

from emulator import Emulator, RateLimits, SimClient
from handlers.telegram.bulkapi import (
    ApiError,
    BadRequest,
    Body,
    BulkApi,
    Forbidden,
    MigrateToChat,
    NetworkError,
    RetryAfter,
    ServerError,
    UnreadableAnswer,
    read_answer,
)
from tests.support.constants import BOT_SPEC, BOT_TOKEN
from tests.support.forms import aiogram_fields
from tests.support.stand_in import bot_at, garbling_proxy, serving

# aiogram's class → ours, as the bulk sender treats them
AIOGRAM_TO_OURS: dict[type[Exception], type[ApiError]] = {
    TelegramRetryAfter: RetryAfter,
    TelegramMigrateToChat: MigrateToChat,
    TelegramBadRequest: BadRequest,
    TelegramForbiddenError: Forbidden,
    TelegramServerError: ServerError,
    TelegramNetworkError: NetworkError,
}


class Pair:
    """The same emulator reached by aiogram's Bot and by the lean client."""

    def __init__(self, emu: Emulator, sim: SimClient, bot: Bot, api: BulkApi) -> None:
        self.emu, self.sim, self.bot, self.api = emu, sim, bot, api

    async def fault(self, **body: Any) -> None:
        """Inject a fault for the next matching call."""
        await self.sim.call("POST", "/sim/faults", body)

    async def user(self, *, started: bool = True) -> int:
        """A user who has (or has not) opened the bot."""
        user = await self.sim.create_user("Warga", language_code="id")
        if started:
            await self.sim.start(user["id"])
        return int(user["id"])


@pytest.fixture
async def pair() -> AsyncIterator[Pair]:
    """An emulator with the test bot, aiogram's Bot and the lean client on it."""
    limits = RateLimits(global_per_second=1000, private_per_second=100, private_burst=100)
    async with (
        Emulator(tokens=[BOT_SPEC], limits=limits) as emu,
        SimClient(emu.base_url) as sim,
        bot_at(emu.base_url) as bot,
    ):
        api = BulkApi(BOT_TOKEN, emu.base_url, timeout=1.0)
        try:
            yield Pair(emu, sim, bot, api)
        finally:
            await api.close()


TEXT = Body.of("sendMessage", text="Posyandu Sabtu", link_preview_options={"is_disabled": True})


async def both(
    pair: Pair,
    chat_id: int,
    before: Callable[[], Awaitable[None]] | None = None,
) -> tuple[BaseException | None, BaseException | None]:
    """What aiogram raised and what the lean client raised for one sendMessage to
    `chat_id` (with `before` run ahead of each, to inject the same fault twice)."""
    found: list[BaseException | None] = []
    for send in (
        lambda: pair.bot.send_message(chat_id, "Posyandu Sabtu", parse_mode=None),
        lambda: pair.api.post(TEXT, chat_id),
    ):
        if before is not None:
            await before()
        try:
            await send()
        except Exception as exc:
            found.append(exc)
        else:
            found.append(None)
    return found[0], found[1]


def same_class(aiogram: BaseException | None, ours: BaseException | None) -> None:
    """Both raised, ours the counterpart of aiogram's, with Telegram's own description."""
    assert aiogram is not None
    assert isinstance(ours, ApiError)
    expected = next((o for a, o in AIOGRAM_TO_OURS.items() if isinstance(aiogram, a)), ApiError)
    assert type(ours) is expected, (aiogram, ours)
    if isinstance(aiogram, TelegramAPIError) and not isinstance(ours, NetworkError):
        # aiogram words a 429 and a migration itself, ending with Telegram's text
        assert aiogram.message.endswith(ours.description), (aiogram.message, ours.description)


async def test_blocked_deactivated_and_never_started_are_forbidden(pair: Pair) -> None:
    """403s: blocked, deactivated, never opened the bot; classified as aiogram does."""
    blocked = await pair.user()
    await pair.sim.action(blocked, "block")
    gone = await pair.user()
    await pair.sim.call("POST", f"/sim/users/{gone}/deactivate", {"deactivated": True})
    never = await pair.user(started=False)
    for chat in (blocked, gone, never):
        aiogram, ours = await both(pair, chat)
        same_class(aiogram, ours)
        assert isinstance(ours, Forbidden)
        assert ours.error_code == 403


async def test_unknown_chat_is_a_bad_request_saying_chat_not_found(pair: Pair) -> None:
    """400 'chat not found' for an id Telegram does not know."""
    aiogram, ours = await both(pair, 42424242)
    same_class(aiogram, ours)
    assert isinstance(ours, BadRequest)
    assert "chat not found" in ours.description


async def test_429_carries_retry_after(pair: Pair) -> None:
    """A 429's retry_after is read from parameters, as aiogram reads it."""
    chat = await pair.user()
    aiogram, ours = await both(pair, chat, lambda: pair.fault(kind="429", retry_after=7))
    same_class(aiogram, ours)
    assert isinstance(aiogram, TelegramRetryAfter)
    assert isinstance(ours, RetryAfter)
    assert ours.retry_after == aiogram.retry_after == 7


@pytest.mark.parametrize("kind", ["500", "502"])
async def test_server_errors(pair: Pair, kind: str) -> None:
    """500 and 502 are server errors for both."""
    chat = await pair.user()
    aiogram, ours = await both(pair, chat, lambda: pair.fault(kind=kind))
    same_class(aiogram, ours)
    assert isinstance(ours, ServerError)
    assert ours.error_code == int(kind)


async def test_migrated_group_names_its_supergroup(pair: Pair) -> None:
    """A group that became a supergroup: 400 with migrate_to_chat_id."""
    owner = await pair.user()
    group = await pair.sim.create_chat("group", "KIM Bagendung", owner, bots=[{"admin": True}])
    migrated = await pair.sim.call("POST", f"/sim/chats/{group['id']}/migrate", {})
    aiogram, ours = await both(pair, int(group["id"]))
    same_class(aiogram, ours)
    assert isinstance(ours, MigrateToChat)
    assert ours.migrate_to_chat_id == migrated["id"]


async def test_a_timeout_is_a_network_error(pair: Pair) -> None:
    """An answer slower than the timeout: a network error, as aiogram's."""
    chat = await pair.user()
    slow = BulkApi(BOT_TOKEN, pair.emu.base_url, timeout=0.3)
    try:
        await pair.fault(kind="delay", delay=1.0)
        with pytest.raises(NetworkError, match="timeout"):
            await slow.post(TEXT, chat)
    finally:
        await slow.close()


async def test_unknown_method_and_bad_token_are_api_errors(pair: Pair) -> None:
    """Answers aiogram gives classes the bulk path has no use for (404, 401)."""
    with pytest.raises(ApiError) as missing:
        await pair.api.call("sendNothing", b"{}", {"Content-Type": "application/json"})
    assert missing.value.error_code == 404
    assert type(missing.value) is ApiError
    wrong = BulkApi("999:wrong-token", pair.emu.base_url)
    try:
        with pytest.raises(ApiError) as refused:
            await wrong.post(TEXT, 1)
        assert refused.value.error_code == 401
    finally:
        await wrong.close()


async def test_success_returns_the_result(pair: Pair) -> None:
    """ok true: the result, the message as Telegram sent it."""
    chat = await pair.user()
    message = await pair.api.post(TEXT, chat)
    assert message["chat"]["id"] == chat
    assert message["text"] == "Posyandu Sabtu"


def test_answers_that_are_not_telegrams_json_are_unreadable() -> None:
    """A proxy's HTML page, a cut body, JSON without `ok`: what aiogram calls a decode
    error; `ok` false with 200 is still an error, as in aiogram."""
    for status, raw in (
        (502, b"<html><body>502 Bad Gateway</body></html>"),
        (200, b'{"ok":true,"result":{"message_id":'),
        (200, b'{"result":{}}'),
        (200, b"[1, 2]"),
    ):
        with pytest.raises(UnreadableAnswer):
            read_answer("sendMessage", status, raw)
    with pytest.raises(ApiError):
        read_answer("sendMessage", 200, b'{"ok":false,"description":"odd"}')
    assert read_answer("sendMessage", 200, b'{"ok":true,"result":5}') == 5


def ours(body: Body, chat_id: int) -> dict[str, Any]:
    """The lean body's fields."""
    return dict(json.loads(body.for_chat(chat_id)))


def test_bodies_carry_what_aiogram_sends() -> None:
    """sendMessage, copyMessage and sendPhoto (paid and not): the same fields and values
    as aiogram's requests with the bot's defaults."""
    from handlers.telegram.bulk import COPY_PARSE_MODE, LINK_PREVIEW_OFF

    for paid in (None, True):
        assert ours(
            Body.of(
                "sendMessage",
                text="Halo <b>",
                link_preview_options=LINK_PREVIEW_OFF,
                allow_paid_broadcast=paid,
            ),
            5,
        ) == aiogram_fields(
            SendMessage(chat_id=5, text="Halo <b>", parse_mode=None, allow_paid_broadcast=paid)
        )
        assert ours(
            Body.of(
                "copyMessage",
                from_chat_id=7,
                message_id=9,
                parse_mode=COPY_PARSE_MODE,
                allow_paid_broadcast=paid,
            ),
            5,
        ) == aiogram_fields(
            CopyMessage(chat_id=5, from_chat_id=7, message_id=9, allow_paid_broadcast=paid)
        )
        assert ours(
            Body.of("sendPhoto", photo="FILE", caption="Poster", allow_paid_broadcast=paid), 5
        ) == aiogram_fields(
            SendPhoto(
                chat_id=5,
                photo="FILE",
                caption="Poster",
                parse_mode=None,
                allow_paid_broadcast=paid,
            )
        )


async def test_cut_and_html_answers_from_a_proxy_are_unreadable(pair: Pair) -> None:
    """The emulator's own answer cut in half, and a proxy's HTML 502."""
    chat = await pair.user()
    garble = ["cut", "html"]
    async with serving(await garbling_proxy(pair.emu.base_url, garble)) as url:
        api = BulkApi(BOT_TOKEN, url)
        try:
            with pytest.raises(UnreadableAnswer):
                await api.post(TEXT, chat)
            with pytest.raises(UnreadableAnswer) as html:
                await api.post(TEXT, chat)
            assert html.value.error_code == 502
            assert (await api.post(TEXT, chat))["chat"]["id"] == chat
        finally:
            await api.close()


def everything_said(exc: BaseException) -> str:
    """An exception's text, repr, and its printed traceback with every chained one."""
    return "\n".join([str(exc), repr(exc), *traceback.format_exception(exc)])


async def test_the_token_is_in_no_error_and_no_log(
    pair: Pair, caplog: pytest.LogCaptureFixture
) -> None:
    """API errors, a refused connection and a timeout say nothing of the token."""
    caplog.set_level(logging.DEBUG)
    chat = await pair.user()
    raised: list[BaseException] = []
    refused = BulkApi(BOT_TOKEN, "http://127.0.0.1:9")  # nothing listens on the discard port
    slow = BulkApi(BOT_TOKEN, pair.emu.base_url, timeout=0.2)
    try:
        for call in (
            lambda: pair.api.post(TEXT, 42424242),
            lambda: refused.post(TEXT, chat),
            lambda: slow.post(TEXT, chat),
        ):
            await pair.fault(kind="delay", delay=0.5)
            try:
                await call()
            except ApiError as exc:
                raised.append(exc)
    finally:
        await refused.close()
        await slow.close()
    assert [type(e) for e in raised] == [BadRequest, NetworkError, NetworkError]
    secret = BOT_TOKEN.split(":", 1)[1]
    for exc in raised:
        assert secret not in everything_said(exc)
    assert secret not in caplog.text
    assert secret not in repr(pair.api)
    await asyncio.sleep(0.6)  # the delayed request finishes before the emulator stops
