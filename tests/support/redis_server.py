"""Debian's `redis-server` as the external Redis of the deployment-shape tests.

.ci/run installs it; without it those tests fail (never skip), saying how to install it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis

from tests.support.processes import Process, free_port

REDIS_SERVER = Path("/usr/bin/redis-server")


@contextmanager
def debian_redis(tmp: Path, seconds: float = 20.0) -> Iterator[str]:
    """`redis-server` on a free loopback port with its data (append-only file) in `tmp`;
    yields its URL and stops it by pid at the end."""
    if not REDIS_SERVER.exists():
        pytest.fail(
            f"{REDIS_SERVER} is missing: the external-Redis deployment shapes need Debian's "
            "redis-server (apt-get install redis-server; .ci/run installs it), or REDIS_URL"
        )
    port = free_port()
    command = [
        str(REDIS_SERVER),
        "--bind",
        "127.0.0.1",
        "--port",
        str(port),
        "--dir",
        str(tmp),
        "--appendonly",
        "yes",
        "--save",
        "",
        "--daemonize",
        "no",
    ]
    server = Process(command, dict(os.environ), tmp / "redis-server.log")
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    try:
        deadline = time.monotonic() + seconds
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if server.popen.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(
                        "redis-server did not start:\n" + server.output()[-2000:]
                    ) from None
                time.sleep(0.05)
        yield url
    finally:
        client.close()
        server.stop()
