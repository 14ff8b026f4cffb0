"""One resident, two WhatsApp ids: moving a phone-keyed resident to their business-scoped id.

WhatsApp is moving from phone numbers (`wa_id`) to business-scoped user ids. A resident
who subscribed while webhooks carried only the phone number is stored as `wa:<phone>`;
when their messages start carrying a business-scoped id, everything is moved to
`wa:<that id>` once — otherwise they would be two residents, asked to subscribe again,
and sent every announcement twice. Moving also removes the phone number from every key
and value that held it.
"""

from __future__ import annotations

from bot.announcements.store import INDEX
from bot.platform.addresses import Address
from bot.residents.records import STOPPED_INDEX, komunitas_audience_key, village_audience_key
from bot.services import Services


def adopt_new_id(svc: Services, old: Address, new: Address) -> bool:
    """Move everything stored under `old` to `new`, if `old` is known and `new` is not."""
    residents = svc.residents
    resident = residents.get(old)
    if old == new or resident is None or residents.get(new) is not None:
        return False
    redis = svc.redis
    was, now = str(old), str(new)
    pipe = redis.pipeline(transaction=True)
    for suffix in ("", ":kom"):
        if redis.exists(f"kim:res:{was}{suffix}"):
            pipe.rename(f"kim:res:{was}{suffix}", f"kim:res:{now}{suffix}")
    for key in ([village_audience_key(resident.village)] if resident.village else []) + [
        komunitas_audience_key(slug) for slug in resident.komunitas
    ]:
        if redis.sismember(key, was):
            pipe.srem(key, was)
            pipe.sadd(key, now)
    stopped = redis.zscore(STOPPED_INDEX, was)
    if stopped is not None:
        pipe.zrem(STOPPED_INDEX, was)
        pipe.zadd(STOPPED_INDEX, {now: stopped})
    for key in (f"kim:dlg:{was}", f"kim:held:{was}", f"kim:tk:res:{was}"):
        if redis.exists(key):
            pipe.rename(key, key.replace(was, now))
    for ticket_id in redis.zrange(f"kim:tk:res:{was}", 0, -1):
        pipe.hset(f"kim:tk:{ticket_id!s}", "requester", now)
    for announcement_id in redis.zrange(INDEX, 0, -1):
        base = f"kim:bc:{announcement_id!s}"
        position = redis.lpos(base + ":recipients", was)
        if position is not None:
            pipe.lset(base + ":recipients", int(str(position)), now)
        code = redis.hget(base + ":ledger", was)
        if code is not None:
            pipe.hdel(base + ":ledger", was)
            pipe.hset(base + ":ledger", now, str(code))
        for digest, recipient in redis.hscan_iter(base + ":wamsg"):
            if recipient == was:
                pipe.hset(base + ":wamsg", digest, now)
        state = redis.hget(base + ":wastate", was)
        if state is not None:
            pipe.hdel(base + ":wastate", was)
            pipe.hset(base + ":wastate", now, str(state))
    pipe.delete(f"kim:flood:{was}")
    pipe.execute()
    return True
