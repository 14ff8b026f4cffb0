"""Join requests to approval-only KIM groups: who gets in, and what they are told.

A resident may join a kelurahan's (or kecamatan's, or the city's) group when they are an
active subscriber there, and a komunitas group when they are a member. Everyone else is
declined with a private explanation of how to subscribe first. A staff group
(`roles.staff.group`, and a desk's own, bot/desk/routing.py) lets in desk staff only: those
config.yaml names for one of its desks, and those who act on every desk (the default
desk's members, those who accepted a staff invitation: bot/dialogs/invite.py sends them
its join-request link, and superadmins).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.desk import routing
from bot.platform.actions import MenuChoice
from bot.platform.addresses import Address
from bot.platform.i18n import pick_locale
from bot.platform.messages import Choice, Reply
from bot.services import Services


@dataclass(frozen=True)
class JoinDecision:
    """Approve or not, and the private message to send the requester (if any)."""

    approve: bool
    message: Reply | None


def decide_join(
    svc: Services, user: Address, chat_id: int, language_code: str | None
) -> JoinDecision:
    """Decide a join request from `user` to the Telegram chat `chat_id`."""
    desks = routing.desks_of_group(svc.config, str(Address.telegram(chat_id)))
    if desks:
        return _staff_join(svc, user, desks, language_code)
    owners = svc.directory.owners(chat_id)
    if not owners:
        return JoinDecision(False, None)  # not a KIM chat: leave it to its human admins
    resident = svc.residents.get(user)
    locales = svc.config.locales
    locale = (
        resident.locale
        if resident
        else pick_locale(language_code, list(locales.enabled), locales.default)
    )
    tr = svc.translator(locale)
    owner = svc.directory.may_join(resident, chat_id)
    if owner is not None:
        return JoinDecision(
            True, Reply(text=tr._("Welcome to the KIM group of {name}!", name=owner.name))
        )
    names = ", ".join(o.name for o in owners)
    if owners[0].kind == "komunitas":
        how = tr._("Join the community first with /komunitas, then ask again.")
    else:
        how = tr._("Subscribe to that area first with /start, then ask again.")
    text = tr._(
        "Your request to join {name} was declined: it is open to its own subscribers.", name=names
    )
    return JoinDecision(
        False,
        Reply(
            text=f"{text} {how}",
            choices=((Choice(tr._("📝 Subscribe"), MenuChoice("start").pack()),),),
        ),
    )


def _staff_join(
    svc: Services, user: Address, desks: set[str], language_code: str | None
) -> JoinDecision:
    """A staff group lets in the staff of its desks (from config.yaml or an invitation),
    and whoever acts on every desk; no one else."""
    locales = svc.config.locales
    tr = svc.translator(pick_locale(language_code, list(locales.enabled), locales.default))
    if any(svc.roles.may_act_on(user, desk) for desk in desks):
        return JoinDecision(True, Reply(text=tr._("Welcome to the staff group!")))
    return JoinDecision(
        False,
        Reply(text=tr._("The staff group is for desk staff. Ask a superadmin for an invitation.")),
    )
