"""Fixtures for the emulator tests: a running Emulator, an aiogram Bot pointed at it and a
user-API SimClient. A test module changes how the emulator starts by overriding
``emulator_kwargs``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram import Bot

from emulator import Emulator, SimClient
from tests.support.stand_in import SPEC, bot_at


@pytest.fixture
def emulator_kwargs() -> dict[str, Any]:
    """Keyword arguments for Emulator(): by default the test bot, named kim_test_bot."""
    return {"tokens": [SPEC]}


@pytest.fixture
async def emu(emulator_kwargs: dict[str, Any]) -> AsyncIterator[Emulator]:
    async with Emulator(**emulator_kwargs) as emulator:
        yield emulator


@pytest.fixture
async def bot(emu: Emulator) -> AsyncIterator[Bot]:
    async with bot_at(emu.base_url) as client:
        yield client


@pytest.fixture
async def sim(emu: Emulator) -> AsyncIterator[SimClient]:
    async with SimClient(emu.base_url) as client:
        yield client
