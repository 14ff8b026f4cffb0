"""Keeps a child process running: `kimbot run`'s RQ worker.

A `Supervisor` starts the child from a thread of its own (never the bot's event loop) and
starts it again whenever it exits unexpectedly, after a delay that doubles from 1 s to
30 s and is back to 1 s once a child stayed up a minute. Each death is an ERROR line with
the exit code or signal and the delay. Nothing restarts once `stop()` was called: it stops
the child and waits for the thread.

The thread that starts the child stays alive as long as the child does: the child's
parent-death signal fires when that thread ends.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType

log = logging.getLogger(__name__)
POLL_SECONDS = 0.25  # how soon a death is noticed


@dataclass(frozen=True)
class Backoff:
    """Delays between restarts: `first` doubling up to `longest`, reset after `stable` s up."""

    first: float = 1.0
    longest: float = 30.0
    stable: float = 60.0

    def next(self, previous: float | None, uptime: float) -> float:
        """The delay after a child that ran `uptime` s; `previous` delay, if any."""
        if previous is None or uptime >= self.stable:
            return self.first
        return min(previous * 2, self.longest)


def describe_exit(returncode: int) -> str:
    """`exit code 1` or `killed by SIGKILL`."""
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit code {returncode}"


class Supervisor:
    """Runs `start()`'s child until `stop()`, restarting it with backoff; `halt(child)`
    stops one (it must not return before the child is gone)."""

    def __init__(
        self,
        name: str,
        start: Callable[[], subprocess.Popen[bytes]],
        halt: Callable[[subprocess.Popen[bytes]], None],
        backoff: Backoff | None = None,
    ) -> None:
        self.name = name
        self._start = start
        self._halt = halt
        self._backoff = backoff or Backoff()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"supervise {name}", daemon=True)
        self.pid: int | None = None  # the current child's, while one runs

    def start(self) -> None:
        """Start the child and watch it."""
        self._thread.start()

    def stop(self) -> None:
        """Stop the child; no restart after this."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join()

    def __enter__(self) -> Supervisor:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _run(self) -> None:
        delay: float | None = None
        while not self._stopping.is_set():
            started = time.monotonic()
            try:
                child = self._start()
            except OSError as exc:
                delay = self._backoff.next(delay, 0.0)
                log.error("%s could not start (%s); retrying in %g s", self.name, exc, delay)
            else:
                self.pid = child.pid
                if delay is not None:
                    log.info("%s restarted (pid %d)", self.name, child.pid)
                while child.poll() is None and not self._stopping.wait(POLL_SECONDS):
                    pass
                self.pid = None
                if self._stopping.is_set():
                    self._halt(child)
                    return
                delay = self._backoff.next(delay, time.monotonic() - started)
                log.error(
                    "%s (pid %d) died (%s); restarting it in %g s",
                    self.name,
                    child.pid,
                    describe_exit(child.returncode),
                    delay,
                )
            self._stopping.wait(delay)
