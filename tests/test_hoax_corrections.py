"""Issue 12, item 4: staff correct or withdraw an archived verdict, and everyone who
received it is told, on Telegram and WhatsApp, requesters and residents the archive
answered alike; a clarification broadcast from a verdict, within the sender's scope."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.desk.staff import Desk
from bot.dialogs import Conversations, build_conversations
from bot.platform.actions import ClaimAction, TicketAction
from bot.platform.addresses import Address
from bot.platform.clock import FixedClock
from bot.platform.config import Admin, Config, Staff, Template
from bot.platform.messages import Reply
from bot.platform.store import Redis
from bot.services import Services
from handlers.whatsapp.outbound import WhatsAppSender
from handlers.whatsapp.send import CloudAPI
from handlers.wiring import build_services
from tests.support.admins import (
    KELURAHAN_ADMIN,
    STAFF,
    SUPERADMIN,
    RecordingDispatch,
    tell_fan_outs,
    with_admins,
)
from tests.support.constants import BAGENDUNG, CILEGON, KEBON_DALEM, WA_PHONE_NUMBER_ID
from tests.support.dialog import Resident, render
from tests.support.storage import everything_in
from tests.support.webhooks import BUDI, SITI
from tests.support.whatsapp import (
    SETTINGS,
    WhatsAppDriver,
    WhatsAppWorld,
    whatsapp_world,
    with_whatsapp,
)

CLAIM = "HKS-2609-0001"
HOAX = (
    "PENTING!! Mulai besok semua warga Cilegon wajib daftar ulang KTP di kelurahan, "
    "kalau tidak KTP diblokir. Sebarkan!!"
)
ASKED_AGAIN = "Katanya KTP warga Cilegon diblokir kalau tidak daftar ulang di kelurahan, benar?"
STAFF_ADMIN = 9006  # staff who is also the KIM admin of Kecamatan Cilegon


def desk_config(config: Config) -> Config:
    """Admins, staff (one of them a KIM admin too), WhatsApp with its ticket template."""
    cfg = with_admins(with_whatsapp(config), approval_threshold=5000)
    roles = cfg.roles.model_copy(
        update={
            "admins": [
                *cfg.roles.admins,
                Admin(id=f"tg:{STAFF_ADMIN}", name="Staf FK-KIM", scope=[CILEGON]),
            ],
            "staff": Staff(
                group=cfg.roles.staff.group, members=[f"tg:{STAFF}", f"tg:{STAFF_ADMIN}"]
            ),
        }
    )
    whatsapp = cfg.whatsapp.model_copy(
        update={"ticket_template": Template(name="kim_tiket_diperbarui", language="id")}
    )
    limits = cfg.limits.model_copy(update={"flood_messages_per_minute": 600})
    return cfg.model_copy(update={"roles": roles, "whatsapp": whatsapp, "limits": limits})


@pytest.fixture
def svc(config: Config, redis: Redis, clock: FixedClock, dispatch: RecordingDispatch) -> Services:
    """The core with the desk's roles, WhatsApp on, notices recorded."""
    return build_services(desk_config(config), redis, clock, dispatch)


@pytest.fixture
def conv(svc: Services) -> Conversations:
    """The resident dialogs."""
    return build_conversations(svc)


@pytest.fixture
async def world(svc: Services) -> AsyncIterator[WhatsAppWorld]:
    """The WhatsApp webhook on the same core."""
    async with whatsapp_world(svc) as w:
        yield w


def subscribed(
    conv: Conversations, chat_id: int, village: str = "3672021001", lang: str = "en"
) -> Resident:
    """A Telegram resident of a kelurahan."""
    me = Resident(conv, chat_id=chat_id, language_code=lang)
    me.send(f"/start kel_{village}")
    me.press("✅")
    return me


def check(me: Resident, text: str) -> str:
    """/factcheck one message, 🔎 Check."""
    me.send("/factcheck")
    me.send(text)
    me.press("🔎")
    return me.said()


async def wa_check(person: WhatsAppDriver, text: str) -> str:
    """A WhatsApp resident subscribes to Bagendung (the poster's text) and asks."""
    await person.say("DAFTAR kel_3672021001")
    await person.press("✅")
    await person.say("/cekhoaks")
    await person.say(text)
    await person.press("🔎")
    return person.shown()


def verdict(svc: Services, number: int = 0, text: str = "Tidak ada pemblokiran KTP.") -> None:
    """Staff give verdict `number` on the claim's card, with no sources."""
    desk, staff, now = Desk(svc), Address.telegram(STAFF), svc.clock.now()
    desk.press(staff, TicketAction("verdict", CLAIM, str(number)).pack(), now)
    ticket = svc.tickets.get(CLAIM)
    assert ticket is not None
    desk.staff_reply(staff, ticket, text, now)
    desk.press(staff, TicketAction("nosources", CLAIM).pack(), now)
    desk.press(staff, TicketAction("send", CLAIM).pack(), now)


def press(
    svc: Services, verb: str, arg: str = "", who: int = STAFF, claim: str = CLAIM
) -> list[Reply]:
    """A staff button on the claim, as the group hands it to the desk."""
    return Desk(svc).press(
        Address.telegram(who), ClaimAction(verb, claim, arg).pack(), svc.clock.now()
    )  # type: ignore[arg-type]


def fix(svc: Services, number: int, explanation: str, sources: str | None = None) -> list[Reply]:
    """✏️ Correct → verdict → explanation → sources or ⏭ → the preview."""
    press(svc, "fix")
    press(svc, "fixv", str(number))
    desk = Desk(svc)
    from bot.desk.corrections import Corrections

    steps = Corrections(desk)
    staff = Address.telegram(STAFF)
    assert steps.reply(staff, explanation) is not None
    if sources is None:
        return press(svc, "nosrc")
    replies = steps.reply(staff, sources)
    assert replies is not None
    return replies


def told(dispatch: RecordingDispatch, address: Address) -> list[Reply]:
    """What reached one resident through the notice queue."""
    return [r for to, r in dispatch.notified if to == address]


async def test_a_correction_reaches_requesters_and_archive_answers_on_both_channels(
    svc: Services,
    conv: Conversations,
    world: WhatsAppWorld,
    dispatch: RecordingDispatch,
    clock: FixedClock,
) -> None:
    """Requesters (Telegram, WhatsApp) and residents the archive answered (Telegram,
    WhatsApp) each get one correction, in their language, saying it replaces the earlier
    verdict; WhatsApp's notice path sends it in the window and a template outside it."""
    asker = subscribed(conv, 31)
    assert f"Your check number is {CLAIM}" in check(asker, HOAX)
    siti = WhatsAppDriver(world, SITI)
    assert "HKS-2609-0002" in await wa_check(siti, HOAX)  # grouped with the first
    verdict(svc)
    answered_tg = subscribed(conv, 32, lang="id")
    assert "Ini sudah pernah kami periksa: [HOAKS]" in check(answered_tg, ASKED_AGAIN)
    budi = WhatsAppDriver(world, BUDI)
    assert "[HOAKS]" in await wa_check(budi, ASKED_AGAIN)
    dispatch.notified.clear()

    preview = render(
        fix(
            svc,
            11,
            "Aturan daftar ulang KTP memang ada, tanpa pemblokiran.",
            "https://cilegon.go.id/ktp",
        )
    )
    assert "Dikirim ke 4 warga." in preview
    assert "Koreksi: cek fakta HKS-2609-0001 kini [BENAR]" in preview  # staff read Indonesian
    sent = press(svc, "send")
    assert "sedang diberi tahu" in render(sent)
    assert not dispatch.notified  # the press only queues the run's job
    assert tell_fan_outs(svc, dispatch) == 4
    assert "Koreksi HKS-2609-0001 dikirim ke 4 warga." in [r.text for _to, r in dispatch.notified]
    people = {
        asker.address: "Correction: fact check HKS-2609-0001 is now [BENAR]",
        answered_tg.address: "Koreksi: cek fakta HKS-2609-0001 kini [BENAR]",
        siti.address: "[BENAR]",
        budi.address: "[BENAR]",
    }
    for address, expected in people.items():
        (notice,) = told(dispatch, address)
        assert expected in notice.text
        assert "[HOAKS]" in notice.text  # the verdict it replaces
        assert "https://cilegon.go.id/ktp" in notice.text
    assert told(dispatch, siti.address)[0].ticket == "HKS-2609-0002"  # her own check
    assert told(dispatch, budi.address)[0].ticket == CLAIM  # the claim's number, for the template

    # the archive and the tickets carry the correction
    claim = svc.hoaxes.claim(CLAIM)
    assert claim is not None
    assert claim.verdict == "benar"
    ticket = svc.tickets.get(CLAIM)
    assert ticket is not None
    assert ticket.verdict == "benar"
    assert "koreksi" in svc.tickets.history(CLAIM)[-1].note

    # WhatsApp's own notice path: in the window the message, outside it the template
    api = CloudAPI.connect(
        SETTINGS, WA_PHONE_NUMBER_ID, httpx.AsyncClient(transport=world.graph.transport())
    )
    sender = WhatsAppSender(svc, api)
    before = len(world.graph.sent)
    assert await sender.notify(siti.address, told(dispatch, siti.address)[0]) == "sent"
    clock.advance(2 * 86400)
    assert (await sender.notify(budi.address, told(dispatch, budi.address)[0])).startswith("held")
    fresh = world.graph.sent[before:]
    assert "[BENAR]" in fresh[0].text
    assert fresh[1].kind == "template"
    assert fresh[1].body["template"]["components"][0]["parameters"][0]["text"] == CLAIM


def test_a_withdrawal_leaves_the_archive_and_tells_everyone(
    svc: Services, conv: Conversations, dispatch: RecordingDispatch, redis: Redis
) -> None:
    """🗑 Withdraw, confirmed: the claim leaves the archive and its index (a later check
    is a new ticket), its tickets lose the verdict, every recipient is told."""
    asker = subscribed(conv, 41)
    check(asker, HOAX)
    verdict(svc)
    answered = subscribed(conv, 42)
    assert "We checked this before" in check(answered, ASKED_AGAIN)
    dispatch.notified.clear()
    press(svc, "fix")
    ask = render(press(svc, "retract"))
    assert "2 warga" in ask
    assert svc.hoaxes.claim(CLAIM) is not None  # nothing happens before the confirmation
    done = render(press(svc, "retracted"))
    assert "ditarik" in done
    assert svc.hoaxes.claim(CLAIM) is None  # at once: the archive answers with it no more
    assert tell_fan_outs(svc, dispatch) == 2
    assert not [k for k in redis.scan_iter("kim:hx:t:*") if redis.sismember(k, CLAIM)]
    for address in (asker.address, answered.address):
        (notice,) = told(dispatch, address)
        assert "Withdrawn: the verdict [HOAKS] of fact check HKS-2609-0001" in notice.text
    ticket = svc.tickets.get(CLAIM)
    assert ticket is not None
    assert (ticket.verdict, ticket.state) == ("", "dijawab")
    assert press(svc, "retracted")[0].notice == "Tombol itu sudah tidak aktif."  # again
    assert len(told(dispatch, asker.address)) == 1
    later = subscribed(conv, 43)
    assert "Your check number is HKS-" in check(later, ASKED_AGAIN)  # no answer from it


def test_buttons_of_a_correction_are_checked(
    svc: Services, conv: Conversations, dispatch: RecordingDispatch
) -> None:
    """Non-staff, forged, stale and doubled presses change nothing and send nothing."""
    check(subscribed(conv, 51), HOAX)
    verdict(svc)
    dispatch.notified.clear()
    for outsider in (51, KELURAHAN_ADMIN):
        assert (
            press(svc, "fix", who=outsider)[0].notice
            == "Hanya petugas layanan yang dapat melakukan itu."
        )
    assert press(svc, "send")[0].notice  # no correction started
    press(svc, "fix")
    assert press(svc, "fixv", "99")[0].notice  # no such verdict
    assert press(svc, "send")[0].notice  # not at the preview yet
    assert Desk(svc).press(Address.telegram(STAFF), "a.hx.send.HKS-2609-0001.x.y", 1.0)[0].notice
    assert "Tidak ada putusan NOPE-1 di arsip." in render(press(svc, "fix", claim="NOPE-1"))
    fix(svc, 11, "Benar adanya.")
    press(svc, "send")
    assert press(svc, "send")[0].notice == "Tombol itu sudah tidak aktif."  # pressed twice
    assert len(dispatch.fanned) == 1
    assert tell_fan_outs(svc, dispatch) == 1


def test_usage_and_the_card_buttons(svc: Services, conv: Conversations) -> None:
    """An answered hoax card offers ✏️ Correct and 📣 Clarify; `/koreksi` with nothing
    or an unknown number says so."""
    check(subscribed(conv, 61), HOAX)
    verdict(svc)
    desk = Desk(svc)
    ticket = svc.tickets.get(CLAIM)
    assert ticket is not None
    labels = [c.data for c in desk.card(ticket, 1.0).flat_choices]
    assert labels == [f"a.hx.fix.{CLAIM}", f"a.hx.clar.{CLAIM}"]
    from bot.desk.corrections import Corrections

    assert "Cara pakai: /koreksi" in render(Corrections(desk).start(Address.telegram(STAFF), ""))
    assert "Cara pakai" not in render(
        Corrections(desk).start(Address.telegram(STAFF), CLAIM.lower())
    )


def test_the_record_of_archive_answers_is_erased_with_the_resident(
    svc: Services, conv: Conversations, dispatch: RecordingDispatch, redis: Redis
) -> None:
    """/hapusdata removes the resident from the claim's recipients (no correction reaches
    them afterwards); /dataku lists the answer before."""
    check(subscribed(conv, 71), HOAX)
    verdict(svc)
    me = subscribed(conv, 7799771)
    check(me, ASKED_AGAIN)
    assert "archive_answers" in str(svc.privacy.export(me.address))
    assert "7799771" in everything_in(redis)
    me.send("/hapusdata")
    me.press("🗑")
    assert "7799771" not in everything_in(redis)
    dispatch.notified.clear()
    fix(svc, 11, "Benar adanya.")
    press(svc, "send")
    tell_fan_outs(svc, dispatch)
    assert [to for to, _ in dispatch.notified if to.is_private] == [Address.telegram(71)]


def clarify_setup(svc: Services, conv: Conversations) -> None:
    """Residents of Bagendung (Kec. Cilegon) and Kebon Dalem (Kec. Purwakarta) asked."""
    check(subscribed(conv, 81), HOAX)
    check(subscribed(conv, 82, village="3672071003"), HOAX)
    verdict(svc)
    check(subscribed(conv, 83), ASKED_AGAIN)


def test_a_clarification_goes_through_the_broadcast_engine_within_scope(
    svc: Services, conv: Conversations, dispatch: RecordingDispatch
) -> None:
    """Counts per kelurahan first; only kelurahan in the sender's scope can be chosen;
    the preview is the announcement prefilled from the verdict; ✅ Send stores it for the
    broadcast engine with the chosen targets."""
    clarify_setup(svc, conv)
    shown = render(press(svc, "clar", who=STAFF_ADMIN))
    assert "Bagendung: 2" in shown
    assert "Kebon Dalem: 1 · di luar wilayah Anda" in shown
    buttons = press(svc, "clar", who=STAFF_ADMIN)[0].flat_choices
    assert [c.label for c in buttons] == ["Bagendung", "✖ Batal"]
    press(svc, "ct", "1", who=STAFF_ADMIN)  # past the offered list: forged
    assert press(svc, "cprev", who=STAFF_ADMIN)[0].notice  # nothing selected
    press(svc, "ct", "0", who=STAFF_ADMIN)
    preview = render(press(svc, "cprev", who=STAFF_ADMIN))
    assert "📣 Klarifikasi hoaks" in preview
    assert "[HOAKS]" in preview
    assert "Tidak ada pemblokiran KTP." in preview
    assert "Menjangkau 2 warga dan 0 kanal" in preview  # Bagendung's subscribers
    sent = press(svc, "csend", who=STAFF_ADMIN)
    assert sent[0].progress_of
    ann = svc.announcements.get(sent[0].progress_of)
    assert ann is not None
    assert (ann.targets, ann.state, ann.admin) == (
        [BAGENDUNG],
        "queued",
        Address.telegram(STAFF_ADMIN),
    )
    assert "Klarifikasi hoaks" in ann.text
    assert dispatch.submitted == [ann.id]
    assert press(svc, "csend", who=STAFF_ADMIN)[0].notice  # twice: nothing more
    assert dispatch.submitted == [ann.id]


def test_a_clarification_refuses_who_may_not_broadcast_and_forged_targets(
    svc: Services, conv: Conversations, dispatch: RecordingDispatch, redis: Redis
) -> None:
    """Staff without an admin scope are refused; a superadmin reaches every kelurahan;
    a state forged to name a kelurahan outside the scope still sends nothing there."""
    clarify_setup(svc, conv)
    refused = press(svc, "clar")[0].notice
    assert "admin KIM" in refused
    assert svc.announcements.recent() == []
    everywhere = [c.label for c in press(svc, "clar", who=SUPERADMIN)[0].flat_choices]
    assert everywhere[:2] == ["Bagendung", "Kebon Dalem"]
    press(svc, "clar", who=STAFF_ADMIN)
    key = f"kim:hx:clar:tg:{STAFF_ADMIN}"
    forged = {"claim": CLAIM, "offered": [KEBON_DALEM], "selected": [KEBON_DALEM]}
    redis.set(key, json.dumps(forged))
    assert "di luar wilayah" in press(svc, "ct", "0", who=STAFF_ADMIN)[0].notice
    assert press(svc, "csend", who=STAFF_ADMIN)[0].notice
    assert svc.announcements.recent() == []
    assert dispatch.submitted == []


def test_a_large_clarification_waits_for_a_superadmin(
    config: Config, redis: Redis, clock: FixedClock, dispatch: RecordingDispatch
) -> None:
    """Above the approval threshold the clarification asks the superadmins, as /broadcast does."""
    cfg = desk_config(config)
    cfg = cfg.model_copy(
        update={"broadcasts": cfg.broadcasts.model_copy(update={"approval_threshold": 1})}
    )
    svc = build_services(cfg, redis, clock, dispatch)
    clarify_setup(svc, build_conversations(svc))
    press(svc, "clar", who=STAFF_ADMIN)
    press(svc, "ct", "0", who=STAFF_ADMIN)
    assert "📨" in render(press(svc, "cprev", who=STAFF_ADMIN))
    press(svc, "csend", who=STAFF_ADMIN)
    (ann,) = svc.announcements.recent()
    assert ann.state == "awaiting_approval"
    assert dispatch.submitted == []
    (ask,) = told(dispatch, Address.telegram(SUPERADMIN))
    assert f"a.bc.approve.{ann.id}" in [c.data for c in ask.flat_choices]


IMPORTED = "CR-3f2a9c0d1e"  # as `kimbot hoaxes import` numbers a ClaimReview verdict


def test_an_imported_claimreview_verdict_is_corrected_and_clarified(
    svc: Services, conv: Conversations, dispatch: RecordingDispatch
) -> None:
    """`/koreksi CR-…` finds an imported verdict however its hex is typed; every button of
    its correction fits Telegram's 64 bytes; ✏️ Correct sends the correction to a resident
    the archive answered with it, and 📣 Clarify opens its targets; a number too long for
    button data is said to be so, not "not in the archive"."""
    from bot.desk.corrections import Corrections
    from bot.desk.hoaxes import Claim, Fingerprint
    from handlers.telegram.render import Press

    svc.hoaxes.add_claim(
        Claim(
            id=IMPORTED,
            text="Vaksin mengandung chip pelacak.",
            verdict="hoaks",
            explanation="Tidak ada chip dalam vaksin.",
            sources="https://cekfakta.com/vaksin-chip",
            at=1.0,
            fingerprint=Fingerprint.of("Vaksin mengandung chip pelacak.", []),
        )
    )
    reader = subscribed(conv, 91)
    svc.recipients.record(IMPORTED, reader.address, 2.0)
    staff, desk = Address.telegram(STAFF), Desk(svc)
    for typed in (IMPORTED, IMPORTED.upper(), "cr-3F2A9C0D1E"):
        (opened,) = Corrections(desk).start(staff, typed)
        assert f"✏️ Koreksi {IMPORTED}: [HOAKS]" in opened.text
    data = [c.data for c in opened.flat_choices]
    assert f"a.hx.clar.{IMPORTED}" in data
    assert max(len(Press(d=d).pack().encode()) for d in data) <= 64

    press(svc, "fixv", "11", claim=IMPORTED)
    Corrections(desk).reply(staff, "Ternyata memang tidak ada chip; penjelasan diperbarui.")
    assert "Dikirim ke 1 warga." in render(press(svc, "nosrc", claim=IMPORTED))
    press(svc, "send", claim=IMPORTED)
    assert tell_fan_outs(svc, dispatch) == 1
    (notice,) = told(dispatch, reader.address)
    assert f"Correction: fact check {IMPORTED} is now [BENAR]" in notice.text
    assert notice.ticket == IMPORTED

    targets = render(press(svc, "clar", who=STAFF_ADMIN, claim=IMPORTED))
    assert f"Klarifikasi {IMPORTED}" in targets
    assert "Bagendung: 1" in targets

    long_id = "CLAIMREVIEW-" + "a" * 40
    svc.hoaxes.add_claim(
        Claim(id=long_id, text="x", verdict="hoaks", explanation="", sources="", at=1.0)
    )
    (unfit,) = Corrections(desk).start(staff, long_id)
    assert "nomornya lebih panjang dari yang bisa dimuat tombol" in unfit.text
    assert "Tidak ada putusan" not in unfit.text
    assert not unfit.choices


def test_tickets_carry_the_correction_before_anyone_is_told(
    svc: Services, conv: Conversations, dispatch: RecordingDispatch
) -> None:
    """The run restates the claim's tickets first: while the notices go out, a requester
    who opens their ticket already reads the corrected verdict, not the old one."""
    from bot.desk.correction_runs import CorrectionRuns, Tell
    from bot.desk.corrections import Corrections

    asker = subscribed(conv, 51)
    check(asker, HOAX)
    verdict(svc)
    fix(svc, 11, "Aturan daftar ulang KTP memang ada, tanpa pemblokiran.")
    press(svc, "send")
    seen: list[str] = []

    def tell(run_id: str, tells: list[Tell]) -> int:
        ticket = svc.tickets.get(CLAIM)
        assert ticket is not None
        seen.append(ticket.verdict)
        return len(tells)

    runs = CorrectionRuns(Corrections(Desk(svc)))
    (run_id,) = dispatch.fanned
    runs.run(run_id, tell)
    assert seen == ["benar"]


def test_the_reach_shown_counts_each_resident_once(
    svc: Services, conv: Conversations, dispatch: RecordingDispatch
) -> None:
    """A requester the archive also answered later counts once in "It reached …", the
    same count the run then tells."""
    asker = subscribed(conv, 61)
    check(asker, HOAX)
    verdict(svc)
    assert "We checked this before" in check(asker, ASKED_AGAIN)  # the same resident again
    other = subscribed(conv, 62)
    assert "We checked this before" in check(other, ASKED_AGAIN)
    assert "Sudah diterima 2 warga." in render(press(svc, "fix"))
    press(svc, "fixv", "11")
    from bot.desk.corrections import Corrections

    assert Corrections(Desk(svc)).reply(Address.telegram(STAFF), "Ada aturannya.") is not None
    press(svc, "nosrc")
    press(svc, "send")
    assert tell_fan_outs(svc, dispatch) == 2
