"""Who may do what: superadmins, KIM admins with their scopes, staff.

Superadmins come from config.yaml; admins and staff from config.yaml and from the roles
granted at run time by invitation (bot/people/grants.py), both read on every check and
repeated for every button press: a forged or replayed callback from someone without the
role changes nothing, and a revoked role stops working at the holder's next press.
`config` is replaced when config.yaml is reloaded (SIGHUP, bot/people/reload.py).

A scope entry is a region code — a kelurahan/desa, a kecamatan, or the whole city — or
`komunitas:<slug>`. An admin may target any region inside one of their regions, and the
komunitas they hold. Superadmins may target everything and approve large broadcasts.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.people.grants import RoleGrants
from bot.platform.addresses import Address
from bot.platform.config import Config
from bot.regions.tree import RegionIndex

KOMUNITAS = "komunitas:"


@dataclass(frozen=True)
class Target:
    """One thing a broadcast can be sent to."""

    key: str  # a region code, or komunitas:<slug>
    label: str


class Roles:
    """Role and scope checks over the configuration."""

    def __init__(self, config: Config, regions: RegionIndex, grants: RoleGrants) -> None:
        self.config = config
        self._regions = regions
        self.grants = grants

    def is_superadmin(self, who: Address) -> bool:
        """May do anything, and approves large broadcasts."""
        return str(who) in self.config.roles.superadmins

    def is_admin(self, who: Address) -> bool:
        """May broadcast (superadmins included)."""
        return (
            self.is_superadmin(who)
            or any(a.id == str(who) for a in self.config.roles.admins)
            or bool(self.grants.admin_scope(who))
        )

    def is_staff(self, who: Address) -> bool:
        """May act on the desk (on some desk's tickets at least)."""
        return (
            self.acts_everywhere(who)
            or any(str(who) in office.ids for office in self.config.desk.desks)
            or any(self.config.desk.office(d) for d in self.grants.staff_desks(who))
        )

    def acts_everywhere(self, who: Address) -> bool:
        """May act on every desk's tickets: superadmins, and the default desk's staff
        (roles.staff.members, and staff invited with /undang)."""
        return (
            self.is_superadmin(who)
            or str(who) in self.config.roles.staff.ids
            or self.grants.is_staff(who)
        )

    def may_act_on(self, who: Address, desk: str) -> bool:
        """May claim, answer, reject or move a ticket of `desk` (an id of desk.desks; ""
        for the default desk): its own members (config.yaml's, and those invited to it),
        and whoever acts everywhere."""
        if self.acts_everywhere(who):
            return True
        office = self.config.desk.office(desk) if desk else None
        if office is None:
            return False
        return str(who) in office.ids or desk in self.grants.staff_desks(who)

    def admin_name(self, who: Address) -> str:
        """How a role holder is named on cards and in reports: the name they go by here
        (their profile name when they accepted, or their own), else config.yaml's, else
        their address."""
        name = self.grants.name(who)
        if name:
            return name
        for admin in self.config.roles.admins:
            if admin.id == str(who):
                return admin.name
        members = [m for o in self.config.desk.desks for m in o.members]
        for member in [*self.config.roles.staff.members, *members]:
            if member.id == str(who) and member.name:
                return member.name
        return str(who)

    def config_scope(self, who: Address) -> list[str]:
        """The scope entries config.yaml gives an admin."""
        for admin in self.config.roles.admins:
            if admin.id == str(who):
                return list(admin.scope)
        return []

    def scope(self, who: Address) -> list[str]:
        """The scope entries of an admin (the city and every komunitas for superadmins):
        config.yaml's, then those granted."""
        if self.is_superadmin(who):
            return [self._regions.city.code] + [KOMUNITAS + k.slug for k in self.config.komunitas]
        found = self.config_scope(who)
        return found + [s for s in self.grants.admin_scope(who) if s not in found]

    def may_target(self, who: Address, key: str) -> bool:
        """Whether `who` may send to region code or komunitas `key`."""
        for entry in self.scope(who):
            if key.startswith(KOMUNITAS) or entry.startswith(KOMUNITAS):
                if key == entry:
                    return True
            elif key in self._regions and self._regions.contains(entry, key):
                return True
        return False

    def targets(self, who: Address) -> list[Target]:
        """What `who` may pick, widest first: their regions, what lies inside, komunitas."""
        found: list[Target] = []
        seen: set[str] = set()

        def add(key: str, label: str) -> None:
            if key not in seen:
                seen.add(key)
                found.append(Target(key, label))

        for entry in self.scope(who):
            if entry.startswith(KOMUNITAS):
                continue
            region = self._regions[entry]
            add(region.code, self.label(region.code))
            if region.level == "city":
                for kec in self._regions.kecamatan:
                    add(kec.code, self.label(kec.code))
            if region.level in ("city", "kecamatan"):
                kecs = self._regions.kecamatan if region.level == "city" else [region]
                for kec in kecs:
                    for village in self._regions.villages(kec.code):
                        add(village.code, self.label(village.code))
        for entry in self.scope(who):
            if entry.startswith(KOMUNITAS):
                add(entry, self.label(entry))
        return found

    def label(self, key: str) -> str:
        """A target's name: 'Kota Cilegon', 'Kec. Cibeber', 'Bagendung', 'Komunitas …'."""
        if key.startswith(KOMUNITAS):
            kom = self.config.komunitas_by_slug(key.removeprefix(KOMUNITAS))
            return kom.name if kom else key
        region = self._regions[key]
        if region.level == "kecamatan":
            return f"Kec. {region.name}"
        return region.name
