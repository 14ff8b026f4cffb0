"""Residents' replies on the lean path: the same requests as aiogram's, the same messages
in the emulator, the same handling of stale buttons, failed edits and 429s."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram import Bot
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage

from bot.platform.messages import Choice, Link, Reply
from broadcasts.tally import TALLY
from emulator import Emulator, RateLimits, SimClient
from handlers.telegram.app import build_bot
from handlers.telegram.render import Press, button_data, keyboard, markup_json
from handlers.telegram.replies import AiogramReplies, LeanReplies, ReplyingBot, body, replies_for
from tests.support.constants import BOT_SPEC, BOT_TOKEN
from tests.support.forms import aiogram_fields

REPLY = Reply(
    text="Pilih kelurahan <b>di</b> Cilegon & sekitarnya:",
    title="Langganan",
    links=(Link(label="📄 Privasi", url="https://example.org/privasi"),),
    choices=(
        (Choice(label="Bagendung", data="kel.36.72.01.1001"), Choice("Ciwedus", "kel.x")),
        (),
        (Choice(label="‹ Kembali", data="back"),),
    ),
)


@pytest.mark.parametrize("data", ["kel.36.72.01.1001", "back", "", "é" * 30, "x" * 61])
def test_button_data_is_what_press_packs(data: str) -> None:
    """The same callback data as aiogram's CallbackData, for data that fits."""
    assert button_data(data) == Press(d=data).pack()


@pytest.mark.parametrize("data", ["a:b", "x" * 62, "é" * 31 + "x"])
def test_button_data_refuses_what_press_refuses(data: str) -> None:
    """A separator in the data, or more than 64 bytes: refused by both."""
    why = "Separator symbol|too long"
    with pytest.raises(ValueError, match=why):
        Press(d=data).pack()
    with pytest.raises(ValueError, match=why):
        button_data(data)


def test_bodies_carry_what_aiogram_sends() -> None:
    """sendMessage, editMessageText and answerCallbackQuery: the same fields and values
    as aiogram's requests for the same reply."""
    for r, thread in ((REPLY, None), (Reply(text="Halo"), 7)):
        ours = json.loads(
            body(
                chat_id=5,
                text="Halo",
                message_thread_id=thread,
                reply_markup=markup_json(r),
                parse_mode="HTML",
                link_preview_options={"is_disabled": True},
            )
        )
        assert ours == aiogram_fields(
            SendMessage(chat_id=5, text="Halo", message_thread_id=thread, reply_markup=keyboard(r))
        )
        ours_edit = json.loads(
            body(
                chat_id=5,
                message_id=9,
                text="Halo",
                reply_markup=markup_json(r),
                parse_mode="HTML",
                link_preview_options={"is_disabled": True},
            )
        )
        assert ours_edit == aiogram_fields(
            EditMessageText(chat_id=5, message_id=9, text="Halo", reply_markup=keyboard(r))
        )
    for text in ("Tersimpan", None):
        assert json.loads(
            body(callback_query_id="q1", text=text, show_alert=False)
        ) == aiogram_fields(
            AnswerCallbackQuery(callback_query_id="q1", text=text, show_alert=False)
        )


class Stand:
    """The emulator with a resident, and a bot from build_bot on it."""

    def __init__(self, sim: SimClient, bot: ReplyingBot, user: int) -> None:
        self.sim, self.bot, self.user = sim, bot, user

    async def texts(self) -> list[dict[str, Any]]:
        """The bot's messages in the resident's chat, oldest first."""
        return [m for m in await self.sim.messages(self.user) if m["from"]["is_bot"]]


@pytest.fixture
async def stand() -> AsyncIterator[Stand]:
    limits = RateLimits(global_per_second=1000, private_per_second=100, private_burst=100)
    async with Emulator(tokens=[BOT_SPEC], limits=limits) as emu, SimClient(emu.base_url) as sim:
        bot = build_bot(BOT_TOKEN, emu.base_url)
        assert isinstance(bot, ReplyingBot)
        user = await sim.create_user("Warga", language_code="id")
        await sim.start(user["id"])
        try:
            yield Stand(sim, bot, int(user["id"]))
        finally:
            await bot.session.close()


def shown(message: dict[str, Any]) -> tuple[Any, ...]:
    """What the resident sees of a message: its text, formatting and buttons."""
    keys = ("text", "entities", "buttons", "link_preview", "parse_mode")
    return tuple(message[key] for key in keys)


async def test_lean_messages_are_aiogrammed_ones(stand: Stand) -> None:
    """The same reply sent both ways shows the same: text, bold title, escaped HTML,
    link and callback buttons; an empty row is left out."""
    lean = replies_for(stand.bot)
    assert isinstance(lean, LeanReplies)
    first = await AiogramReplies(stand.bot).send(stand.user, REPLY)
    second = await lean.send(stand.user, REPLY)
    assert first is not None
    assert second == first + 1
    a, b = await stand.texts()
    assert shown(a) == shown(b)
    assert b["text"].startswith("Langganan\n\nPilih kelurahan <b>di</b> Cilegon & sekitarnya:")
    assert b["entities"][0] == {"type": "bold", "offset": 0, "length": len("Langganan")}
    assert b["link_preview"] == {"is_disabled": True}
    rows = b["buttons"]
    assert [[button["text"] for button in row] for row in rows] == [
        ["📄 Privasi"],
        ["Bagendung", "Ciwedus"],
        ["‹ Kembali"],
    ]
    assert rows[1][0]["callback_data"] == "v1:kel.36.72.01.1001"


async def test_a_long_reply_is_split_with_the_buttons_last(stand: Stand) -> None:
    """Over 4096 characters: parts at line breaks, the keyboard on the last only."""
    line = "Jadwal posyandu RW 05 hari Sabtu pukul 08.00.\n"
    reply = Reply(text=line * 200, choices=((Choice("OK", "ok"),),))
    await replies_for(stand.bot).send(stand.user, reply)
    parts = await stand.texts()
    assert len(parts) == 3
    assert "".join(p["text"] + "\n" for p in parts).count("Jadwal posyandu") == 200
    assert [bool(p["buttons"]) for p in parts] == [False, False, True]


async def test_edit_replaces_the_message_and_a_failed_edit_sends_anew(stand: Stand) -> None:
    """An edit changes the pressed message; the same text again is "not modified" and
    sends nothing; a message that cannot be edited (gone) is sent anew."""
    lean = replies_for(stand.bot)
    sent = await lean.send(
        stand.user, Reply(text="Pilih kecamatan", choices=((Choice("A", "a"),),))
    )
    assert sent is not None
    edited = Reply(text="Pilih kelurahan", choices=((Choice("B", "b"),),), edit=True)
    await lean.edit_or_send(stand.user, sent, edited)
    await lean.edit_or_send(stand.user, sent, edited)
    messages = await stand.texts()
    assert [m["text"] for m in messages] == ["Pilih kelurahan"]
    await lean.edit_or_send(stand.user, sent + 500, Reply(text="Anda sudah berlangganan"))
    assert [m["text"] for m in await stand.texts()] == [
        "Pilih kelurahan",
        "Anda sudah berlangganan",
    ]


async def test_a_stale_button_answer_is_let_go(stand: Stand) -> None:
    """answerCallbackQuery for a press Telegram no longer knows: logged, not raised; a
    real press is answered with its toast."""
    lean = replies_for(stand.bot)
    await lean.answer_query("no-such-query", "Tersimpan")
    sent = await lean.send(stand.user, Reply(text="Pilih", choices=((Choice("A", "a"),),)))
    assert sent is not None
    await stand.sim.press(stand.user, sent, data=button_data("a"))
    updates = await stand.bot.get_updates(timeout=0)
    query = next(u.callback_query for u in updates if u.callback_query)
    await lean.answer_query(query.id, "Tersimpan")


async def test_a_429_is_waited_out_and_the_reply_sent(stand: Stand) -> None:
    """Telegram's 429 on a reply: waited out exactly, then sent; nothing lost, none twice."""
    before = TALLY._counts.get("rate_limited:tg", 0.0)
    await stand.sim.call("POST", "/sim/faults", {"kind": "429", "retry_after": 1})
    await replies_for(stand.bot).send(stand.user, Reply(text="Halo"))
    assert TALLY._counts.get("rate_limited:tg", 0.0) == before + 1
    assert [m["text"] for m in await stand.texts()] == ["Halo"]


async def test_a_bot_not_built_here_replies_through_aiogram() -> None:
    """A Bot of aiogram's own (a test's recording session) gets aiogram's path."""
    bot = Bot(BOT_TOKEN)
    assert isinstance(replies_for(bot), AiogramReplies)
    await bot.session.close()
