"""Single messages waiting on the interactive queue, kept here so their jobs carry only an id.

RQ keeps a job's arguments in Redis (and in its files) for as long as the job record lives,
and logs its description; a notice's address and text therefore stay out of the job. The
dispatcher stores the notice and enqueues its id; `notify_job` reads it, sends it and
deletes it. Each notice names the resident it is about (the recipient, or the requester
of the ticket a staff card shows), so erasing that resident deletes what still waits.

Redis keys (owned here; a resident is found by a hash of the address, never named):
- `kim:nt:{id}` — hash: to, about, reply (JSON); expires after `KEEP`.
- `kim:nt:about:{hash}` — set of the ids of notices about one resident; expires after `KEEP`.

`Notices` is also these keys' personal-data owner (registered by handlers/wiring.py).
Its writes work on any client; its reads decode bytes themselves, so RQ's raw client
(which the dispatcher holds) and the core's decoding one both serve.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

from redis.client import Pipeline

from bot.platform.addresses import Address
from bot.platform.messages import Reply, reply_from_dict, reply_to_dict
from bot.platform.store import Redis

KEEP = 86400  # a notice no worker sent within a day is dropped unsent


@dataclass(frozen=True)
class Notice:
    """One message to send: where, about whom, what."""

    id: str
    to: Address
    about: Address | None
    reply: Reply


def _key(notice_id: str) -> str:
    return f"kim:nt:{notice_id}"


def _about_key(address: Address) -> str:
    digest = hashlib.blake2b(str(address).encode(), digest_size=8).hexdigest()
    return f"kim:nt:about:{digest}"


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class Notices:
    """Notices waiting for their job, by id and by the resident they are about."""

    section = "pending notices"

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    def put(
        self, to: Address, reply: Reply, about: Address | None, pipeline: Pipeline | None = None
    ) -> str:
        """Keep a notice until its job sends it; returns its id (written at once, or in
        the caller's `pipeline`, which the caller executes)."""
        notice_id = secrets.token_hex(8)
        pipe = pipeline if pipeline is not None else self.redis.pipeline(transaction=True)
        fields: dict[Any, Any] = {
            "to": str(to),
            "about": str(about or ""),
            "reply": json.dumps(reply_to_dict(reply)),
        }
        pipe.hset(_key(notice_id), mapping=fields)
        pipe.expire(_key(notice_id), KEEP)
        if about is not None:
            pipe.sadd(_about_key(about), notice_id)
            pipe.expire(_about_key(about), KEEP)
        if pipeline is None:
            pipe.execute()
        return notice_id

    def get(self, notice_id: str) -> Notice | None:
        """The notice, unless it was sent, erased or expired."""
        raw = self.redis.hgetall(_key(notice_id))
        if not raw:
            return None
        fields = {_text(k): _text(v) for k, v in raw.items()}
        about = fields.get("about", "")
        return Notice(
            id=notice_id,
            to=Address.parse(fields["to"]),
            about=Address.parse(about) if about else None,
            reply=reply_from_dict(json.loads(fields["reply"])),
        )

    def drop(self, notice: Notice) -> None:
        """Forget a notice that was sent, or will never be."""
        pipe = self.redis.pipeline(transaction=True)
        pipe.delete(_key(notice.id))
        if notice.about is not None:
            pipe.srem(_about_key(notice.about), notice.id)
        pipe.execute()

    def _ids_about(self, address: Address) -> list[str]:
        return sorted(_text(i) for i in self.redis.smembers(_about_key(address)))

    def export(self, address: Address) -> dict[str, Any]:
        """How many notices about the resident wait to be sent."""
        waiting = sum(1 for i in self._ids_about(address) if self.redis.exists(_key(i)))
        return {"waiting": waiting} if waiting else {}

    def erase(self, address: Address, pipe: Pipeline) -> None:
        """Delete every notice about the resident that was not sent yet."""
        for notice_id in self._ids_about(address):
            pipe.delete(_key(notice_id))
        pipe.delete(_about_key(address))

    def readdress(self, old: Address, new: Address, pipe: Pipeline) -> None:
        """Waiting notices about `old` are about, and go to, `new`."""
        for notice_id in self._ids_about(old):
            to = self.redis.hget(_key(notice_id), "to")
            if to is None:
                continue  # sent or expired meanwhile: nothing to move
            pipe.hset(_key(notice_id), "about", str(new))
            if _text(to) == str(old):
                pipe.hset(_key(notice_id), "to", str(new))
        if self.redis.exists(_about_key(old)):
            pipe.rename(_about_key(old), _about_key(new))
