"""Who may invite whom, see whose roles, and revoke them: checked again on every press.

- A superadmin invites anyone to any role: an admin of a kelurahan/desa, a kecamatan,
  the whole kab/kota or a komunitas, or desk staff (of every desk, or of one desk of
  desk.desks); sees and revokes every role granted by invitation.
- An admin whose scope holds a kecamatan (or the kab/kota) invites admins of the
  kelurahan/desa inside it, and sees and revokes those roles; nothing wider, no staff.
- Everyone else invites nobody.
Roles from config.yaml are listed ("from config") but not revoked here: config.yaml
says who they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.announcements.roles import KOMUNITAS, Roles
from bot.people.grants import Grant, Kind
from bot.platform.addresses import Address
from bot.regions.tree import RegionIndex

Offer = Literal["village", "kecamatan", "city", "komunitas", "staff"]
OFFERS: tuple[Offer, ...] = ("village", "kecamatan", "city", "komunitas", "staff")


def offer_of(kind: Kind, scope: str, regions: RegionIndex) -> Offer:
    """Which kind of invitation a role is."""
    if kind == "staff":
        return "staff"
    if scope.startswith(KOMUNITAS):
        return "komunitas"
    level = regions[scope].level
    return "city" if level == "city" else "kecamatan" if level == "kecamatan" else "village"


@dataclass(frozen=True)
class Holder:
    """A role someone holds, as /peran lists it."""

    holder: Address
    name: str
    kind: Kind
    scope: str
    grant: Grant | None  # None: from config.yaml


class Authority:
    """The checks behind /undang and /peran."""

    def __init__(self, roles: Roles, regions: RegionIndex) -> None:
        self.roles = roles
        self.regions = regions

    def _wide_regions(self, who: Address) -> list[str]:
        """The kecamatan and kab/kota entries of a (non-super) admin's scope."""
        return [
            s
            for s in self.roles.scope(who)
            if not s.startswith(KOMUNITAS)
            and s in self.regions
            and self.regions[s].level in ("city", "kecamatan")
        ]

    def offers(self, who: Address) -> list[Offer]:
        """The kinds of invitation `who` may create (none: not for them)."""
        if self.roles.is_superadmin(who):
            found = list(OFFERS)
            if not self.roles.config.komunitas:
                found.remove("komunitas")
            return found
        return ["village"] if self._wide_regions(who) else []

    def covers(self, who: Address, kind: Kind, scope: str) -> bool:
        """Whether `who` may give (or take back) this role."""
        if self.roles.is_superadmin(who):
            if kind == "staff":
                return scope == "" or self.roles.config.desk.office(scope) is not None
            if scope.startswith(KOMUNITAS):
                slug = scope.removeprefix(KOMUNITAS)
                return self.roles.config.komunitas_by_slug(slug) is not None
            return scope in self.regions
        if kind != "admin" or scope not in self.regions:
            return False
        if self.regions[scope].level in ("city", "kecamatan"):
            return False
        return any(self.regions.contains(wide, scope) for wide in self._wide_regions(who))

    def holders(self, who: Address) -> list[Holder]:
        """Every role `who` may see on /peran: granted ones they cover, and config.yaml's
        admins and staff inside what they cover."""
        roles = self.roles
        found: list[Holder] = []
        for grant in roles.grants.everyone():
            if self.covers(who, grant.kind, grant.scope):
                found.append(
                    Holder(
                        grant.holder, roles.admin_name(grant.holder), grant.kind, grant.scope, grant
                    )
                )
        for admin in roles.config.roles.admins:
            address = Address.parse(admin.id)
            for scope in admin.scope:
                if self.covers(who, "admin", scope):
                    found.append(Holder(address, roles.admin_name(address), "admin", scope, None))
        if roles.is_superadmin(who):
            for member in roles.config.roles.staff.members:
                address = Address.parse(member.id)
                found.append(Holder(address, roles.admin_name(address), "staff", "", None))
            for office in roles.config.desk.desks:
                for member in office.members:
                    address = Address.parse(member.id)
                    name = roles.admin_name(address)
                    found.append(Holder(address, name, "staff", office.id, None))
        return found
