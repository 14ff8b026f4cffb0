"""People and roles: the roles the viewer manages, inviting someone to one, revoking one.
Only for viewers who manage roles (superadmins; admins of a kecamatan or the kab/kota,
for its kelurahan/desa: bot/people/authority.py).

The list is `/peran`'s (`Authority.holders`), config.yaml's roles marked as such (they
are changed there). Invite and revoke are `/undang`'s and `/peran`'s own core steps
(`invite` in bot/dialogs/invite.py, `revoke` in bot/dialogs/roster.py), taken as the
viewer: the same checks, the same audit entries (`invite.created`, `role.revoked`), and
a revoked holder is told in their own language. An invitation's links are shown once,
on the page that answers the form; only the token's hash is kept.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.dialogs import common
from bot.dialogs.invite import authority, invite, role_text
from bot.dialogs.roster import revoke
from bot.dialogs.turn import Turn
from bot.people.authority import Offer
from bot.people.invites import PREFIX
from bot.platform.addresses import Address
from bot.platform.clock import to_datetime
from bot.platform.messages import Incoming
from handlers.console.render import (
    blocking,
    notice,
    page,
    refuse,
    services_of,
    translator,
    viewer_of_request,
)

MAX_FIELD = 200  # longer than this is no role or grant of ours
routes = web.RouteTableDef()


def _turn(request: web.Request) -> Turn:
    """The viewer as the bot's dialogs see a person pressing a button (in the console's
    language)."""
    svc = services_of(request)
    viewer = viewer_of_request(request)
    return Turn(
        msg=Incoming(address=viewer.who, kind="command"),
        svc=svc,
        tr=translator(request),
        resident=None,
        state=None,
        now=svc.clock.now(),
    )


def _offers(turn: Turn) -> list[tuple[str, list[tuple[str, str]]]]:
    """The roles the viewer may invite to, by kind: (kind's label, [(value, label)])."""
    svc, _ = turn.svc, turn.tr._
    check = authority(turn)
    labels: dict[Offer, str] = {
        "village": _("Kelurahan admin"),
        "kecamatan": _("Kecamatan admin"),
        "city": _("City admin"),
        "komunitas": _("Komunitas admin"),
        "staff": _("Desk staff"),
    }
    groups = []
    for offer in check.offers(turn.address):
        options: list[tuple[str, str]]
        if offer == "village":
            options = [
                (f"admin:{v.code}", common.region_label(turn, v.code))
                for v in svc.regions.villages()
                if check.covers(turn.address, "admin", v.code)
            ]
        elif offer == "kecamatan":
            options = [(f"admin:{k.code}", svc.roles.label(k.code)) for k in svc.regions.kecamatan]
        elif offer == "city":
            city = svc.regions.city.code
            options = [(f"admin:{city}", svc.roles.label(city))]
        elif offer == "komunitas":
            options = [(f"admin:komunitas:{k.slug}", k.name) for k in svc.config.komunitas]
        else:
            options = [("staff:", _("desk staff (aspirasi and hoax checks)"))]
            options += [
                (f"staff:{o.id}", role_text(turn, "staff", o.id)) for o in svc.config.desk.desks
            ]
        groups.append((labels[offer], options))
    return groups


@routes.get("/peran")
async def roster(request: web.Request) -> web.Response:
    """The roles the viewer manages, and the invitation form."""
    viewer = viewer_of_request(request)
    if not viewer.manages_roles:
        return await refuse(request)

    def build() -> dict[str, Any]:
        turn = _turn(request)
        roles = turn.svc.roles
        holders = []
        for holder in authority(turn).holders(viewer.who):
            grant = holder.grant
            holders.append(
                {
                    "name": holder.name,
                    "role": role_text(turn, holder.kind, holder.scope),
                    "grant": grant.id if grant is not None else "",
                    "by": roles.admin_name(Address.parse(grant.by)) if grant else "",
                    "at": to_datetime(grant.at) if grant else None,
                }
            )
        return {"holders": holders, "offers": _offers(turn)}

    return await page(request, "people.html", build)


@routes.post("/peran/undang")
async def create_invitation(request: web.Request) -> web.Response:
    """Create an invitation as /undang does; its links are on this page, once."""
    viewer = viewer_of_request(request)
    if not viewer.manages_roles:
        return await refuse(request)
    form = await request.post()
    kind, _sep, scope = str(form.get("role", ""))[:MAX_FIELD].partition(":")
    if kind not in ("admin", "staff"):
        _ = (await blocking(translator, request))._
        return await notice(
            request,
            400,
            _("No invitation was made"),
            _("Choose the role to invite someone to."),
        )

    def create() -> dict[str, Any] | None:
        turn = _turn(request)
        made = invite(turn, "admin" if kind == "admin" else "staff", scope)
        if made is None:
            return None
        token, invitation = made
        svc = turn.svc
        return {
            "role": role_text(turn, invitation.kind, invitation.scope),
            "links": svc.bot_links.start_links(svc.config, PREFIX + token),
            "payload": PREFIX + token,
            "until": to_datetime(invitation.expires),
        }

    made = await blocking(create)
    if made is None:
        return await refuse(request)
    return await page(request, "invited.html", lambda: made)


@routes.post("/peran/cabut")
async def take_back(request: web.Request) -> web.Response:
    """Revoke a granted role as /peran's ✅ Revoke does: the holder is told."""
    viewer = viewer_of_request(request)
    if not viewer.manages_roles:
        return await refuse(request)
    form = await request.post()
    grant_id = str(form.get("grant", ""))[:MAX_FIELD]
    svc = services_of(request)

    def apply() -> tuple[str, tuple[str, str] | None]:
        grant = svc.roles.grants.get(grant_id) if grant_id else None
        if grant is None:
            return "missing", None
        turn = _turn(request)
        if not authority(turn).covers(viewer.who, grant.kind, grant.scope):
            return "refused", None
        done = revoke(turn, grant_id)
        return ("done", done) if done is not None else ("missing", None)

    state, done = await blocking(apply)
    if state == "refused":
        return await refuse(request)
    _ = (await blocking(translator, request))._
    if done is None:
        return await notice(
            request,
            404,
            _("No such role"),
            _("That role does not exist or was revoked already."),
        )
    name, role = done
    return await notice(
        request,
        200,
        _("Role revoked"),
        _("Revoked: {name}, {role}. They are told.", name=name, role=role),
    )
