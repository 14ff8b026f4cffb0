"""The console's hoax archive: search, newest first, one verdict, correct, withdraw."""

from __future__ import annotations

from bot.desk.hoaxes import Claim, Fingerprint
from bot.platform.addresses import Address
from bot.services import Services
from tests.support.admins import (
    KELURAHAN_ADMIN,
    STAFF,
    SUPERADMIN,
    RecordingDispatch,
    tell_fan_outs,
)
from tests.support.console import Client, sign_in
from tests.support.constants import BAGENDUNG

CHIP = "Vaksinasi COVID-19 mengandung chip 5G yang bisa melacak lokasi warga"
WARGA = Address.telegram(555001)


def archived(services: Services, claim_id: str, text: str, at: float) -> Claim:
    """A verdict in the archive that answered one resident."""
    claim = Claim(
        id=claim_id,
        text=text,
        verdict="hoaks",
        explanation="Tidak benar.",
        sources="https://cekfakta.com/chip",
        at=at,
        fingerprint=Fingerprint.of(text, []),
    )
    services.hoaxes.add_claim(claim)
    return claim


def with_recipient(services: Services, claim_id: str) -> None:
    """WARGA subscribed and was answered with the claim by the archive."""
    now = services.clock.now()
    services.residents.consent(WARGA, "id", "1", now)
    services.residents.subscribe(WARGA, BAGENDUNG, now)
    services.recipients.record(claim_id, WARGA, now)


async def test_only_staff_and_superadmins_see_the_archive(
    client: Client, services: Services
) -> None:
    """Staff and superadmins get the page; KIM admins get 403 on every route."""
    archived(services, "HKS-2611-0001", CHIP, services.clock.now())
    for who in (STAFF, SUPERADMIN):
        await sign_in(client, services, Address.telegram(who))
        assert (await client.get("/console/hoaks")).status == 200
        assert (await client.get("/console/hoaks/HKS-2611-0001")).status == 200
    csrf = await sign_in(client, services, Address.telegram(KELURAHAN_ADMIN))
    assert (await client.get("/console/hoaks")).status == 403
    assert (await client.get("/console/hoaks/HKS-2611-0001")).status == 403
    refused = await client.post(
        "/console/hoaks/HKS-2611-0001/tarik", data={"csrf": csrf, "confirm": "1"}
    )
    assert refused.status == 403
    assert services.hoaxes.claim("HKS-2611-0001") is not None


async def test_search_newest_first_and_bad_queries(client: Client, services: Services) -> None:
    """Without words the newest verdicts; with words the /arsip matches; paging; bad input."""
    now = services.clock.now()
    for number in range(1, 26):
        archived(
            services, f"HKS-2611-{number:04d}", f"Pesan berantai nomor {number} palsu", now + number
        )
    archived(services, "HKS-2611-0099", CHIP, now)
    await sign_in(client, services, Address.telegram(STAFF))
    first = await (await client.get("/console/hoaks")).text()
    assert first.index("HKS-2611-0025") < first.index("HKS-2611-0006")
    assert "HKS-2611-0005" not in first  # on the second page
    second = await (await client.get("/console/hoaks", params={"halaman": "2"})).text()
    assert "HKS-2611-0005" in second
    assert "HKS-2611-0099" in second
    found = await (await client.get("/console/hoaks", params={"q": "chip vaksin"})).text()
    assert "HKS-2611-0099" in found
    assert "HKS-2611-0003" not in found
    for bad in ({"q": "x" * 1001}, {"halaman": "abc"}, {"halaman": "0"}):
        assert (await client.get("/console/hoaks", params=bad)).status == 400
    assert (await client.get("/console/hoaks/HKS-0000-0000")).status == 404
    shown = await (await client.get("/console/hoaks/hks-2611-0099")).text()
    assert "https://cekfakta.com/chip" in shown


async def test_a_correction_tells_who_received_it_and_is_audited(
    client: Client, services: Services, dispatch: RecordingDispatch
) -> None:
    """The archive holds the new verdict; the resident is told; hoax.corrected by staff."""
    archived(services, "HKS-2611-0007", CHIP, services.clock.now())
    with_recipient(services, "HKS-2611-0007")
    csrf = await sign_in(client, services, Address.telegram(STAFF))
    assert (await client.get("/console/hoaks/HKS-2611-0007")).status == 200
    done = await client.post(
        "/console/hoaks/HKS-2611-0007/koreksi",
        data={
            "csrf": csrf,
            "verdict": "sebagian benar",
            "explanation": "Sebagian benar: ada chip, bukan 5G.",
            "sources": "https://kominfo.go.id/a\n\n",
        },
    )
    assert done.status == 200
    assert done.url.path == "/console/hoaks/HKS-2611-0007"
    claim = services.hoaxes.claim("HKS-2611-0007")
    assert claim is not None
    assert (claim.verdict, claim.sources) == ("sebagian benar", "https://kominfo.go.id/a")
    assert tell_fan_outs(services, dispatch) == 1
    assert "SEBAGIAN BENAR" in dispatch.notified[0][1].text
    assert dispatch.notified[0][0] == WARGA
    entries = services.audit.entries(0, services.clock.now() + 1, action_prefix="hoax.")
    assert [(e.action, e.actor, e.object) for e in entries] == [
        ("hoax.corrected", str(Address.telegram(STAFF)), "hoax:HKS-2611-0007")
    ]


async def test_bad_corrections_forged_csrf_and_a_withdrawal(
    client: Client, services: Services, dispatch: RecordingDispatch
) -> None:
    """Unknown verdicts, empty or oversized text, a forged token and an unticked box change
    nothing; a confirmed withdrawal empties the archive and tells the resident."""
    archived(services, "HKS-2611-0008", CHIP, services.clock.now())
    with_recipient(services, "HKS-2611-0008")
    csrf = await sign_in(client, services, Address.telegram(SUPERADMIN))
    url = "/console/hoaks/HKS-2611-0008/koreksi"
    for data in (
        {"verdict": "bohong", "explanation": "x"},
        {"verdict": "benar", "explanation": "   "},
        {"verdict": "benar", "explanation": "x" * 3001},
        {"verdict": "benar", "explanation": "ok", "sources": "s" * 2001},
    ):
        assert (await client.post(url, data={"csrf": csrf, **data})).status == 400
    forged = await client.post(url, data={"csrf": "nope", "verdict": "benar", "explanation": "y"})
    assert forged.status == 403
    unticked = await client.post("/console/hoaks/HKS-2611-0008/tarik", data={"csrf": csrf})
    assert unticked.status == 400
    missing = await client.post(
        "/console/hoaks/HKS-0000-0001/tarik", data={"csrf": csrf, "confirm": "1"}
    )
    assert missing.status == 404
    claim = services.hoaxes.claim("HKS-2611-0008")
    assert claim is not None
    assert claim.verdict == "hoaks"
    assert dispatch.fanned == []
    gone = await client.post(
        "/console/hoaks/HKS-2611-0008/tarik", data={"csrf": csrf, "confirm": "1"}
    )
    assert gone.status == 200
    assert services.hoaxes.claim("HKS-2611-0008") is None
    assert tell_fan_outs(services, dispatch) == 1
    assert dispatch.notified[0][0] == WARGA
    actions = [e.action for e in services.audit.entries(0, services.clock.now() + 1)]
    assert "hoax.withdrawn" in actions
    assert "hoax.corrected" not in actions
    assert (await client.get("/console/hoaks/HKS-2611-0008")).status == 404
