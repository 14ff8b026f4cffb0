"""After an erasure the worker's maintenance rewrites Redis's AOF and writes a new RDB, at
most once per interval, on the embedded Redis 6.2 and on Redis 7; a Redis that refuses
gets a warning, never a crash."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.platform.addresses import Address
from bot.platform.config import Config
from bot.residents.compaction import DUE, compact_if_due
from bot.services import Services
from handlers.wiring import build_services
from tests.support.constants import BAGENDUNG
from tests.support.disk_redis import KINDS, DiskRedis, disk_redis, redis_7, wait_for

ME = Address.telegram(7772001)
TEXT = "Saya Siti Rahmawati (0812-3456-7890), lampu jalan RT 02 mati sejak Senin."
HOUR = 3600.0


@pytest.fixture(params=KINDS)
def disk(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DiskRedis]:
    """A Redis of each kind with its files in a fresh directory."""
    with disk_redis(request.param, tmp_path / "data") as server:
        yield server


def with_a_ticket(config: Config, disk: DiskRedis) -> Services:
    """A subscriber of Bagendung with an aspirasi ticket, on the disk Redis."""
    services = build_services(config, disk.client)
    services.residents.consent(ME, "id", "v1", 1.0)
    services.residents.subscribe(ME, BAGENDUNG, 2.0)
    services.tickets.create(ME, "aspirasi", 3.0, 90000.0, text=TEXT)
    return services


def test_an_erasure_leaves_the_files_on_disk_after_compaction(
    config: Config, disk: DiskRedis, caplog: pytest.LogCaptureFixture
) -> None:
    """The ticket text is in the AOF and in an RDB; after the erasure and the compaction it
    is in neither, nor anywhere in the data directory."""
    services = with_a_ticket(config, disk)
    disk.client.bgsave()
    wait_for(lambda: TEXT.encode() in disk.on_disk() and not disk.writing(), "the text on disk")
    assert any(TEXT.encode() in p.read_bytes() for p in disk.files() if ".aof" in p.name)
    assert any(TEXT.encode() in p.read_bytes() for p in disk.files() if p.suffix == ".rdb")
    services.privacy.erase(ME)
    assert TEXT.encode() in disk.on_disk()  # deleted in memory, not yet on disk
    with caplog.at_level(logging.INFO, "bot.residents.compaction"):
        assert compact_if_due(disk.client, HOUR, 10 * HOUR)
    assert "compacting Redis's files after 1 erasure(s)" in caplog.text
    wait_for(lambda: not disk.writing() and TEXT.encode() not in disk.on_disk(), "compaction")
    assert any(p.suffix == ".rdb" for p in disk.files())
    assert not disk.client.exists(DUE)
    everything = b"".join(p.read_bytes() for p in disk.data_dir.rglob("*") if p.is_file())
    assert b"Siti" not in everything
    assert b"7772001" not in everything


def test_at_most_once_per_interval_and_only_when_due(config: Config, disk: DiskRedis) -> None:
    """Nothing erased: nothing runs. Two erasures within the interval: the second waits for
    the interval to pass, then runs."""
    services = with_a_ticket(config, disk)
    assert not compact_if_due(disk.client, HOUR, 10 * HOUR)
    services.privacy.erase(ME)
    assert compact_if_due(disk.client, HOUR, 10 * HOUR)
    wait_for(lambda: not disk.writing(), "the first compaction")
    services.privacy.erase(Address.telegram(7772002))
    assert not compact_if_due(disk.client, HOUR, 10.5 * HOUR)
    assert disk.client.get(DUE) == "1"
    assert compact_if_due(disk.client, HOUR, 11 * HOUR)
    assert not disk.client.exists(DUE)


def test_a_redis_that_refuses_gets_a_warning(
    config: Config, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A managed Redis without BGREWRITEAOF/BGSAVE: the maintenance logs why erased data may
    stay on the provider's disks, and goes on."""
    from bot.platform.store import connect

    refusing = ("--rename-command", "BGREWRITEAOF", "", "--rename-command", "BGSAVE", "")
    with redis_7(tmp_path / "managed", *refusing) as url:
        client = connect(url)
        services = build_services(config, client)
        services.residents.consent(ME, "id", "v1", 1.0)
        services.privacy.erase(ME)
        with caplog.at_level(logging.WARNING, "bot.residents.compaction"):
            assert not compact_if_due(client, HOUR, 10 * HOUR)
        client.close()
    assert "Redis refused to rewrite its files after erasures" in caplog.text
    assert "docs/privacy.md" in caplog.text
