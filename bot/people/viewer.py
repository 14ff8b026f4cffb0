"""Who is looking at the web console, and what they may see and do there.

Built afresh for every request from the same role checks the bot makes
(bot/announcements/roles.py): a role taken away or a config.yaml reload takes effect at
the next page. No role, no viewer, no console.

- A superadmin sees and does everything, in every region.
- Desk staff see the whole desk and the hoax archive, and answer tickets, everywhere
  (they answer every kelurahan's residents); with no admin role they see no broadcasts.
- A KIM admin sees the figures, broadcasts and tickets of the villages inside their
  scope (a kelurahan: that one; a kecamatan: its kelurahan and desa; the kab/kota: all),
  and the komunitas they hold; they answer no ticket unless they are staff too.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.announcements.roles import KOMUNITAS, Roles
from bot.people.authority import Authority
from bot.platform.addresses import Address
from bot.regions.tree import RegionIndex


@dataclass(frozen=True)
class Viewer:
    """A role holder signed in to the console."""

    who: Address
    name: str
    role: str  # superadmin, admin or staff: the audit trail's role names
    is_superadmin: bool
    is_admin: bool
    is_staff: bool
    manages_roles: bool  # may invite and revoke (bot/people/authority.py)
    scope: tuple[str, ...]  # an admin's scope entries (region codes, komunitas:<slug>)
    villages: frozenset[str] | None  # the villages whose figures they see; None: all
    komunitas: frozenset[str]  # the komunitas slugs they see (all for superadmins)

    def sees_village(self, code: str) -> bool:
        """Whether this viewer may see a village's figures, tickets and broadcasts."""
        return self.villages is None or code in self.villages

    def sees_any(self, codes: frozenset[str] | set[str]) -> bool:
        """Whether any of `codes` is a village this viewer sees."""
        return self.villages is None or bool(self.villages & codes)

    @property
    def sees_all(self) -> bool:
        """Whether this viewer sees the whole deployment."""
        return self.villages is None


def viewer_of(roles: Roles, regions: RegionIndex, who: Address) -> Viewer | None:
    """The console viewer `who` is, or None when they hold no role."""
    superadmin = roles.is_superadmin(who)
    admin = roles.is_admin(who)
    staff = roles.is_staff(who)
    if not (superadmin or admin or staff):
        return None
    scope = tuple(roles.scope(who)) if admin else ()
    villages: frozenset[str] | None
    if superadmin or staff:
        villages = None
    else:
        found: set[str] = set()
        for entry in scope:
            if entry.startswith(KOMUNITAS) or entry not in regions:
                continue
            region = regions[entry]
            if region.level == "city":
                found.update(v.code for v in regions.villages())
            elif region.level == "kecamatan":
                found.update(v.code for v in regions.villages(region.code))
            else:
                found.add(region.code)
        villages = frozenset(found)
    if superadmin:
        komunitas = frozenset(k.slug for k in roles.config.komunitas)
    else:
        komunitas = frozenset(e.removeprefix(KOMUNITAS) for e in scope if e.startswith(KOMUNITAS))
    role = "superadmin" if superadmin else "admin" if admin else "staff"
    return Viewer(
        who=who,
        name=roles.admin_name(who),
        role=role,
        is_superadmin=superadmin,
        is_admin=admin,
        is_staff=staff,
        manages_roles=bool(Authority(roles, regions).offers(who)),
        scope=scope,
        villages=villages,
        komunitas=komunitas,
    )
