"""Roles granted at run time (by invitation), and the names role holders go by.

Superadmins live in config.yaml only: they are the first people in. Every other role may
also be granted here, where it is kept with who granted it and when; config.yaml's
admins and staff keep working beside these (bot/announcements/roles.py reads both) and
show as "from config". A role here takes effect, and a revocation too, on the holder's
next message or button press: every check reads Redis.

Kinds of role:
- `admin` of one scope entry: a kelurahan/desa, a kecamatan or the whole kab/kota
  (region codes), or `komunitas:<slug>`; someone may hold several;
- `staff`: acts on the desk (aspirasi and hoax checks): with no scope on every desk (the
  default desk's staff), with a desk's id (desk.desks, bot/desk/routing.py) on that
  desk's tickets only.

Redis keys (owned here):
- `kim:role:{address}` — hash: `admin:{scope}`, `staff` or `staff:{desk}` → JSON {id, by,
  at, invite};
- `kim:roles` — set of the addresses with any role here (for listing);
- `kim:grant:{id}` — the address and field of grant `id` (buttons carry the id);
- `kim:person:{address}` — hash: name (their profile name when they accepted, or the one
  they set with /nama), edited ("1" once they set it).
A role holder's roles and name are their personal data: /dataku shows them, /hapusdata
removes them (and with them the roles).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any, Literal, cast

from redis.client import Pipeline

from bot.platform.addresses import Address
from bot.platform.store import Redis

Kind = Literal["admin", "staff"]
ROLES = "kim:roles"
MAX_NAME = 80


def _role_key(address: Address | str) -> str:
    return f"kim:role:{address}"


def _person_key(address: Address | str) -> str:
    return f"kim:person:{address}"


def _grant_key(grant_id: str) -> str:
    return f"kim:grant:{grant_id}"


def field_of(kind: Kind, scope: str = "") -> str:
    """The hash field a role is kept under."""
    if kind == "admin":
        return f"admin:{scope}"
    return f"staff:{scope}" if scope else "staff"


@dataclass(frozen=True)
class Grant:
    """One role someone holds."""

    id: str
    holder: Address
    kind: Kind
    scope: str  # the scope entry of an admin role; a staff role's desk ("": every desk)
    by: str  # the granting person's address
    at: float
    invite: str = ""  # the invitation's id (a hash, never the token)

    @property
    def field(self) -> str:
        """Its field in the holder's hash."""
        return field_of(self.kind, self.scope)


def clean_name(name: str) -> str:
    """A display name as kept: one line, no control characters, at most 80 characters."""
    flat = " ".join("".join(c if c.isprintable() else " " for c in name).split())
    return flat[:MAX_NAME]


class RoleGrants:
    """The roles granted at run time, and role holders' names."""

    section = "roles"

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    # -- granting --------------------------------------------------------------------

    def grant(
        self,
        holder: Address,
        kind: Kind,
        scope: str,
        by: Address | str,
        at: float,
        invite: str = "",
    ) -> Grant:
        """Give `holder` the role (replacing the same role granted before)."""
        grant = Grant(secrets.token_hex(4), holder, kind, scope, str(by), at, invite)
        record = {"id": grant.id, "by": grant.by, "at": at, "invite": invite}
        old = self.redis.hget(_role_key(holder), grant.field)
        pipe = self.redis.pipeline(transaction=True)
        if old:
            pipe.delete(_grant_key(str(json.loads(old)["id"])))
        pipe.hset(_role_key(holder), grant.field, json.dumps(record))
        pipe.sadd(ROLES, str(holder))
        pipe.set(_grant_key(grant.id), json.dumps([str(holder), grant.field]))
        pipe.execute()
        return grant

    def revoke(self, grant_id: str) -> Grant | None:
        """Take the role away; None when there is no such grant (any more)."""
        grant = self.get(grant_id)
        if grant is None:
            return None
        pipe = self.redis.pipeline(transaction=True)
        pipe.hdel(_role_key(grant.holder), grant.field)
        pipe.delete(_grant_key(grant.id))
        pipe.execute()
        if not self.redis.hlen(_role_key(grant.holder)):
            self.redis.srem(ROLES, str(grant.holder))
        return grant

    # -- reading ---------------------------------------------------------------------

    def get(self, grant_id: str) -> Grant | None:
        """A grant by id."""
        raw = self.redis.get(_grant_key(grant_id)) if grant_id.isalnum() else None
        if not raw:
            return None
        holder, field = json.loads(raw)
        return self._grant(Address.parse(holder), field, self.redis.hget(_role_key(holder), field))

    def of(self, holder: Address) -> list[Grant]:
        """Everything `holder` was granted here."""
        raw = cast(dict[str, str], self.redis.hgetall(_role_key(holder)))
        found = [self._grant(holder, f, v) for f, v in sorted(raw.items())]
        return [g for g in found if g is not None]

    def everyone(self) -> list[Grant]:
        """Every grant, by holder."""
        holders = sorted(str(a) for a in self.redis.smembers(ROLES))
        return [g for h in holders for g in self.of(Address.parse(h))]

    def holds(self, holder: Address, kind: Kind, scope: str = "") -> bool:
        """Whether `holder` was granted exactly this role."""
        return bool(self.redis.hexists(_role_key(holder), field_of(kind, scope)))

    def admin_scope(self, holder: Address) -> list[str]:
        """The scope entries of `holder`'s admin roles here."""
        fields = cast(list[str], self.redis.hkeys(_role_key(holder)))
        return sorted(f.removeprefix("admin:") for f in fields if f.startswith("admin:"))

    def is_staff(self, holder: Address) -> bool:
        """Whether `holder` was granted the desk here, every desk of it."""
        return bool(self.redis.hexists(_role_key(holder), "staff"))

    def staff_desks(self, holder: Address) -> list[str]:
        """The desks `holder` was granted as the staff of that desk alone."""
        fields = cast(list[str], self.redis.hkeys(_role_key(holder)))
        return sorted(f.removeprefix("staff:") for f in fields if f.startswith("staff:"))

    @staticmethod
    def _grant(holder: Address, field: str, raw: str | bytes | None) -> Grant | None:
        if not raw:
            return None
        record = json.loads(raw)
        kind: Kind = "staff" if field == "staff" or field.startswith("staff:") else "admin"
        scope = field.removeprefix("admin:") if kind == "admin" else field[len("staff:") :]
        return Grant(
            str(record["id"]),
            holder,
            kind,
            scope,
            str(record.get("by", "")),
            float(record.get("at", 0.0)),
            str(record.get("invite", "")),
        )

    # -- names -----------------------------------------------------------------------

    def name(self, who: Address) -> str | None:
        """The name `who` goes by, if they have one here."""
        found = self.redis.hget(_person_key(who), "name")
        return str(found) if found else None

    def set_name(self, who: Address, name: str, *, edited: bool) -> str:
        """Keep `who`'s display name (a profile name never replaces one they set)."""
        name = clean_name(name)
        if not name:
            return self.name(who) or ""
        if not edited and self.redis.hget(_person_key(who), "edited") == "1":
            return self.name(who) or name
        self.redis.hset(_person_key(who), mapping={"name": name, "edited": "1" if edited else "0"})
        return name

    # -- personal data ---------------------------------------------------------------

    def export(self, address: Address) -> dict[str, Any]:
        """The roles and name kept about `address`."""
        found: dict[str, Any] = {}
        name = self.name(address)
        if name:
            found["name"] = name
        roles = [
            {"role": g.kind, "scope": g.scope, "granted_by": g.by, "granted_at": g.at}
            for g in self.of(address)
        ]
        if roles:
            found["roles"] = roles
        return found

    def erase(self, address: Address, pipe: Pipeline) -> None:
        """Queue removing `address`'s roles and name."""
        for grant in self.of(address):
            pipe.delete(_grant_key(grant.id))
        pipe.delete(_role_key(address), _person_key(address))
        pipe.srem(ROLES, str(address))

    def readdress(self, old: Address, new: Address, pipe: Pipeline) -> None:
        """Queue moving `old`'s roles and name to `new`."""
        grants = self.of(old)
        for grant in grants:
            pipe.set(_grant_key(grant.id), json.dumps([str(new), grant.field]))
        for key in (_role_key, _person_key):
            if self.redis.exists(key(old)):
                pipe.rename(key(old), key(new))
        if grants:
            pipe.srem(ROLES, str(old))
            pipe.sadd(ROLES, str(new))
