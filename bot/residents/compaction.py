"""Erased data leaves Redis's files too: the AOF rewritten, a new RDB written, soon after.

Redis keeps every write in its append-only file until the file is rewritten, and the
dataset of its last snapshot in the RDB until the next one, so an erased resident's data
would stay on disk long after `Privacy.erase`. Each erasure counts itself in `due` (in
its own transaction); the RQ worker's maintenance (broadcasts/worker.py, every ~30 s)
calls `compact_if_due`, which at most once per `privacy.compaction_minutes` and only when
erasures are waiting runs BGREWRITEAOF (when AOF is on), then BGSAVE SCHEDULE (after the
rewrite). It waits while Redis still writes a file it started before: that one may hold
the erased data. A Redis that refuses these commands (managed services often do) gets a
warning in the log: its provider's persistence decides what stays on disk.

Redis keys (owned here):
- `kim:privacy:compact:due` — number of erasures the files on disk may still hold.
- `kim:privacy:compact:last` — when compaction last started (time in seconds).
"""

from __future__ import annotations

import logging

import redis
from redis.client import Pipeline

from bot.platform.store import Redis

log = logging.getLogger(__name__)
DUE = "kim:privacy:compact:due"
LAST = "kim:privacy:compact:last"


def mark_due(pipe: Pipeline) -> None:
    """Queue, in an erasure's transaction, that the files must be compacted."""
    pipe.incr(DUE)


def _writing_a_file(client: Redis) -> bool:
    info = client.info("persistence")
    busy = ("rdb_bgsave_in_progress", "aof_rewrite_in_progress", "aof_rewrite_scheduled")
    return any(int(info.get(field, 0)) for field in busy)


def _claim(client: Redis, every_seconds: float, now: float) -> int:
    """The erasures waiting, now cleared, if compaction may start now; else 0."""
    with client.pipeline(transaction=True) as pipe:
        try:
            pipe.watch(DUE, LAST)  # type: ignore[no-untyped-call]  # reads below run at once
            waiting = int(pipe.get(DUE) or 0)
            if not waiting or now - float(pipe.get(LAST) or 0) < every_seconds:
                return 0
            pipe.multi()
            pipe.delete(DUE)
            pipe.set(LAST, now)
            pipe.execute()
        except redis.WatchError:
            return 0  # another worker claimed it, or an erasure came in: next time
    return waiting


def compact_if_due(client: Redis, every_seconds: float, now: float) -> bool:
    """Rewrite the AOF and write a new RDB if erasures wait and the interval has passed.

    Returns whether compaction was started. Redis errors are logged, never raised: this
    runs inside the worker's maintenance.
    """
    try:
        if not client.exists(DUE) or _writing_a_file(client):
            return False
        waiting = _claim(client, every_seconds, now)
        if not waiting:
            return False
        aof = int(client.info("persistence").get("aof_enabled", 0))
        if aof:
            client.bgrewriteaof()
        client.bgsave(schedule=True)
    except redis.ResponseError as exc:
        log.warning(
            "Redis refused to rewrite its files after erasures (%s): erased data stays in "
            "its AOF/RDB until the server rewrites them itself (see docs/privacy.md)",
            exc,
        )
        return False
    except redis.RedisError as exc:
        log.warning("compaction after erasures failed: %s; retried later", type(exc).__name__)
        return False
    log.info(
        "compacting Redis's files after %d erasure(s): %sa new RDB",
        waiting,
        "AOF rewrite, then " if aof else "(AOF off) ",
    )
    return True
