"""The shared Redis rate limiter, with time injected."""

from __future__ import annotations

from bot.platform.store import Redis
from broadcasts.limiter import RateLimiter, Rates


class Clock:
    """Milliseconds that move only when told."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def drain(
    limiter: RateLimiter, clock: Clock, seconds: float, step_ms: float = 1.0, **kw: object
) -> int:
    """Take every bulk token offered over `seconds` of simulated time."""
    taken = 0
    end = clock.now + seconds * 1000
    while clock.now < end:
        granted, _ = limiter.try_acquire(**kw)  # type: ignore[arg-type]
        taken += granted
        clock.now += step_ms
    return taken


def test_bulk_keeps_to_the_overall_rate(redis: Redis) -> None:
    """Over 10 s at 30/s, bulk gets 300 (plus the initial burst: 0.2 s), never more."""
    clock = Clock()
    limiter = RateLimiter(redis, 1, Rates(per_second=30), clock)
    taken = drain(limiter, clock, 10.0, tokens=50)
    assert 300 <= taken <= 300 + 6


def test_two_workers_share_one_budget(redis: Redis) -> None:
    """Two limiters (two processes) on the same bot split the rate, not double it."""
    clock = Clock()
    a = RateLimiter(redis, 1, Rates(per_second=30), clock)
    b = RateLimiter(redis, 1, Rates(per_second=30), clock)
    taken = 0
    for _ in range(10_000):
        taken += a.try_acquire(tokens=5)[0] + b.try_acquire(tokens=5)[0]
        clock.now += 1
    assert 300 <= taken <= 306


def test_priority_replies_find_room_while_bulk_saturates(redis: Redis) -> None:
    """With bulk using everything it may, a reply is still granted at once."""
    clock = Clock()
    limiter = RateLimiter(redis, 1, Rates(per_second=30), clock)
    drain(limiter, clock, 2.0, tokens=50)
    while limiter.try_acquire(tokens=50)[0]:  # bulk takes all it may at this instant
        pass
    assert limiter.try_acquire(tokens=50)[0] == 0
    assert limiter.try_acquire(chat_id=77, priority=True)[0] == 1
    assert limiter.try_acquire(chat_id=78, priority=True)[0] == 1


def test_private_chat_one_per_second_with_a_short_burst(redis: Redis) -> None:
    """A chat may get a few messages back to back, then one a second."""
    clock = Clock()
    limiter = RateLimiter(redis, 1, Rates(per_second=1000, chat_burst=3), clock)
    assert [limiter.try_acquire(chat_id=5, priority=True)[0] for _ in range(4)] == [1, 1, 1, 0]
    _, wait = limiter.try_acquire(chat_id=5, priority=True)
    assert 0.9 <= wait <= 1.05  # 5% safety margin over Telegram's 1/s
    clock.now += wait * 1000
    assert limiter.try_acquire(chat_id=5, priority=True)[0] == 1
    assert limiter.try_acquire(chat_id=6, priority=True)[0] == 1  # other chats unaffected


def test_group_twenty_per_minute(redis: Redis) -> None:
    """A group or channel gets at most 20 a minute (after its burst)."""
    clock = Clock()
    limiter = RateLimiter(redis, 1, Rates(per_second=1000), clock)
    taken = drain(limiter, clock, 60.0, step_ms=50, chat_id=-1001)
    assert 20 <= taken <= 20 + 3


def test_pause_after_429_holds_every_sender(redis: Redis) -> None:
    """retry_after pauses bulk and replies alike, exactly that long; a shorter one can't
    shorten it."""
    clock = Clock()
    limiter = RateLimiter(redis, 1, Rates(per_second=30), clock)
    limiter.pause(5)
    limiter.pause(2)
    granted, wait = limiter.try_acquire(priority=True)
    assert (granted, wait) == (0, 5.0)
    clock.now += 4999
    assert limiter.try_acquire(priority=True)[0] == 0
    clock.now += 1
    assert limiter.try_acquire(priority=True)[0] == 1


def test_bots_do_not_share_budgets(redis: Redis) -> None:
    """Each bot id has its own keys."""
    clock = Clock()
    one = RateLimiter(redis, 1, Rates(per_second=30), clock)
    two = RateLimiter(redis, 2, Rates(per_second=30), clock)
    drain(one, clock, 1.0, tokens=50)
    assert two.try_acquire(tokens=3)[0] == 3


def test_paid_broadcast_rate(redis: Redis) -> None:
    """At 1000/s, one second gives about a thousand."""
    clock = Clock()
    limiter = RateLimiter(redis, 1, Rates(per_second=1000), clock)
    assert 1000 <= drain(limiter, clock, 1.0, tokens=500) <= 1000 + 200


def test_every_integer_rate_from_1_to_1000_delivers(redis: Redis) -> None:
    """Bulk at each rate 1-1000/s (1000 is the paid-broadcast rate), polling every 20 ms of
    injected time, gets at least 98% of its rate over 4 s: no rate rounds down to nothing.
    One limiter per rate on its own key, all advanced together in one pipeline per step."""
    clock = Clock()
    limiters = {
        rate: RateLimiter(redis, rate, Rates(per_second=rate), clock) for rate in range(1, 1001)
    }
    taken = dict.fromkeys(limiters, 0)
    warm_up, end = clock.now + 1000, clock.now + 5000
    while clock.now < end:
        pipe = redis.pipeline(transaction=False)
        for limiter in limiters.values():
            keys, args = limiter.request(tokens=100)
            limiter.script(keys=keys, args=args, client=pipe)
        for rate, (granted, _wait) in zip(limiters, pipe.execute(), strict=True):
            if clock.now >= warm_up:
                taken[rate] += int(granted)
        clock.now += 20
    short = {rate: n / 4 for rate, n in taken.items() if n / 4 < 0.98 * rate}
    over = {rate: n / 4 for rate, n in taken.items() if n / 4 > rate + 1}
    assert (short, over) == ({}, {})


def test_low_rates_pace_exactly_when_waiting_as_told(redis: Redis) -> None:
    """A sender that sleeps exactly the wait it is given (as `acquire` does) keeps each rate
    1-50/s: waits are not rounded to whole milliseconds (9/s once became 8.93/s)."""
    for rate in range(1, 51):
        clock = Clock()
        limiter = RateLimiter(redis, 10_000 + rate, Rates(per_second=rate), clock)
        while limiter.try_acquire()[0]:  # the burst allowed at once: measure from after it
            pass
        while not (found := limiter.try_acquire())[0]:  # and from the first token after it
            clock.now += found[1] * 1000
        start, taken = clock.now, 0
        while taken < 4 * rate:
            granted, wait = limiter.try_acquire()
            taken += granted
            if not granted:
                assert wait >= 0.001  # never a busy loop
                clock.now += wait * 1000
        achieved = taken / ((clock.now - start) / 1000)
        assert 0.98 * rate <= achieved <= 1.02 * rate, rate


def test_waiting_bulk_waits_for_a_grants_worth_and_late_wakers_keep_the_rate(
    redis: Redis,
) -> None:
    """A bulk sender asking for many tokens is told to come back when a grant's worth is
    free (5 at 30/s), not every single token, and one granted fewer than it asked is told
    when; woken up to 25 ms late each time, it still sends at the full rate."""
    for late_ms in (0.0, 10.0, 25.0):
        clock = Clock()
        limiter = RateLimiter(redis, 20_000 + int(late_ms), Rates(per_second=30), clock)
        while limiter.try_acquire(tokens=100)[0]:
            pass
        start, taken, asks, not_before = clock.now, 0, 0, 0.0
        while clock.now - start < 10_000:
            clock.now = max(clock.now, not_before)
            granted, wait = limiter.try_acquire(tokens=100)
            asks += 1
            taken += granted
            assert wait >= 0.001 or granted == 100  # never told to ask again at once
            if granted:
                not_before = clock.now + wait * 1000 + late_ms
            else:
                clock.now += wait * 1000 + late_ms
        assert limiter.grant == 5
        assert 29.4 <= taken / 10 <= 30.3, late_ms
        assert asks <= 10 * 7, late_ms  # ~6 a second, where single tokens took ~60


def test_try_many_loads_the_script_again_after_redis_lost_it(redis: Redis) -> None:
    """After `SCRIPT FLUSH` (or a restart) the batched asks still answer, and take once."""
    clock = Clock()
    limiter = RateLimiter(redis, 1, Rates(per_second=30), clock)
    assert limiter.try_many([(7, True, 1)]) == [(1, 0.0)]
    redis.script_flush()
    clock.now += 5_000
    results = limiter.try_many([(8, True, 1)] * 4)
    assert [granted for granted, _ in results] == [1, 1, 1, 0]  # chat 8's burst, taken once
    assert results[3][1] > 0
