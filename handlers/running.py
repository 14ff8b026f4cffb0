"""The running bot as the operator's other commands find it: its config and its Redis.

- `kimbot run` writes `kimbot.run.json` in its data dir while it runs: its pid (with the
  process's start time, so a reused pid is not taken for it) and the absolute path of the
  config it runs with; it removes the file when it stops. `kimbot broadcast` and `kimbot
  tickets` on that data dir use that config unless `--config` or `KIMBOT_CONFIG` names
  one (`command_config`): a `kimbot demo` runs `data/demo-config.yaml`, not the
  `config.yaml` of the directory the command is typed in, and counts must agree.
- `command_redis`: `REDIS_URL`; else the embedded server running on the data dir; else
  one started by the command itself (the same data dir `kimbot run` would use), closed
  and saved when the command ends. The data dir's lock (bot/platform/store.py) keeps one
  server per data dir: a `kimbot run` started meanwhile waits for the command's server to
  stop, and a command finding a `kimbot run` still starting waits for its server.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path

from bot.platform.store import START_SECONDS, EmbeddedRedis, EmbeddedRedisBusy
from handlers.settings import Settings, SettingsError

RUN_FILE = "kimbot.run.json"


@dataclass(frozen=True)
class RunningBot:
    """A live `kimbot run` on a data dir."""

    pid: int
    config: Path


def _started(pid: int) -> str:
    """When `pid` started (clock ticks after boot, from /proc), or "" if unknown."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(") ", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


@contextlib.contextmanager
def announced(data_dir: str | Path, config_path: str | Path) -> Iterator[None]:
    """While the block runs, this process is the data dir's running bot with this config."""
    target = Path(data_dir).resolve() / RUN_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    pid = os.getpid()
    record = {"pid": pid, "started": _started(pid), "config": str(Path(config_path).resolve())}
    scratch = target.with_name(f".{RUN_FILE}.{pid}")
    scratch.write_text(json.dumps(record), encoding="utf-8")
    scratch.replace(target)  # whole or absent: a reader never sees half of it
    try:
        yield
    finally:
        found = running_bot(target.parent)
        if found is not None and found.pid == pid:  # not a later bot's
            target.unlink(missing_ok=True)


def running_bot(data_dir: str | Path) -> RunningBot | None:
    """The `kimbot run` that announced itself on `data_dir`, if it still runs."""
    try:
        record = json.loads((Path(data_dir).resolve() / RUN_FILE).read_text(encoding="utf-8"))
        pid, config, started = int(record["pid"]), Path(record["config"]), str(record["started"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    now = _started(pid)
    if not now or now != started:  # gone, or its pid now belongs to another process
        return None
    return RunningBot(pid, config)


def command_config(settings: Settings, named: bool) -> Settings:
    """The settings with the config a command should read: the one `named` by --config or
    KIMBOT_CONFIG, else the running bot's, else ./config.yaml; says which when it matters."""
    bot = running_bot(settings.data_dir)
    if bot is None:
        return settings
    chosen = Path(settings.config_path).resolve()
    if not named:
        if chosen != bot.config:
            print(f"using the running bot's config (pid {bot.pid}): {bot.config}", file=sys.stderr)
        return replace(settings, config_path=str(bot.config))
    if chosen != bot.config:
        print(
            f"warning: the running bot (pid {bot.pid}) uses {bot.config}, not {chosen}: "
            "reach and targets shown here may differ from what it sends",
            file=sys.stderr,
        )
    return settings


def command_redis(settings: Settings, stack: ExitStack) -> tuple[str, bool]:
    """(URL, whether this command started the embedded server itself, on `stack`)."""
    if settings.redis_url:
        return settings.redis_url, False
    data_dir = Path(settings.data_dir).resolve()
    deadline = time.monotonic() + START_SECONDS
    waiting = False
    while True:
        url = EmbeddedRedis.running_url(data_dir)
        if url is not None:
            return url, False
        try:
            server = stack.enter_context(EmbeddedRedis(data_dir, wait=0))
        except EmbeddedRedisBusy:
            if time.monotonic() > deadline:
                raise SettingsError(
                    f"the embedded Redis on {data_dir} did not come up in {START_SECONDS:.0f} s"
                ) from None
            if not waiting:
                print(f"waiting for the embedded Redis starting on {data_dir}", file=sys.stderr)
                waiting = True
            time.sleep(0.1)
            continue
        print(
            f"no bot is running on {data_dir}: opened its embedded Redis for this command",
            file=sys.stderr,
        )
        return server.url, True
