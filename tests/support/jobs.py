"""A worker's job context for tests: the worker's environment pointing at the test Redis
and a config written for the test."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from broadcasts.context import JobContext, job_context


@contextmanager
def job_context_with(
    data: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    redis_url: str,
    token: str | None = None,
) -> Iterator[JobContext]:
    """The job context a worker builds from `data` (config as JSON-able data) on
    `redis_url`, with `token` as the Telegram token when given; fresh before and after."""
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    monkeypatch.setenv("KIMBOT_CONFIG", str(path))
    monkeypatch.setenv("REDIS_URL", redis_url)
    if token:
        monkeypatch.setenv("KIMBOT_TELEGRAM_TOKEN", token)
    job_context.cache_clear()
    try:
        yield job_context()
    finally:
        job_context.cache_clear()


NAPS: list[str] = []  # what `nap_job`'s coroutine got to: "woke" or "cancelled"


def nap_job(seconds: float) -> str:
    """A job whose coroutine sleeps `seconds` on the jobs' event loop (broadcasts/eventloop.py)."""
    import asyncio

    from broadcasts import eventloop

    async def nap() -> str:
        try:
            await asyncio.sleep(seconds)
        except asyncio.CancelledError:
            NAPS.append("cancelled")
            raise
        NAPS.append("woke")
        return "woke"

    return eventloop.run(nap())
