"""Fixtures for the emulator tests: a running Emulator, an aiogram Bot pointed at it and a
user-API SimClient (a test module changes how the emulator starts by overriding
``emulator_kwargs``); and the WhatsApp stand-in with pywa and a webhook receiver."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiogram import Bot

from emulator import Emulator, SimClient
from tests.support.constants import BOT_SPEC
from tests.support.stand_in import Receiver, Stand, bot_at, running_receiver, running_stand


@pytest.fixture
def emulator_kwargs() -> dict[str, Any]:
    """Keyword arguments for Emulator(): by default the test bot, with its username."""
    return {"tokens": [BOT_SPEC]}


@pytest.fixture
async def emu(emulator_kwargs: dict[str, Any]) -> AsyncIterator[Emulator]:
    """The emulator, started with ``emulator_kwargs``."""
    async with Emulator(**emulator_kwargs) as emulator:
        yield emulator


@pytest.fixture
async def bot(emu: Emulator) -> AsyncIterator[Bot]:
    """An aiogram Bot for the test bot's token on that emulator."""
    async with bot_at(emu.base_url) as client:
        yield client


@pytest.fixture
async def sim(emu: Emulator) -> AsyncIterator[SimClient]:
    """A user-API client on that emulator."""
    async with SimClient(emu.base_url) as client:
        yield client


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    """A WhatsApp webhook receiver on a free port."""
    async with running_receiver() as r:
        yield r


@pytest.fixture
async def stand(receiver: Receiver) -> AsyncIterator[Stand]:
    """The emulator with WhatsApp enabled, pywa, the user API and the receiver."""
    async with running_stand(receiver) as s:
        yield s


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain HTTP client, for raw Bot API requests aiogram would never send."""
    async with aiohttp.ClientSession() as session:
        yield session
