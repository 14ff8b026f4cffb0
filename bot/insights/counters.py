"""Running counts behind the console's dashboard, kept where the data changes.

Figures that cannot be read quickly from the records themselves (a platform or language
split of 100,000 residents, weekly growth, times to respond across 10,000 tickets) are
counted here, per village, in the same Redis transaction as the change that moves them:
the owning store (bot/residents/records.py, bot/desk/tickets.py,
bot/desk/hoax_recipients.py) queues these increments on its own pipeline. A scope (one
kelurahan, a kecamatan, the deployment) adds its villages' hashes. `bot/insights/rebuild.py`
derives every count from the records once, for data stored before the counters existed.

Every count is kept twice: under its village (`_` for none) and under `all`, the whole
deployment's, so that its figures are a few reads whatever the number of villages.

Redis keys (all owned here; `{code}` is a village's code, `_` or `all`):
- `kim:ins:v:{code}` — hash: `tg`, `wa` (active subscribers per platform), `loc:{locale}`
  (active subscribers per language), `stopped` (residents who stopped and are not
  erased), `erased` (erasures), `in:{week}` / `out:{week}` (subscriptions begun / ended
  that week: a move counts out of one village and into the other, a stop or an erasure
  out). Read by field, so old weeks cost nothing.
- `kim:ins:d:{code}` — hash: `rating:{1-5}` (rated tickets), `hxq:{week}` (hoax checks
  queued for staff), `hxi:{week}` (checks the archive answered at once). Read by field.
- `kim:ins:t:{code}` — hash: `first:{bucket}` / `answer:{bucket}`: tickets whose first
  staff response / first answer took a time in that bucket (`bucket_of`: 10 % wide, at
  most ~180 of each up to a year), read whole.
- `kim:ins:c:{code}:{week}` — hash: claim → hoax checks about it that week (instant or
  queued); expires `CLAIM_WEEKS` weeks after the week's last check.
- `kim:ins:o:{code}` — hash: topic → open tickets ("" for none: hoax checks).
- `kim:ins:due:{code}` — sorted set: `{ticket} {topic}` → due date, of open tickets (the
  overdue are a range of it).
- `kim:ins:version` — the counters' version; another (or none) is rebuilt at start.

`{week}` is the Monday that starts the week in the deployment's time zone (`2026-11-30`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from redis.client import Pipeline

from bot.platform.addresses import Address
from bot.platform.store import Redis

NO_VILLAGE, ALL = "_", "all"
VERSION_KEY, VERSION = "kim:ins:version", "3"
CLAIM_WEEKS = 10
BUCKET_BASE = 1.1  # each time bucket is 10 % wider than the one below it


def village_key(code: str) -> str:
    """The resident counts of a village (`NO_VILLAGE` for none, `ALL` for every one)."""
    return f"kim:ins:v:{code or NO_VILLAGE}"


def desk_key(code: str) -> str:
    """The ratings and weekly hoax checks of a village (or `NO_VILLAGE`, `ALL`)."""
    return f"kim:ins:d:{code or NO_VILLAGE}"


def times_key(code: str) -> str:
    """The response-time histograms of a village (or `NO_VILLAGE`, `ALL`)."""
    return f"kim:ins:t:{code or NO_VILLAGE}"


def claims_key(code: str, week: str) -> str:
    """Hoax checks per claim of a village (or `NO_VILLAGE`, `ALL`) in one week."""
    return f"kim:ins:c:{code or NO_VILLAGE}:{week}"


def open_key(code: str) -> str:
    """Open tickets per topic of a village (or `NO_VILLAGE`, `ALL`)."""
    return f"kim:ins:o:{code or NO_VILLAGE}"


def due_key(code: str) -> str:
    """The due dates of a village's (or `NO_VILLAGE`'s, `ALL`'s) open tickets."""
    return f"kim:ins:due:{code or NO_VILLAGE}"


def due_topic(member: str) -> str:
    """The topic of a `due_key` member."""
    return member.partition(" ")[2]


def _both(key: Callable[[str], str], village: str) -> tuple[str, str]:
    return key(village), key(ALL)


def week_of(moment: float, timezone: str) -> str:
    """The Monday starting `moment`'s week in `timezone`, as `YYYY-MM-DD`."""
    day = datetime.fromtimestamp(moment, ZoneInfo(timezone)).date()
    return (day - timedelta(days=day.weekday())).isoformat()


def bucket_of(seconds: float) -> int:
    """The time bucket of a duration: floor(log base 1.1 of the seconds), 0 below 1 s."""
    return int(math.log(seconds, BUCKET_BASE)) if seconds >= 1 else 0


def bucket_seconds(bucket: int) -> float:
    """A representative duration of a bucket: the geometric middle of its bounds."""
    return float(BUCKET_BASE ** (bucket + 0.5)) if bucket > 0 else 0.5


def clear(redis: Redis) -> int:
    """Delete every counter (before a rebuild); returns how many keys went."""
    patterns = [village_key("*"), desk_key("*"), times_key("*"), claims_key("*", "*")]
    patterns += [open_key("*"), due_key("*")]
    keys = [str(k) for p in patterns for k in redis.scan_iter(p, 500)]
    for start in range(0, len(keys), 500):
        redis.delete(*keys[start : start + 500])
    return len(keys)


def current(redis: Redis) -> bool:
    """Whether the counters are of this version."""
    return redis.get(VERSION_KEY) == VERSION


def mark_current(redis: Redis) -> None:
    """The counters were rebuilt for this version."""
    redis.set(VERSION_KEY, VERSION)


# -- residents ---------------------------------------------------------------------


def _add(pipe: Pipeline, key: Callable[[str], str], village: str, name: str, n: int) -> None:
    for target in _both(key, village):
        pipe.hincrby(target, name, n)


def joined(pipe: Pipeline, village: str, address: Address, locale: str, week: str) -> None:
    """An active subscription of `address` to `village` began this week."""
    _add(pipe, village_key, village, address.platform, 1)
    _add(pipe, village_key, village, f"loc:{locale}", 1)
    _add(pipe, village_key, village, f"in:{week}", 1)


def left(pipe: Pipeline, village: str, address: Address, locale: str, week: str) -> None:
    """An active subscription of `address` to `village` ended this week."""
    _add(pipe, village_key, village, address.platform, -1)
    _add(pipe, village_key, village, f"loc:{locale}", -1)
    _add(pipe, village_key, village, f"out:{week}", 1)


def relocaled(pipe: Pipeline, village: str, before: str, after: str) -> None:
    """An active subscriber of `village` changed language."""
    if before != after:
        _add(pipe, village_key, village, f"loc:{before}", -1)
        _add(pipe, village_key, village, f"loc:{after}", 1)


def replatformed(pipe: Pipeline, village: str, before: Address, after: Address) -> None:
    """An active subscriber of `village` moved to another address (maybe platform)."""
    if before.platform != after.platform:
        _add(pipe, village_key, village, before.platform, -1)
        _add(pipe, village_key, village, after.platform, 1)


def stopped(pipe: Pipeline, village: str, delta: int) -> None:
    """One more (1) or one fewer (-1) stopped resident of `village`."""
    _add(pipe, village_key, village, "stopped", delta)


def erased(pipe: Pipeline, village: str) -> None:
    """A resident of `village` erased their data (or retention did)."""
    _add(pipe, village_key, village, "erased", 1)


# -- the desk ----------------------------------------------------------------------


def opened(pipe: Pipeline, village: str, topic: str, ticket: str, due_at: float) -> None:
    """A ticket of `village` about `topic` is open (new, or reopened)."""
    _add(pipe, open_key, village, topic, 1)
    for key in _both(due_key, village):
        pipe.zadd(key, {f"{ticket} {topic}": due_at})


def closed(pipe: Pipeline, village: str, topic: str, ticket: str) -> None:
    """An open ticket of `village` about `topic` was answered, finished or rejected."""
    _add(pipe, open_key, village, topic, -1)
    for key in _both(due_key, village):
        pipe.zrem(key, f"{ticket} {topic}")


def responded(pipe: Pipeline, village: str, seconds: float) -> None:
    """A ticket of `village` got its first staff response `seconds` after it was filed."""
    _add(pipe, times_key, village, f"first:{bucket_of(seconds)}", 1)


def answered(pipe: Pipeline, village: str, seconds: float) -> None:
    """A ticket of `village` got its first answer `seconds` after it was filed."""
    _add(pipe, times_key, village, f"answer:{bucket_of(seconds)}", 1)


def rated(pipe: Pipeline, village: str, before: int, after: int) -> None:
    """A ticket of `village` rated `after` stars (`before`: its earlier rating, 0: none)."""
    if before == after:
        return
    if 1 <= before <= 5:
        _add(pipe, desk_key, village, f"rating:{before}", -1)
    _add(pipe, desk_key, village, f"rating:{after}", 1)


def hoax_checked(pipe: Pipeline, village: str, claim: str, week: str, *, instant: bool) -> None:
    """A hoax check about `claim` was answered from the archive (`instant`) or queued."""
    _add(pipe, desk_key, village, f"hx{'i' if instant else 'q'}:{week}", 1)
    for key in (claims_key(village, week), claims_key(ALL, week)):
        pipe.hincrby(key, claim, 1)
        pipe.expire(key, CLAIM_WEEKS * 7 * 86400)
