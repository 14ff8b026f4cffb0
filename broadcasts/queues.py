"""The RQ queues every KIM worker serves, most urgent first.

- `kim-alert`: early warnings' start and batch jobs, ahead of everything (a running bulk
  batch yields while this queue holds a job: broadcasts/jobs.py).
- `kim-interactive`: single messages someone is waiting for (staff cards, ticket notices).
- `kim-default`: control work: starting announcements, watch jobs, scheduled sweeps.
- `kim-bulk`: announcement batches.

`depths` and `live_workers` read them for `/metrics`, changing nothing (RQ's own counts
clean registries up first; workers do that anyway).

`release_scheduler_locks` frees RQ's scheduler locks of these queues on a server that
just started from disk (the embedded one), whose lock holders are all dead;
`release_stale_scheduler_locks` frees those whose holder stopped refreshing them (a
living scheduler refreshes its locks every second, to 61 s), so a surviving worker takes
the scheduler over well before RQ's own expiry.
"""

from __future__ import annotations

from rq import Queue, Worker
from rq.scheduler import RQScheduler

from bot.platform.store import Redis

ALERT_QUEUE = "kim-alert"
INTERACTIVE_QUEUE = "kim-interactive"
CONTROL_QUEUE = "kim-default"
BULK_QUEUE = "kim-bulk"
QUEUES = (ALERT_QUEUE, INTERACTIVE_QUEUE, CONTROL_QUEUE, BULK_QUEUE)
RQ_SCHEDULER_INTERVAL = 1  # RQScheduler's default: it refreshes its locks (to +60 s) this often
STATES = ("queued", "started", "scheduled", "failed")


def depths(redis: Redis) -> dict[tuple[str, str], int]:
    """(queue, state) → jobs, for every KIM queue, in one round trip."""
    pipe = redis.pipeline(transaction=False)
    for name in QUEUES:
        queue = Queue(name, connection=redis)
        pipe.llen(queue.key)
        pipe.zcard(queue.started_job_registry.key)
        pipe.zcard(queue.scheduled_job_registry.key)
        pipe.zcard(queue.failed_job_registry.key)
    counts = iter(pipe.execute())
    return {(name, state): int(next(counts)) for name in QUEUES for state in STATES}


def live_workers(redis: Redis) -> int:
    """RQ workers alive now: registered, and their key not yet expired (`worker_ttl`)."""
    keys = Worker.all_keys(connection=redis)
    pipe = redis.pipeline(transaction=False)
    for key in keys:
        pipe.exists(key)
    return sum(int(n) for n in pipe.execute()) if keys else 0


STALE_LOCK_SECONDS = 15
_RELEASE_STALE = """
local freed = 0
for _, key in ipairs(KEYS) do
  local left = redis.call('PTTL', key)
  if left >= 0 and left < tonumber(ARGV[1]) then
    redis.call('DEL', key)
    freed = freed + 1
  end
end
return freed
"""


def release_stale_scheduler_locks(rq_redis: Redis, stale_seconds: int = STALE_LOCK_SECONDS) -> int:
    """Delete the KIM queues' scheduler locks not refreshed for `stale_seconds` (their
    scheduler is dead); returns how many. Atomic: a lock refreshed meanwhile stays."""
    keys = [RQScheduler.get_locking_key(name) for name in QUEUES]
    ttl_ms = (RQ_SCHEDULER_INTERVAL + 60 - stale_seconds) * 1000
    return int(rq_redis.eval(_RELEASE_STALE, len(keys), *keys, ttl_ms))


def release_scheduler_locks(rq_redis: Redis) -> int:
    """Delete the KIM queues' scheduler locks; returns how many there were.

    Only for a Redis no worker uses yet: an embedded server restored after its owner was
    killed still holds the locks of the scheduler that died with it (its last act could
    not reach the server, stopping at the same moment), which would keep the new worker's
    scheduler out until they expire, a minute later.
    """
    return int(rq_redis.delete(*(RQScheduler.get_locking_key(name) for name in QUEUES)))
