"""Asking the superadmins to approve an announcement above the approval threshold.

Used by `/broadcast` (bot/dialogs/broadcast.py) and by clarification broadcasts from the
desk (bot/desk/clarify.py): the same rule, the same buttons (`BroadcastAction`).
"""

from __future__ import annotations

from bot.platform.actions import BroadcastAction
from bot.platform.addresses import Address
from bot.platform.messages import Choice, Reply
from bot.services import Services


def needs_approval(svc: Services, admin: Address, residents: int) -> bool:
    """Above `broadcasts.approval_threshold`, for someone who is not a superadmin."""
    threshold = svc.config.broadcasts.approval_threshold
    return residents > threshold and not svc.roles.is_superadmin(admin)


def ask_approval(svc: Services, admin: Address, announcement_id: str, residents: int) -> None:
    """Approve and reject buttons to every superadmin, in the deployment's language."""
    tr = svc.translator(svc.config.locales.default)
    text = tr._(
        "{admin} asks to send announcement #{id} to {residents} residents.",
        admin=svc.roles.admin_name(admin),
        id=announcement_id,
        residents=tr.number(residents),
    )
    choices = (
        (
            Choice(tr._("✅ Approve"), BroadcastAction("approve", announcement_id).pack()),
            Choice(tr._("✖ Reject"), BroadcastAction("reject", announcement_id).pack()),
        ),
    )
    for who in svc.config.roles.superadmins:
        svc.dispatch.notify(Address.parse(who), Reply(text=text, choices=choices))
