"""A child started by `kimbot run` dies with it, even when `kimbot run` is SIGKILLed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.support.constants import ROOT
from tests.support.processes import alive, wait_until

PARENT = """
import os, subprocess, sys, time
env = {**os.environ, "KIMBOT_PARENT_PID": str(os.getpid())}
child = subprocess.Popen([sys.executable, "-c", sys.argv[1]], env=env)
print(child.pid, flush=True)
time.sleep(60)
"""
CHILD = """
from handlers.processes import die_with_parent_from_env
import time
die_with_parent_from_env()
time.sleep(60)
"""


def test_a_child_asking_for_it_dies_when_its_parent_is_sigkilled() -> None:
    """The parent-death signal: SIGKILL the parent, the child is gone within 5 s."""
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, CHILD], stdout=subprocess.PIPE, cwd=ROOT, text=True
    )
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        time.sleep(1.0)  # the child has set its parent-death signal
        assert alive(child)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        wait_until(lambda: not alive(child), 5, "the child dying with its parent")
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        if parent.stdout is not None:
            parent.stdout.close()


def test_kimbot_run_asks_its_worker_to_die_with_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker child's environment names `kimbot run`'s pid."""
    from handlers import runner

    captured: dict[str, str] = {}

    def record(command: list[str], env: dict[str, str], process_group: int) -> None:
        captured.update(env)

    monkeypatch.setattr(runner.subprocess, "Popen", record)
    runner.start_worker("redis://127.0.0.1:1/0", "config.yaml")
    assert captured["KIMBOT_PARENT_PID"] == str(os.getpid())


FORKER = """
import os, socket, sys, time
from bot.platform.lifetime import forks_die_with_me
mine, theirs = socket.socketpair()
forks_die_with_me()
if os.fork() == 0:
    time.sleep(30)
    os._exit(0)
mine.close()  # as a dying process's connections are closed by the kernel
theirs.settimeout(10)
print("closed" if theirs.recv(1) == b"" else "open", flush=True)
"""


def test_a_fork_holds_none_of_its_parents_connections() -> None:
    """Once a process's own descriptor of a socket is closed, the other end sees it
    closed at once, though a fork of that process still runs: a dead worker's Redis
    connection must close when it dies, or Redis hands it a job nobody will read."""
    done = subprocess.run(
        [sys.executable, "-c", FORKER], capture_output=True, cwd=ROOT, text=True, timeout=60
    )
    assert done.stdout.strip() == "closed"
