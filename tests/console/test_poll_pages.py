"""Polls in the console: the list each admin may see, a poll's results per kelurahan
within the viewer's scope, the CSV and XLSX downloads, and closing it now."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from bot.announcements.store import SENT, Outcome
from bot.platform.addresses import Address
from bot.platform.clock import FixedClock
from bot.platform.config import Config
from bot.platform.store import Redis
from bot.polls import runs
from bot.polls.store import Poll
from bot.services import Services
from handlers.wiring import build_services
from tests.support.admins import (
    KECAMATAN_ADMIN,
    KELURAHAN_ADMIN,
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
CIWEDUS = "36.72.02.1002"


@pytest.fixture
def services(
    config: Config, redis: Redis, clock: FixedClock, dispatch: RecordingDispatch
) -> Services:
    """Admins of every kind."""
    return build_services(with_admins(config), redis, clock, dispatch)


def answered_poll(services: Services, admin: Address, targets: list[str]) -> Poll:
    """A sent poll whose residents (two in Bagendung, one in Ciwedus, one in Kebon Dalem,
    as far as the targets reach) answered."""
    now = services.clock.now()
    people = {
        BAGENDUNG: [(7001, 1), (7002, 2)],
        CIWEDUS: [(7003, 2)],
        KEBON_DALEM: [(7004, 1)],
    }
    for village, pairs in people.items():
        for chat, _answer in pairs:
            who = Address.telegram(chat)
            services.residents.consent(who, "id", "v1", now)
            services.residents.subscribe(who, village, now)
    started = runs.start(
        services,
        admin,
        question="Perlukah posyandu buka hari Minggu?",
        options=["Perlu", "Tidak perlu"],
        scale=False,
        other=False,
        targets=targets,
        closes_at=now + 86400,
        remind=False,
        now=now,
    )
    store = services.announcements
    store.move(started.announcement.id, "sending", ["queued"], started_at=now)
    store.plan(started.announcement.id)
    planned = store.recipients(started.announcement.id, 0, 100)
    store.record(started.announcement.id, [Outcome(r, SENT) for r in planned])
    for pairs in people.values():
        for chat, answer in pairs:
            if str(Address.telegram(chat)) in planned:
                services.polls.answer(started.poll.id, Address.telegram(chat), answer, now)
    found = services.polls.get(started.poll.id)
    assert found is not None
    return found


async def test_each_admin_sees_the_polls_of_their_scope(client: Client, services: Services) -> None:
    """The superadmin sees every poll; an admin those whose targets overlap their scope (the
    city-wide one, for their part of it, and Siti's in Bagendung), not Kebon Dalem's;
    staff with no admin role none."""
    city = answered_poll(services, KADIS, ["36.72"])
    own = answered_poll(services, SITI, [BAGENDUNG])
    far = answered_poll(services, KADIS, [KEBON_DALEM])
    seen = {
        SUPERADMIN: [city, own, far],
        KECAMATAN_ADMIN: [city, own],
        KELURAHAN_ADMIN: [city, own],
    }
    for who, expected in seen.items():
        client.session.cookie_jar.clear()
        await sign_in(client, services, Address.telegram(who))
        html = await (await client.get("/console/jajak")).text()
        shown = [p.id for p in (city, own, far) if f'href="/console/jajak/{p.id}"' in html]
        assert shown == [p.id for p in expected], who
        for poll in (city, own, far):
            status = (await client.get(f"/console/jajak/{poll.id}")).status
            assert status == (200 if poll in expected else 403), (who, poll.id)
    client.session.cookie_jar.clear()
    await sign_in(client, services, Address.telegram(STAFF))
    assert (await client.get("/console/jajak")).status == 403
    assert (await client.get("/console/jajak/999")).status == 403


async def test_results_are_shown_within_the_viewers_scope(
    client: Client, services: Services
) -> None:
    """The city-wide poll: the superadmin sees all four answers and Kebon Dalem; Siti, a
    kelurahan admin, sees Bagendung's two only; no resident's chat id appears."""
    poll = answered_poll(services, KADIS, ["36.72"])
    await sign_in(client, services, KADIS)
    html = await (await client.get(f"/console/jajak/{poll.id}")).text()
    assert "4 menjawab dari 4 yang terjangkau (100%)." in html
    assert "Kebon Dalem" in html
    assert "Ciwedus" in html
    client.session.cookie_jar.clear()
    await sign_in(client, services, SITI)
    html = await (await client.get(f"/console/jajak/{poll.id}")).text()
    assert "2 menjawab dari 2 yang terjangkau (100%)." in html
    assert "Kebon Dalem" not in html
    assert "Ciwedus" not in html
    for chat in range(7001, 7005):
        assert str(chat) not in html
    assert (await client.get("/console/jajak/x1")).status == 404


async def test_downloads_hold_counts_per_kelurahan(client: Client, services: Services) -> None:
    """CSV and XLSX: a row per kelurahan, a subtotal per kecamatan, the whole; a bad
    format is a clear 400."""
    poll = answered_poll(services, CAMAT, [CILEGON])
    await sign_in(client, services, CAMAT)
    got = await client.get(f"/console/jajak/{poll.id}/unduh", params={"format": "csv"})
    assert got.status == 200
    assert got.headers["Content-Disposition"] == f'attachment; filename="jajak-{poll.id}.csv"'
    rows = list(csv.DictReader(io.StringIO((await got.read()).decode("utf-8"))))
    bagendung = next(r for r in rows if r["Kelurahan/Desa"] == "Bagendung")
    assert (bagendung["Perlu"], bagendung["Tidak perlu"], bagendung["Menjawab"]) == ("1", "1", "2")
    assert rows[-1]["Kecamatan"] == "Seluruh Kec. Cilegon"
    assert rows[-1]["Menjawab"] == "3"
    sheet = await client.get(f"/console/jajak/{poll.id}/unduh", params={"format": "xlsx"})
    book = load_workbook(io.BytesIO(await sheet.read()))
    values = list(book.active.iter_rows(values_only=True))
    assert values[0][:4] == ("Kecamatan", "Kelurahan/Desa", "Terjangkau", "Menjawab")
    bad = await client.get(f"/console/jajak/{poll.id}/unduh", params={"format": "pdf"})
    assert bad.status == 400


async def test_closing_from_the_console(
    client: Client, services: Services, dispatch: RecordingDispatch
) -> None:
    """The owner closes it: closed once, results queued to the respondents; another admin
    who may see it may not close it; a second close changes nothing."""
    poll = answered_poll(services, SITI, [BAGENDUNG])
    csrf = await sign_in(client, services, CAMAT)
    page = await (await client.get(f"/console/jajak/{poll.id}")).text()
    assert f'action="/console/jajak/{poll.id}/tutup"' not in page
    refused = await client.post(f"/console/jajak/{poll.id}/tutup", data={"csrf": csrf})
    assert refused.status == 403
    client.session.cookie_jar.clear()
    csrf = await sign_in(client, services, SITI)
    page = await (await client.get(f"/console/jajak/{poll.id}")).text()
    assert f'action="/console/jajak/{poll.id}/tutup"' in page
    done = await client.post(f"/console/jajak/{poll.id}/tutup", data={"csrf": csrf})
    assert done.status == 200
    closed = services.polls.get(poll.id)
    assert closed is not None
    assert closed.state == "closed"
    assert closed.results
    assert closed.results in dispatch.submitted
    again = await client.post(f"/console/jajak/{poll.id}/tutup", data={"csrf": csrf})
    assert again.status == 409
