"""Residents' rights under UU PDP: see all data held about me, delete all of it at once.

Every module that stores something about a resident registers a `PersonalData` owner;
`Privacy.export` asks each for its part, `Privacy.erase` has each delete its part inside
one Redis transaction, so a deletion is complete or does not happen. `Privacy.readdress` does
the same for a resident whose address changes (bot/residents/identity.py): each owner
renames its own keys, nobody else composes them. Every erasure also marks Redis's files
on disk for rewriting (bot/residents/compaction.py) and writes one `data.erased` entry,
with the resident's pseudonym only, into the audit trail in the same transaction.
"""

from __future__ import annotations

from typing import Any, Protocol

from redis.client import Pipeline

from bot.audit import actors
from bot.audit.trail import AuditTrail
from bot.platform.addresses import Address
from bot.platform.store import Redis
from bot.residents.compaction import mark_due


class PersonalData(Protocol):
    """A store that holds data about residents."""

    section: str

    def export(self, address: Address) -> dict[str, Any]:
        """Everything this store holds about `address` (empty when nothing)."""
        ...

    def erase(self, address: Address, pipe: Pipeline) -> None:
        """Queue the deletion of everything this store holds about `address`."""
        ...

    def readdress(self, old: Address, new: Address, pipe: Pipeline) -> None:
        """Queue moving everything this store holds about `old` to `new`."""
        ...


class Privacy:
    """Access and erasure across every registered store."""

    def __init__(
        self, redis: Redis, owners: list[PersonalData], audit: AuditTrail | None = None
    ) -> None:
        self.redis = redis
        self.owners = list(owners)
        self.audit = audit

    def register(self, owner: PersonalData) -> None:
        """Add a store kept outside the core (a channel's, registered by its composition)."""
        self.owners.append(owner)

    def export(self, address: Address) -> dict[str, dict[str, Any]]:
        """Each store's data about `address`, by section; empty sections left out."""
        found = {o.section: o.export(address) for o in self.owners}
        return {section: data for section, data in found.items() if data}

    def erase(self, address: Address, *, retention: bool = False) -> None:
        """Delete every trace of `address`, atomically; its copies on disk follow. The
        audit entry names the resident (their /hapusdata) or, for `retention`, the
        system's sweep as the actor."""
        pipe = self.redis.pipeline(transaction=True)
        for owner in self.owners:
            owner.erase(address, pipe)
        mark_due(pipe)
        if self.audit is not None:
            pseudonym = self.audit.pseudonym(address)
            actor = (
                actors.system()
                if retention
                else actors.Actor(actor=pseudonym, actor_name="", role="resident")
            )
            self.audit.record(
                "data.erased",
                **actor,
                object=pseudonym,
                detail={"reason": "retention" if retention else "request"},
                pipeline=pipe,
            )
        pipe.execute()

    def readdress(self, old: Address, new: Address) -> None:
        """Move everything stored under `old` to `new`, atomically."""
        pipe = self.redis.pipeline(transaction=True)
        for owner in self.owners:
            owner.readdress(old, new, pipe)
        pipe.execute()
