"""The console's exports and audit trail: who may, filters, downloads that parse back."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from bot.audit import actors
from bot.platform.addresses import Address
from bot.platform.clock import FixedClock
from bot.services import Services
from tests.support.admins import KECAMATAN_ADMIN, KELURAHAN_ADMIN, STAFF, SUPERADMIN
from tests.support.console import Client, sign_in
from tests.support.constants import BAGENDUNG, DRINGO

KADIS = Address.telegram(SUPERADMIN)


def subscribe(services: Services, number: int, village: str) -> None:
    """A resident subscribed to `village`."""
    who, now = Address.telegram(number), services.clock.now()
    services.residents.consent(who, "id", "1", now)
    services.residents.subscribe(who, village, now)


def csv_rows(data: bytes) -> list[dict[str, str]]:
    """A downloaded CSV, parsed."""
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


async def test_subscribers_per_region_within_the_viewer_s_villages(
    client: Client, services: Services
) -> None:
    """A kelurahan admin gets their own row; a superadmin every village; counts only."""
    for number in range(3):
        subscribe(services, 800 + number, BAGENDUNG)
    subscribe(services, 900, DRINGO)
    csrf = await sign_in(client, services, Address.telegram(KELURAHAN_ADMIN))
    page = await (await client.get("/console/ekspor")).text()
    assert "/console/ekspor/pelanggan" in page
    assert "/console/ekspor/tiket" not in page
    got = await client.post("/console/ekspor/pelanggan", data={"csrf": csrf, "format": "csv"})
    assert got.status == 200
    assert got.headers["Content-Disposition"].startswith("attachment;")
    rows = csv_rows(await got.read())
    assert [(r["Kode"], r["Pelanggan aktif"]) for r in rows] == [(BAGENDUNG, "3")]
    assert "tg:800" not in (await got.read()).decode()
    csrf = await sign_in(client, services, KADIS)
    book = await client.post("/console/ekspor/pelanggan", data={"csrf": csrf, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(await book.read())).active
    assert sheet is not None
    values = {row[2]: row[3] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert values[BAGENDUNG] == 3
    assert values[DRINGO] == 1
    assert len(values) > 40
    entries = services.audit.entries(0, services.clock.now() + 1, action_prefix="export.")
    assert [(e.actor, e.object, e.detail["rows"]) for e in entries] == [
        (str(Address.telegram(KELURAHAN_ADMIN)), "subscribers", 1),
        (str(KADIS), "subscribers", len(values)),
    ]
    bad = await client.post("/console/ekspor/pelanggan", data={"csrf": csrf, "format": "pdf"})
    assert bad.status == 400
    forged = await client.post("/console/ekspor/pelanggan", data={"csrf": "x", "format": "csv"})
    assert forged.status == 403
    assert len(services.audit.entries(0, services.clock.now() + 1, action_prefix="export.")) == 2


async def test_tickets_for_staff_and_superadmins_only(
    client: Client, services: Services, clock: FixedClock
) -> None:
    """Staff download the desk report; an admin is refused; bad dates change nothing."""
    day = clock.now()
    today = datetime.fromtimestamp(day, ZoneInfo(services.config.deployment.timezone)).date()
    form = {"dari": today.isoformat(), "sampai": today.isoformat()}
    csrf = await sign_in(client, services, Address.telegram(KECAMATAN_ADMIN))
    refused = await client.post(
        "/console/ekspor/tiket", data={"csrf": csrf, "format": "csv", **form}
    )
    assert refused.status == 403
    csrf = await sign_in(client, services, Address.telegram(STAFF))
    got = await client.post("/console/ekspor/tiket", data={"csrf": csrf, "format": "xlsx", **form})
    assert got.status == 200
    book = load_workbook(io.BytesIO(await got.read()))
    assert book.sheetnames == ["Tiket", "Per kecamatan", "Per topik"]
    for bad in ({"dari": "2026-13-01"}, {"sampai": "2020-01-01"}, {"dari": ""}):
        answer = await client.post(
            "/console/ekspor/tiket", data={"csrf": csrf, "format": "csv", **form, **bad}
        )
        assert answer.status == 400
    entries = services.audit.entries(0, services.clock.now() + 1, action_prefix="export.")
    assert [(e.actor, e.object) for e in entries] == [(str(Address.telegram(STAFF)), "tickets")]
    csrf = await sign_in(client, services, KADIS)
    trail = await (await client.get("/console/audit", params={"aksi": "export"})).text()
    assert "Laporan layanan" in trail  # the export.run entry, its object by name


async def test_the_audit_trail_filters_pages_and_exports(
    client: Client, services: Services
) -> None:
    """Superadmins only; filters by family and actor; the export holds the filtered rows
    and writes export.run; malformed filters get a clear page."""
    for number in range(60):
        services.audit.record("config.reloaded", **actors.operator(), detail={"n": number})
    services.audit.record("role.revoked", **actors.person(services.roles, KADIS), object="grant:x")
    for who in (STAFF, KELURAHAN_ADMIN):
        csrf = await sign_in(client, services, Address.telegram(who))
        assert (await client.get("/console/audit")).status == 403
        posted = await client.post("/console/audit/ekspor", data={"csrf": csrf, "format": "csv"})
        assert posted.status == 403
    csrf = await sign_in(client, services, KADIS)
    first = await (await client.get("/console/audit")).text()
    assert "n: 59" in first
    assert "n: 5<" not in first
    assert "halaman=2" in first
    roles = await (await client.get("/console/audit", params={"aksi": "role"})).text()
    assert "grant:x" in roles or "Peran dicabut" in roles
    assert "n: 59" not in roles
    for bad in ({"aksi": "nope"}, {"dari": "kemarin"}, {"pelaku": "x" * 101}, {"halaman": "-1"}):
        assert (await client.get("/console/audit", params=bad)).status == 400
    got = await client.post(
        "/console/audit/ekspor", data={"csrf": csrf, "format": "csv", "pelaku": str(KADIS)}
    )
    assert got.status == 200
    rows = csv_rows(await got.read())
    assert len(rows) == 2  # the revocation and this viewer's sign-in
    wanted = services.audit.entries(0, services.clock.now() + 1, action_prefix="export.")
    assert [(e.actor, e.object, e.detail["rows"]) for e in wanted] == [(str(KADIS), "audit", 2)]
    bad = await client.post("/console/audit/ekspor", data={"csrf": csrf, "format": "doc"})
    assert bad.status == 400
