"""The RQ queues every KIM worker serves, most urgent first.

- `kim-interactive`: single messages someone is waiting for (staff cards, ticket notices).
- `kim-default`: control work: starting announcements, watch jobs, scheduled sweeps.
- `kim-bulk`: announcement batches.

`release_scheduler_locks` frees RQ's scheduler locks of these queues on a server that
just started from disk (the embedded one), whose lock holders are all dead.
"""

from __future__ import annotations

from redis import Redis
from rq.scheduler import RQScheduler

INTERACTIVE_QUEUE = "kim-interactive"
CONTROL_QUEUE = "kim-default"
BULK_QUEUE = "kim-bulk"
QUEUES = (INTERACTIVE_QUEUE, CONTROL_QUEUE, BULK_QUEUE)


def release_scheduler_locks(rq_redis: Redis) -> int:
    """Delete the KIM queues' scheduler locks; returns how many there were.

    Only for a Redis no worker uses yet: an embedded server restored after its owner was
    killed still holds the locks of the scheduler that died with it (its last act could
    not reach the server, stopping at the same moment), which would keep the new worker's
    scheduler out until they expire, a minute later.
    """
    return int(rq_redis.delete(*(RQScheduler.get_locking_key(name) for name in QUEUES)))
