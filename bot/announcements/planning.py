"""Recipient plans: the fixed list of everyone an announcement goes to, built inside Redis.

A plan is the announcement's channels, then every distinct member of its audience sets
(`bot/residents/records.py`), in the order Redis's `SSCAN` returns them: deterministic
but not sorted. Redis builds it in steps of at most `STEP` members, each one script call
of a few milliseconds, so planning a million recipients never holds Redis for long and no
recipient passes through the client. The step's position (audience key and `SSCAN`
cursor) is stored with each step, so a planner killed half-way is resumed where it
stopped by the next one, and two planners never both append the same step. Once
complete, a plan never changes except for erasure and readdressing (the slot is kept).

The plan is cut into lists of `SEGMENT` recipients, so that finding one recipient (for
erasure) is a few bounded `LPOS` calls, never a scan of a million-entry list.

Redis keys (all owned here):
- `kim:bc:{id}:recipients` — list: the first segment of the plan (channels first); a plan
  made before segments existed is this one list, of any length.
- `kim:bc:{id}:recipients:{n}` — list: segment `n` ≥ 1, recipients `n × SEGMENT` onwards.
- `kim:bc:{id}:plan` — hash: keys (JSON list of the audience sets), key (index of the
  set being read), cursor (its `SSCAN` cursor), planned (recipients so far), channels,
  segment (entries per segment list), done (1 once complete).
- `kim:bc:{id}:planning` — scratch set: recipients planned so far (to leave out a
  resident met twice), deleted when the plan is complete. A plan that leaves some out
  (a poll's reminder skips its respondents) starts with them in it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from redis.client import Pipeline

from bot.platform.store import Redis

STEP = 3000  # audience members one step reads at most (~2.5 µs each in Redis)
SEGMENT = 100_000  # recipients per segment list (an LPOS over one takes ~3 ms)
SSCAN_COUNT = 1000  # members asked of one SSCAN call inside a step

# KEYS: [1] the plan hash, [2] the first segment list, [3] the scratch set, [4..] sets of
#       residents to leave out
# ARGV: [1] the audience keys (JSON), [2] entries per segment, [3..] the channels
# Starts a plan unless one exists. Returns 1 if this call started it.
_START = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if #KEYS > 3 then redis.call('SUNIONSTORE', KEYS[3], unpack(KEYS, 4)) end
local channels = #ARGV - 2
redis.call('HSET', KEYS[1], 'keys', ARGV[1], 'key', '0', 'cursor', '0',
  'planned', channels, 'channels', channels, 'segment', ARGV[2])
if channels > 0 then redis.call('RPUSH', KEYS[2], unpack(ARGV, 3)) end
return 1
"""

# KEYS: [1] the plan hash, [2] the audience set being read, [3] the scratch set,
#       [4] the segment list recipient `planned` goes into, [5] the segment after it
# ARGV: [1] the index of KEYS[2] among the plan's keys and [2] its cursor, as the caller
#       last read them; [3] how many members to read at most; [4] SSCAN's COUNT
# Appends the next members of KEYS[2] not planned yet (a step reads fewer members than
# a segment holds, so it fills at most two). A caller with a stale position changes
# nothing. Returns {key index, cursor, planned} as they are after the call.
_STEP = """
local at = redis.call('HMGET', KEYS[1], 'key', 'cursor', 'planned', 'segment')
if at[1] ~= ARGV[1] or at[2] ~= ARGV[2] then return {at[1], at[2], at[3]} end
local cursor, planned, size = ARGV[2], tonumber(at[3]), tonumber(at[4])
local budget, count = tonumber(ARGV[3]), ARGV[4]
local limit = (math.floor(planned / size) + 1) * size  -- where KEYS[4] ends
local read = 0
repeat
  local reply = redis.call('SSCAN', KEYS[2], cursor, 'COUNT', count)
  cursor = reply[1]
  local members = reply[2]
  read = read + #members
  if #members > 0 then
    local seen = redis.call('SMISMEMBER', KEYS[3], unpack(members))
    local fresh = {}
    for i = 1, #members do
      if seen[i] == 0 then fresh[#fresh + 1] = members[i] end
    end
    if #fresh > 0 then
      redis.call('SADD', KEYS[3], unpack(fresh))
      local room = limit - planned
      if room >= #fresh then
        redis.call('RPUSH', KEYS[4], unpack(fresh))
      elseif room <= 0 then
        redis.call('RPUSH', KEYS[5], unpack(fresh))
      else
        redis.call('RPUSH', KEYS[4], unpack(fresh, 1, room))
        redis.call('RPUSH', KEYS[5], unpack(fresh, room + 1))
      end
      planned = planned + #fresh
    end
  end
until cursor == '0' or read >= budget
local key = tonumber(ARGV[1])
if cursor == '0' then key = key + 1 end
redis.call('HSET', KEYS[1], 'key', key, 'cursor', cursor, 'planned', planned)
return {tostring(key), cursor, tostring(planned)}
"""

# KEYS: [1] the plan hash, [2] the scratch set
# ARGV: [1] how many audience keys the plan reads
# Marks the plan complete once every key was read. Returns {planned, channels}, or
# an empty list if keys are left to read.
_FINISH = """
local at = redis.call('HMGET', KEYS[1], 'key', 'planned', 'channels')
if tonumber(at[1]) < tonumber(ARGV[1]) then return {} end
redis.call('HSET', KEYS[1], 'done', '1')
redis.call('UNLINK', KEYS[2])
return {at[2], at[3]}
"""


def _segment_key(announcement_id: str, n: int) -> str:
    base = f"kim:bc:{announcement_id}:recipients"
    return base if n == 0 else f"{base}:{n}"


def _plan_key(announcement_id: str) -> str:
    return f"kim:bc:{announcement_id}:plan"


def _scratch_key(announcement_id: str) -> str:
    return f"kim:bc:{announcement_id}:planning"


@dataclass(frozen=True)
class Planned:
    """A complete plan's size."""

    recipients: int  # channels included
    channels: int


class Plans:
    """Recipient plans: built in bounded steps, read by index, erased in place."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._start = redis.register_script(_START)
        self._finish = redis.register_script(_FINISH)

    def build(
        self,
        announcement_id: str,
        keys: list[str],
        channels: list[str],
        meanwhile: Callable[[int], None] | None = None,
        exclude: list[str] | None = None,
    ) -> Planned:
        """Complete the plan (starting it with these keys and channels if none exists yet;
        a plan already started keeps its own), and return its size.

        `meanwhile(planned)` is called while Redis runs each step, with how many
        recipients the steps before made final: the caller's own work (enqueueing the
        batches of that part) then overlaps Redis's. Members of the `exclude` sets are
        left out (read once, when the plan starts).
        """
        plan, scratch = _plan_key(announcement_id), _scratch_key(announcement_id)
        self._start(
            keys=[plan, _segment_key(announcement_id, 0), scratch, *(exclude or [])],
            args=[json.dumps(keys), SEGMENT, *channels],
        )
        raw = self.redis.hmget(plan, ["keys", "key", "cursor", "planned", "segment"])
        keys = json.loads(str(raw[0]))
        key, cursor = int(str(raw[1])), str(raw[2])
        planned, size = int(str(raw[3])), int(str(raw[4]))
        sha = str(self.redis.script_load(_STEP))
        pool = self.redis.connection_pool
        connection = pool.get_connection()
        try:
            while key < len(keys):
                segment = planned // size
                step_keys = [
                    plan,
                    keys[key],
                    scratch,
                    _segment_key(announcement_id, segment),
                    _segment_key(announcement_id, segment + 1),
                ]
                # sent now, read after `meanwhile`: Redis runs the step meanwhile
                connection.send_command(  # type: ignore[no-untyped-call]  # redis-py is untyped here
                    "EVALSHA", sha, len(step_keys), *step_keys, key, cursor, STEP, SSCAN_COUNT
                )
                if meanwhile is not None:
                    meanwhile(planned)
                state = connection.read_response()
                key, cursor, planned = int(state[0]), str(state[1]), int(state[2])
        except BaseException:
            connection.disconnect()  # type: ignore[no-untyped-call]  # a reply may be on its way
            raise
        finally:
            pool.release(connection)
        done = self._finish(keys=[plan, scratch], args=[len(keys)])
        return Planned(recipients=int(done[0]), channels=int(done[1]))

    def _segments(self, announcement_id: str) -> tuple[int | None, int]:
        """(entries per segment, how many segments); (None, 1) for a plan of one list."""
        raw = self.redis.hmget(_plan_key(announcement_id), ["segment", "planned"])
        if raw[0] is None:
            return None, 1
        size, planned = int(str(raw[0])), int(str(raw[1] or 0))
        return size, max(1, -(-planned // size))

    def read(self, announcement_id: str, start: int, stop: int) -> list[str]:
        """Recipients `start`..`stop - 1` of the plan."""
        size, _ = self._segments(announcement_id)
        if size is None:
            return [
                str(r) for r in self.redis.lrange(_segment_key(announcement_id, 0), start, stop - 1)
            ]
        pipe = self.redis.pipeline(transaction=False)
        at = start
        while at < stop:
            segment, offset = divmod(at, size)
            end = min(stop, (segment + 1) * size)
            pipe.lrange(_segment_key(announcement_id, segment), offset, offset + end - at - 1)
            at = end
        return [str(r) for chunk in pipe.execute() for r in chunk]

    def keys(self, announcement_id: str) -> list[str]:
        """Every list the plan is stored in, and its state hash."""
        _, count = self._segments(announcement_id)
        return [_segment_key(announcement_id, n) for n in range(count)] + [
            _plan_key(announcement_id)
        ]

    def expire(self, announcement_id: str, seconds: int, pipe: Pipeline) -> None:
        """Queue the plan's expiry."""
        for key in self.keys(announcement_id):
            pipe.expire(key, seconds)

    def find(self, announcement_id: str, recipient: str) -> tuple[str, int] | None:
        """(list, position) of `recipient` in the plan, or None: one bounded LPOS per segment."""
        lists = self.keys(announcement_id)[:-1]
        pipe = self.redis.pipeline(transaction=False)
        for key in lists:
            pipe.lpos(key, recipient)
        for key, position in zip(lists, pipe.execute(), strict=True):
            if position is not None:
                return key, int(str(position))
        return None

    def replace(self, announcement_id: str, old: str, new: str, pipe: Pipeline) -> bool:
        """Queue `old`'s replacement by `new` in the plan (and in its scratch set while it
        is being made); returns whether the plan held `old`."""
        scratch = _scratch_key(announcement_id)
        if self.redis.sismember(scratch, old):
            pipe.srem(scratch, old)
            pipe.sadd(scratch, new)
        slot = self.find(announcement_id, old)
        if slot is not None:
            pipe.lset(slot[0], slot[1], new)
        return slot is not None
