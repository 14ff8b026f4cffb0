"""Processes for end-to-end tests: the emulator and the real, unmodified `kimbot run`.

Both run as child processes on loopback ports; tests act as people through the
emulator's user API (`SimClient`) and read the bot's Redis directly.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import redis
import yaml

from bot.platform.config import Config
from handlers import processes
from tests.support.constants import (
    BOT_SPEC,
    BOT_TOKEN,
    ROOT,
    WA_APP_SECRET,
    WA_TOKEN,
    WA_VERIFY_TOKEN,
)

WA_SECRETS = {
    "KIMBOT_WA_TOKEN": WA_TOKEN,
    "KIMBOT_WA_APP_SECRET": WA_APP_SECRET,
    "KIMBOT_WA_VERIFY_TOKEN": WA_VERIFY_TOKEN,
}


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def alive(pid: int) -> bool:
    """Whether `pid` still runs (a zombie waiting for its reaper counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False


def children(pid: int) -> list[int]:
    """The live child processes of `pid`, whichever of its threads started them."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return [c for c in found if alive(c)]


def parent_of(pid: int) -> int:
    """The parent pid of a running process, 0 if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return int(stat.read().rsplit(") ", 1)[1].split()[1])
    except FileNotFoundError:
        return 0


def pointing_at(path: Path) -> list[str]:
    """`pid args` of every live process (not this one) whose command line, working
    directory or environment names `path`: what a test's processes leave behind."""
    needle = str(path).encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid() or not alive(int(entry.name)):
            continue
        try:
            args = (entry / "cmdline").read_bytes()
            cwd = os.readlink(entry / "cwd").encode()
            environ = (entry / "environ").read_bytes()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        if needle in args or cwd.startswith(needle) or needle in environ:
            shown = args.replace(b"\0", b" ").decode(errors="replace")
            found.append(f"{entry.name} {shown}")
    return found


def wait_until(condition: Callable[[], object], seconds: float, what: str) -> None:
    """Poll `condition` until it holds, or fail the test saying `what` never happened."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {seconds:g} s")
        time.sleep(0.05)


def wait_http(url: str, seconds: float = 60.0, server: Process | None = None) -> None:
    """Wait until `url` answers at all (any status), or fail the test. A bot answers its
    /healthz ~0.4 s after its Redis is up on an idle machine; under CI, with the other
    test process busy, one start took over 20 s (the shapes' tests wait 60 s too). With
    the `server`'s process, a server that exited is not waited for, and the failure shows
    the end of what it printed."""
    deadline = time.monotonic() + seconds
    while not processes.wait_http(url, 1.0):
        exited = server is not None and server.popen.poll() is not None
        if exited or time.monotonic() > deadline:
            printed = "" if server is None else ":\n" + server.output()[-3000:]
            raise TimeoutError(f"{url} {'exited' if exited else 'did not come up'}{printed}")


class Process:
    """A child process that is stopped (SIGINT, then SIGKILL) when the test ends.

    Every one started is remembered until stopped, so `stop_all` can end the ones a
    failing fixture never reached (tests/conftest.py calls it when the session ends).
    """

    running: ClassVar[set[Process]] = set()

    def __init__(
        self, command: list[str], env: dict[str, str], log: Path, cwd: Path = ROOT
    ) -> None:
        self.log = log
        self._log_file = log.open("wb")
        self.popen = subprocess.Popen(
            command, env=env, stdout=self._log_file, stderr=subprocess.STDOUT, cwd=cwd
        )
        Process.running.add(self)

    def stop(self) -> None:
        """Interrupt like Ctrl-C; kill if it does not stop within 15 s."""
        processes.stop_process(self.popen, signal.SIGINT, 15)
        self._log_file.close()
        Process.running.discard(self)

    def kill(self) -> None:
        """SIGKILL, as the OOM killer or a pulled plug would."""
        self.popen.kill()
        self.popen.wait()
        self._log_file.close()
        Process.running.discard(self)

    @classmethod
    def stop_all(cls) -> None:
        """Stop every process still running."""
        for process in list(cls.running):
            process.stop()

    def output(self) -> str:
        """What the process printed so far."""
        return self.log.read_text(errors="replace")

    def finish(self, seconds: float) -> int:
        """Wait for the process to end by itself (failing the test if it does not within
        `seconds`); its exit status."""
        wait_until(lambda: self.popen.poll() is not None, seconds, f"{self.log.stem} ending")
        self._log_file.close()
        Process.running.discard(self)
        return self.popen.returncode


def start_emulator(tmp: Path, **flags: Any) -> tuple[Process, str]:
    """The emulator on a free port with the e2e bot registered; returns (process, URL)."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "emulator",
        "--port",
        str(port),
        "--token",
        BOT_SPEC,
    ]
    for flag, value in flags.items():
        name = "--" + flag.replace("_", "-")
        command += [name] if value is True else [name, str(value)]
    process = Process(command, dict(os.environ), tmp / "emulator.log")
    url = f"http://127.0.0.1:{port}"
    wait_http(url + "/sim/bots", server=process)
    return process, url


def start_redis_server(tmp: Path, port: int) -> Process:
    """Debian's own redis-server (not the embedded one) on 127.0.0.1:`port`, nothing saved;
    answering PING when this returns."""
    command = ["/usr/bin/redis-server", "--bind", "127.0.0.1", "--port", str(port)]
    command += ["--save", "", "--appendonly", "no", "--dir", str(tmp)]
    process = Process(command, dict(os.environ), tmp / f"redis-{port}.log")
    client = redis.Redis(port=port, socket_connect_timeout=1)
    try:
        wait_until(lambda: _pings(client), 20, f"redis-server on port {port} answering")
    finally:
        client.close()
    return process


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False


def write_config(config: Config, path: Path, **changes: Any) -> Path:
    """config.yaml with some sections replaced (roles, channels, komunitas…)."""
    data = config.model_dump(mode="json")
    data.update(changes)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def bot_env(
    tmp: Path, api_url: str, redis_url: str | None, *, telegram: bool = True, whatsapp: bool = False
) -> dict[str, str]:
    """The environment of a `kimbot` process against the emulator: the Telegram bot's token
    (or none), WhatsApp's secrets (or none), REDIS_URL (None: the embedded Redis in tmp/data)."""
    env = dict(os.environ, KIMBOT_DATA_DIR=str(tmp / "data"))
    for name in ("REDIS_URL", "KIMBOT_TELEGRAM_TOKEN", *WA_SECRETS):
        env.pop(name, None)
    if redis_url is not None:
        env["REDIS_URL"] = redis_url
    if telegram:
        env |= {"KIMBOT_TELEGRAM_TOKEN": BOT_TOKEN, "KIMBOT_TELEGRAM_API_URL": api_url}
    if whatsapp:
        env |= WA_SECRETS | {"KIMBOT_WA_API_URL": api_url + "/graph"}
    return env


def kimbot(arguments: list[str], env: dict[str, str], log: Path, cwd: Path = ROOT) -> Process:
    """`kimbot ARGUMENTS…` as a child process in `cwd` (the repository), output in `log`."""
    return Process([sys.executable, "-m", "handlers.cli", *arguments], env, log, cwd)


def start_bot(
    tmp: Path,
    api_url: str,
    config_path: Path,
    redis_url: str,
    *,
    webhook_port: int | None = None,
    secret: str = "e2e-Secret_token",  # noqa: S107 (a test fixture's)
    metrics_port: int | None = None,
) -> Process:
    """`kimbot run` (polling, or webhook on `webhook_port`; `/metrics` on `metrics_port`
    if given) against the emulator."""
    env = bot_env(tmp, api_url, redis_url)
    arguments = ["run", "--config", str(config_path)]
    if webhook_port is not None:
        env["KIMBOT_WEBHOOK_SECRET"] = secret
        env["KIMBOT_WEBHOOK_URL"] = f"http://127.0.0.1:{webhook_port}/telegram/webhook"
        arguments += ["--webhook", "--port", str(webhook_port)]
    else:  # the console's port: never the default, which parallel tests would share
        arguments += ["--port", str(free_port())]
    if metrics_port is not None:
        arguments += ["--metrics-port", str(metrics_port)]
    name = "bot-webhook.log" if webhook_port else "bot.log"
    return kimbot(arguments, env, tmp / name)


def start_demo(tmp: Path, *, outside_checkout: bool = False) -> tuple[Process, str]:
    """`kimbot demo` (shipped config, data in `tmp/data`, the embedded Redis) on free
    neighbouring ports, once it says it is running; returns (process, simulator URL).
    `outside_checkout`: started in `tmp` itself with no config named, as someone who
    installed the package would (`./data` is then `tmp/data` too)."""
    port = free_port()
    while not _port_free(port + 1):
        port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "KIMBOT_CONFIG")}
    env.pop("KIMBOT_DATA_DIR", None)
    arguments = ["demo", "--port", str(port)]
    if outside_checkout:
        process = kimbot(arguments, env, tmp / "demo.log", cwd=tmp)
    else:
        arguments += ["--data-dir", str(tmp / "data"), "--config", str(ROOT / "config.yaml")]
        process = kimbot(arguments, env, tmp / "demo.log")
    deadline = time.monotonic() + 120
    while "demo is running" not in process.output():
        if time.monotonic() > deadline or process.popen.poll() is not None:
            process.stop()
            raise AssertionError("the demo did not start:\n" + process.output()[-3000:])
        time.sleep(0.3)
    return process, f"http://127.0.0.1:{port}"


def _port_free(port: int) -> bool:
    """Whether nothing listens on `port` (the demo needs two neighbouring ports)."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
