"""`kimbot backup FILE` and `kimbot restore FILE`: the embedded Redis's data as one file.

Backup, while the bot runs or not: the server on the data dir (the running `kimbot
run`'s, else one started here for the purpose) writes a snapshot (BGSAVE, waited for
until Redis reports it saved); the RDB it wrote is opened once (a later save replaces
the file, it never changes an open one) and copied to FILE through a temporary file,
fsynced and renamed: FILE is either the whole snapshot or absent. It is readable by its
owner only: it holds personal data.

Restore, only while no embedded server runs on the data dir: FILE must be an RDB, and
it is loaded first by a scratch server in the data dir (`.restore-*`), which reads it
end to end (Redis checks its checksum). With `appendonly yes` Redis loads the
append-only file, not the RDB, at start: so FILE goes in as the append-only file (an
RDB is a valid one: Redis writes its rewrites so), the scratch server rewrites it and
saves its RDB, and those two files replace the data dir's, whose old ones are moved to
`replaced-<time>/` in it. A server started on the data dir must then hold as many keys
as the scratch one did, or the old files are put back.

With `REDIS_URL` the data is in that server, not the embedded one: its own persistence
and tools back it up (docs/operations.md).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from pathlib import Path

from bot.platform.store import EmbeddedRedis, Redis, connect

RDB, AOF = "kimbot.rdb", "appendonly.aof"  # the embedded server's file names
HEADER = b"REDIS"
SAVE_TIMEOUT = 600.0


class BackupError(Exception):
    """A backup or restore that cannot be done; nothing was changed."""


def backup(data_dir: Path, target: Path) -> int:
    """Write a consistent snapshot of the embedded Redis on `data_dir` to `target`;
    returns its size in bytes."""
    url = EmbeddedRedis.running_url(data_dir)
    with contextlib.ExitStack() as stack:
        if url is None:
            if not any((data_dir / name).exists() for name in (RDB, AOF)):
                raise BackupError(f"no Redis data in {data_dir}")
            url = stack.enter_context(EmbeddedRedis(data_dir)).url
        client = connect(url)
        stack.callback(client.close)
        snapshot = _snapshot(client)
        return _copy(snapshot, target)


def _snapshot(client: Redis) -> Path:
    """Have Redis write a snapshot now and wait for it; the path of the RDB it wrote."""
    last = int(client.info("persistence")["rdb_last_save_time"])
    while int(client.time()[0]) <= last:  # ours must be told apart from it, to the second
        time.sleep(0.05)
    client.bgsave(schedule=True)  # scheduled if an AOF rewrite runs, instead of refused
    deadline = time.monotonic() + SAVE_TIMEOUT
    while True:
        info = client.info("persistence")
        if not info["rdb_bgsave_in_progress"]:
            if int(info["rdb_last_save_time"]) > last:
                break
            if info["rdb_last_bgsave_status"] != "ok":
                raise BackupError("Redis could not write its snapshot (its log says why)")
        if time.monotonic() > deadline:
            raise BackupError(f"Redis did not finish its snapshot in {SAVE_TIMEOUT:.0f} s")
        time.sleep(0.05)
    folder = str(client.config_get("dir")["dir"])
    name = str(client.config_get("dbfilename")["dbfilename"])
    return Path(folder) / name


def _copy(source: Path, target: Path) -> int:
    """Copy `source` to `target` whole or not at all (owner-only permissions)."""
    target = target.resolve()
    partial = target.with_name(f".{target.name}.partial")
    with source.open("rb") as src:
        size = os.fstat(src.fileno()).st_size
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as dst:
                shutil.copyfileobj(src, dst, 1024 * 1024)
                dst.flush()
                os.fsync(dst.fileno())
            if partial.stat().st_size != size:
                raise BackupError(f"copying {source} to {target} fell short")
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
    _sync_dir(target.parent)
    return size


def restore(data_dir: Path, source: Path) -> tuple[int, Path | None]:
    """Replace the embedded Redis's data on `data_dir` with the backup `source`; returns
    how many keys it holds, and where the previous data went (None: there was none)."""
    if EmbeddedRedis.running_url(data_dir) is not None:
        raise BackupError(
            f"the embedded Redis is running on {data_dir}: stop kimbot run first "
            "(systemctl stop kimbot)"
        )
    _check_header(source)
    data_dir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".restore-", dir=data_dir))
    try:
        shutil.copyfile(source, scratch / AOF)
        keys = _load(scratch, f"{source} does not load: it is damaged or truncated")
        aside = _replace(data_dir, scratch, keys)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return keys, aside


def _check_header(source: Path) -> None:
    try:
        with source.open("rb") as handle:
            head = handle.read(9)
    except OSError as exc:
        raise BackupError(f"cannot read {source}: {exc.strerror}") from exc
    if not (head.startswith(HEADER) and head[5:].isdigit()):
        raise BackupError(f"{source} is not a Redis backup (an RDB file starts with REDIS)")


def _load(folder: Path, failure: str) -> int:
    """Start a server on `folder`, have it rewrite its append-only file and save; its keys."""
    try:
        server = EmbeddedRedis(folder)
    except Exception as exc:  # the server exits on a bad file: connecting fails, or starting
        raise BackupError(f"{failure} ({exc})") from exc
    try:
        client = connect(server.url)
        names = (client.config_get("dbfilename"), client.config_get("appendfilename"))
        if names != ({"dbfilename": RDB}, {"appendfilename": AOF}):
            raise BackupError(f"the embedded Redis keeps other files than {RDB}, {AOF}: {names}")
        keys = int(client.dbsize())
        client.bgrewriteaof()
        while True:
            info = client.info("persistence")
            if not info["aof_rewrite_in_progress"] and not info["aof_rewrite_scheduled"]:
                break
            time.sleep(0.05)
        if info["aof_last_bgrewrite_status"] != "ok":
            raise BackupError("Redis could not rewrite the append-only file (its log says why)")
        client.close()
    finally:
        server.close()  # saves the RDB too
    return keys


def _replace(data_dir: Path, scratch: Path, keys: int) -> Path | None:
    """Move the data dir's files aside, the scratch ones in; check, or put the old back."""
    aside = data_dir / time.strftime("replaced-%Y%m%d-%H%M%S")
    moved = [name for name in (RDB, AOF) if (data_dir / name).exists()]
    if moved:
        aside.mkdir()
    for name in moved:
        os.replace(data_dir / name, aside / name)
    for name in (RDB, AOF):
        os.replace(scratch / name, data_dir / name)
    _sync_dir(data_dir)
    try:
        found = _load(data_dir, "the restored data does not load")
        if found != keys:
            raise BackupError(f"the restored data holds {found} keys, the backup {keys}")
    except BackupError:
        for name in (RDB, AOF):
            (data_dir / name).unlink(missing_ok=True)
        for name in moved:
            os.replace(aside / name, data_dir / name)
        if moved:
            aside.rmdir()
        raise
    return aside if moved else None


def _sync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
