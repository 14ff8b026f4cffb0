"""The desk in the console: the queue and its filters, a ticket, staff acting on it."""

from __future__ import annotations

from bot.desk.staff import Desk
from bot.desk.tickets import Kind, Ticket
from bot.desk.verdicts import verdict_text
from bot.platform.actions import TicketAction
from bot.platform.addresses import Address
from bot.platform.clock import FixedClock
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
from tests.support.constants import BAGENDUNG, CILEGON, KEBON_DALEM

STAFF_ADDRESS = Address.telegram(STAFF)
SITI = Address.telegram(KELURAHAN_ADMIN)
CAMAT = Address.telegram(KECAMATAN_ADMIN)
PURWAKARTA = "36.72.07"
RESIDENT_CHAT = 777123
STAFF_GROUP = Address.parse("tg:-1009999")
HOAX = "PENTING!! Semua warga Cilegon wajib daftar ulang KTP di kelurahan besok. Sebarkan!!"


def neighbour(services: Services) -> str:
    """Another village of Kecamatan Cilegon than Bagendung."""
    return next(v.code for v in services.regions.villages(CILEGON) if v.code != BAGENDUNG)


def file(
    services: Services,
    chat: int,
    village: str,
    kind: Kind = "pengaduan",
    *,
    topic: str = "infrastruktur",
    text: str = "Jalan berlubang di depan SD",
    anonymous: bool = False,
) -> Ticket:
    """A resident of `village` files a ticket, as the /lapor dialog would."""
    who = Address.telegram(chat)
    now = services.clock.now()
    services.residents.consent(who, "en", "v1", now)
    services.residents.subscribe(who, village, now)
    return Desk(services).file(who, kind, now, text=text, topic=topic, anonymous=anonymous)


def to_resident(dispatch: RecordingDispatch, chat: int) -> list[str]:
    """The texts a resident was sent through the queue."""
    return [r.text for to, r in dispatch.notified if to == Address.telegram(chat)]


async def test_every_role_sees_the_tickets_of_its_villages_only(
    client: Client, services: Services
) -> None:
    """Staff and superadmins see every ticket; a kecamatan admin those of its kecamatan;
    a kelurahan admin those of Bagendung; the cyclists' admin none."""
    home = file(services, 1001, BAGENDUNG)
    near = file(services, 1002, neighbour(services))
    far = file(services, 1003, KEBON_DALEM)
    seen = {
        SUPERADMIN: {home.id, near.id, far.id},
        STAFF: {home.id, near.id, far.id},
        KECAMATAN_ADMIN: {home.id, near.id},
        KELURAHAN_ADMIN: {home.id},
        KOMUNITAS_ADMIN: set(),
    }
    for who, expected in seen.items():
        client.session.cookie_jar.clear()
        await sign_in(client, services, Address.telegram(who))
        page = await client.get("/console/meja")
        assert page.status == 200, who
        html = await page.text()
        shown = {t.id for t in (home, near, far) if f"/console/meja/{t.id}" in html}
        assert shown == expected, who


async def test_a_kelurahan_admin_cannot_read_another_kelurahan_by_url(
    client: Client, services: Services
) -> None:
    """Another village's ticket, or a filter naming a region outside Bagendung, is refused;
    their own ticket is shown read-only and its actions are refused too."""
    home = file(services, 1001, BAGENDUNG)
    far = file(services, 1003, KEBON_DALEM)
    csrf = await sign_in(client, services, SITI)
    assert (await client.get(f"/console/meja/{far.id}")).status == 403
    for query in ({"village": KEBON_DALEM}, {"kecamatan": PURWAKARTA}):
        assert (await client.get("/console/meja", params=query)).status == 403, query
    mine = await client.get(f"/console/meja/{home.id}")
    assert mine.status == 200
    html = await mine.text()
    assert home.text in html
    assert "/klaim" not in html
    assert "/jawab" not in html
    claimed = await client.post(f"/console/meja/{home.id}/klaim", data={"csrf": csrf})
    assert claimed.status == 403
    ticket = services.tickets.get(home.id)
    assert ticket is not None
    assert ticket.state == "diterima"
    assert services.audit.entries(0, 2e10, action_prefix="ticket.") == []


async def test_the_queue_filters_by_every_parameter_the_dashboard_links_with(
    client: Client, services: Services, clock: FixedClock
) -> None:
    """state, topic, kecamatan, village, due and order narrow and sort the queue."""
    old = file(services, 1001, BAGENDUNG, topic="kesehatan")
    clock.advance(4.5 * 86400)  # a Saturday morning, WIB: `old` is overdue
    answered = file(services, 1002, BAGENDUNG)
    near = file(services, 1003, neighbour(services))
    far = file(services, 1004, KEBON_DALEM, "hoaks", topic="", text="Vaksin berisi chip")
    Desk(services).act(STAFF_ADDRESS, TicketAction("claim", answered.id), clock.now())
    Desk(services).staff_reply(
        STAFF_ADDRESS, services.tickets.get(answered.id) or answered, "Sudah", clock.now()
    )
    await sign_in(client, services, STAFF_ADDRESS)

    async def shown(**query: str) -> list[str]:
        page = await client.get("/console/meja", params=query)
        assert page.status == 200, query
        html = await page.text()
        ids = [t.id for t in (old, answered, near, far)]
        return sorted((i for i in ids if f"/console/meja/{i}" in html), key=html.index)

    assert await shown() == [old.id, near.id, far.id]
    assert await shown(order="newest") == [far.id, near.id, old.id]
    assert await shown(state="dijawab") == [answered.id]
    assert await shown(state="all") == [old.id, answered.id, near.id, far.id]
    assert await shown(topic="kesehatan") == [old.id]
    assert await shown(kecamatan=CILEGON) == [old.id, near.id]
    assert await shown(village=BAGENDUNG, state="all") == [old.id, answered.id]
    assert await shown(due="overdue") == [old.id]
    assert await shown(due="today") == [far.id]  # a hoax check is due within hours
    assert await shown(kecamatan=PURWAKARTA, due="overdue") == []


async def test_the_queue_is_paged(client: Client, services: Services) -> None:
    """Fifty a page, with links to the next and previous pages that keep the filters."""
    tickets = [file(services, 2000 + n, BAGENDUNG) for n in range(52)]
    await sign_in(client, services, STAFF_ADDRESS)
    first = await (await client.get("/console/meja", params={"village": BAGENDUNG})).text()
    assert tickets[49].id in first
    assert tickets[50].id not in first
    assert "page=2" in first
    assert f"village={BAGENDUNG}" in first
    second = await (
        await client.get("/console/meja", params={"village": BAGENDUNG, "page": "2"})
    ).text()
    assert tickets[50].id in second
    assert tickets[0].id not in second
    beyond = await (await client.get("/console/meja", params={"page": "9"})).text()
    assert tickets[51].id in beyond  # past the end: the last page


async def test_malformed_filters_get_a_clear_page(client: Client, services: Services) -> None:
    """A value a filter does not take is a 400 naming the filter, not a wider list."""
    file(services, 1001, BAGENDUNG)
    await sign_in(client, services, STAFF_ADDRESS)
    for query in (
        {"state": "bogus"},
        {"topic": "nonsense"},
        {"kecamatan": BAGENDUNG},
        {"kecamatan": "99.99"},
        {"village": CILEGON},
        {"due": "tomorrow"},
        {"order": "sideways"},
        {"page": "0"},
        {"page": "abc"},
        {"page": "9" * 40},
    ):
        page = await client.get("/console/meja", params=query)
        assert page.status == 400, query
        html = await page.text()
        assert "Filter tidak sah" in html, query
        assert f"“{next(iter(query))}”" in html, query


async def test_staff_answer_from_the_console_as_from_the_group(
    client: Client, services: Services, dispatch: RecordingDispatch, clock: FixedClock
) -> None:
    """Claim, then answer: the resident is told each time exactly as the group's buttons
    tell them, the audit trail names the staff member, and the page shows the history."""
    ticket = file(services, RESIDENT_CHAT, BAGENDUNG, anonymous=True)
    services.tickets.set_card(ticket.id, STAFF_GROUP.chat_id, 42)  # as the bot posted it
    csrf = await sign_in(client, services, STAFF_ADDRESS)
    page = await client.get(f"/console/meja/{ticket.id}")
    html = await page.text()
    assert page.status == 200
    assert "/klaim" in html
    assert str(RESIDENT_CHAT) not in html  # an anonymous reporter is never shown
    claimed = await client.post(f"/console/meja/{ticket.id}/klaim", data={"csrf": csrf})
    assert claimed.status == 200
    assert claimed.url.path == f"/console/meja/{ticket.id}"
    assert to_resident(dispatch, RESIDENT_CHAT) == [
        f"Your report {ticket.id} is being handled by our staff."
    ]
    to_group, card = dispatch.notified[-1]
    assert to_group == STAFF_GROUP  # the group's card is edited to the new state
    assert card.card_of == ticket.id
    assert "🙋" not in str(card.choices)
    answer = "Sudah kami perbaiki.\nTerima kasih."
    answered = await client.post(  # as a browser sends a textarea: CRLF line ends
        f"/console/meja/{ticket.id}/jawab",
        data={"csrf": csrf, "text": " Sudah kami perbaiki.\r\nTerima kasih.\r\n"},
    )
    assert answered.status == 200
    assert to_resident(dispatch, RESIDENT_CHAT)[-1] == (
        f"Answer to your report {ticket.id}:\n\n{answer}"
    )
    done = services.tickets.get(ticket.id)
    assert done is not None
    assert done.state == "dijawab"
    assert done.answer == answer
    entries = services.audit.entries(0, 2e10, action_prefix="ticket.")
    assert [(e.action, e.actor, e.object) for e in entries] == [
        ("ticket.claimed", str(STAFF_ADDRESS), f"ticket:{ticket.id}"),
        ("ticket.answered", str(STAFF_ADDRESS), f"ticket:{ticket.id}"),
    ]
    services.tickets.transition(ticket.id, "selesai", ("dijawab",), "resident", clock.now())
    html = await (await client.get(f"/console/meja/{ticket.id}")).text()
    assert html.count("<td>warga</td>") == 2  # filing it and closing it: "the resident"
    assert "Sudah kami perbaiki." in html
    assert "/jawab" not in html
    assert str(RESIDENT_CHAT) not in html


async def test_forward_and_reject(
    client: Client, services: Services, dispatch: RecordingDispatch
) -> None:
    """Forwarding tells the resident where it went; rejecting gives the reason; both are
    in the audit trail; a superadmin may act as staff do."""
    forwarded = file(services, 1001, BAGENDUNG)
    rejected = file(services, 1002, KEBON_DALEM)
    csrf = await sign_in(client, services, Address.telegram(SUPERADMIN))
    sent = await client.post(
        f"/console/meja/{forwarded.id}/teruskan",
        data={"csrf": csrf, "text": "LAPOR! 1234567 ke Dinas PU"},
    )
    assert sent.status == 200
    assert to_resident(dispatch, 1001) == [
        f"Your report {forwarded.id} was forwarded: LAPOR! 1234567 ke Dinas PU"
    ]
    refused = await client.post(
        f"/console/meja/{rejected.id}/tolak", data={"csrf": csrf, "reason": "scope"}
    )
    assert refused.status == 200
    assert to_resident(dispatch, 1002) == [
        f"We cannot process your report {rejected.id}: outside the local government's authority."
    ]
    states = {t: (services.tickets.get(t) or forwarded).state for t in (forwarded.id, rejected.id)}
    assert states == {forwarded.id: "diteruskan", rejected.id: "ditolak"}
    actions = [e.action for e in services.audit.entries(0, 2e10, action_prefix="ticket.")]
    assert actions == ["ticket.forwarded", "ticket.rejected"]


async def test_a_forged_csrf_token_changes_nothing(
    client: Client, services: Services, dispatch: RecordingDispatch
) -> None:
    """Without the session's token no action is taken and nobody is told anything."""
    ticket = file(services, 1001, BAGENDUNG)
    await sign_in(client, services, STAFF_ADDRESS)
    told = len(dispatch.notified)
    for forged in ({"csrf": "A" * 43}, {}):
        tries = (("klaim", {}), ("jawab", {"text": "x"}), ("tolak", {"reason": "spam"}))
        for action, extra in tries:
            response = await client.post(
                f"/console/meja/{ticket.id}/{action}", data={**forged, **extra}
            )
            assert response.status == 403
    after = services.tickets.get(ticket.id)
    assert after is not None
    assert after.state == "diterima"
    assert len(dispatch.notified) == told
    assert services.audit.entries(0, 2e10, action_prefix="ticket.") == []


async def test_bad_input_changes_nothing(
    client: Client, services: Services, dispatch: RecordingDispatch
) -> None:
    """Unknown tickets and actions, empty or oversized text, an unknown reason, an answer
    to a hoax check, a second claim: each a clear page, and the ticket as it was."""
    ticket = file(services, 1001, BAGENDUNG)
    hoax = file(services, 1002, BAGENDUNG, "hoaks", topic="", text="Vaksin berisi chip")
    csrf = await sign_in(client, services, STAFF_ADDRESS)
    for missing in ("ASP-0000-0000", "nope", "x" * 300):
        assert (await client.get(f"/console/meja/{missing}")).status == 404
        gone = await client.post(f"/console/meja/{missing}/klaim", data={"csrf": csrf})
        assert gone.status == 404
    unknown = await client.post(f"/console/meja/{ticket.id}/hapus", data={"csrf": csrf})
    assert unknown.status == 404
    limit = services.config.limits.max_text_length
    for text in ("", "   ", "x" * (limit + 1)):
        response = await client.post(
            f"/console/meja/{ticket.id}/jawab", data={"csrf": csrf, "text": text}
        )
        assert response.status == 400
        assert "Tulis 1 sampai" in await response.text()
    bad_reason = await client.post(
        f"/console/meja/{ticket.id}/tolak", data={"csrf": csrf, "reason": "boring"}
    )
    assert bad_reason.status == 400
    on_hoax = await client.post(f"/console/meja/{hoax.id}/jawab", data={"csrf": csrf, "text": "x"})
    assert on_hoax.status == 409
    untouched = services.tickets.get(ticket.id)
    assert untouched is not None
    assert untouched.state == "diterima"
    assert not untouched.answer
    first = await client.post(f"/console/meja/{ticket.id}/klaim", data={"csrf": csrf})
    assert first.status == 200
    again = await client.post(f"/console/meja/{ticket.id}/klaim", data={"csrf": csrf})
    assert again.status == 409
    assert [e.action for e in services.audit.entries(0, 2e10, action_prefix="ticket.")] == [
        "ticket.claimed"
    ]
    assert (
        f"/console/meja/{hoax.id}/putusan"
        in await (await client.get(f"/console/meja/{hoax.id}")).text()
    )


async def test_a_hoax_verdict_previewed_then_sent_reaches_everyone_who_asked(
    client: Client, services: Services, dispatch: RecordingDispatch
) -> None:
    """The preview stores and sends nothing; ✅ Send archives the verdict and tells every
    resident who asked about the claim, as the staff group's ✅ Send does."""
    first = file(services, 3001, BAGENDUNG, "hoaks", topic="", text=HOAX)
    second = file(services, 3002, KEBON_DALEM, "hoaks", topic="", text=HOAX)
    assert second.group == first.id
    csrf = await sign_in(client, services, STAFF_ADDRESS)
    told = len(dispatch.notified)
    form = {
        "csrf": csrf,
        "verdict": "hoaks",
        "explanation": "Tidak ada daftar ulang KTP.\nDisdukcapil membantah.",
        "sources": "  https://disdukcapil.cilegon.go.id/klarifikasi  \n\n",
    }
    preview = await client.post(f"/console/meja/{second.id}/putusan", data=form)
    assert preview.status == 200
    html = await preview.text()
    assert "HOAKS" in html
    assert "disdukcapil.cilegon.go.id/klarifikasi" in html
    assert 'name="send" value="1"' in html
    assert len(dispatch.notified) == told
    assert services.hoaxes.claim(first.id) is None
    assert (services.tickets.get(first.id) or first).state == "diterima"
    sent = await client.post(f"/console/meja/{second.id}/putusan", data={**form, "send": "1"})
    assert sent.status == 200
    assert sent.url.path == f"/console/meja/{first.id}"  # the claim's first ticket
    expected = verdict_text(
        services.translator("en"),
        first.id,
        "hoaks",
        "Tidak ada daftar ulang KTP.\nDisdukcapil membantah.",
        "https://disdukcapil.cilegon.go.id/klarifikasi",
    )
    assert to_resident(dispatch, 3001) == [expected]
    assert to_resident(dispatch, 3002) == [expected.replace(first.id, second.id, 1)]
    assert {(services.tickets.get(t.id) or t).state for t in (first, second)} == {"dijawab"}
    claim = services.hoaxes.claim(first.id)
    assert claim is not None
    assert claim.verdict == "hoaks"
    entries = services.audit.entries(0, 2e10, action_prefix="ticket.")
    assert [(e.action, e.actor, e.detail.get("tickets")) for e in entries] == [
        ("ticket.verdict", str(STAFF_ADDRESS), 2)
    ]
    again = await client.post(f"/console/meja/{first.id}/putusan", data={**form, "send": "1"})
    assert again.status == 409


async def test_a_verdict_with_bad_input_or_from_an_admin_changes_nothing(
    client: Client, services: Services, dispatch: RecordingDispatch
) -> None:
    """An unknown rating, an empty or oversized explanation, a verdict on an aspirasi, a
    forged token, a KIM admin who is not staff: nothing is archived, nobody is told."""
    hoax = file(services, 3001, BAGENDUNG, "hoaks", topic="", text=HOAX)
    complaint = file(services, 3002, BAGENDUNG)
    limit = services.config.limits.max_text_length
    csrf = await sign_in(client, services, STAFF_ADDRESS)
    told = len(dispatch.notified)
    good = {"csrf": csrf, "verdict": "hoaks", "explanation": "Tidak benar.", "send": "1"}
    for changes, status in (
        ({"verdict": "palsu"}, 400),
        ({"verdict": ""}, 400),
        ({"explanation": "  "}, 400),
        ({"explanation": "x" * (limit + 1)}, 400),
        ({"sources": "y" * (limit + 1)}, 400),
        ({"csrf": "C" * 43}, 403),
    ):
        response = await client.post(f"/console/meja/{hoax.id}/putusan", data={**good, **changes})
        assert response.status == status, changes
    on_complaint = await client.post(f"/console/meja/{complaint.id}/putusan", data=good)
    assert on_complaint.status == 409
    client.session.cookie_jar.clear()
    csrf = await sign_in(client, services, SITI)
    refused = await client.post(f"/console/meja/{hoax.id}/putusan", data={**good, "csrf": csrf})
    assert refused.status == 403
    assert services.hoaxes.claim(hoax.id) is None
    assert (services.tickets.get(hoax.id) or hoax).state == "diterima"
    assert len(dispatch.notified) == told
    assert services.audit.entries(0, 2e10, action_prefix="ticket.") == []


async def test_the_queue_filters_by_kind_and_rating_as_the_dashboard_links(
    client: Client, services: Services, clock: FixedClock
) -> None:
    """kind=hoaks lists the hoax checks only, kind=aspirasi the others; rating=5 the ticket
    rated five stars; a kind or rating it does not take is a 400 naming it."""
    aspirasi = file(services, 4101, BAGENDUNG).id
    hoax = file(services, 4102, BAGENDUNG, kind="hoaks", text="Benarkah ada bansos baru?")
    assert services.tickets.transition(aspirasi, "dijawab", ("diterima",), "staf", clock.now())
    assert services.tickets.rate(aspirasi, Address.telegram(4101), 5)
    await sign_in(client, services, STAFF_ADDRESS)

    async def listed(**query: str) -> set[str]:
        html = await (await client.get("/console/meja", params=query)).text()
        return {t for t in (aspirasi, hoax.id) if f">{t}<" in html}

    assert await listed(state="all", kind="hoaks") == {hoax.id}
    assert await listed(state="all", kind="aspirasi") == {aspirasi}
    assert await listed(state="all", rating="5") == {aspirasi}
    assert await listed(state="all", rating="4") == set()
    for bad in ({"kind": "pengaduan"}, {"rating": "6"}, {"rating": "x"}):
        response = await client.get("/console/meja", params=bad)
        assert response.status == 400
