"""The desk: aspirasi and hoax-check intake, staff actions, answers back to residents."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.desk.staff import Desk
from bot.desk.tickets import Ticket, Tickets
from bot.dialogs import Conversations, build_conversations
from bot.platform.actions import TicketAction, TicketVerb
from bot.platform.addresses import Address
from bot.platform.clock import FixedClock
from bot.platform.config import Config
from bot.platform.messages import Incoming, MediaRef, Reply
from bot.platform.store import EmbeddedRedis, Redis, connect
from bot.services import Services
from handlers.wiring import build_services
from tests.support.admins import STAFF, RecordingDispatch, with_admins
from tests.support.constants import BAGENDUNG
from tests.support.dialog import Resident, render, verify_dialog
from tests.support.storage import everything_in

STAFF_GROUP = Address.parse("tg:-1009999")
HOAX_TEXT = (
    "PENTING!! Mulai besok semua warga Cilegon wajib daftar ulang KTP di kelurahan, "
    "kalau tidak KTP diblokir. Sebarkan!!"
)
REWORDED = (
    "Forwarded many times: warga Cilegon wajib daftar ulang KTP di kelurahan mulai besok "
    "atau KTP diblokir 😱"
)


@pytest.fixture
def desk_services(
    config: Config, redis: Redis, clock: FixedClock, dispatch: RecordingDispatch
) -> Services:
    """Services with a staff group and one staff member (and room for long test dialogues)."""
    roomy = with_admins(config)
    limits = roomy.limits.model_copy(update={"flood_messages_per_minute": 600})
    return build_services(roomy.model_copy(update={"limits": limits}), redis, clock, dispatch)


@pytest.fixture
def conv(desk_services: Services) -> Conversations:
    """The engine."""
    return build_conversations(desk_services)


def resident(conv: Conversations, chat_id: int = 1001, lang: str = "en") -> Resident:
    """A resident subscribed to Bagendung."""
    me = Resident(conv, chat_id=chat_id, language_code=lang)
    me.send("/start kel_3672021001")
    me.press("✅")
    return me


def photo(me: Resident, fingerprint: str = "", size: int = 50_000) -> None:
    """Send a photo (its perceptual hash as the channel would compute it)."""
    media = MediaRef("photo", f"photo-{fingerprint or size}", size, "image/jpeg", fingerprint)
    me.deliver(Incoming(me.address, "photo", media=media, language_code="en"))


def staff_view(dispatch: RecordingDispatch) -> str:
    """Everything posted to the staff group."""
    return render([r for to, r in dispatch.notified if to == STAFF_GROUP])


def to_resident(dispatch: RecordingDispatch, chat_id: int) -> list[Reply]:
    """What a resident was told through the queue."""
    return [r for to, r in dispatch.notified if to == Address.telegram(chat_id)]


def file_complaint(me: Resident, anonymous: bool = True) -> str:
    """Go through /report; return the tracking number."""
    verify_dialog(
        me,
        [
            ("/report", "What would you like to send?"),
            ("[Complaint]", "Which topic?"),
            ("[Infrastruktur]", "Write your report"),
            (
                "Jalan di depan SD Bagendung berlubang besar, sudah tiga bulan.",
                "You may add photos",
            ),
        ],
    )
    photo(me)
    me.deliver(Incoming(me.address, "location", location=(-6.0142, 106.0541)))
    verify_dialog(
        me,
        [
            ("[Next]", "anonymously"),
            ("[Anonymous]" if anonymous else "[With identity]", "Check before sending"),
            ("[Send]", "Your report number is ASP-"),
        ],
    )
    return me.said().split("Your report number is ")[1].split(".")[0]


def test_complaint_intake_gives_a_tracking_number_and_a_card(
    conv: Conversations, desk_services: Services, dispatch: RecordingDispatch
) -> None:
    """Type, topic, text, photo, location, anonymity → stored, numbered, card for staff."""
    me = resident(conv, chat_id=4242001)
    ticket_id = file_complaint(me)
    assert ticket_id == "ASP-2609-0001"  # year-month of the test clock, first of the month
    ticket = desk_services.tickets.get(ticket_id)
    assert ticket is not None
    assert (ticket.kind, ticket.topic, ticket.state, ticket.village) == (
        "pengaduan",
        "infrastruktur",
        "diterima",
        BAGENDUNG,
    )
    assert ticket.anonymous
    assert ticket.location == (-6.0142, 106.0541)
    assert len(ticket.media) == 1
    card = staff_view(dispatch)
    assert ticket_id in card
    assert "Bagendung" in card
    assert "Jalan di depan SD Bagendung" in card
    assert "4242001" not in card  # anonymity: nothing staff see names the resident


def test_identity_is_never_shown_to_staff_either(
    conv: Conversations, desk_services: Services, dispatch: RecordingDispatch
) -> None:
    """Even a non-anonymous ticket's card and staff answers carry no resident id."""
    me = resident(conv, chat_id=4242002)
    ticket_id = file_complaint(me, anonymous=False)
    desk = Desk(desk_services)
    desk.act(Address.telegram(STAFF), TicketAction("claim", ticket_id), 10.0)
    ticket = desk_services.tickets.get(ticket_id)
    assert ticket is not None
    replies = desk.staff_reply(
        Address.telegram(STAFF), ticket, "Sudah dijadwalkan perbaikan.", 20.0
    )
    assert "4242002" not in staff_view(dispatch) + render(replies)


def test_residents_must_consent_first_and_daily_limit(
    conv: Conversations, desk_services: Services
) -> None:
    """Strangers are sent to /start; past the daily limit no new ticket is opened."""
    stranger = Resident(conv, chat_id=5, language_code="en")
    verify_dialog(stranger, [("/report", "Please subscribe first with /start")])
    me = resident(conv, chat_id=6)
    for _ in range(desk_services.config.desk.max_open_per_day):
        file_complaint(me)
    verify_dialog(me, [("/report", "the daily limit")])


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("x" * 2100, "too long"),
        ("<sticker>", "Please press one of the buttons"),
    ],
)
def test_bad_text_changes_nothing(
    conv: Conversations, redis: Redis, action: str, expected: str
) -> None:
    """Too short, too long, or not text at the text step: explained, state kept."""
    me = resident(conv)
    for step in ("/report", "[Complaint]", "[Kesehatan]"):
        me.send(step)
    before = redis.get(f"kim:dlg:{me.address}")
    verify_dialog(me, [(action, expected)])
    assert redis.get(f"kim:dlg:{me.address}") == before


def test_a_short_text_is_kept_for_the_next_message(conv: Conversations) -> None:
    """Too short: the resident is asked for more, and what they wrote is kept and joined
    with what comes next."""
    me = resident(conv)
    for step in ("/report", "[Complaint]", "[Kesehatan]"):
        me.send(step)
    verify_dialog(me, [("Jalan", "at least 10 characters"), ("rusak parah", "You may add photos")])
    verify_dialog(me, [("[Next]", "anonymously"), ("[With identity]", "Jalan\nrusak parah")])


def test_oversized_photo_and_wrong_attachments(conv: Conversations, redis: Redis) -> None:
    """A photo over the limit, a sticker at the attachment step: refused, state kept."""
    me = resident(conv)
    for step in ("/report", "[Aspiration]", "[Kesehatan]", "Mohon posyandu ditambah di RW 03."):
        me.send(step)
    before = redis.get(f"kim:dlg:{me.address}")
    photo(me, size=50_000_000)
    assert "too large" in me.said()
    verify_dialog(me, [("<sticker>", "Only photos and a location")])
    assert redis.get(f"kim:dlg:{me.address}") == before


def test_staff_only_and_forged_actions(conv: Conversations, desk_services: Services) -> None:
    """Non-staff presses and replies change nothing; closed tickets refuse actions."""
    me = resident(conv)
    ticket_id = file_complaint(me)
    desk = Desk(desk_services)
    for outsider in (Address.telegram(1001), Address.telegram(9002), Address.telegram(77)):
        assert desk.act(outsider, TicketAction("claim", ticket_id), 1.0)[0].notice
        ticket = desk_services.tickets.get(ticket_id)
        assert ticket is not None
        assert "Hanya petugas layanan" in render(
            desk.staff_reply(outsider, ticket, "I answer!", 1.0)
        )
    assert desk_services.tickets.get(ticket_id).state == "diterima"  # type: ignore[union-attr]
    for forged in (
        "claim.NOPE-1",
        "claim.",
        "explode." + ticket_id,
        "reject." + ticket_id + ".because",
    ):
        assert desk.press(Address.telegram(STAFF), "a.tk." + forged, 1.0)[0].notice
    assert desk_services.tickets.get(ticket_id).state == "diterima"  # type: ignore[union-attr]


def test_claim_answer_and_rating(
    conv: Conversations, desk_services: Services, dispatch: RecordingDispatch
) -> None:
    """Claim → answer by replying to the card → the resident is told, rates it 4 stars."""
    me = resident(conv, chat_id=4242003)
    ticket_id = file_complaint(me)
    desk = Desk(desk_services)
    staff = Address.telegram(STAFF)
    assert (
        desk.act(staff, TicketAction("claim", ticket_id), 100.0)[0].notice
        == "Tiket ini sekarang Anda tangani."
    )
    assert (
        "Petugas lain sudah menanganinya"
        in desk.act(staff, TicketAction("claim", ticket_id), 101.0)[0].notice
    )
    assert "being handled" in render(to_resident(dispatch, 4242003))
    desk.act(staff, TicketAction("answer", ticket_id), 102.0)
    ticket = desk_services.tickets.get(ticket_id)
    assert ticket is not None
    replies = desk.staff_reply(staff, ticket, "Perbaikan dijadwalkan pekan depan.", 103.0)
    assert replies[0].edit
    told = to_resident(dispatch, 4242003)[-1]
    assert "Perbaikan dijadwalkan pekan depan." in told.text
    assert [c.data for c in told.flat_choices][3] == f"a.rate.{ticket_id}.4"
    me.press_data(f"a.rate.{ticket_id}.4")
    assert "Thank you for rating" in me.said()
    assert desk_services.tickets.get(ticket_id).rating == 4  # type: ignore[union-attr]
    other = Resident(conv, chat_id=99, language_code="en")
    other.press_data(f"a.rate.{ticket_id}.1")
    assert desk_services.tickets.get(ticket_id).rating == 4  # type: ignore[union-attr]
    states = [h.state for h in desk_services.tickets.history(ticket_id)]
    assert states == ["diterima", "diverifikasi", "dijawab"]
    verify_dialog(me, [("/status", f"{ticket_id} · Complaint · answered")])


def test_forward_reject_and_templates(
    conv: Conversations, desk_services: Services, dispatch: RecordingDispatch
) -> None:
    """Forwarding with a note, rejecting with a reason, answering with a canned answer."""
    desk = Desk(desk_services)
    staff = Address.telegram(STAFF)
    a = resident(conv, chat_id=11)
    first = file_complaint(a)
    desk.act(staff, TicketAction("forward", first), 1.0)
    desk.staff_reply(staff, desk_services.tickets.get(first), "LAPOR! #123456 ke Dinas PUPR", 2.0)  # type: ignore[arg-type]
    assert desk_services.tickets.get(first).state == "diteruskan"  # type: ignore[union-attr]
    assert "was forwarded: LAPOR! #123456" in render(to_resident(dispatch, 11))
    second = file_complaint(a)
    desk.act(staff, TicketAction("reasons", second), 3.0)
    desk.act(staff, TicketAction("reject", second, "duplicate"), 4.0)
    assert desk_services.tickets.get(second).state == "ditolak"  # type: ignore[union-attr]
    assert "the same report was already filed" in render(to_resident(dispatch, 11))
    third = file_complaint(a)
    desk.staff_reply(staff, desk_services.tickets.get(third), "/templat terima-kasih", 5.0)  # type: ignore[arg-type]
    assert desk_services.tickets.get(third).answer.startswith("Terima kasih atas laporan Anda")  # type: ignore[union-attr]


def check_hoax(me: Resident, text: str) -> str:
    """/factcheck with one message, then 🔎 Check; returns what the bot said."""
    me.send("/factcheck")
    me.send(text)
    me.press("🔎")
    return me.said()


def give_verdict(
    desk: Desk, ticket_id: str, number: int, explanation: str, sources: str | None
) -> list[Reply]:
    """Staff give verdict `number` as the group does: the verdict button, a reply with the
    explanation, a reply with the sources (or ⏭ No sources), ✅ Send on the preview."""
    staff, now = Address.telegram(STAFF), desk.svc.clock.now()
    desk.press(staff, TicketAction("verdict", ticket_id, str(number)).pack(), now)
    ticket = desk.tickets.get(ticket_id)
    assert ticket is not None
    desk.staff_reply(staff, ticket, explanation, now)
    if sources is None:
        desk.press(staff, TicketAction("nosources", ticket_id).pack(), now)
    else:
        desk.staff_reply(staff, ticket, sources, now)
    return desk.press(staff, TicketAction("send", ticket_id).pack(), now)


def test_hoax_requests_are_grouped_and_everyone_gets_the_verdict(
    conv: Conversations, desk_services: Services, dispatch: RecordingDispatch
) -> None:
    """Two residents ask about the same chain message; one verdict reaches both; a third
    asking later is answered at once from the archive."""
    a, b, c = resident(conv, chat_id=21), resident(conv, chat_id=22), resident(conv, chat_id=23)
    said_a = check_hoax(a, HOAX_TEXT)
    assert "Your check number is HKS-2609-0001" in said_a
    said_b = check_hoax(b, REWORDED)
    assert "Others asked about the same claim" in said_b
    desk = Desk(desk_services)
    staff = Address.telegram(STAFF)
    desk.act(staff, TicketAction("verdicts", "HKS-2609-0001"), 1.0)
    assert "Pilih putusan" in render(
        desk.staff_reply(staff, desk_services.tickets.get("HKS-2609-0001"), "too early", 1.5)  # type: ignore[arg-type]
    )
    replies = give_verdict(
        desk,
        "HKS-2609-0001",
        0,
        "Tidak ada kebijakan pemblokiran KTP.",
        "https://turnbackhoax.id/ktp-cilegon",
    )
    assert "Putusan dikirim ke 2 warga" in render(replies)
    for chat in (21, 22):
        told = render(to_resident(dispatch, chat))
        assert "[HOAKS]" in told
        assert "https://turnbackhoax.id/ktp-cilegon" in told
    later = check_hoax(
        c, "Katanya KTP warga Cilegon diblokir kalau tidak daftar ulang di kelurahan, benar?"
    )
    assert "We checked this before: [HOAKS]" in later
    c.press("❓")
    assert "Your check number is HKS-" in c.said()


def test_pictures_match_by_perceptual_hash(conv: Conversations, desk_services: Services) -> None:
    """A picture within a few bits of an archived one gets the verdict at once."""
    desk = Desk(desk_services)
    a = resident(conv, chat_id=31)
    a.send("/factcheck")
    photo(a, fingerprint="f0e1d2c3b4a59687")
    a.press("🔎")
    ticket_id = a.said().split("Your check number is ")[1].split(".")[0]
    give_verdict(desk, ticket_id, 8, "Foto rekayasa.", None)  # konten palsu
    b = resident(conv, chat_id=32)
    b.send("/factcheck")
    photo(b, fingerprint="f0e1d2c3b4a59686")  # one bit away: recompressed or resized
    b.press("🔎")
    assert "[KONTEN PALSU]" in b.said()


def test_a_verdict_is_explanation_then_sources_then_a_preview(
    conv: Conversations, desk_services: Services, dispatch: RecordingDispatch, tmp_path: Path
) -> None:
    """A link on the explanation's line stays in the explanation; the sources are their own
    step; staff see a preview of exactly what the resident gets, may rewrite it, and only
    ✅ Send sends it; the export's answer column holds the explanation."""
    import csv

    from handlers.tickets_cli import export

    me = resident(conv, chat_id=5150, lang="id")
    me.send("/cekhoaks")
    me.send(HOAX_TEXT)
    me.press("🔎")
    ticket_id = me.said().split("Nomor laporan Anda ")[1].split(".")[0]
    desk, staff, now = Desk(desk_services), Address.telegram(STAFF), desk_services.clock.now()

    def ticket() -> Ticket:
        found = desk_services.tickets.get(ticket_id)
        assert found is not None
        return found

    def press(verb: TicketVerb, arg: str = "") -> list[Reply]:
        return desk.press(staff, TicketAction(verb, ticket_id, arg).pack(), now)

    assert "sudah tidak aktif" in render(press("send"))  # no preview yet
    assert "penjelasan" in render(press("verdict", "0"))
    first = "Tidak benar, aturannya di https://cilegon.go.id/ktp dan tidak ada pemblokiran."
    asked = desk.staff_reply(staff, ticket(), first, now)
    assert "sumber" in render(asked).lower()
    assert [c.label for c in asked[0].flat_choices] == ["⏭ Tanpa sumber"]
    explanation = (
        "Tidak ada kebijakan pemblokiran KTP; lihat https://cilegon.go.id/ktp untuk aturan "
        "resminya."
    )
    desk.staff_reply(staff, ticket(), "https://keliru.example/salah", now)
    edited = press("rewrite")
    assert "penjelasan" in render(edited)
    assert edited[0].edit  # the preview gives way: nothing was sent
    desk.staff_reply(staff, ticket(), explanation, now)
    sources = "https://turnbackhoax.id/ktp-cilegon\n\n  https://komdigi.go.id/berita/ktp  "
    preview = desk.staff_reply(staff, ticket(), sources, now)[0]
    assert preview.title.startswith("Pratinjau")
    assert [c.label for c in preview.flat_choices] == ["✅ Kirim", "✏️ Ubah", "✖ Batal"]
    assert "Gunakan tombol" in render(desk.staff_reply(staff, ticket(), "lagi", now))
    assert "[HOAKS]" not in render(to_resident(dispatch, 5150))  # not sent before ✅ Send
    stranger = Address.telegram(1)
    assert "Hanya petugas" in render(
        desk.press(stranger, TicketAction("send", ticket_id).pack(), now)
    )
    sent = press("send")
    assert "Putusan dikirim ke 1 warga" in render(sent)
    told = to_resident(dispatch, 5150)[-1].text
    assert told == preview.text
    assert told == (
        f"Hasil cek fakta {ticket_id}: [HOAKS]\n\n{explanation}\n\nSumber:\n"
        "• https://turnbackhoax.id/ktp-cilegon\n• https://komdigi.go.id/berita/ktp"
    )
    assert (ticket().answer, ticket().state) == (explanation, "dijawab")
    assert "sudah tidak terbuka" in render(press("send"))  # a second press sends nothing twice
    files = export(desk_services, "2026-09-01", "2026-09-30", "csv", str(tmp_path / "t.csv"), True)
    with files[0].open(encoding="utf-8") as handle:
        row = next(r for r in csv.DictReader(handle) if r["id"] == ticket_id)
    assert row["answer"] == explanation
    assert row["sources"].splitlines() == [
        "https://turnbackhoax.id/ktp-cilegon",
        "https://komdigi.go.id/berita/ktp",
    ]


def test_a_discarded_verdict_sends_nothing_and_old_verdicts_stay_readable(
    conv: Conversations, desk_services: Services, dispatch: RecordingDispatch
) -> None:
    """✖ Cancel on the preview leaves the ticket open and the resident untold; a ticket
    answered the old way (every word in `sources`) still shows its words in /status."""
    me = resident(conv, chat_id=5151)
    ticket_id = check_hoax(me, HOAX_TEXT).split("Your check number is ")[1].split(".")[0]
    desk, staff, now = Desk(desk_services), Address.telegram(STAFF), desk_services.clock.now()
    desk.press(staff, TicketAction("verdict", ticket_id, "0").pack(), now)
    desk.staff_reply(staff, desk_services.tickets.get(ticket_id), "Tidak benar.", now)  # type: ignore[arg-type]
    assert "Preview" not in render(desk.press(staff, TicketAction("send", ticket_id).pack(), now))
    preview = desk.press(staff, TicketAction("nosources", ticket_id).pack(), now)[0]
    assert preview.text == f"Hasil cek fakta {ticket_id}: [HOAKS]\n\nTidak benar."
    assert "tidak ada yang dikirim" in render(
        desk.press(staff, TicketAction("discard", ticket_id).pack(), now)
    )
    assert "sudah tidak aktif" in render(
        desk.press(staff, TicketAction("send", ticket_id).pack(), now)
    )
    assert desk_services.tickets.get(ticket_id).state == "diterima"  # type: ignore[union-attr]
    assert to_resident(dispatch, 5151) == []
    old = "Tidak benar, lihat https://turnbackhoax.id/ktp"
    desk_services.tickets.transition(
        ticket_id,
        "dijawab",
        ("diterima",),
        str(staff),
        now,
        answer="",
        verdict="hoaks",
        sources=old,
    )
    me.send("/status")
    assert old in me.said()


def test_burst_of_messages_is_one_request(conv: Conversations, clock: FixedClock) -> None:
    """Messages within a few seconds merge silently; a later one is acknowledged."""
    me = resident(conv)
    me.send("/factcheck")
    assert "Got it (1)" in render(me.send("pesan pertama"))
    assert me.send("pesan kedua") == []
    clock.advance(10)
    assert "Got it (3)" in render(me.send("pesan ketiga"))


def test_a_quiet_message_leaves_the_check_button_working(
    conv: Conversations, clock: FixedClock
) -> None:
    """A message merged without a reply keeps the 🔎 Check shown before it valid."""
    me = resident(conv)
    me.send("/factcheck")
    me.send(HOAX_TEXT)
    assert me.send("Sebarkan ke grup keluarga!") == []
    me.press("🔎")
    assert "Your check number is HKS-" in me.said()


def aspirasi_text(me: Resident) -> None:
    """/report as an aspiration about infrastructure, up to its text step."""
    verify_dialog(
        me,
        [
            ("/report", "What would you like to send?"),
            ("[Aspiration]", "Which topic?"),
            ("[Infrastruktur]", "Write your report (at most 2000 characters)"),
        ],
    )


def test_aspirasi_gathers_quick_messages_into_one_report(
    conv: Conversations, desk_services: Services, clock: FixedClock
) -> None:
    """ "Jalan rusak", then the details a few seconds later: one ticket holding both, the
    summary shows all of it; a later message is added too, and said so."""
    me = resident(conv, chat_id=5252)
    aspirasi_text(me)
    assert "You may add photos" in render(me.send("Jalan rusak di Bagendung"))
    clock.advance(2)
    assert me.send("Lubangnya di depan SD, sudah tiga bulan.") == []  # same burst: no reply
    clock.advance(2)
    assert me.send("Sudah ada yang jatuh dari motor.") == []
    clock.advance(60)
    later = render(me.send("Mohon segera diperbaiki."))
    assert "Added to your report (123 characters)" in later
    assert "You may add photos" in later
    verify_dialog(me, [("[Next]", "anonymously"), ("[With identity]", "Check before sending")])
    text = (
        "Jalan rusak di Bagendung\nLubangnya di depan SD, sudah tiga bulan.\n"
        "Sudah ada yang jatuh dari motor.\nMohon segera diperbaiki."
    )
    assert text in me.said()
    me.press("Send")
    ticket_id = me.said().split("Your report number is ")[1].split(".")[0]
    assert desk_services.tickets.get(ticket_id).text == text  # type: ignore[union-attr]


def test_aspirasi_text_can_be_edited_before_sending(
    conv: Conversations, desk_services: Services, clock: FixedClock
) -> None:
    """✏️ Edit text on the summary asks for the text again and replaces it; photos and the
    identity choice stay; a follow-up in the same burst shows on a fresh summary."""
    me = resident(conv, chat_id=5253, lang="id")
    me.send("/aspirasi")
    me.press("Aspirasi")
    me.press("Infrastruktur")
    me.send("Lampu jalan mati di RT 03.")
    photo(me)
    verify_dialog(me, [("[Lanjut]", "secara anonim?"), ("[Anonim]", "Periksa sebelum mengirim")])
    assert "✏️ Ubah teks" in me.said()
    assert "Lampu jalan mati di RT 03." in me.said()
    verify_dialog(me, [("[Ubah teks]", "menggantikan yang sudah Anda tulis")])
    clock.advance(30)
    assert "Periksa sebelum mengirim" in render(me.send("Lampu jalan mati di RT 04,"))
    clock.advance(1)
    summary = render(me.send("dekat masjid."))  # the burst's follow-up: a fresh summary
    assert "Lampu jalan mati di RT 04,\ndekat masjid." in summary
    assert "RT 03" not in summary
    assert "Foto: 1" in summary
    me.press("Kirim")
    ticket_id = me.said().split("Nomor laporan Anda ")[1].split(".")[0]
    ticket = desk_services.tickets.get(ticket_id)
    assert ticket is not None
    assert (ticket.text, ticket.anonymous, len(ticket.media)) == (
        "Lampu jalan mati di RT 04,\ndekat masjid.",
        True,
        1,
    )


def test_aspirasi_over_the_limit_is_refused_clearly(
    conv: Conversations, desk_services: Services, clock: FixedClock
) -> None:
    """At most 2000 characters in all: a message that would pass it is not added, the
    resident is told so and why, and what was gathered before stays whole."""
    me = resident(conv, chat_id=5254)
    aspirasi_text(me)
    assert "That is too long (2001; at most 2000 characters)" in render(me.send("x" * 2001))
    first = "Saluran air tersumbat. " + "a" * 1500
    assert "You may add photos" in render(me.send(first))
    clock.advance(1)
    refused = render(me.send("b" * 600))  # in the burst, but never silently dropped
    assert "That message was not added" in refused
    assert "2124 characters, at most 2000" in refused
    clock.advance(1)
    assert me.send("Sudah seminggu.") == []
    verify_dialog(me, [("[Next]", "anonymously"), ("[With identity]", "Check before sending")])
    me.press("Send")
    ticket_id = me.said().split("Your report number is ")[1].split(".")[0]
    assert desk_services.tickets.get(ticket_id).text == first + "\nSudah seminggu."  # type: ignore[union-attr]


def test_unclaimed_reminder_once_per_period(
    conv: Conversations, desk_services: Services, clock: FixedClock
) -> None:
    """Tickets unclaimed past remind_after_hours are listed once, then again a period later."""
    me = resident(conv)
    ticket_id = file_complaint(me)
    desk = Desk(desk_services)
    assert desk.unclaimed_reminders(clock.now()) == []
    clock.advance(desk_services.config.desk.remind_after_hours * 3600 + 1)
    ((desk_id, reminder),) = desk.unclaimed_reminders(clock.now())
    assert desk_id == ""
    assert ticket_id in reminder.text
    assert desk.unclaimed_reminders(clock.now() + 60) == []
    assert ticket_id in desk.queue_text(clock.now())


def test_erasure_anonymises_tickets(
    conv: Conversations, desk_services: Services, redis: Redis
) -> None:
    """/deletedata keeps the ticket for the record but removes the resident and their words."""
    me = resident(conv, chat_id=7770042)
    ticket_id = file_complaint(me)
    me.send("/deletedata")
    me.press("🗑")
    ticket = desk_services.tickets.get(ticket_id)
    assert ticket is not None
    assert (ticket.requester, ticket.text) == (None, "")
    assert "7770042" not in everything_in(redis)


def test_ticket_survives_a_redis_restart(tmp_path: Path, config: Config) -> None:
    """A ticket and its history are back after the embedded Redis restarts."""
    with EmbeddedRedis(tmp_path) as server:
        tickets = Tickets(connect(server.url), config.deployment.timezone)
        ticket = tickets.create(
            Address.telegram(1), "aspirasi", 1_790_000_000.0, 1_790_100_000.0, text="Halo"
        )
        tickets.transition(ticket.id, "diverifikasi", ("diterima",), "tg:9005", 1_790_000_100.0)
    with EmbeddedRedis(tmp_path) as server:
        tickets = Tickets(connect(server.url), config.deployment.timezone)
        again = tickets.get(ticket.id)
        assert again is not None
        assert (again.text, again.state) == ("Halo", "diverifikasi")
        assert [h.state for h in tickets.history(ticket.id)] == ["diterima", "diverifikasi"]


def test_monthly_export_csv_and_xlsx(
    conv: Conversations, desk_services: Services, tmp_path: Path, clock: FixedClock
) -> None:
    """Rows per ticket with response times, summaries per kecamatan and topic, no requester."""
    from openpyxl import load_workbook

    from handlers.tickets_cli import ExportError, export

    me = resident(conv, chat_id=8080808)
    first = file_complaint(me, anonymous=False)
    file_complaint(me)
    clock.advance(2 * 3600)
    Desk(desk_services).act(Address.telegram(STAFF), TicketAction("claim", first), clock.now())
    files = export(
        desk_services, "2026-09-01", "2026-09-30", "csv", str(tmp_path / "sep.csv"), False
    )
    assert [f.name for f in files] == ["sep.csv", "sep-kecamatan.csv", "sep-topic.csv"]
    table = files[0].read_text()
    assert first in table
    assert "8080808" not in table
    assert "Jalan di depan" not in table  # residents' words only with --with-text
    assert ",2.0," in table  # first response after two hours
    assert "Cilegon,2,0,2.0,0," in files[1].read_text()
    book = load_workbook(
        export(desk_services, "2026-09-01", "2026-09-30", "xlsx", str(tmp_path / "s.xlsx"), True)[0]
    )
    assert book.sheetnames == ["Tiket", "Per kecamatan", "Per topik"]
    assert book["Tiket"].max_row == 3
    assert "Jalan di depan" in str([c.value for c in book["Tiket"][2]])
    with pytest.raises(ExportError):
        export(desk_services, "2026-09-30", "2026-09-01", "csv", None, False)
    with pytest.raises(ExportError):
        export(desk_services, "September", "2026-09-01", "csv", None, False)


def test_both_intakes_in_indonesian(conv: Conversations, desk_services: Services) -> None:
    """The aspirasi and hoax-check dialogues in Bahasa Indonesia, end to end."""
    me = resident(conv, chat_id=6006, lang="id")
    verify_dialog(
        me,
        [
            ("/aspirasi", "Apa yang ingin Anda kirim?"),
            ("[Pengaduan]", "Tentang topik apa?"),
            ("[Kesehatan]", "Tuliskan laporan Anda"),
            (
                "Puskesmas Bagendung sering tutup sebelum jam pelayanan.",
                "Anda dapat menambahkan foto",
            ),
            ("[Lanjut]", "secara anonim?"),
            ("[Anonim]", "Periksa sebelum mengirim"),
            ("[Kirim]", "Terima kasih! Nomor laporan Anda ASP-2609-0001"),
            ("/cekhoaks", "Kirim atau teruskan pesan"),
            (HOAX_TEXT, "Diterima (1)"),
            ("[🔎 Cek]", "Nomor laporan Anda HKS-2609-0001"),
            ("/status", "Laporan Anda"),
        ],
    )
    assert "ASP-2609-0001" in me.said()
    assert "HKS-2609-0001" in me.said()


def test_an_answer_can_carry_a_photo(
    conv: Conversations, desk_services: Services, dispatch: RecordingDispatch
) -> None:
    """Staff reply to a card with a photo (and a caption): the resident gets both."""
    me = resident(conv, chat_id=4242004)
    ticket_id = file_complaint(me)
    ticket = desk_services.tickets.get(ticket_id)
    assert ticket is not None
    photo_answer = MediaRef("photo", "AgAC-answer", 80_000)
    Desk(desk_services).staff_reply(
        Address.telegram(STAFF), ticket, "Sudah diperbaiki.", 5.0, photo_answer
    )
    told = to_resident(dispatch, 4242004)[-1]
    assert told.media == photo_answer
    assert "Sudah diperbaiki." in told.text
    assert desk_services.tickets.get(ticket_id).answer_media == photo_answer  # type: ignore[union-attr]


DBD = (
    "Air kelapa dicampur garam menyembuhkan demam berdarah dalam tiga hari, "
    "tidak perlu ke puskesmas"
)


def archive_dbd(
    services: Services,
    explanation: str = "Demam berdarah perlu ditangani tenaga kesehatan.",
    sources: str = "",
) -> None:
    """An archived verdict on a health claim (staff's, or imported: no explanation)."""
    from bot.desk.hoaxes import Claim, Fingerprint

    services.hoaxes.add_claim(
        Claim(
            id="HKS-2609-0099",
            text=DBD,
            verdict="hoaks",
            explanation=explanation,
            sources=sources,
            at=1.0,
            fingerprint=Fingerprint.of(DBD, []),
        )
    )


def test_a_fair_match_asks_is_this_it(conv: Conversations, desk_services: Services) -> None:
    """Between the two thresholds (issue 12, item 2) the resident sees the likely claim and
    is asked; yes gives its verdict, no files a ticket; a close match answers at once."""
    archive_dbd(desk_services)
    match = desk_services.config.desk.hoax_match
    assert (match.suggest, match.answer) == (0.3, 0.56)
    close = check_hoax(resident(conv, chat_id=61), "air kelapa dan garam untuk demam berdarah?")
    assert "We checked this before: [HOAKS]" in close
    fair = resident(conv, chat_id=62)
    said = check_hoax(
        fair, "minum air kelapa muda saat demam berdarah anak, apakah aman buat lambung?"
    )  # 0.35
    assert "We checked a similar message before:" in said
    assert DBD in said
    assert "Is this the one you mean?" in said
    fair.press("✅ Yes, that one")
    assert "[HOAKS]" in fair.said()
    assert "tenaga kesehatan" in fair.said()
    other = resident(conv, chat_id=63)
    check_hoax(
        other, "air kelapa bisa untuk demam berdarah anak tetangga, boleh diminum tiap pagi?"
    )
    other.press("✖ No, check mine")
    assert "Your check number is HKS-" in other.said()
    unrelated = check_hoax(resident(conv, chat_id=64), "jadwal posyandu balita bulan depan")
    assert "Your check number is HKS-" in unrelated


def test_yes_to_a_claim_withdrawn_meanwhile_files_a_ticket(
    conv: Conversations, desk_services: Services
) -> None:
    """The suggested claim was retracted before the resident pressed yes: staff check it."""
    archive_dbd(desk_services)
    me = resident(conv, chat_id=65)
    check_hoax(me, "minum air kelapa muda saat demam berdarah anak, apakah aman buat lambung?")
    desk_services.hoaxes.remove_claim("HKS-2609-0099")
    me.press("✅ Yes, that one")
    assert "Your check number is HKS-" in me.said()


def test_a_verdict_imported_without_explanation_quotes_its_claim(
    conv: Conversations, desk_services: Services
) -> None:
    """A fact-checker's ClaimReview carries no explanation: the instant answer says which
    claim the verdict is about, its source after it, and no run of blank lines."""
    archive_dbd(desk_services, explanation="", sources="https://cekfakta.example.org/dbd")
    said = check_hoax(resident(conv, chat_id=63), "air kelapa dan garam untuk demam berdarah?")
    assert "We checked this before: [HOAKS]" in said
    assert f"The claim: “{DBD}”" in said
    assert "https://cekfakta.example.org/dbd" in said
    assert "\n\n\n" not in said


@pytest.mark.parametrize("typed", ["cek", "Cek!", "🔎 Cek", "check"])
def test_typing_the_check_word_is_pressing_check(
    conv: Conversations, desk_services: Services, typed: str
) -> None:
    """A resident who types the button's word instead of pressing it gets the check (the
    word is not gathered as part of the message); typed first, it asks for the message."""
    archive_dbd(desk_services)
    me = resident(conv, chat_id=64)
    me.send("/cekhoaks")
    assert "Send the message, link or picture first." in render(me.send(typed))
    me.send("air kelapa dan garam untuk demam berdarah?")
    said = render(me.send(typed))
    assert "We checked this before: [HOAKS]" in said


@pytest.mark.parametrize(
    ("lang", "typed"),
    [
        ("id", "cek air kelapa dan garam untuk demam berdarah?"),
        ("id", "Cek hoaks: air kelapa dan garam untuk demam berdarah?"),
        ("id", "🔎 Cek - air kelapa dan garam untuk demam berdarah?"),
        ("id", "periksa fakta air kelapa dan garam untuk demam berdarah?"),
        ("en", "check: air kelapa dan garam untuk demam berdarah?"),
        ("en", "/factcheck air kelapa dan garam untuk demam berdarah?"),
    ],
)
def test_a_check_word_and_a_claim_at_the_menu_checks_it_at_once(
    conv: Conversations, desk_services: Services, lang: str, typed: str
) -> None:
    """ "cek <claim>" typed at the menu (and /cekhoaks <claim>) gets the archived verdict
    in one message: no /cekhoaks first, no 🔎 to press."""
    archive_dbd(desk_services)
    me = resident(conv, chat_id=66, lang=lang)
    said = render(me.send(typed))
    assert "[HOAKS]" in said
    assert "tenaga kesehatan" in said


def test_a_check_word_and_an_unknown_claim_files_it(conv: Conversations) -> None:
    """No archived match: the claim becomes a ticket, with the check word left out."""
    me = resident(conv, chat_id=67, lang="id")
    said = render(me.send("cek vaksin mengandung chip pelacak"))
    assert "Nomor laporan Anda HKS-" in said
    ticket = conv.svc.tickets.get(said.split("Nomor laporan Anda ")[1].split(".")[0].strip())
    assert ticket is not None
    assert ticket.text == "vaksin mengandung chip pelacak"


def test_the_check_word_alone_at_the_menu_asks_for_the_message(conv: Conversations) -> None:
    """ "cek" with nothing after it starts /cekhoaks; the next message is what is checked."""
    me = resident(conv, chat_id=68, lang="id")
    assert "Kirim atau teruskan pesan" in render(me.send("Cek"))
    assert "Diterima (1)" in render(me.send("vaksin mengandung chip pelacak"))


@pytest.mark.parametrize(
    "typed", ["cekatan sekali petugasnya", "tolong cek jalan rusak", "checking in"]
)
def test_other_first_words_are_not_a_check(conv: Conversations, typed: str) -> None:
    """Only a first word that is a check word counts."""
    me = resident(conv, chat_id=69, lang="id")
    said = render(me.send(typed))
    assert "Nomor laporan" not in said
    assert "Kirim atau teruskan" not in said


def test_no_check_before_onboarding_or_inside_another_conversation(conv: Conversations) -> None:
    """A newcomer's "cek …" gets the onboarding; inside /aspirasi it is the report's text."""
    newcomer = Resident(conv, chat_id=70, language_code="id")
    assert "Pilih bahasa" in render(newcomer.send("cek vaksin mengandung chip"))
    me = resident(conv, chat_id=69, lang="id")
    me.send("/aspirasi")
    me.press("Pengaduan")
    me.press("Kesehatan")
    assert "Kirim atau teruskan" not in render(me.send("cek puskesmas Bagendung tutup pagi ini"))
