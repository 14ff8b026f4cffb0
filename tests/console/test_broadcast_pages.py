"""Broadcasts in the console: the list, an announcement's report, cancelling one."""

from __future__ import annotations

import pytest

from bot.announcements.store import Announcement, Outcome
from bot.platform.addresses import Address
from bot.platform.clock import FixedClock, to_datetime
from bot.platform.config import Chat, Config
from bot.platform.store import Redis
from bot.services import Services
from handlers.wiring import build_services
from tests.support.admins import (
    KECAMATAN_ADMIN,
    KELURAHAN_ADMIN,
    KOMUNITAS_ADMIN,
    STAFF,
    SUPERADMIN,
    RecordingDispatch,
    with_admins,
)
from tests.support.console import Client, sign_in
from tests.support.constants import BAGENDUNG, CILEGON, KEBON_DALEM

KADIS = Address.telegram(SUPERADMIN)
SITI = Address.telegram(KELURAHAN_ADMIN)
CAMAT = Address.telegram(KECAMATAN_ADMIN)
BAGENDUNG_CHANNEL = -1001234567890
CITY = "36.72"


@pytest.fixture
def services(
    config: Config, redis: Redis, clock: FixedClock, dispatch: RecordingDispatch
) -> Services:
    """Admins of every kind, and Bagendung with a channel of its own."""
    roles = with_admins(config)
    channels = {BAGENDUNG: Chat(chat_id=BAGENDUNG_CHANNEL)}
    return build_services(roles.model_copy(update={"channels": channels}), redis, clock, dispatch)


def announce(
    services: Services, admin: Address | None, targets: list[str], **extra: float
) -> Announcement:
    """An announcement as /broadcast stores it."""
    return services.announcements.create(
        admin, targets, services.clock.now(), text="Kerja bakti Minggu pagi", **extra
    )


def residents(services: Services, village: str, chats: range) -> list[Address]:
    """Residents subscribed to `village`."""
    found = []
    for chat in chats:
        who = Address.telegram(chat)
        services.residents.consent(who, "id", "v1", services.clock.now())
        services.residents.subscribe(who, village, services.clock.now())
        found.append(who)
    return found


async def test_each_admin_sees_the_announcements_inside_their_scope(
    client: Client, services: Services
) -> None:
    """Superadmins see all; an admin their own and those whose every target is in their
    scope; a city-wide one is not a kelurahan admin's; staff with no admin role see none."""
    own = announce(services, SITI, [BAGENDUNG])
    kecamatan = announce(services, CAMAT, [CILEGON])
    for_bagendung = announce(services, CAMAT, [BAGENDUNG])
    city = announce(services, None, [CITY])
    far = announce(services, KADIS, [KEBON_DALEM])
    cyclists = announce(services, KADIS, ["komunitas:sepeda-onthel"])
    every = [own, kecamatan, for_bagendung, city, far, cyclists]
    seen = {
        SUPERADMIN: every,
        KECAMATAN_ADMIN: [own, kecamatan, for_bagendung],
        KELURAHAN_ADMIN: [own, for_bagendung],
        KOMUNITAS_ADMIN: [cyclists],
    }
    for who, expected in seen.items():
        client.session.cookie_jar.clear()
        await sign_in(client, services, Address.telegram(who))
        listed = await client.get("/console/pengumuman")
        assert listed.status == 200, who
        html = await listed.text()
        shown = [a.id for a in every if f'href="/console/pengumuman/{a.id}"' in html]
        assert shown == [a.id for a in expected], who
        order = sorted(shown, key=lambda i: html.index(f'href="/console/pengumuman/{i}"'))
        assert order == list(reversed(shown)), who  # newest first
        for ann in every:
            report = await client.get(f"/console/pengumuman/{ann.id}")
            assert report.status == (200 if ann in expected else 403), (who, ann.targets)
    client.session.cookie_jar.clear()
    await sign_in(client, services, Address.telegram(STAFF))
    assert (await client.get("/console/pengumuman")).status == 403
    assert (await client.get(f"/console/pengumuman/{own.id}")).status == 403


async def test_the_list_shows_targets_author_state_counts_and_reach(
    client: Client, services: Services, clock: FixedClock
) -> None:
    """Each row: targets, who sent it, state, scheduled time, sent/blocked/failed, reach."""
    residents(services, BAGENDUNG, range(5001, 5004))
    at = clock.now() + 86400
    announce(services, SITI, [BAGENDUNG], scheduled_at=at)
    await sign_in(client, services, SITI)
    html = await (await client.get("/console/pengumuman")).text()
    assert "Bagendung" in html
    assert "Pengurus KIM Bagendung" in html
    assert "terjadwal" in html
    assert services.translator("id").datetime_text(to_datetime(at)) in html
    assert "≈ 4" in html  # three residents and the channel, counted now


async def test_the_list_is_paged(client: Client, services: Services) -> None:
    """Fifty a page; a page number that is not one is a clear 400."""
    made = [announce(services, SITI, [BAGENDUNG]) for _ in range(51)]
    await sign_in(client, services, SITI)
    first = await (await client.get("/console/pengumuman")).text()
    assert f"/console/pengumuman/{made[-1].id}" in first
    assert f'/console/pengumuman/{made[0].id}"' not in first
    assert "page=2" in first
    second = await (await client.get("/console/pengumuman", params={"page": "2"})).text()
    assert f'/console/pengumuman/{made[0].id}"' in second
    for bad in ("0", "x", "-1", "9" * 30):
        response = await client.get("/console/pengumuman", params={"page": bad})
        assert response.status == 400, bad
        assert "Halaman itu tidak ada" in await response.text()


async def test_the_report_counts_outcomes_and_groups_failures_by_reason(
    client: Client, services: Services, clock: FixedClock
) -> None:
    """Sent, blocked, failed and remaining; the channel's post; failures by reason, and
    never an address of who was not reached."""
    people = residents(services, BAGENDUNG, range(6001, 6006))
    ann = announce(services, SITI, [BAGENDUNG])
    services.announcements.plan(ann.id)
    services.announcements.move(ann.id, "sending", ["queued"], started_at=clock.now())
    services.announcements.record(
        ann.id,
        [
            Outcome(str(Address.telegram(BAGENDUNG_CHANNEL)), "s"),
            Outcome(str(people[0]), "s"),
            Outcome(str(people[1]), "b"),
            Outcome(str(people[2]), "f:whatsapp error 131026"),
            Outcome(str(people[3]), "f:whatsapp error 131026"),
        ],
    )
    await sign_in(client, services, SITI)
    report = await client.get(f"/console/pengumuman/{ann.id}")
    assert report.status == 200
    html = await report.text()
    assert "whatsapp error 131026" in html
    assert '<td class="num">2</td>' in html  # two of that reason
    assert "Bagendung" in html
    assert "diposting" in html  # the channel's post went out
    assert "5 warga dan 1 kanal" in html
    for chat in range(6001, 6006):
        assert str(chat) not in html
    assert 'action="/console/pengumuman/' in html  # still sending: the owner may cancel


async def test_cancelling_is_the_bots_cancel(
    client: Client, services: Services, clock: FixedClock
) -> None:
    """The owner cancels a scheduled one: it is cancelled, its report says by whom, the
    audit trail has `broadcast.cancelled`; once cancelled, a second cancel changes nothing."""
    ann = announce(services, SITI, [BAGENDUNG], scheduled_at=clock.now() + 3600)
    csrf = await sign_in(client, services, SITI)
    page = await client.get(f"/console/pengumuman/{ann.id}")
    assert f'action="/console/pengumuman/{ann.id}/batal"' in await page.text()
    done = await client.post(f"/console/pengumuman/{ann.id}/batal", data={"csrf": csrf})
    assert done.status == 200
    assert done.url.path == f"/console/pengumuman/{ann.id}"
    after = services.announcements.get(ann.id)
    assert after is not None
    assert after.state == "cancelled"
    assert "Pengurus KIM Bagendung" in after.note
    entries = services.audit.entries(0, 2e10, action_prefix="broadcast.")
    assert [(e.action, e.actor, e.object) for e in entries] == [
        ("broadcast.cancelled", str(SITI), f"broadcast:{ann.id}")
    ]
    assert "/batal" not in await done.text()
    again = await client.post(f"/console/pengumuman/{ann.id}/batal", data={"csrf": csrf})
    assert again.status == 409
    assert len(services.audit.entries(0, 2e10, action_prefix="broadcast.")) == 1


async def test_only_the_owner_or_a_superadmin_cancels(
    client: Client, services: Services, clock: FixedClock
) -> None:
    """A kecamatan admin sees a Bagendung admin's announcement but may not cancel it; a
    superadmin may cancel anyone's, a running one too."""
    ann = announce(services, SITI, [BAGENDUNG])
    csrf = await sign_in(client, services, CAMAT)
    page = await client.get(f"/console/pengumuman/{ann.id}")
    assert page.status == 200
    assert "/batal" not in await page.text()
    refused = await client.post(f"/console/pengumuman/{ann.id}/batal", data={"csrf": csrf})
    assert refused.status == 403
    assert (services.announcements.get(ann.id) or ann).state == "queued"
    client.session.cookie_jar.clear()
    csrf = await sign_in(client, services, KADIS)
    services.announcements.move(ann.id, "sending", ["queued"], started_at=clock.now())
    done = await client.post(f"/console/pengumuman/{ann.id}/batal", data={"csrf": csrf})
    assert done.status == 200
    assert (services.announcements.get(ann.id) or ann).state == "cancelled"
    actors = [e.actor for e in services.audit.entries(0, 2e10, action_prefix="broadcast.")]
    assert actors == [str(KADIS)]


async def test_a_forged_csrf_token_or_a_wrong_id_changes_nothing(
    client: Client, services: Services
) -> None:
    """A cancel without the session's token is refused; unknown and malformed ids are 404;
    another kelurahan's announcement is 403 for a cancel as for its report."""
    ann = announce(services, SITI, [BAGENDUNG])
    far = announce(services, KADIS, [KEBON_DALEM])
    csrf = await sign_in(client, services, SITI)
    for forged in ({"csrf": "B" * 43}, {}):
        response = await client.post(f"/console/pengumuman/{ann.id}/batal", data=forged)
        assert response.status == 403
    for missing in ("999", "abc", "1e3", "-1"):
        assert (await client.get(f"/console/pengumuman/{missing}")).status == 404
        response = await client.post(f"/console/pengumuman/{missing}/batal", data={"csrf": csrf})
        assert response.status == 404
    stolen = await client.post(f"/console/pengumuman/{far.id}/batal", data={"csrf": csrf})
    assert stolen.status == 403
    states = [(services.announcements.get(a.id) or a).state for a in (ann, far)]
    assert states == ["queued", "queued"]
    assert services.audit.entries(0, 2e10, action_prefix="broadcast.") == []


async def test_a_target_config_yaml_no_longer_has_is_shown_by_its_code(
    client: Client, services: Services
) -> None:
    """A region removed from config.yaml since: its code stands for its name."""
    gone = announce(services, KADIS, ["36.72.99.9999"])
    await sign_in(client, services, KADIS)
    for path in ("/console/pengumuman", f"/console/pengumuman/{gone.id}"):
        page = await client.get(path)
        assert page.status == 200, path
        assert "36.72.99.9999" in await page.text()


async def test_an_early_warnings_delivery_is_named_and_posts_in_no_channel(
    client: Client, services: Services
) -> None:
    """An announcement carrying an alert: named by the alert's number, and Bagendung's
    channel is not among its recipients (a warning goes to residents' own chats)."""
    ann = services.announcements.create(None, [BAGENDUNG], services.clock.now(), alert="7")
    await sign_in(client, services, KADIS)
    html = await (await client.get("/console/pengumuman")).text()
    assert "⚠️ Peringatan dini #7" in html
    report = await (await client.get(f"/console/pengumuman/{ann.id}")).text()
    assert "⚠️ Peringatan dini #7" in report
    assert "1 kanal" not in report
    assert "diposting" not in report
