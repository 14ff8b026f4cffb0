"""/jajak for KIM admins and the residents' answers: composing in Indonesian and English,
bad input, answering by press and by typed number, changing, "other", forged and late
presses, the reminder, closing, the results message per village, the admin's results
view and its CSV, and erasure."""

from __future__ import annotations

import csv
import io

import pytest

from bot.announcements.store import SENT, Announcement, Outcome
from bot.dialogs import Conversations, build_conversations
from bot.platform.actions import BroadcastAction, PollView, PollVote
from bot.platform.addresses import Address
from bot.platform.clock import FixedClock
from bot.platform.config import Config
from bot.platform.messages import Incoming, Reply
from bot.platform.store import Redis
from bot.polls import runs
from bot.polls.messages import personal_replies
from bot.polls.store import Poll
from bot.services import Services
from handlers.wiring import build_services
from tests.support.admins import (
    KECAMATAN_ADMIN,
    KELURAHAN_ADMIN,
    SUPERADMIN,
    RecordingDispatch,
    with_admins,
)
from tests.support.constants import BAGENDUNG
from tests.support.dialog import Resident

CIWEDUS = "36.72.02.1002"
QUESTION = "Di mana halte baru sebaiknya dibangun?"
ANSWERS = "Depan pasar\nDepan sekolah\nDepan puskesmas"
DAY = 86400.0


@pytest.fixture
def admin_services(
    config: Config, redis: Redis, clock: FixedClock, dispatch: RecordingDispatch
) -> Services:
    """Services with admins and an approval threshold of 3 residents."""
    return build_services(with_admins(config, approval_threshold=3), redis, clock, dispatch)


@pytest.fixture
def conv(admin_services: Services) -> Conversations:
    """The engine with every flow."""
    return build_conversations(admin_services)


def subscribed(conv: Conversations, chat_id: int, village: str, lang: str = "id") -> Resident:
    """A resident who subscribed to `village` through the onboarding."""
    person = Resident(conv, chat_id=chat_id, language_code=lang)
    person.send(f"/start kel_{village.replace('.', '')}")
    person.press("✅")
    return person


def compose(admin: Resident, *, other: bool = False, remind: bool = False) -> None:
    """Everything up to the check before sending, in Indonesian (one target)."""
    admin.send("/jajak")
    admin.send(QUESTION)
    admin.press("🔢")
    admin.send(ANSWERS)
    admin.press("✏️" if other else "Tidak")
    admin.press("1 hari")
    admin.press("⏰" if remind else "Tidak")


def text_of(replies: list[Reply]) -> str:
    """Every reply's title, notice and text."""
    return "\n".join(f"{r.title}\n{r.notice}\n{r.text}" for r in replies)


def delivered(svc: Services, poll: Poll, *people: Resident) -> Announcement:
    """The poll's announcement as the engine leaves it: sending, with `people` sent to."""
    store = svc.announcements
    store.move(
        poll.announcement, "sending", ["queued", "awaiting_approval"], started_at=svc.clock.now()
    )
    store.record(poll.announcement, [Outcome(str(p.address), SENT) for p in people])
    ann = store.get(poll.announcement)
    assert ann is not None
    return ann


def the_poll(svc: Services) -> Poll:
    """The newest poll."""
    (poll, *_older) = svc.polls.recent(1)
    return poll


def test_an_admin_composes_and_sends_a_poll(
    conv: Conversations, admin_services: Services, dispatch: RecordingDispatch
) -> None:
    """The kelurahan admin's poll goes to their one kelurahan: the preview is what residents
    will see, with the reach and closing time; sending stores the poll and queues its
    announcement (purpose poll) with the audit entry."""
    svc = admin_services
    subscribed(conv, 101, BAGENDUNG)
    admin = Resident(conv, chat_id=KELURAHAN_ADMIN)
    compose(admin, other=True)
    preview = text_of(admin.last)
    assert "Warga akan melihat:" in preview
    assert "1. Depan pasar" in preview
    assert "4. Lainnya (tulis jawaban sendiri)" in preview
    assert "Menjangkau 1 warga." in preview
    assert "Ditutup" in preview
    admin.press("✅")
    poll = the_poll(svc)
    assert (poll.question, poll.options, poll.other, poll.targets) == (
        QUESTION,
        ("Depan pasar", "Depan sekolah", "Depan puskesmas"),
        True,
        (BAGENDUNG,),
    )
    assert poll.closes_at == pytest.approx(svc.clock.now() + DAY)
    ann = svc.announcements.get(poll.announcement)
    assert ann is not None
    assert (ann.poll, ann.purpose, ann.state) == (poll.id, "poll", "queued")
    assert dispatch.submitted == [ann.id]
    assert [e.action for e in svc.audit.entries(0, 4e9)] == ["poll.created", "broadcast.composed"]
    assert "Jajak pendapat #1 tersimpan" in text_of(admin.last)
    assert svc.polls.results(poll).reach == 1


def test_an_english_admin_picks_targets_and_a_scale_and_asks_approval(
    conv: Conversations, admin_services: Services, dispatch: RecordingDispatch
) -> None:
    """In English: a 1-5 scale to two kelurahan of the kecamatan admin's scope; four
    residents are above the threshold of 3, so a superadmin is asked first."""
    svc = admin_services
    for n, village in enumerate((BAGENDUNG, BAGENDUNG, CIWEDUS, CIWEDUS)):
        subscribed(conv, 110 + n, village)
    admin = Resident(conv, chat_id=KECAMATAN_ADMIN, language_code="en")
    admin.send("/poll")
    assert "Send the question residents should answer" in text_of(admin.last)
    assert "/poll results" in text_of(admin.last)
    admin.send("How useful was the posyandu this month?")
    admin.press("⭐")
    admin.press("No")
    admin.press("Bagendung")
    admin.press("Ciwedus")
    admin.press("Next")
    admin.press("3 days")
    admin.press("⏰")
    check = text_of(admin.last)
    assert "Reaches 4 residents." in check
    assert "one reminder halfway" in check
    assert "1 is the lowest, 5 the highest." in check
    admin.press("📨")
    poll = the_poll(svc)
    assert poll.scale
    assert poll.options == ("1", "2", "3", "4", "5")
    assert poll.remind
    assert set(poll.targets) == {BAGENDUNG, CIWEDUS}
    ann = svc.announcements.get(poll.announcement)
    assert ann is not None
    assert ann.state == "awaiting_approval"
    assert dispatch.submitted == []
    asked = [to for to, reply in dispatch.notified if "✅" in str(reply.choices)]
    assert asked == [Address.telegram(SUPERADMIN)]


@pytest.mark.parametrize(
    ("answers", "says"),
    [
        ("Ya", "Itu 1 jawaban"),
        ("Ya; ", "Itu 1 jawaban"),
        ("\n".join(f"Pilihan {n}" for n in range(11)), "Itu 11 jawaban"),
        ("Ya\nya", "Ada dua jawaban yang sama"),
        ("Ya\n" + "x" * 61, "terlalu panjang (61"),
    ],
)
def test_bad_answer_lists_are_refused_and_can_be_sent_again(
    conv: Conversations, answers: str, says: str
) -> None:
    """A list with too few or many answers, duplicates or a long one says what is wrong and
    stays at the same step; a good list then goes on."""
    admin = Resident(conv, chat_id=KELURAHAN_ADMIN)
    admin.send("/jajak")
    admin.send(QUESTION)
    admin.press("🔢")
    admin.send(answers)
    assert says in text_of(admin.last)
    admin.send(ANSWERS)
    assert "jawaban sendiri" in text_of(admin.last)


def test_answers_on_one_line_separated_by_semicolons(
    conv: Conversations, admin_services: Services
) -> None:
    """A desktop's Enter sends the message: one line with ";" between the answers works."""
    admin = Resident(conv, chat_id=KELURAHAN_ADMIN)
    admin.send("/jajak")
    admin.send(QUESTION)
    admin.press("🔢")
    admin.send("Depan pasar; Depan sekolah ;Depan puskesmas")
    admin.press("Tidak")
    admin.press("1 hari")
    admin.press("Tidak")
    admin.press("✅")
    assert the_poll(admin_services).options == ("Depan pasar", "Depan sekolah", "Depan puskesmas")


def test_other_bad_input_and_strangers(conv: Conversations, admin_services: Services) -> None:
    """A long question, a photo as question, ten answers with "other", an unreadable or
    far closing time are refused with a reason; a resident cannot start /jajak."""
    admin = Resident(conv, chat_id=KELURAHAN_ADMIN)
    admin.send("/jajak")
    admin.send("?" * 301)
    assert "terlalu panjang (301" in text_of(admin.last)
    admin.send("<photo>")
    assert "sebagai teks" in text_of(admin.last)
    admin.send(QUESTION)
    admin.press("🔢")
    admin.send("\n".join(f"Pilihan {n}" for n in range(10)))
    admin.press("✏️")
    assert "paling banyak punya 9 jawaban" in text_of(admin.last)
    admin.press("Tidak")
    admin.send("kapan-kapan saja")
    assert "tidak bisa membacanya" in text_of(admin.last)
    admin.send("31 Des 2027 10.00")
    assert "antara sepuluh menit dan 30 hari" in text_of(admin.last)
    admin.press("Batal")
    assert admin_services.polls.recent(1) == []
    stranger = subscribed(conv, 120, BAGENDUNG)
    stranger.send("/jajak")
    assert "untuk admin KIM" in text_of(stranger.last)


def sent_poll(conv: Conversations, svc: Services, *people: Resident, other: bool = True) -> Poll:
    """The kelurahan admin's poll, delivered to `people`."""
    admin = Resident(conv, chat_id=KELURAHAN_ADMIN)
    compose(admin, other=other)
    admin.press("✅")
    poll = the_poll(svc)
    delivered(svc, poll, *people)
    return poll


def vote(person: Resident, poll: Poll, answer: int, message_id: int = 0) -> list[Reply]:
    """A press of one of the poll's buttons (on Telegram's message `message_id`, or 0)."""
    data = PollVote(poll.id, answer).pack()
    return person.deliver(
        Incoming(person.address, "button", button=data, message_id=message_id, language_code="id")
    )


def test_residents_answer_change_and_type_numbers(
    conv: Conversations, admin_services: Services
) -> None:
    """A press records the answer (a notice says what was kept); a second press
    changes it; a typed number answers the newest open poll not answered yet (before the
    menu's numbers; answered, the menu's again); "other" asks for words."""
    svc = admin_services
    siti, budi, ani = (subscribed(conv, 130 + n, BAGENDUNG) for n in range(3))
    poll = sent_poll(conv, svc, siti, budi, ani)
    (toast,) = vote(siti, poll, 1, message_id=77)
    assert (toast.text, toast.edit) == ("", False)  # a notice only: no message to send
    assert toast.notice.startswith("✅ Jawaban Anda untuk jajak pendapat #1: Depan pasar.")
    assert len(toast.notice) <= 200  # Telegram's limit for a button's answer
    (changed,) = vote(siti, poll, 2)
    assert "Jawaban Anda untuk jajak pendapat #1: Depan sekolah" in changed.notice
    budi.send("3")
    assert "Depan puskesmas" in text_of(budi.last)
    budi.send("9")  # answered: at the menu, numbers pick its entries again
    assert "Berhenti menerima" in text_of(budi.last)
    ani.send("9")
    assert "jawaban 1 sampai 4" in text_of(ani.last)
    ani.send("4")
    assert "Tulis jawaban Anda" in text_of(ani.last)
    ani.send("x" * 501)
    assert "terlalu panjang (501" in text_of(ani.last)
    ani.send("<photo>")
    assert svc.polls.answer_of(poll.id, ani.address) is None
    ani.send("Dekat masjid raya")
    assert "Lainnya" in text_of(ani.last)
    results = svc.polls.results(poll)
    assert (results.counts, results.respondents) == ({2: 1, 3: 1, 0: 1}, 3)
    assert svc.polls.export(ani.address)["answers"]["1"]["other"] == "Dekat masjid raya"


def test_whatsapp_residents_answer_by_list_and_number(
    conv: Conversations, admin_services: Services
) -> None:
    """On WhatsApp (no edits) a press gets a short confirmation; a typed number works."""
    svc = admin_services
    wa = Address.whatsapp("6281234567890")
    svc.residents.consent(wa, "id", svc.config.privacy.notice_version, svc.clock.now())
    svc.residents.subscribe(wa, BAGENDUNG, svc.clock.now())
    admin = Resident(conv, chat_id=KELURAHAN_ADMIN)
    compose(admin)
    admin.press("✅")
    poll = the_poll(svc)
    svc.announcements.move(poll.announcement, "sending", ["queued"], started_at=1.0)
    svc.announcements.record(poll.announcement, [Outcome(str(wa), SENT)])
    (said,) = conv.handle(Incoming(wa, "button", button=PollVote(poll.id, 1).pack()))
    assert not said.edit
    assert "Depan pasar" in said.notice
    assert "dengan memilih lagi" in said.notice
    (typed,) = conv.handle(Incoming(wa, "text", text="2"))
    assert "Depan sekolah" in typed.text
    assert svc.polls.answer_of(poll.id, wa) == 2


def test_forged_and_late_presses_change_nothing(
    conv: Conversations, admin_services: Services
) -> None:
    """A press from someone the poll was not sent to, a made-up poll or answer, and a press
    after closing change nothing; a typed number with no poll gets the menu."""
    svc = admin_services
    siti, outsider = subscribed(conv, 140, BAGENDUNG), subscribed(conv, 141, BAGENDUNG)
    poll = sent_poll(conv, svc, siti, other=False)
    (stale,) = vote(outsider, poll, 1)
    assert "tidak aktif" in stale.notice
    outsider.send("1")
    assert "Jawaban Anda" not in text_of(outsider.last)
    for data in (
        PollVote("99", 1).pack(),
        "a.poll.1.11",
        "a.poll.1.x",
        PollVote(poll.id, 0).pack(),
    ):
        siti.press_data(data)
        assert "Jawaban Anda" not in text_of(siti.last)
    (invalid,) = vote(siti, poll, 7)
    assert "tidak aktif" in invalid.notice
    assert svc.polls.results(poll).respondents == 0
    svc.clock.advance(DAY)  # type: ignore[attr-defined]
    (late,) = vote(siti, poll, 1)
    assert "sudah ditutup" in late.text
    assert svc.polls.results(poll).respondents == 0


def test_reminder_goes_halfway_to_those_who_have_not_answered(
    conv: Conversations, admin_services: Services, dispatch: RecordingDispatch
) -> None:
    """With the reminder asked, the tick halfway creates it once; its plan leaves the
    respondents out; its message says so."""
    svc = admin_services
    siti, budi = subscribed(conv, 150, BAGENDUNG), subscribed(conv, 151, BAGENDUNG)
    admin = Resident(conv, chat_id=KELURAHAN_ADMIN)
    compose(admin, remind=True)
    admin.press("✅")
    poll = the_poll(svc)
    delivered(svc, poll, siti, budi)
    vote(siti, poll, 1)
    assert runs.tick(svc, svc.clock.now() + DAY / 4) == (0, 0)
    assert runs.tick(svc, svc.clock.now() + DAY / 2 + 1) == (1, 0)
    assert runs.tick(svc, svc.clock.now() + DAY / 2 + 60) == (0, 0)
    reminder = svc.announcements.get(svc.polls.get(poll.id).reminder)  # type: ignore[union-attr]
    assert reminder is not None
    assert reminder.purpose == "reminder"
    assert svc.announcements.plan(reminder.id) == 1
    assert svc.announcements.recipients(reminder.id, 0, 10) == [str(budi.address)]
    (message,) = personal_replies(svc, reminder, [budi.address])
    assert message.title == "⏰ Pengingat: jajak pendapat"
    assert "Anda belum menjawab." in message.text
    budi.send("2")  # the reminder was delivered to budi: his number counts
    assert svc.polls.answer_of(poll.id, budi.address) == 2


def test_closing_sends_each_respondent_their_villages_results(
    conv: Conversations, admin_services: Services, dispatch: RecordingDispatch
) -> None:
    """At its time the poll closes once: a results announcement to the respondents only,
    each message naming their kelurahan's figures beside the whole city's; the admin is
    told, with a button to the results."""
    svc = admin_services
    siti, budi = subscribed(conv, 160, BAGENDUNG), subscribed(conv, 161, BAGENDUNG)
    eko, silent = subscribed(conv, 162, CIWEDUS), subscribed(conv, 163, BAGENDUNG)
    admin = Resident(conv, chat_id=SUPERADMIN)
    admin.send("/jajak")
    admin.send(QUESTION)
    admin.press("🔢")
    admin.send(ANSWERS)
    admin.press("Tidak")
    admin.press("Kec. Cilegon")
    admin.press("Lanjut")
    admin.press("1 hari")
    admin.press("Tidak")
    admin.press("✅")
    poll = the_poll(svc)
    delivered(svc, poll, siti, budi, eko, silent)
    vote(siti, poll, 1)
    vote(budi, poll, 1)
    vote(eko, poll, 2)
    assert runs.tick(svc, svc.clock.now() + DAY) == (0, 1)
    assert runs.tick(svc, svc.clock.now() + DAY + 60) == (0, 0)
    closed = svc.polls.get(poll.id)
    assert closed is not None
    assert closed.state == "closed"
    assert closed.results
    results = svc.announcements.get(closed.results)
    assert results is not None
    assert results.purpose == "results"
    assert svc.announcements.plan(results.id) == 3
    planned = set(svc.announcements.recipients(results.id, 0, 10))
    assert planned == {str(p.address) for p in (siti, budi, eko)}
    mine, theirs = personal_replies(svc, results, [siti.address, eko.address])
    assert mine.title == "📊 Hasil jajak pendapat"
    assert "Bagendung\n2 menjawab dari 3 yang terjangkau (67%)." in mine.text
    assert "▰▰▰▰▰▰▰▰▰▰ 100% · Depan pasar (2)" in mine.text
    assert "Ciwedus\n1 menjawab dari 1 yang terjangkau (100%)." in theirs.text
    assert "Seluruh Kec. Cilegon" in theirs.text
    assert "3 menjawab dari" in theirs.text
    told = [reply for to, reply in dispatch.notified if to == Address.telegram(SUPERADMIN)]
    assert [r.text for r in told] == [
        "Jajak pendapat #1 ditutup: 3 warga menjawab. Hasilnya sekarang dikirim kepada mereka."
    ]
    entries = [e.action for e in svc.audit.entries(0, 4e9)]
    assert entries.count("poll.closed") == 1


def test_the_admin_sees_results_in_scope_and_gets_the_csv(
    conv: Conversations, admin_services: Services
) -> None:
    """/jajak hasil lists the polls an admin may see; the results view shows their scope's
    figures; the CSV holds counts per kelurahan, no resident; another kelurahan's admin
    of a poll outside their scope is refused; ✖ Close now closes it once."""
    svc = admin_services
    siti, budi = subscribed(conv, 170, BAGENDUNG), subscribed(conv, 171, BAGENDUNG)
    poll = sent_poll(conv, svc, siti, budi, other=False)
    vote(siti, poll, 3)
    admin = Resident(conv, chat_id=KELURAHAN_ADMIN)
    admin.send("/jajak hasil")
    assert "#1 · terbuka · Di mana halte baru sebaiknya dibangun? · 1 menjawab" in text_of(
        admin.last
    )
    admin.press("📊 #1")
    view = text_of(admin.last)
    assert "1 menjawab dari 2 yang terjangkau (50%)." in view
    assert "100% · Depan puskesmas (1)" in view
    admin.press("📄")
    (file_reply,) = admin.last
    assert file_reply.attachment is not None
    assert file_reply.attachment.name == "jajak-1.csv"
    table = list(csv.DictReader(io.StringIO(file_reply.attachment.data.decode("utf-8-sig"))))
    assert table[0]["Kelurahan/Desa"] == "Bagendung"
    assert table[0]["Depan puskesmas"] == "1"
    assert table[0]["Terjangkau"] == "2"
    assert table[0]["Menjawab"] == "1"
    assert str(siti.chat_id) not in file_reply.attachment.data.decode("utf-8-sig")
    other_admin = Resident(conv, chat_id=KECAMATAN_ADMIN)  # Kec. Cilegon holds Bagendung
    other_admin.press_data(PollView("show", poll.id).pack())
    assert "1 menjawab" in text_of(other_admin.last)
    other_admin.press_data(PollView("close", poll.id).pack())
    assert "tidak berwenang" in text_of(other_admin.last)
    resident = subscribed(conv, 172, BAGENDUNG)
    resident.press_data(PollView("show", poll.id).pack())
    assert "tidak berwenang" in text_of(resident.last)
    admin.press_data(PollView("close", poll.id).pack())
    assert "Ditutup" in text_of(admin.last)
    admin.press_data(PollView("close", poll.id).pack())
    assert "sudah ditutup" in text_of(admin.last)
    assert [e.action for e in svc.audit.entries(0, 4e9)].count("poll.closed") == 1


def test_erasure_keeps_the_count_and_drops_the_person(
    conv: Conversations, admin_services: Services
) -> None:
    """/dataku shows the answer; /hapusdata removes it and the respondent from the
    results' audience, while the tally keeps the count."""
    svc = admin_services
    siti = subscribed(conv, 180, BAGENDUNG)
    poll = sent_poll(conv, svc, siti, other=False)
    vote(siti, poll, 2)
    assert svc.polls.export(siti.address) == {
        "answers": {poll.id: {"question": QUESTION, "answer": "Depan sekolah"}}
    }
    siti.send("/dataku")
    assert "Jawaban Anda pada jajak pendapat: 1" in text_of(siti.last)
    svc.privacy.erase(siti.address)
    assert svc.polls.export(siti.address) == {}
    assert svc.polls.results(poll).respondents == 1
    assert all(
        not svc.redis.sismember(k, str(siti.address)) for k in svc.polls.respondent_keys(poll.id)
    )


def test_answers_are_forgotten_a_month_after_closing(
    conv: Conversations, admin_services: Services
) -> None:
    """30 days after closing the tick deletes who answered what; the tally stays."""
    svc = admin_services
    siti = subscribed(conv, 190, BAGENDUNG)
    poll = sent_poll(conv, svc, siti)
    vote(siti, poll, 2)
    closing = poll.closes_at
    runs.tick(svc, closing)
    runs.tick(svc, closing + 29 * DAY)
    assert svc.polls.answer_of(poll.id, siti.address) == 2
    runs.tick(svc, closing + 30 * DAY + 60)
    assert svc.polls.answer_of(poll.id, siti.address) is None
    assert svc.polls.export(siti.address) == {}
    assert svc.polls.respondent_keys(poll.id) != []
    assert all(not svc.redis.exists(k) for k in svc.polls.respondent_keys(poll.id))
    assert svc.polls.results(poll).counts == {2: 1}
    assert not svc.redis.exists(f"kim:poll:of:{siti.address}")


def test_an_english_resident_answers_changes_and_reads_the_results(
    conv: Conversations, admin_services: Services
) -> None:
    """In English: the poll, the notice of an answer and of a change, the closed poll's
    refusal and the results message."""
    svc = admin_services
    john = subscribed(conv, 210, BAGENDUNG, lang="en")
    assert svc.residents.get(john.address).locale == "en"  # type: ignore[union-attr]
    poll = sent_poll(conv, svc, john)
    ann = svc.announcements.get(poll.announcement)
    assert ann is not None
    (asked,) = personal_replies(svc, ann, [john.address])
    assert asked.title == "📊 Poll"
    assert "4. Other (write your own answer)" in asked.text
    (first,) = vote(john, poll, 1)
    assert first.notice.startswith("✅ Your answer to poll #1: Depan pasar.")
    (second,) = vote(john, poll, 3)
    assert second.notice.startswith("✅ Your answer to poll #1: Depan puskesmas.")
    runs.tick(svc, poll.closes_at)
    (late,) = vote(john, poll, 1)
    assert late.text == "This poll is closed; answers are no longer taken."
    closed = svc.polls.get(poll.id)
    assert closed is not None
    results = svc.announcements.get(closed.results)
    assert results is not None
    (message,) = personal_replies(svc, results, [john.address])
    assert message.title == "📊 Poll results"
    assert "Bagendung\n1 answered of 1 reached (100%)." in message.text
    assert "100% · Depan puskesmas (1)" in message.text
    assert message.text.endswith("Thank you for answering.")


def test_closing_stops_what_of_the_poll_has_not_gone_out(
    conv: Conversations, admin_services: Services, dispatch: RecordingDispatch
) -> None:
    """A poll still waiting for a superadmin when it closes: its announcement is cancelled
    (a late approval sends nothing), and no results go out; a poll whose reminder is still
    sending when it closes: the reminder stops."""
    svc = admin_services
    for n, village in enumerate((BAGENDUNG, BAGENDUNG, CIWEDUS, CIWEDUS)):
        subscribed(conv, 220 + n, village)
    admin = Resident(conv, chat_id=KECAMATAN_ADMIN)
    admin.send("/jajak")
    admin.send(QUESTION)
    admin.press("🔢")
    admin.send(ANSWERS)
    admin.press("Tidak")
    admin.press("Bagendung")
    admin.press("Ciwedus")
    admin.press("Lanjut")
    admin.press("1 hari")
    admin.press("Tidak")
    admin.press("📨")
    waiting = the_poll(svc)
    runs.tick(svc, waiting.closes_at)
    ann = svc.announcements.get(waiting.announcement)
    assert ann is not None
    assert ann.state == "cancelled"
    assert svc.polls.get(waiting.id).results == ""  # type: ignore[union-attr]
    superadmin = Resident(conv, chat_id=SUPERADMIN)
    superadmin.press_data(BroadcastAction("approve", ann.id).pack())
    assert svc.announcements.get(ann.id).state == "cancelled"  # type: ignore[union-attr]
    assert ann.id not in dispatch.submitted

    siti = subscribed(conv, 230, BAGENDUNG)
    reminded = Resident(conv, chat_id=KELURAHAN_ADMIN)
    compose(reminded, remind=True)
    reminded.press("✅")
    poll = the_poll(svc)
    delivered(svc, poll, siti)
    runs.tick(svc, svc.clock.now() + DAY / 2 + 1)
    reminder = svc.polls.get(poll.id).reminder  # type: ignore[union-attr]
    svc.announcements.move(reminder, "sending", ["queued"], started_at=svc.clock.now())
    runs.tick(svc, poll.closes_at)
    assert svc.announcements.get(reminder).state == "cancelled"  # type: ignore[union-attr]
