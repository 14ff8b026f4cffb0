"""One emulator and one real bot process (long polling) for the whole e2e module, in the
world of tests/support/worlds.py. Each test creates its own residents."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.platform.config import Config
from tests.support.worlds import E2E, running_world


@pytest.fixture(scope="module")
def e2e(tmp_path_factory: pytest.TempPathFactory, redis_url: str, config: Config) -> Iterator[E2E]:
    """Emulator + world + config + `kimbot run`, for one test module."""
    with running_world(tmp_path_factory.mktemp("e2e"), redis_url, config) as world:
        yield world
