"""Residents: consent, locale, their kelurahan/desa and community KIM subscriptions.

Redis keys (all owned here):
- `kim:res:{addr}` — hash: locale, status (active|stopped), village, consent_at,
  consent_version, created_at, updated_at, stopped_at, and for WhatsApp `last_inbound`
  (when the resident last wrote: it opens WhatsApp's 24-hour customer-service window).
- `kim:res:{addr}:kom` — set of komunitas slugs the resident joined.
- `kim:aud:v:{code}` — set of addresses of active subscribers of a village.
- `kim:aud:kom:{slug}` — set of addresses of active members of a komunitas.
- `kim:res:stopped` — sorted set: address → time it stopped (retention sweep).

`{addr}` is `tg:<chat id>` or `wa:<id>`. Audience sets hold only active residents, so a
broadcast's audience is a set read; stopping removes the resident from every set. Each
change also moves the dashboard's counts (bot/insights/counters.py) in its transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from redis.client import Pipeline

from bot.insights import counters
from bot.platform.addresses import Address
from bot.platform.clock import Clock, SystemClock
from bot.platform.store import Redis

Status = Literal["active", "stopped"]
STOPPED_INDEX = "kim:res:stopped"


def _seconds(raw: object) -> float:
    try:
        return float(str(raw)) if raw else 0.0
    except ValueError:
        return 0.0


def _key(address: Address) -> str:
    return f"kim:res:{address}"


def record_key(address: Address) -> str:
    """The key of a resident's record (its existence means: not erased)."""
    return _key(address)


def village_audience_key(code: str) -> str:
    """The set of active subscribers of a village."""
    return f"kim:aud:v:{code}"


def komunitas_audience_key(slug: str) -> str:
    """The set of active members of a komunitas."""
    return f"kim:aud:kom:{slug}"


@dataclass
class Resident:
    """A resident who consented to the privacy notice."""

    address: Address
    locale: str
    status: Status
    consent_at: float
    consent_version: str
    created_at: float
    village: str | None = None
    stopped_at: float | None = None
    komunitas: set[str] = field(default_factory=set)
    last_inbound: float = 0.0

    def in_window(self, now: float, margin: float = 600.0) -> bool:
        """Whether WhatsApp's 24-hour window (opened by their last message) is still open."""
        return now - self.last_inbound < 86400.0 - margin

    @property
    def active(self) -> bool:
        """Subscribed and receiving announcements."""
        return self.status == "active"


class Residents:
    """The resident store."""

    section = "resident"

    def __init__(self, redis: Redis, timezone: str = "UTC", clock: Clock | None = None) -> None:
        self.redis = redis
        self.timezone = timezone
        self.clock = clock or SystemClock()  # erasures are not handed a time

    def _week(self, now: float) -> str:
        return counters.week_of(now, self.timezone)

    def receiving(self, addresses: list[Address]) -> list[bool]:
        """For each address, whether it is an active subscriber right now (one round trip):
        a resident who stopped or erased their data since a broadcast was planned gets
        nothing more."""
        pipe = self.redis.pipeline(transaction=False)
        for address in addresses:
            pipe.hget(_key(address), "status")
        return [status == "active" for status in pipe.execute()]

    def villages(self, addresses: list[Address]) -> list[str]:
        """Each resident's kelurahan/desa ("" for none, or erased), in one round trip."""
        pipe = self.redis.pipeline(transaction=False)
        for address in addresses:
            pipe.hget(_key(address), "village")
        return [str(v or "") for v in pipe.execute()] if addresses else []

    def places(self, addresses: list[Address]) -> list[tuple[str, str]]:
        """Each resident's (language, kelurahan/desa), "" for what is unknown, in one round
        trip (an early warning is written for both)."""
        pipe = self.redis.pipeline(transaction=False)
        for address in addresses:
            pipe.hmget(_key(address), ["locale", "village"])
        return [(str(lang or ""), str(v or "")) for lang, v in pipe.execute()] if addresses else []

    def get(self, address: Address) -> Resident | None:
        """The resident at `address`, or None when they never consented (or erased)."""
        pipe = self.redis.pipeline(transaction=False)
        self.queue_get(address, pipe)
        return self.got(address, pipe.execute())

    def queue_get(self, address: Address, pipe: Pipeline) -> int:
        """Queue `get`'s reads on `pipe` (to share a round trip); `got` reads the results.
        How many commands it queued."""
        pipe.hgetall(_key(address))
        pipe.smembers(_key(address) + ":kom")
        return 2

    def got(self, address: Address, results: list[Any]) -> Resident | None:
        """The resident from `queue_get`'s results."""
        raw, kom = results
        if not raw:
            return None
        return Resident(
            address=address,
            locale=raw.get("locale", "id"),
            status="stopped" if raw.get("status") == "stopped" else "active",
            consent_at=float(raw.get("consent_at", 0)),
            consent_version=raw.get("consent_version", ""),
            created_at=float(raw.get("created_at", 0)),
            village=raw.get("village") or None,
            stopped_at=float(raw["stopped_at"]) if raw.get("stopped_at") else None,
            komunitas=set(kom),
            last_inbound=float(raw.get("last_inbound") or 0.0),
        )

    def consent(self, address: Address, locale: str, version: str, now: float) -> None:
        """Record consent to notice `version` (creating the resident on first consent)."""
        key = _key(address)
        pipe = self.redis.pipeline(transaction=True)
        pipe.hsetnx(key, "created_at", repr(now))
        pipe.hsetnx(key, "status", "active")
        pipe.hset(
            key,
            mapping={
                "locale": locale,
                "consent_at": repr(now),
                "consent_version": version,
                "updated_at": repr(now),
            },
        )
        pipe.execute()

    def subscribe(self, address: Address, village: str, now: float) -> None:
        """Make `village` the resident's one kelurahan/desa and (re)activate them."""
        current = self.get(address)
        if current is None:
            raise LookupError(f"{address} has not consented")
        pipe = self.redis.pipeline(transaction=True)
        if current.village and current.village != village:
            pipe.srem(village_audience_key(current.village), str(address))
        self._count_subscribe(current, village, now, pipe)
        pipe.sadd(village_audience_key(village), str(address))
        for slug in current.komunitas:
            pipe.sadd(komunitas_audience_key(slug), str(address))
        pipe.hset(
            _key(address),
            mapping={"village": village, "status": "active", "updated_at": repr(now)},
        )
        pipe.hdel(_key(address), "stopped_at")
        pipe.zrem(STOPPED_INDEX, str(address))
        pipe.execute()

    def stop(self, address: Address, now: float) -> None:
        """Unsubscribe from everything; the record stays until erased or retention ends."""
        current = self.get(address)
        if current is None:
            return
        pipe = self.redis.pipeline(transaction=True)
        self._leave_audiences(current, pipe)
        if current.active:
            if current.village:
                counters.left(pipe, current.village, address, current.locale, self._week(now))
            counters.stopped(pipe, current.village or "", 1)
        pipe.hset(
            _key(address),
            mapping={"status": "stopped", "stopped_at": repr(now), "updated_at": repr(now)},
        )
        pipe.zadd(STOPPED_INDEX, {str(address): now})
        pipe.execute()

    def touch_inbound(self, address: Address, now: float) -> None:
        """The resident wrote to us (WhatsApp: this opens a 24-hour window)."""
        if self.redis.exists(_key(address)):
            self.redis.hset(_key(address), "last_inbound", repr(now))

    def set_locale(self, address: Address, locale: str, now: float) -> None:
        """Remember the resident's language."""
        current = self.get(address)
        if current is None:
            return
        pipe = self.redis.pipeline(transaction=True)
        if current.active and current.village:
            counters.relocaled(pipe, current.village, current.locale, locale)
        pipe.hset(_key(address), mapping={"locale": locale, "updated_at": repr(now)})
        pipe.execute()

    def join_komunitas(self, address: Address, slug: str, now: float) -> None:
        """Add a community KIM to the resident's subscriptions."""
        active = self.redis.hget(_key(address), "status") == "active"
        pipe = self.redis.pipeline(transaction=True)
        pipe.sadd(_key(address) + ":kom", slug)
        if active:
            pipe.sadd(komunitas_audience_key(slug), str(address))
        pipe.hset(_key(address), "updated_at", repr(now))
        pipe.execute()

    def leave_komunitas(self, address: Address, slug: str, now: float) -> None:
        """Remove a community KIM from the resident's subscriptions."""
        pipe = self.redis.pipeline(transaction=True)
        pipe.srem(_key(address) + ":kom", slug)
        pipe.srem(komunitas_audience_key(slug), str(address))
        pipe.hset(_key(address), "updated_at", repr(now))
        pipe.execute()

    def is_subscriber(self, address: Address, village: str) -> bool:
        """True when `address` is an active subscriber of `village`."""
        return bool(self.redis.sismember(village_audience_key(village), str(address)))

    def count_subscribers(self, villages: list[str]) -> int:
        """Active subscribers of these villages, in one round trip."""
        return sum(self.subscribers_by_village(villages))

    def subscribers_by_village(self, villages: list[str]) -> list[int]:
        """Active subscribers of each of these villages, in this order, one round trip."""
        pipe = self.redis.pipeline(transaction=False)
        for code in villages:
            pipe.scard(village_audience_key(code))
        return [int(n) for n in pipe.execute()]

    def is_member(self, address: Address, slug: str) -> bool:
        """True when `address` is an active member of komunitas `slug`."""
        return bool(self.redis.sismember(komunitas_audience_key(slug), str(address)))

    def _count_subscribe(self, current: Resident, village: str, now: float, pipe: Pipeline) -> None:
        """The counts a subscription to `village` moves."""
        if current.active and current.village == village:
            return
        week = self._week(now)
        if current.active and current.village:
            counters.left(pipe, current.village, current.address, current.locale, week)
        if not current.active:
            counters.stopped(pipe, current.village or "", -1)
        counters.joined(pipe, village, current.address, current.locale, week)

    def _leave_audiences(self, resident: Resident, pipe: Pipeline) -> None:
        if resident.village:
            pipe.srem(village_audience_key(resident.village), str(resident.address))
        for slug in resident.komunitas:
            pipe.srem(komunitas_audience_key(slug), str(resident.address))

    def export(self, address: Address) -> dict[str, Any]:
        """The resident record as stored."""
        resident = self.get(address)
        if resident is None:
            return {}
        raw: dict[str, Any] = {str(k): v for k, v in self.redis.hgetall(_key(address)).items()}
        raw["komunitas"] = sorted(resident.komunitas)
        return raw

    def erase(self, address: Address, pipe: Pipeline) -> None:
        """Queue deletion of the record, the memberships and the audience entries."""
        resident = self.get(address)
        if resident is not None:
            self._leave_audiences(resident, pipe)
            self._count_erasure(resident, pipe)
        pipe.delete(_key(address), _key(address) + ":kom")
        pipe.zrem(STOPPED_INDEX, str(address))

    def _count_erasure(self, resident: Resident, pipe: Pipeline) -> None:
        """The counts an erasure moves."""
        village = resident.village or ""
        if resident.active and village:
            week = self._week(self.clock.now())
            counters.left(pipe, village, resident.address, resident.locale, week)
        elif not resident.active:
            counters.stopped(pipe, village, -1)
        counters.erased(pipe, village)

    def readdress(self, old: Address, new: Address, pipe: Pipeline) -> None:
        """The record, memberships, audience entries and stop time, now under `new`."""
        resident = self.get(old)
        if resident is not None and resident.active and resident.village:
            counters.replatformed(pipe, resident.village, old, new)
        was, now = str(old), str(new)
        for key in (_key(old), _key(old) + ":kom"):
            if self.redis.exists(key):
                pipe.rename(key, key.replace(was, now, 1))
        if resident is not None:
            audiences = [village_audience_key(resident.village)] if resident.village else []
            audiences += [komunitas_audience_key(slug) for slug in resident.komunitas]
            for key in audiences:
                if self.redis.sismember(key, was):
                    pipe.srem(key, was)
                    pipe.sadd(key, now)
        stopped = self.redis.zscore(STOPPED_INDEX, was)
        if stopped is not None:
            pipe.zrem(STOPPED_INDEX, was)
            pipe.zadd(STOPPED_INDEX, {now: stopped})

    def facts(self, addresses: list[Address]) -> list[tuple[str, str, str, float, float]]:
        """(locale, status, village, created_at, stopped_at) of each resident ("" and 0 for
        what is missing or unreadable), in one pipelined read, for counting."""
        pipe = self.redis.pipeline(transaction=False)
        for address in addresses:
            pipe.hmget(_key(address), ["locale", "status", "village", "created_at", "stopped_at"])
        return [
            (str(loc or ""), str(st or ""), str(vil or ""), _seconds(made), _seconds(stop))
            for loc, st, vil, made, stop in (pipe.execute() if addresses else [])
        ]

    def audience(self, village: str) -> list[Address]:
        """Every active subscriber of `village` (a full read, for rebuilding counts)."""
        return [Address.parse(str(a)) for a in self.redis.smembers(village_audience_key(village))]

    def stopped_before(self, moment: float, limit: int = 1000) -> list[Address]:
        """Residents who stopped before `moment` (oldest first), for the retention sweep."""
        found = self.redis.zrangebyscore(STOPPED_INDEX, "-inf", moment, start=0, num=limit)
        return [Address.parse(str(a)) for a in found]
