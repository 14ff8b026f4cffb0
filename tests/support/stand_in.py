"""aiogram Bots on an in-process emulator, and the emulator with a Bot and a user-API client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from emulator import Emulator, SimClient

TOKEN = "123456:TESTtoken"
SPEC = f"{TOKEN}:kim_test_bot"  # the token with a username, as Emulator(tokens=...) takes it


@asynccontextmanager
async def bot_at(base_url: str, token: str = TOKEN) -> AsyncIterator[Bot]:
    """An aiogram Bot talking to the emulator at base_url; its session is closed on exit."""
    bot = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(base_url)))
    try:
        yield bot
    finally:
        await bot.session.close()


@asynccontextmanager
async def running_emulator(**kwargs: Any) -> AsyncIterator[tuple[Emulator, SimClient, Bot]]:
    """Run Emulator(**kwargs) with an aiogram Bot for TOKEN and a user-API client on it."""
    async with (
        Emulator(**kwargs) as emu,
        bot_at(emu.base_url) as bot,
        SimClient(emu.base_url) as sim,
    ):
        yield emu, sim, bot
