"""Small process helpers shared by `kimbot run`, `kimbot demo` and the end-to-end tests."""

from __future__ import annotations

import ctypes
import ctypes.util
import http.client
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

PARENT_ENV = "KIMBOT_PARENT_PID"  # set for a child that must not outlive the process
PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> bool:
    """Have the kernel send this process SIGTERM when `parent_pid` (its parent) dies,
    even by SIGKILL; if the parent is already gone, stop now. Linux only: elsewhere
    returns False and nothing changes."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        return False
    if os.getppid() != parent_pid:  # the parent died before the line above
        os.kill(os.getpid(), signal.SIGTERM)
    return True


def die_with_parent_from_env() -> None:
    """`die_with_parent` for a child whose parent asked for it in the environment."""
    parent = os.environ.get(PARENT_ENV, "")
    if parent.isdigit():
        die_with_parent(int(parent))


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
