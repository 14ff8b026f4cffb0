"""Who may see an announcement's report and who may cancel it; cancelling it.

A superadmin sees every announcement; an admin sees those they sent and those whose every
target lies inside their scope (`Roles.may_target`): a city-wide one is not shown to a
kelurahan admin, whose scope it exceeds. Cancelling is for the announcement's owner and
superadmins, as the `/broadcasts` list's ✖ Cancel button (bot/dialogs/broadcast.py) and
the console's cancel form (handlers/console/broadcasts.py) both do it: an open
announcement (waiting for approval, scheduled, queued or sending) becomes `cancelled`,
its delivery jobs stop at their next batch, and the audit trail gets
`broadcast.cancelled`.
"""

from __future__ import annotations

from bot.announcements import audit
from bot.announcements.roles import Roles
from bot.announcements.store import OPEN_STATES, Announcement
from bot.platform.addresses import Address
from bot.platform.i18n import Translator
from bot.services import Services


def may_see(roles: Roles, who: Address, owner: Address | None, targets: list[str]) -> bool:
    """Whether `who` may see the report of an announcement of `owner` to `targets`."""
    if roles.is_superadmin(who) or (owner is not None and owner == who):
        return True
    return bool(targets) and roles.is_admin(who) and all(roles.may_target(who, t) for t in targets)


def may_cancel(roles: Roles, who: Address, owner: Address | None) -> bool:
    """The announcement's owner, or a superadmin."""
    return owner == who or roles.is_superadmin(who)


def cancel(svc: Services, ann: Announcement, who: Address, tr: Translator) -> bool:
    """Cancel `ann` for `who` (its progress report says by whom, in `tr`'s language);
    False when `who` may not or it is no longer open."""
    if not may_cancel(svc.roles, who, ann.admin):
        return False
    moved = svc.announcements.move(
        ann.id,
        "cancelled",
        OPEN_STATES,
        note=tr._("Cancelled by {who}.", who=svc.roles.admin_name(who)),
    )
    if moved:
        audit.decided(svc, ann, "cancel", who)
    return moved
