"""Join requests to approval-only KIM groups: who gets in, and what they are told.

A resident may join a kelurahan's (or kecamatan's, or the city's) group when they are an
active subscriber there, and a komunitas group when they are a member. Everyone else is
declined with a private explanation of how to subscribe first. The staff group
(`roles.staff.group`) lets in desk staff only: those config.yaml names and those who
accepted a staff invitation (bot/dialogs/invite.py sends them its join-request link).
"""

from __future__ import annotations

from dataclasses import dataclass

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
    staff_group = svc.config.roles.staff.group
    if staff_group and staff_group == str(Address.telegram(chat_id)):
        return _staff_join(svc, user, language_code)
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


def _staff_join(svc: Services, user: Address, language_code: str | None) -> JoinDecision:
    """The staff group lets in desk staff (from config.yaml or an invitation), no one else."""
    locales = svc.config.locales
    tr = svc.translator(pick_locale(language_code, list(locales.enabled), locales.default))
    if svc.roles.is_staff(user):
        return JoinDecision(True, Reply(text=tr._("Welcome to the staff group!")))
    return JoinDecision(
        False,
        Reply(text=tr._("The staff group is for desk staff. Ask a superadmin for an invitation.")),
    )
