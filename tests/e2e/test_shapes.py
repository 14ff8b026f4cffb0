"""Every deployment shape end to end: Telegram only (polling, webhook), WhatsApp only, both,
each on the embedded Redis and on an external one (Debian's redis-server), and two bot
replicas behind one URL with two workers on one Redis.

In each, one scenario: residents onboard, the admin broadcasts and every resident (and
the kelurahan's channel) receives it exactly once, a resident files an aspirasi, staff
claim and answer it (in the staff group, or WhatsApp only with `kimbot tickets`), and the
resident receives the answer. Every update is answered once, and one ticket is filed.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
from rq import Worker

from bot.announcements.store import Announcement
from bot.platform.addresses import Address
from bot.platform.config import Config
from bot.platform.store import connect
from emulator.whatsapp.client import WaSimClient
from tests.support.constants import ROOT
from tests.support.dialogues import ASPIRASI, BAGENDUNGS_POSTER, BAGENDUNGS_WA_POSTER
from tests.support.people import Person, body
from tests.support.shapes import Deployment, Shape, deployed
from tests.support.staff_group import card_for, press_on_card, reply_to_card, report_number
from tests.support.wa_people import WaPerson, shown

pytestmark = pytest.mark.e2e

TEXT = "Kerja bakti Minggu 07.00 di RW 02 Bagendung, bawa cangkul."
ANSWER = "Mulai pekan depan loket pendaftaran Puskesmas dibuka pukul 07.00."
SHAPES = {
    "telegram-polling": Shape("polling", whatsapp=False),
    "telegram-webhook": Shape("webhook", whatsapp=False),
    "whatsapp-only": Shape(None, whatsapp=True),
    "both": Shape("polling", whatsapp=True),
}
AnyPerson = Person | WaPerson


# Every channel shape, and each Redis, at least once (both Redis for the shapes that have
# WhatsApp, whose webhook path differs most); a full matrix would add a minute of CI.
CASES = [
    ("telegram-polling", "embedded"),
    ("telegram-webhook", "external"),
    ("whatsapp-only", "embedded"),
    ("whatsapp-only", "external"),
    ("both", "embedded"),
    ("both", "external"),
]


@pytest.fixture(params=CASES, ids=[f"{shape}-{kind}" for shape, kind in CASES])
def deployment(
    request: pytest.FixtureRequest, tmp_path: Path, config: Config
) -> Iterator[Deployment]:
    """A shape on a Redis: the one `kimbot run` embeds, or the external server."""
    shape, kind = request.param
    url = None if kind == "embedded" else request.getfixturevalue("external_redis_url")
    with deployed(SHAPES[shape], tmp_path, config, url) as running:
        yield running


@pytest.fixture
def replicas(tmp_path: Path, config: Config, external_redis_url: str) -> Iterator[Deployment]:
    """Two `kimbot run --webhook --no-worker` behind a round-robin proxy that delivers
    every update twice (to both), two `kimbot worker`s, both channels, one Redis."""
    shape = Shape("webhook", whatsapp=True, replicas=2)
    with deployed(shape, tmp_path, config, external_redis_url) as running:
        yield running


async def test_every_shape_broadcasts_and_answers_the_desk(deployment: Deployment) -> None:
    """The scenario, on one shape and one Redis."""
    await scenario(deployment)


async def test_two_replicas_and_two_workers_answer_each_update_once(
    replicas: Deployment,
) -> None:
    """The scenario through both replicas, each update delivered to both of them: every
    update is answered once and one ticket is filed; both workers still listen."""
    await scenario(replicas)
    assert replicas.balancer is not None
    assert len(replicas.balancer.served) == 2
    rq = connect(replicas.env["REDIS_URL"], decode=False)
    assert len(Worker.all(connection=rq)) == 2
    rq.close()


async def scenario(d: Deployment) -> None:
    """Onboard, broadcast, file an aspirasi, answer it; then count what everyone got."""
    async with WaSimClient(d.api) as sim:
        residents: list[AnyPerson] = []
        if d.shape.telegram:
            residents.append(await Person.create(sim, "Rina"))
            await residents[-1].play(BAGENDUNGS_POSTER)
        if d.shape.whatsapp:
            residents.append(await WaPerson.create(sim, "Joko"))
            await residents[-1].play(BAGENDUNGS_WA_POSTER)

        announcement = await broadcast(d, sim)
        assert announcement.counts == {"sent": len(residents) + bool(d.shape.telegram)}

        warga = residents[-1]  # on WhatsApp when there is WhatsApp
        await warga.play(ASPIRASI)
        await warga.press("Kirim")
        ticket = report_number(text_of(await warga.wait_for("Nomor laporan Anda ASP-")))
        await answer(d, sim, warga, ticket)

        for resident in residents:
            said = Counter(await said_to(resident))
            assert said[TEXT] == 1
            assert max(said.values()) == 1, f"answered twice: {said.most_common(1)}"
        if d.shape.telegram:
            posts = [m for m in await sim.messages(d.people["channel"]) if body(m) == TEXT]
            assert len(posts) == 1
    assert [t.id for t in d.services.tickets.of_resident(address_of(warga))] == [ticket]
    await console_session_is_shared(d)


async def console_session_is_shared(d: Deployment) -> None:
    """Every `kimbot run` serves the console; a session begun on one replica's port is
    good on the others' (sessions live in Redis), and the dashboard counts the shape's
    residents."""
    who = Address.parse(d.services.config.roles.admins[0].id)
    token = d.services.console.issue_link(who, time.time(), valid_seconds=600, per_hour=50)
    assert token is not None
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        first = f"http://127.0.0.1:{d.ports[0]}/console"
        async with browser.post(first + "/masuk", data={"t": token}) as signed:
            assert signed.status == 200, await signed.text()
        for port in d.ports:  # a cookie is the host's, whatever the port
            async with browser.get(f"http://127.0.0.1:{port}/console/") as page:
                html = await page.text()
                assert page.status == 200, html
                assert "Dasbor" in html


async def broadcast(d: Deployment, sim: WaSimClient) -> Announcement:
    """The admin (Bu Siti, on Telegram if there is Telegram) sends TEXT to Bagendung; the
    announcement once every recipient has an outcome."""
    admin: AnyPerson
    if d.shape.telegram:
        admin = Person(sim, {"id": d.people["admin"]})
    else:
        admin = WaPerson(sim, {"user_id": d.people["admin"], "wa_id": None})
    await admin.play([("/broadcast", "Kirim pengumumannya"), (TEXT, "Menjangkau")])
    await admin.press("✅")
    # the delivery report: edited in place on Telegram, a message of its own on WhatsApp
    assert "gagal 0" in text_of(await admin.wait_for("selesai", seconds=60))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        recent = d.services.announcements.recent(1)
        if recent and recent[0].state == "done":
            return recent[0]
        await asyncio.sleep(0.2)
    raise AssertionError(f"the broadcast did not finish: {recent}")


async def answer(d: Deployment, sim: WaSimClient, warga: AnyPerson, ticket: str) -> None:
    """Staff claim the ticket, then answer it, and the resident is told each: on its card
    in the staff group, or WhatsApp only (no staff group) with `kimbot tickets` as Pak
    Rahmat."""
    if d.shape.telegram:
        desk, staff = d.people["desk"], d.people["staff"]
        card = await card_for(sim, desk, ticket)
        await press_on_card(sim, staff, card, "Tangani", desk)
        await warga.wait_for(f"Laporan Anda {ticket} sedang ditangani")
        await press_on_card(sim, staff, card, "Jawab", desk)
        await reply_to_card(sim, staff, desk, card, ANSWER)
    else:
        await kimbot_tickets(d, "claim", ticket)
        await warga.wait_for(f"Laporan Anda {ticket} sedang ditangani")
        await kimbot_tickets(d, "answer", ticket, ANSWER)
    assert ANSWER in text_of(await warga.wait_for(f"Jawaban atas laporan Anda {ticket}"))


async def kimbot_tickets(d: Deployment, *action: str) -> None:
    """`kimbot tickets ACTION… --as` the WhatsApp staff member, in the deployment's setting."""
    staff = f"wa:{d.people['staff']}"
    command = [sys.executable, "-m", "handlers.cli", "tickets", *action, "--as", staff]
    command += ["--config", str(d.config_path)]
    done = await asyncio.to_thread(
        subprocess.run, command, env=d.env, cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def text_of(message: dict[str, object]) -> str:
    """What a Telegram or WhatsApp message shows."""
    return body(message) if "message_id" in message else shown(message)


async def said_to(resident: AnyPerson) -> list[str]:
    """Every message the bot sent the resident, by what it shows."""
    if isinstance(resident, Person):
        return [body(m) for m in await resident.sim.messages(resident.id, from_bot=1)]
    return [shown(m) for m in await resident.messages()]


def address_of(resident: AnyPerson) -> Address:
    """The resident's chat, as the core keys it."""
    if isinstance(resident, Person):
        return Address.telegram(resident.id)
    return Address.parse(resident.address)
