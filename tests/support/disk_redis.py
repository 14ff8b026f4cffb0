"""Redis servers whose files on disk tests read: the embedded 6.2 (one appendonly.aof) and
the system's Redis 7 (appendonlydir/ with base and incr files), each in its own directory.

`/usr/bin/redis-server` must exist (CI installs it): a test that needs it fails without it.
Both write RDBs uncompressed here, so a string in them is there to find byte for byte.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis

from bot.platform.store import EmbeddedRedis, Redis, connect
from tests.support.processes import Process, free_port

REDIS_7 = "/usr/bin/redis-server"
KINDS = ("redis-6.2-embedded", "redis-7")


@dataclass
class DiskRedis:
    """A running server, its URL, a decoded client and the directory of its files."""

    kind: str
    url: str
    client: Redis
    data_dir: Path

    def files(self) -> list[Path]:
        """Every AOF and RDB file the server keeps right now."""
        found = [*self.data_dir.glob("*.aof"), *self.data_dir.glob("*.rdb")]
        found += list((self.data_dir / "appendonlydir").glob("*"))
        return sorted(p for p in found if p.is_file())

    def on_disk(self) -> bytes:
        """All those files' bytes, one after the other."""
        return b"\n".join(p.read_bytes() for p in self.files())

    def writing(self) -> bool:
        """Whether Redis is still writing (or about to write) a file in the background."""
        info = self.client.info("persistence")
        busy = ("rdb_bgsave_in_progress", "aof_rewrite_in_progress", "aof_rewrite_scheduled")
        return any(int(info.get(field, 0)) for field in busy)


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 30.0) -> None:
    """Poll `condition()` until true, or fail naming `what`."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@contextmanager
def redis_7(data_dir: Path, *extra: str) -> Iterator[str]:
    """The system's Redis 7 on a free loopback port, AOF on, files in `data_dir`."""
    assert os.path.exists(REDIS_7), f"{REDIS_7} is missing (apt-get install redis-server)"
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    command = [REDIS_7, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(data_dir)]
    command += ["--appendonly", "yes", "--appendfsync", "everysec", "--save", "900 1"]
    command += ["--daemonize", "no", "--logfile", str(data_dir / "redis.log"), *extra]
    server = Process(command, dict(os.environ), data_dir / "stdout.log")
    url = f"redis://127.0.0.1:{port}/0"
    client = connect(url)

    def up() -> bool:
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False

    try:
        wait_for(up, f"Redis 7 on port {port}")
        yield url
    finally:
        client.close()
        server.stop()


@contextmanager
def disk_redis(kind: str, data_dir: Path) -> Iterator[DiskRedis]:
    """A server of `kind` (one of `KINDS`) with its files in `data_dir`, RDB uncompressed."""
    if kind == "redis-7":
        with redis_7(data_dir) as url:
            client = connect(url)
            client.config_set("rdbcompression", "no")
            yield DiskRedis(kind, url, client, data_dir)
            client.close()
        return
    with EmbeddedRedis(data_dir) as server:
        client = connect(server.url)
        client.config_set("rdbcompression", "no")
        yield DiskRedis(kind, server.url, client, data_dir)
        client.close()


@contextmanager
def reloaded(disk: DiskRedis, scratch: Path, source: str) -> Iterator[Redis]:
    """What a Redis 7 loads from a copy of `disk`'s files: its AOF ("aof") or its RDB ("rdb")
    alone. Decoded this way, compressed values and integer encodings hide nothing."""
    shutil.copytree(disk.data_dir, scratch)
    for stale in ("redis.log", "stdout.log", "kimbot.rdb.settings"):
        (scratch / stale).unlink(missing_ok=True)
    (rdb,) = scratch.glob("*.rdb")
    extra = ["--dbfilename", rdb.name]
    if source == "rdb":
        shutil.rmtree(scratch / "appendonlydir", ignore_errors=True)
        (scratch / "appendonly.aof").unlink(missing_ok=True)
        extra += ["--appendonly", "no"]
    else:
        rdb.unlink()
    with redis_7(scratch, *extra) as url:
        client = connect(url)
        yield client
        client.close()
