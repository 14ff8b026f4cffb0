"""The supervisor keeps a real child running: restarts after a real SIGKILL, backoff,
one ERROR line per death, nothing restarted once it stops."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys

import pytest

from handlers.processes import stop_process
from handlers.supervisor import Backoff, Supervisor, describe_exit
from tests.support.processes import alive, wait_until


def sleeper() -> subprocess.Popen[bytes]:
    """A child that runs until stopped."""
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])


def halt(child: subprocess.Popen[bytes]) -> None:
    """Stop a sleeper."""
    stop_process(child, signal.SIGTERM, 10)


def test_backoff_doubles_to_its_ceiling_and_resets_after_a_stable_run() -> None:
    """1, 2, 4 … 30 s while the child keeps dying young; 1 s again after a minute up."""
    backoff = Backoff()
    delays: list[float] = []
    delay: float | None = None
    for _ in range(7):
        delay = backoff.next(delay, uptime=2.0)
        delays.append(delay)
    assert delays == [1, 2, 4, 8, 16, 30, 30]
    assert backoff.next(30, uptime=61.0) == 1


def test_exits_are_described_by_code_or_signal() -> None:
    """What the ERROR line says about a death."""
    assert describe_exit(-signal.SIGKILL) == "killed by SIGKILL"
    assert describe_exit(1) == "exit code 1"


def test_a_killed_child_is_restarted_and_a_stopped_supervisor_restarts_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """SIGKILL the child twice: a new one each time, an ERROR line per death with the
    signal and the delay (1 s, then 2 s); after stop() the child is gone for good."""
    caplog.set_level(logging.INFO, logger="handlers.supervisor")
    seen: list[int] = []
    with Supervisor("sleeper", sleeper, halt) as supervisor:
        for _ in range(2):
            wait_until(lambda: supervisor.pid not in (None, *seen), 30, "a child starting")
            pid = supervisor.pid
            assert pid is not None
            seen.append(pid)
            os.kill(pid, signal.SIGKILL)
        wait_until(lambda: supervisor.pid not in (None, *seen), 30, "a third child starting")
        last = supervisor.pid
        assert last is not None
    assert not alive(last)
    assert supervisor.pid is None
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors == [
        f"sleeper (pid {seen[0]}) died (killed by SIGKILL); restarting it in 1 s",
        f"sleeper (pid {seen[1]}) died (killed by SIGKILL); restarting it in 2 s",
    ]
