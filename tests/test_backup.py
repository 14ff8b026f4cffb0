"""`kimbot backup` and `kimbot restore` on real embedded Redis servers: a snapshot taken
while a client writes, restored into a fresh data dir; bad files refused, nothing lost."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.platform.store import EmbeddedRedis, connect
from handlers.cli import main
from tests.support.constants import ROOT


@pytest.fixture(autouse=True)
def _embedded(monkeypatch: pytest.MonkeyPatch) -> None:
    """These commands are about the embedded Redis: no REDIS_URL from the environment."""
    monkeypatch.delenv("REDIS_URL", raising=False)


def kimbot(*args: str) -> subprocess.CompletedProcess[str]:
    """The real `kimbot` command, as an operator runs it."""
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    command = [sys.executable, "-m", "handlers.cli", *args]
    return subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)


def fill(data_dir: Path, keys: int, prefix: str = "kim:res:tg:") -> None:
    """A data dir holding `keys` resident-like hashes (its server stopped again)."""
    with EmbeddedRedis(data_dir) as server:
        client = connect(server.url)
        pipe = client.pipeline(transaction=False)
        for n in range(keys):
            pipe.hset(f"{prefix}{n}", mapping={"status": "active", "village": "36.72.02.1001"})
        pipe.execute()
        client.close()


def contents(data_dir: Path) -> dict[str, int]:
    """What a server started on `data_dir` holds: keys, and the writer's two counts."""
    with EmbeddedRedis(data_dir) as server:
        client = connect(server.url)
        found = {
            "keys": int(client.dbsize()),
            "written": int(client.get("kim:test:n") or 0),
            "logged": int(client.llen("kim:test:log")),
        }
        client.close()
    return found


@pytest.fixture
def running(tmp_path: Path) -> Iterator[tuple[Path, EmbeddedRedis]]:
    """A data dir with 500 residents and its server running, as `kimbot run` leaves it."""
    data = tmp_path / "data"
    fill(data, 500)
    with EmbeddedRedis(data) as server:
        yield data, server


def test_backup_while_writing_restores_into_a_fresh_data_dir(
    running: tuple[Path, EmbeddedRedis], tmp_path: Path
) -> None:
    """A client writes (a counter and a list, together) all through the backup: the
    restored data holds the 500 residents and a moment where both agree."""
    data, server = running
    stop = threading.Event()

    def write() -> None:
        client = connect(server.url)
        while not stop.is_set():
            pipe = client.pipeline(transaction=True)
            pipe.incr("kim:test:n")
            pipe.rpush("kim:test:log", "x")
            pipe.execute()
        client.close()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        backup = tmp_path / "kimbot-backup.rdb"
        done = kimbot("backup", str(backup), "--data-dir", str(data))
    finally:
        stop.set()
        writer.join()
    assert done.returncode == 0, done.stderr
    assert "written" in done.stdout
    assert backup.stat().st_mode & 0o777 == 0o600
    fresh = tmp_path / "fresh"
    restored = kimbot("restore", str(backup), "--data-dir", str(fresh))
    assert restored.returncode == 0, restored.stderr
    got = contents(fresh)
    assert got["written"] > 0
    assert got["written"] == got["logged"]  # one consistent moment
    assert got["keys"] == 500 + 2
    assert not list(fresh.glob(".restore-*"))


def test_restore_refuses_while_the_server_runs(
    running: tuple[Path, EmbeddedRedis], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Restoring under a running bot would lose its writes: refused, data untouched."""
    data, server = running
    backup = tmp_path / "b.rdb"
    assert main(["backup", str(backup), "--data-dir", str(data)]) == 0
    assert main(["restore", str(backup), "--data-dir", str(data)]) == 1
    assert "running" in capsys.readouterr().err
    assert connect(server.url).dbsize() == 500


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda good: b"*1\r\n$8\r\nFLUSHALL\r\n", "not a Redis backup"),
        (lambda good: b"", "not a Redis backup"),
        (lambda good: good[: len(good) // 2], "damaged or truncated"),
        (lambda good: good[:-1], "damaged or truncated"),
        (lambda good: good[:100] + bytes([good[100] ^ 0xFF]) + good[101:], "damaged"),
    ],
    ids=["commands", "empty", "half", "last-byte-missing", "one-byte-flipped"],
)
def test_a_bad_backup_is_refused_and_nothing_is_destroyed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: object, message: str
) -> None:
    """A file that is not a whole, intact RDB: a clear message, the data dir as it was."""
    other = tmp_path / "other"
    fill(other, 50, prefix="kim:bc:")
    good_file = tmp_path / "good.rdb"
    assert main(["backup", str(good_file), "--data-dir", str(other)]) == 0
    bad = tmp_path / "bad.rdb"
    bad.write_bytes(damage(good_file.read_bytes()))  # type: ignore[operator]
    data = tmp_path / "data"
    fill(data, 20)
    before = sorted(p.name for p in data.iterdir())
    assert main(["restore", str(bad), "--data-dir", str(data)]) == 1
    assert message in capsys.readouterr().err
    assert sorted(p.name for p in data.iterdir()) == before
    assert contents(data)["keys"] == 20


def test_restore_keeps_the_previous_data_aside(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The restored data replaces the old, which is moved into replaced-<time>/."""
    source = tmp_path / "source"
    fill(source, 30, prefix="kim:tk:")
    backup = tmp_path / "b.rdb"
    assert main(["backup", str(backup), "--data-dir", str(source)]) == 0  # server not running
    data = tmp_path / "data"
    fill(data, 7)
    assert main(["restore", str(backup), "--data-dir", str(data)]) == 0
    assert "restored" in capsys.readouterr().out
    assert contents(data)["keys"] == 30
    (aside,) = data.glob("replaced-*")
    assert contents(aside)["keys"] == 7


def test_an_external_redis_is_not_ours_to_back_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With REDIS_URL both commands say what to use instead, and change nothing."""
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    for command in ("backup", "restore"):
        assert main([command, str(tmp_path / "b.rdb")]) == 2
        assert "REDIS_URL is set" in capsys.readouterr().err
    assert not (tmp_path / "b.rdb").exists()


def test_backup_of_an_empty_data_dir_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Nothing to back up: said so, no file written."""
    assert main(["backup", str(tmp_path / "b.rdb"), "--data-dir", str(tmp_path / "none")]) == 1
    assert "no Redis data" in capsys.readouterr().err
    assert not (tmp_path / "b.rdb").exists()
