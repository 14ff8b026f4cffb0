"""Early-warning records: each CAP alert once, with its villages, decision and chain.

`AlertStore.ingest(data, origin, actor)` parses and checks a CAP document
(bot/alerts/cap.py), matches its areas (bot/alerts/areas.py), decides its path
(bot/alerts/decision.py) and stores it in one transaction with its `alert.ingested`
audit entry; a document with any problem raises `CapError` having written nothing.
The same alert again (the same sender and identifier, as CAP defines an alert's
identity) is not stored twice: `Ingested.duplicate` says so and nothing is written.

An Update or Cancel whose `references` name alerts on record joins their chain: the
chain's first alert (its root) lists every alert of the chain in the order they came,
so delivery can reach everyone the original reached with the update or the all-clear.
A Cancel covers the villages of the alerts it cancels as well as its own.

Redis keys (all owned here):
- `kim:al:seq` — counter of alert ids.
- `kim:al:{id}` — hash: the record (identifier, sender, sent, status, msg_type, scope,
  event, headline, severity, urgency, certainty, expires, decision, reason, villages,
  references, root, ingested, origin) and the CAP document itself (`cap`, base64);
  once delivery acts on it (bot/alerts/delivery.py): delivery (the announcement that
  carries it), decided_by (who approved or ignored a draft), first_sent and last_sent
  (when the first part of its delivery that reached anyone began sending, and when the
  latest such part ended).
- `kim:al:keys` — hash: `sender,identifier` → id (CAP forbids commas in both).
- `kim:al:index` — sorted set: id → when it was ingested (`kimbot alerts list`).
- `kim:al:{id}:chain` — list: on a root alert, its id and then the ids of the Updates
  and Cancels of it, in the order they were ingested.
- `kim:al:{id}:to` — set: for an Update or Cancel, the residents the alerts it changes
  reached (its delivery's further audience), kept only until its delivery's recipient
  plan holds them (`forget_recipients`), or it is ignored or expires.

The store is a personal-data owner (bot/residents/privacy.py) for those sets: a
resident's access request lists the alerts whose set holds them, erasure removes them.

`trim(before)` drops every alert ingested before then with its keys (the worker's daily
sweep, `alerts.keep_days`).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any, cast

from redis.client import Pipeline
from redis.exceptions import WatchError

from bot.alerts import cap
from bot.alerts.areas import Coverage, match_alert
from bot.alerts.decision import Decision, decide, expiry
from bot.audit.actors import Actor
from bot.audit.trail import AuditTrail
from bot.platform.addresses import Address
from bot.platform.clock import Clock
from bot.platform.config import Alerts
from bot.platform.store import Redis
from bot.regions.tree import RegionIndex

SEQ = "kim:al:seq"
KEYS = "kim:al:keys"
INDEX = "kim:al:index"


def _record_key(alert_id: str) -> str:
    return f"kim:al:{alert_id}"


def _chain_key(alert_id: str) -> str:
    return f"kim:al:{alert_id}:chain"


def recipients_key(alert_id: str) -> str:
    """The set of an Update's or Cancel's further recipients (`kim:al:{id}:to`)."""
    return f"kim:al:{alert_id}:to"


@dataclass(frozen=True)
class AlertRecord:
    """One stored alert, as `kimbot alerts list` and delivery read it."""

    id: str
    identifier: str
    sender: str
    sent: str
    status: str
    msg_type: str
    scope: str
    event: str
    headline: str
    severity: str
    urgency: str
    certainty: str
    expires: float
    decision: str
    reason: str
    villages: tuple[str, ...]
    references: tuple[str, ...]  # ids of the alerts on record it updates or cancels
    root: str  # the id of its chain's first alert (its own id when it starts one)
    ingested: float
    origin: str  # where it came from: a file name, "-" (standard input), a feed's URL
    delivery: str = ""  # the announcement that delivers it, once there is one
    decided_by: str = ""  # who approved or ignored it (a draft)
    first_sent: float = 0.0  # when its first recipient was reached (0: none yet)
    last_sent: float = 0.0  # when its latest recipient was reached


@dataclass(frozen=True)
class Ingested:
    """What an ingest did: the record, whether it was one on record already, and the
    references to alerts that are not on record (kept in the document, linked to none)."""

    record: AlertRecord
    duplicate: bool
    coverage: Coverage | None = None
    unknown_references: tuple[cap.Reference, ...] = ()


class AlertStore:
    """The alerts on record."""

    section = "alerts"

    def __init__(
        self,
        redis: Redis,
        settings: Alerts,
        regions: RegionIndex,
        clock: Clock,
        audit: AuditTrail,
    ) -> None:
        self.redis = redis
        self.settings = settings
        self.regions = regions
        self.clock = clock
        self.audit = audit

    def ingest(self, data: bytes, origin: str, actor: Actor) -> Ingested:
        """Parse, check, match, decide and store one CAP document (see the module)."""
        alert = cap.parse(data)
        coverage = match_alert(alert, self.regions)
        with self.redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    pipe.watch(KEYS)  # type: ignore[no-untyped-call]  # a concurrent ingest aborts EXEC
                    known = pipe.hget(KEYS, f"{alert.sender},{alert.identifier}")
                    if known is not None:
                        record = self.get(str(known))
                        if record is not None:
                            return Ingested(record, duplicate=True)
                    referenced = [self.find(r.sender, r.identifier) for r in alert.references]
                    on_record = [r for r in referenced if r is not None]
                    unknown = tuple(
                        ref
                        for ref, found in zip(alert.references, referenced, strict=True)
                        if found is None
                    )
                    villages = set(coverage.villages)
                    if alert.msg_type == "Cancel":
                        villages.update(v for r in on_record for v in r.villages)
                    now = self.clock.now()
                    decision = decide(alert, self.settings, len(villages), len(on_record), now)
                    alert_id = str(self.redis.incr(SEQ))
                    record = self._record(
                        alert_id, alert, villages, on_record, decision, now, origin
                    )
                    pipe.multi()
                    self._write(pipe, record, data)
                    self._audit(pipe, record, actor)
                    pipe.execute()
                    return Ingested(record, False, coverage, unknown)
                except WatchError:
                    continue

    def _record(
        self,
        alert_id: str,
        alert: cap.Alert,
        villages: set[str],
        on_record: list[AlertRecord],
        decision: Decision,
        now: float,
        origin: str,
    ) -> AlertRecord:
        first = alert.infos[0] if alert.infos else None
        return AlertRecord(
            id=alert_id,
            identifier=alert.identifier,
            sender=alert.sender,
            sent=alert.sent.isoformat(),
            status=alert.status,
            msg_type=alert.msg_type,
            scope=alert.scope,
            event=first.event if first else "",
            headline=first.headline if first else "",
            severity=alert.severity,
            urgency=first.urgency if first else "",
            certainty=first.certainty if first else "",
            expires=expiry(alert, self.settings),
            decision=decision.path,
            reason=decision.reason,
            villages=tuple(v.code for v in self.regions.villages() if v.code in villages),
            references=tuple(r.id for r in on_record),
            root=on_record[0].root if on_record else alert_id,
            ingested=now,
            origin=origin,
        )

    def _write(self, pipe: Pipeline, record: AlertRecord, data: bytes) -> None:
        fields: dict[Any, Any] = {
            "identifier": record.identifier,
            "sender": record.sender,
            "sent": record.sent,
            "status": record.status,
            "msg_type": record.msg_type,
            "scope": record.scope,
            "event": record.event,
            "headline": record.headline,
            "severity": record.severity,
            "urgency": record.urgency,
            "certainty": record.certainty,
            "expires": repr(record.expires),
            "decision": record.decision,
            "reason": record.reason,
            "villages": ",".join(record.villages),
            "references": " ".join(record.references),
            "root": record.root,
            "ingested": repr(record.ingested),
            "origin": record.origin,
            "cap": base64.b64encode(data).decode("ascii"),
        }
        pipe.hset(_record_key(record.id), mapping=fields)
        pipe.hset(KEYS, f"{record.sender},{record.identifier}", record.id)
        pipe.zadd(INDEX, {record.id: record.ingested})
        pipe.rpush(_chain_key(record.root), record.id)

    def _audit(self, pipe: Pipeline, record: AlertRecord, actor: Actor) -> None:
        coverage = Coverage(record.villages, ())
        self.audit.record(
            "alert.ingested",
            **actor,
            object=f"alert:{record.id}",
            scope=",".join(coverage.codes(self.regions)),
            detail={
                "event": record.event[:80],
                "status": record.status,
                "kind": record.msg_type,
                "severity": record.severity,
                "decision": record.decision,
                "villages": len(record.villages),
            },
            pipeline=pipe,
        )

    def get(self, alert_id: str) -> AlertRecord | None:
        """The record with this id, if any."""
        fields = cast(dict[str, str], self.redis.hgetall(_record_key(alert_id)))
        return _from_fields(alert_id, fields) if fields else None

    def find(self, sender: str, identifier: str) -> AlertRecord | None:
        """The record of the alert with this sender and identifier, if on record."""
        alert_id = self.redis.hget(KEYS, f"{sender},{identifier}")
        return self.get(str(alert_id)) if alert_id is not None else None

    def recent(self, limit: int = 20) -> list[AlertRecord]:
        """The last `limit` alerts ingested, newest first."""
        ids = self.redis.zrevrange(INDEX, 0, limit - 1)
        return [r for r in (self.get(str(i)) for i in ids) if r is not None]

    def chain(self, root: str) -> list[AlertRecord]:
        """The alerts of a chain, its root first, in the order they were ingested."""
        ids = self.redis.lrange(_chain_key(root), 0, -1)
        return [r for r in (self.get(str(i)) for i in ids) if r is not None]

    def link(self, alert_id: str, announcement_id: str) -> None:
        """Remember the announcement that delivers the alert."""
        self.redis.hset(_record_key(alert_id), "delivery", announcement_id)

    def decide(self, alert_id: str, decision: str, reason: str, who: str) -> None:
        """A superadmin's decision on a draft (`approved`, `ignored`), or an expiry."""
        fields: dict[Any, Any] = {"decision": decision, "reason": reason, "decided_by": who}
        self.redis.hset(_record_key(alert_id), mapping=fields)

    def reached(self, alert_id: str, began: float, now: float) -> None:
        """A part of a delivery that began sending at `began` reached recipients by `now`:
        the first `began` is kept as first_sent, the latest `now` as last_sent."""
        pipe = self.redis.pipeline(transaction=False)
        pipe.hsetnx(_record_key(alert_id), "first_sent", repr(began))
        pipe.hset(_record_key(alert_id), "last_sent", repr(now))
        pipe.execute()

    def remember_recipients(self, alert_id: str, recipients: list[str]) -> str:
        """Keep the further recipients of an Update or Cancel; returns the set's key."""
        key = recipients_key(alert_id)
        for at in range(0, len(recipients), 1000):
            self.redis.sadd(key, *recipients[at : at + 1000])
        return key

    def forget_recipients(self, alert_id: str) -> None:
        """Drop the further recipients' set (its delivery's plan holds them now)."""
        self.redis.delete(recipients_key(alert_id))

    def _holding(self, who: str) -> list[str]:
        """The alerts whose further recipients include `who`."""
        ids = [str(i) for i in self.redis.zrange(INDEX, 0, -1)]
        if not ids:
            return []
        pipe = self.redis.pipeline(transaction=False)
        for alert_id in ids:
            pipe.sismember(recipients_key(alert_id), who)
        return [i for i, held in zip(ids, pipe.execute(), strict=True) if held]

    def export(self, address: Address) -> dict[str, Any]:
        """The alerts about to be sent again to this resident (an Update, an all-clear)."""
        held = self._holding(str(address))
        return {"to_be_told": held} if held else {}

    def erase(self, address: Address, pipe: Pipeline) -> None:
        """Queue removing the resident from every further-recipients set."""
        for alert_id in self._holding(str(address)):
            pipe.srem(recipients_key(alert_id), str(address))

    def readdress(self, old: Address, new: Address, pipe: Pipeline) -> None:
        """Queue moving the resident's place in those sets to `new`."""
        for alert_id in self._holding(str(old)):
            pipe.srem(recipients_key(alert_id), str(old))
            pipe.sadd(recipients_key(alert_id), str(new))

    def trim(self, before: float) -> int:
        """Drop the alerts ingested before `before`, with their keys; how many."""
        ids = [str(i) for i in self.redis.zrangebyscore(INDEX, "-inf", f"({before!r}")]
        for alert_id in ids:
            raw = self.redis.hmget(_record_key(alert_id), ["sender", "identifier"])
            pipe = self.redis.pipeline(transaction=True)
            if raw[0] is not None and raw[1] is not None:
                pipe.hdel(KEYS, f"{raw[0]!s},{raw[1]!s}")
            pipe.delete(_record_key(alert_id), _chain_key(alert_id), recipients_key(alert_id))
            pipe.zrem(INDEX, alert_id)
            pipe.execute()
        return len(ids)

    def alert(self, alert_id: str) -> cap.Alert | None:
        """The stored alert's CAP document, read again (every field and language)."""
        encoded = self.redis.hget(_record_key(alert_id), "cap")
        return cap.parse(base64.b64decode(str(encoded))) if encoded is not None else None


def _from_fields(alert_id: str, f: dict[str, str]) -> AlertRecord:
    return AlertRecord(
        id=alert_id,
        identifier=f["identifier"],
        sender=f["sender"],
        sent=f["sent"],
        status=f["status"],
        msg_type=f["msg_type"],
        scope=f["scope"],
        event=f["event"],
        headline=f["headline"],
        severity=f["severity"],
        urgency=f["urgency"],
        certainty=f["certainty"],
        expires=float(f["expires"]),
        decision=f["decision"],
        reason=f["reason"],
        villages=tuple(v for v in f["villages"].split(",") if v),
        references=tuple(f["references"].split()),
        root=f["root"],
        ingested=float(f["ingested"]),
        origin=f["origin"],
        delivery=f.get("delivery", ""),
        decided_by=f.get("decided_by", ""),
        first_sent=float(f.get("first_sent") or 0),
        last_sent=float(f.get("last_sent") or 0),
    )
