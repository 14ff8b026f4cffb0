"""The console's desk queue with desks (issue 16, item 3): the desk filter, each ticket's
desk, and a member of another desk who sees a ticket but may not act on it."""

from __future__ import annotations

import pytest

from bot.desk.staff import Desk
from bot.platform.addresses import Address
from bot.platform.clock import FixedClock
from bot.platform.config import Config, Office, StaffMember
from bot.platform.store import Redis
from bot.services import Services
from handlers.wiring import build_services
from tests.console.test_desk_pages import file
from tests.support.admins import STAFF, SUPERADMIN, RecordingDispatch, with_admins
from tests.support.console import Client, sign_in
from tests.support.constants import BAGENDUNG

ROAD_STAFF = Address.telegram(7202)  # Dinas PUPR's member only


@pytest.fixture
def services(
    config: Config, redis: Redis, clock: FixedClock, dispatch: RecordingDispatch
) -> Services:
    """The admins of every kind, and desks for kesehatan and for infrastruktur."""
    admins = with_admins(config)
    offices = [
        Office(id="dinkes", name="Dinas Kesehatan", topics=["kesehatan"]),
        Office(
            id="pupr",
            name="Dinas PUPR",
            topics=["infrastruktur"],
            members=[StaffMember(id=str(ROAD_STAFF))],
        ),
    ]
    desk = admins.desk.model_copy(update={"desks": offices})
    return build_services(admins.model_copy(update={"desk": desk}), redis, clock, dispatch)


async def test_the_queue_filters_and_shows_desks(client: Client, services: Services) -> None:
    """?desk= narrows the queue to one desk (`default`: the default desk's), each row and
    the ticket page name the desk, and a desk the config lacks is a 400."""
    health = file(services, 1101, BAGENDUNG, topic="kesehatan")
    road = file(services, 1102, BAGENDUNG, topic="infrastruktur")
    other = file(services, 1103, BAGENDUNG, topic="sosial")
    await sign_in(client, services, Address.telegram(STAFF))
    for desk, shown in [("dinkes", health), ("pupr", road), ("default", other)]:
        html = await (await client.get(f"/console/meja?desk={desk}")).text()
        listed = {t.id for t in (health, road, other) if t.id in html}
        assert listed == {shown.id}, desk
    html = await (await client.get("/console/meja")).text()
    assert "Dinas Kesehatan" in html
    assert "Dinas PUPR" in html
    assert '<select name="desk">' in html
    assert (await client.get("/console/meja?desk=nowhere")).status == 400
    page = await (await client.get(f"/console/meja/{health.id}")).text()
    assert "Dinas Kesehatan" in page


async def test_another_desks_member_sees_but_cannot_act(client: Client, services: Services) -> None:
    """Dinas PUPR's member gets no action forms on a Dinas Kesehatan ticket, and a forged
    claim changes nothing; on their own desk's ticket they act."""
    health = file(services, 1201, BAGENDUNG, topic="kesehatan")
    road = file(services, 1202, BAGENDUNG, topic="infrastruktur")
    csrf = await sign_in(client, services, ROAD_STAFF)
    page = await (await client.get(f"/console/meja/{health.id}")).text()
    assert "/klaim" not in page
    forged = await client.post(f"/console/meja/{health.id}/klaim", data={"csrf": csrf})
    assert forged.status == 409
    assert "Tiket ini milik desk lain." in await forged.text()
    after = services.tickets.get(health.id)
    assert after is not None
    assert (after.state, after.claimed_by) == ("diterima", "")
    page = await (await client.get(f"/console/meja/{road.id}")).text()
    assert "/klaim" in page
    claimed = await client.post(
        f"/console/meja/{road.id}/klaim", data={"csrf": csrf}, allow_redirects=False
    )
    assert claimed.status == 303
    assert Desk(services).tickets.get(road.id).claimed_by == str(ROAD_STAFF)  # type: ignore[union-attr]


async def test_the_console_invites_staff_to_a_desk(client: Client, services: Services) -> None:
    """The invitation form offers each desk's staff beside the main desk's."""
    await sign_in(client, services, Address.telegram(SUPERADMIN))
    html = await (await client.get("/console/peran")).text()
    assert 'value="staff:"' in html
    assert 'value="staff:pupr"' in html
    assert "staf desk Dinas PUPR" in html


async def test_the_console_moves_a_ticket_to_another_desk(
    client: Client, services: Services
) -> None:
    """The ticket page's move form: to Dinas PUPR (its history says so, the queue shows it
    there); a desk that does not exist, or the one it is on, changes nothing (409);
    PUPR's own member may not move a Dinas Kesehatan ticket."""
    health = file(services, 1301, BAGENDUNG, topic="kesehatan")
    csrf = await sign_in(client, services, Address.telegram(STAFF))
    page = await (await client.get(f"/console/meja/{health.id}")).text()
    assert 'action="/console/meja/' + health.id + '/pindah"' in page
    assert '<option value="pupr">Dinas PUPR</option>' in page
    assert '<option value="dinkes">' not in page  # where it is
    for wrong in ("nowhere", "dinkes", ""):
        refused = await client.post(
            f"/console/meja/{health.id}/pindah", data={"csrf": csrf, "desk": wrong}
        )
        assert refused.status == 409, wrong
    moved = await client.post(
        f"/console/meja/{health.id}/pindah",
        data={"csrf": csrf, "desk": "pupr"},
        allow_redirects=False,
    )
    assert moved.status == 303
    after = services.tickets.get(health.id)
    assert after is not None
    assert after.desk == "pupr"
    page = await (await client.get(f"/console/meja/{health.id}")).text()
    assert "Dipindahkan ke Dinas PUPR." in page
    html = await (await client.get("/console/meja?desk=pupr")).text()
    assert health.id in html
    other = file(services, 1302, BAGENDUNG, topic="kesehatan")
    client.session.cookie_jar.clear()
    csrf = await sign_in(client, services, ROAD_STAFF)
    forged = await client.post(
        f"/console/meja/{other.id}/pindah", data={"csrf": csrf, "desk": "pupr"}
    )
    assert forged.status == 409
    assert services.tickets.get(other.id).desk == "dinkes"  # type: ignore[union-attr]
