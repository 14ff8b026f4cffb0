"""Small process helpers shared by `kimbot run`, `kimbot demo` and the end-to-end tests."""

from __future__ import annotations

import http.client
import signal
import subprocess
import time
import urllib.error
import urllib.request


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
