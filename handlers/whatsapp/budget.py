"""WhatsApp's messaging limit: unique recipients reached outside the 24-hour window per
moving 24 hours (the number's tier: 250, 2,000, 10,000, 100,000 or unlimited).

Redis key: `kim:wa:budget:{phone_number_id}` — sorted set: hashed recipient → when they
were last reached outside the window. Hashes, not addresses: nothing here names anyone.
"""

from __future__ import annotations

import hashlib

from bot.platform.addresses import Address
from bot.platform.store import Redis

DAY = 86400.0

# KEYS: [1] the budget set   ARGV: [1] now (s), [2] limit (0 = none), [3] member
# Returns {1, 0} when the recipient may be reached (already counted today, or room left),
# else {0, when the oldest entry leaves the window (s)}.
TAKE = """
local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 86400)
if redis.call('ZSCORE', KEYS[1], ARGV[3]) then return {1, 0} end
if limit > 0 and redis.call('ZCARD', KEYS[1]) >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, tostring(tonumber(oldest[2]) + 86400)}
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('EXPIRE', KEYS[1], 172800)
return {1, 0}
"""


class DailyBudget:
    """Take a slot of the number's daily budget for one recipient."""

    def __init__(self, redis: Redis, phone_number_id: str, limit: int) -> None:
        self.key = f"kim:wa:budget:{phone_number_id}"
        self.limit = limit
        self._take = redis.register_script(TAKE)

    def take(self, recipient: Address, now: float) -> tuple[bool, float]:
        """(allowed, when a slot frees if not)."""
        member = hashlib.blake2b(str(recipient).encode(), digest_size=10).hexdigest()
        allowed, free_at = self._take(keys=[self.key], args=[now, self.limit, member])
        return bool(int(allowed)), float(free_at)
