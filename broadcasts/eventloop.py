"""The event loop jobs run their coroutines on, and what stays open on it between jobs.

RQ calls a job as a plain function; our jobs' work is coroutines, run with `run(coro)`.
A worker (`broadcasts/worker.py`, which runs its jobs in its own process, one after
another) calls `keep()` once: from then on every job's coroutine runs on one loop, in a
thread of its own, for the worker's whole life, and a channel keeps its HTTP session
open on it from one job to the next (`lasting`), instead of opening a connection (and
building an SSL context) for every batch. Anywhere else (tests and scripts calling a job
directly) `run` is `asyncio.run`: a fresh loop per job, and what a job opened it closes.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar, cast

log = logging.getLogger(__name__)
T = TypeVar("T")


class KeptLoop:
    """One event loop running in a daemon thread, and the objects kept open on it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.pid = os.getpid()
        self._held: dict[str, object] = {}
        self._closers: list[Callable[[], Awaitable[None]]] = []
        self._thread = threading.Thread(
            target=self.loop.run_forever, name="kim-job-loop", daemon=True
        )
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run `coro` on the loop and wait for its result. When the wait is interrupted
        (RQ's job timeout, a cold shutdown), the coroutine is cancelled."""
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result()
        except BaseException:
            future.cancel()
            raise

    def held(self, key: str, opener: Callable[[], T], closer: Callable[[T], Awaitable[None]]) -> T:
        """The object kept under `key`, opened by `opener` the first time (on the loop)."""
        if key not in self._held:
            value = self._held[key] = opener()
            self._closers.append(lambda: closer(value))
        return cast(T, self._held[key])

    def close(self) -> None:
        """Close what was kept (in the loop), then stop the loop and its thread."""

        async def close_all() -> None:
            for closer in reversed(self._closers):
                try:
                    await closer()
                except Exception:  # one failed close must not keep the others open
                    log.exception("closing a kept connection failed")

        try:
            self.run(close_all())
        finally:
            self._held.clear()
            self._closers.clear()
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=5)
            if not self._thread.is_alive():
                self.loop.close()


_keeping: int | None = None  # the pid of the process that keeps a loop
_kept: KeptLoop | None = None


def keep() -> None:
    """Run every job's coroutine of this process on one loop from now on (a worker). The
    loop's thread starts with the first job, after RQ forked its scheduler."""
    global _keeping
    _keeping = os.getpid()


def release() -> None:
    """Close the kept loop and what it held (the worker stops); jobs get fresh loops again."""
    global _kept, _keeping
    kept, _kept, _keeping = _kept, None, None
    if kept is not None and kept.pid == os.getpid():
        kept.close()


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a job's coroutine to the end: on the kept loop in a worker, else on a new one."""
    global _kept
    if _keeping != os.getpid():  # not a worker, or a fork of one: a loop of its own
        return asyncio.run(coro)
    if _kept is None or _kept.pid != os.getpid():
        _kept = KeptLoop()
    return _kept.run(coro)


def lasting(
    key: str, opener: Callable[[], T], closer: Callable[[T], Awaitable[None]]
) -> tuple[T, bool]:
    """Inside a job's coroutine: the object kept under `key` on the worker's loop (opened
    with `opener` the first time; `closer` runs when the worker stops), and True. Off a
    kept loop: a new object from `opener`, and False (the caller closes it)."""
    kept = _kept
    if kept is not None and kept.pid == os.getpid():
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is kept.loop:
            return kept.held(key, opener, closer), True
    return opener(), False
