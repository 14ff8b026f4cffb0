"""Running totals of what every process sends, kept in Redis for the bot's `/metrics`.

Sends happen in RQ workers' jobs (batches, notices) and in the bot (replies), while only
`kimbot run` serves `/metrics`. So each process adds up its counts in memory (`TALLY`,
no round trip per message) and writes them to Redis in one pipeline: a job when it
closes its senders (broadcasts/senders.py), the bot each time it is scraped. A worker
killed in the middle of a job loses the counts it had not written (the announcement's
ledger still has every outcome).

Names are `<counter>:<labels>`, `:`-separated:
- `sends:<kind>:<platform>:<outcome>` — kind `broadcast` or `notice`;
- `rate_limited:<platform>` — a 429 from Telegram, 130429/131056 from WhatsApp;
- `limiter_waits:<priority>` and `limiter_wait_seconds:<priority>` — sends that waited
  for the shared limiter (broadcasts/limiter.py), `bulk` or `reply`.

Redis key (owned here):
- `kim:metrics:counters` — hash: counter name → total since the data began.
"""

from __future__ import annotations

import threading

from redis.exceptions import RedisError

from bot.platform.store import Redis

COUNTERS = "kim:metrics:counters"


class Tally:
    """Counts added in memory, written to Redis together by `flush`."""

    def __init__(self) -> None:
        self._counts: dict[str, float] = {}
        self._lock = threading.Lock()

    def add(self, name: str, amount: float = 1.0) -> None:
        """Add `amount` to the counter `name`."""
        with self._lock:
            self._counts[name] = self._counts.get(name, 0.0) + amount

    def flush(self, redis: Redis) -> None:
        """Write every count so far in one round trip; kept for the next flush if Redis fails."""
        with self._lock:
            counts, self._counts = self._counts, {}
        if not counts:
            return
        pipe = redis.pipeline(transaction=False)
        for name, amount in counts.items():
            pipe.hincrbyfloat(COUNTERS, name, amount)
        try:
            pipe.execute()
        except RedisError:
            for name, amount in counts.items():
                self.add(name, amount)
            raise


TALLY = Tally()
"""This process's counts (a worker's jobs run one after another in it, and each job writes
its own when it ends)."""


def totals(redis: Redis) -> dict[str, float]:
    """Every counter's total, as written so far by every process."""
    raw: dict[str, str] = redis.hgetall(COUNTERS)  # type: ignore[assignment]
    return {name: float(value) for name, value in raw.items()}
