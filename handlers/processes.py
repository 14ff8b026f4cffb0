"""Small process helpers shared by `kimbot run`, `kimbot demo` and the end-to-end tests."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request

from bot.platform.lifetime import die_with_parent

PARENT_ENV = "KIMBOT_PARENT_PID"  # set for a child that must not outlive the process


def die_with_parent_from_env() -> None:
    """For a child whose parent asked for it in the environment: it is killed when its
    parent dies.

    Killed, not asked: an RQ worker asked to stop waits for Redis to answer, for ever when
    the embedded Redis stopped with the parent. Its forks are stopped then (see
    `forks_die_with_me`); its scheduler lets go of its lock while Redis still answers,
    and a batch cut short is sent again by the watch job."""
    parent = os.environ.get(PARENT_ENV, "")
    if parent.isdigit():
        die_with_parent(int(parent), signal.SIGKILL)


def stop_process(child: subprocess.Popen[bytes], how: signal.Signals, seconds: float) -> None:
    """Ask a child to stop with `how`; kill it if it has not stopped after `seconds`."""
    if child.poll() is None:
        child.send_signal(how)
        try:
            child.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def wait_http(url: str, seconds: float) -> bool:
    """Wait until `url` answers at all (any HTTP status); False if it never did.

    Polling a loopback port nobody listens on yet can connect a socket to itself when the
    port lies in the ephemeral range (TCP simultaneous open): the "answer" is then our own
    request line, an `HTTPException`, and counts as not up yet.
    """
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 (our own loopback servers)
                return True
        except urllib.error.HTTPError as answered:
            answered.close()
            return True
        except (OSError, http.client.HTTPException):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)
