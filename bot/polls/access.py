"""Who may see a poll's results and close it, and which villages' figures they see: the
same rules for the chat (`/jajak hasil`) and the web console.

A superadmin and the poll's admin see every village it reached; an admin whose scope
overlaps its targets (holds one, or lies inside one: a kelurahan admin and a city-wide
poll) sees the villages inside their scope; closing is for the poll's admin and
superadmins.
"""

from __future__ import annotations

from bot.announcements.roles import KOMUNITAS, Roles
from bot.platform.addresses import Address
from bot.polls.store import Poll


def _overlap(target: str, entry: str) -> bool:
    """Whether a poll's target and a scope entry share a village (komunitas: the same)."""
    if target.startswith(KOMUNITAS) or entry.startswith(KOMUNITAS):
        return target == entry
    return target == entry or entry.startswith(target + ".") or target.startswith(entry + ".")


def may_see(roles: Roles, who: Address, poll: Poll) -> bool:
    """A superadmin, the poll's admin, or an admin whose scope overlaps its targets."""
    if roles.is_superadmin(who) or poll.admin == str(who):
        return True
    if not roles.is_admin(who):
        return False
    return any(_overlap(t, entry) for t in poll.targets for entry in roles.scope(who))


def may_close(roles: Roles, who: Address, poll: Poll) -> bool:
    """The poll's admin or a superadmin."""
    return poll.admin == str(who) or roles.is_superadmin(who)


def visible(roles: Roles, who: Address, poll: Poll, villages: set[str]) -> frozenset[str]:
    """Those of `villages` (the poll's) whose figures `who` sees."""
    if roles.is_superadmin(who) or poll.admin == str(who):
        return frozenset(villages)
    return frozenset(v for v in villages if roles.may_target(who, v))
