"""One emulator and one real bot process (long polling) for the whole e2e module, in the
world of tests/support/worlds.py. Each test creates its own residents."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.platform.config import Config
from tests.support.processes import start_demo
from tests.support.worlds import E2E, running_world


@pytest.fixture(scope="module")
def e2e(tmp_path_factory: pytest.TempPathFactory, redis_url: str, config: Config) -> Iterator[E2E]:
    """Emulator + world + config + `kimbot run`, for one test module."""
    with running_world(tmp_path_factory.mktemp("e2e"), redis_url, config) as world:
        yield world


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, Any]]]:
    """`kimbot demo` on free ports with its own data directory, for one test module;
    yields (URL, seeded world)."""
    tmp: Path = tmp_path_factory.mktemp("demo")
    process, url = start_demo(tmp)
    world = json.loads((tmp / "data" / "demo-world.json").read_text())
    yield url, world
    process.stop()
