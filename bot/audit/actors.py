"""Who acted, as the audit trail writes it: an address with its name and role, the
operator at the command line, or the system (jobs)."""

from __future__ import annotations

from typing import TypedDict

from bot.announcements.roles import Roles
from bot.audit.actions import OPERATOR, SYSTEM
from bot.platform.addresses import Address


class Actor(TypedDict):
    """The actor fields of `AuditTrail.record`, to pass as `**actor`."""

    actor: str
    actor_name: str
    role: str


def person(roles: Roles, who: Address) -> Actor:
    """A superadmin, KIM admin or staff member, named as config.yaml names them."""
    if roles.is_superadmin(who):
        role = "superadmin"
    elif roles.is_admin(who):
        role = "admin"
    else:
        role = "staff"
    return Actor(actor=str(who), actor_name=roles.admin_name(who), role=role)


def operator() -> Actor:
    """The operator, at the command line."""
    return Actor(actor=OPERATOR, actor_name="", role=OPERATOR)


def system() -> Actor:
    """A job of the bot's own (a finished delivery, the retention sweep)."""
    return Actor(actor=SYSTEM, actor_name="", role=SYSTEM)


def of(roles: Roles, who: Address | None) -> Actor:
    """A person, or the operator when there is none (what the command line created)."""
    return person(roles, who) if who is not None else operator()
