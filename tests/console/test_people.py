"""The console's people and roles: the list, an invitation, a revocation."""

from __future__ import annotations

import re

from bot.platform.addresses import Address
from bot.services import Services
from tests.support.admins import (
    KECAMATAN_ADMIN,
    KELURAHAN_ADMIN,
    KOMUNITAS_ADMIN,
    STAFF,
    SUPERADMIN,
    RecordingDispatch,
)
from tests.support.console import Client, sign_in
from tests.support.constants import BAGENDUNG, DRINGO

KADIS = Address.telegram(SUPERADMIN)
FK_KIM = Address.telegram(KECAMATAN_ADMIN)


async def test_only_those_who_manage_roles_see_the_page(client: Client, services: Services) -> None:
    """Superadmins and kecamatan admins; a kelurahan admin, komunitas admin or staff: 403."""
    for who in (SUPERADMIN, KECAMATAN_ADMIN):
        await sign_in(client, services, Address.telegram(who))
        page = await client.get("/console/peran")
        assert page.status == 200
    for who in (KELURAHAN_ADMIN, KOMUNITAS_ADMIN, STAFF):
        csrf = await sign_in(client, services, Address.telegram(who))
        assert (await client.get("/console/peran")).status == 403
        made = await client.post("/console/peran/undang", data={"csrf": csrf, "role": "staff:"})
        assert made.status == 403
    assert services.audit.entries(0, services.clock.now() + 1, action_prefix="invite.") == []


async def test_an_invitation_as_undang_makes_it(client: Client, services: Services) -> None:
    """A kecamatan admin invites a kelurahan admin of their kecamatan; links shown once;
    nothing outside their kecamatan, no staff, no malformed role."""
    services.bot_links.set_telegram("kim_test_bot")
    csrf = await sign_in(client, services, FK_KIM)
    page = await (await client.get("/console/peran")).text()
    assert f'value="admin:{BAGENDUNG}"' in page
    assert f'value="admin:{DRINGO}"' not in page
    assert 'value="staff:"' not in page
    assert "Pengurus KIM Bagendung" in page
    assert "config.yaml" in page
    made = await client.post(
        "/console/peran/undang", data={"csrf": csrf, "role": f"admin:{BAGENDUNG}"}
    )
    assert made.status == 200
    link = re.search(r"https://t\.me/kim_test_bot\?start=inv_([A-Za-z0-9_-]+)", await made.text())
    assert link is not None
    invitation = services.invitations.get(link.group(1), services.clock.now())
    assert invitation is not None
    assert (invitation.kind, invitation.scope, invitation.by) == ("admin", BAGENDUNG, str(FK_KIM))
    entries = services.audit.entries(0, services.clock.now() + 1, action_prefix="invite.")
    assert [(e.action, e.actor, e.scope) for e in entries] == [
        ("invite.created", str(FK_KIM), BAGENDUNG)
    ]
    for role in (
        f"admin:{DRINGO}",
        "staff:",
        "admin:36.72.02",
        "owner:x",
        "",
        "admin:" + "9" * 500,
    ):
        refused = await client.post("/console/peran/undang", data={"csrf": csrf, "role": role})
        assert refused.status in (400, 403), role
    forged = await client.post(
        "/console/peran/undang", data={"csrf": "x", "role": f"admin:{BAGENDUNG}"}
    )
    assert forged.status == 403
    assert len(services.audit.entries(0, services.clock.now() + 1, action_prefix="invite.")) == 1


async def test_revoking_tells_the_holder_and_stays_inside_the_scope(
    client: Client, services: Services, dispatch: RecordingDispatch
) -> None:
    """A kecamatan admin revokes a grant in their kecamatan, not one elsewhere (by form
    id); a forged token changes nothing; the holder is told; role.revoked is written."""
    now = services.clock.now()
    mine = services.roles.grants.grant(
        Address.telegram(7001), "admin", BAGENDUNG, by=str(KADIS), at=now
    )
    theirs = services.roles.grants.grant(
        Address.telegram(7002), "admin", DRINGO, by=str(KADIS), at=now
    )
    csrf = await sign_in(client, services, FK_KIM)
    page = await (await client.get("/console/peran")).text()
    assert mine.id in page
    assert theirs.id not in page
    elsewhere = await client.post("/console/peran/cabut", data={"csrf": csrf, "grant": theirs.id})
    assert elsewhere.status == 403
    forged = await client.post("/console/peran/cabut", data={"csrf": csrf + "x", "grant": mine.id})
    assert forged.status == 403
    unknown = await client.post("/console/peran/cabut", data={"csrf": csrf, "grant": "nosuch"})
    assert unknown.status == 404
    assert services.roles.grants.get(mine.id) is not None
    assert services.roles.grants.get(theirs.id) is not None
    done = await client.post("/console/peran/cabut", data={"csrf": csrf, "grant": mine.id})
    assert done.status == 200
    assert services.roles.grants.get(mine.id) is None
    assert not services.roles.is_admin(Address.telegram(7001))
    assert [to for to, _reply in dispatch.notified] == [Address.telegram(7001)]
    assert "FK-KIM Kec. Cilegon" in dispatch.notified[0][1].text
    entries = services.audit.entries(0, services.clock.now() + 1, action_prefix="role.revoked")
    assert [(e.actor, e.object) for e in entries] == [(str(FK_KIM), f"grant:{mine.id}")]
    again = await client.post("/console/peran/cabut", data={"csrf": csrf, "grant": mine.id})
    assert again.status == 404
