"""Issue 16, item 2: closing the loop. An answered or forwarded aspirasi is followed up
after `desk.follow_up_days`; ✅ Sudah closes it, ❌ Belum reopens it with the resident's note
on the staff queue; overdue tickets go to the staff group, then the supervisor; the report
shows closure rates. Forged and repeated presses change nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.desk.escalation import escalate
from bot.desk.followup import FollowUps
from bot.desk.staff import Desk
from bot.desk.tickets import DUE_INDEX, FOLLOW_INDEX, OPEN_INDEX, Ticket
from bot.dialogs import Conversations, build_conversations
from bot.platform.actions import FollowUp, TicketAction
from bot.platform.addresses import Address
from bot.platform.clock import FixedClock
from bot.platform.config import Config
from bot.platform.messages import Reply
from bot.platform.store import Redis
from bot.services import Services
from handlers.wiring import build_services
from tests.support.admins import STAFF, SUPERADMIN, RecordingDispatch, with_admins
from tests.support.dialog import Resident, render, verify_dialog
from tests.support.jobs import job_context_with
from tests.support.storage import everything_in

STAFF_GROUP = Address.parse("tg:-1009999")
DAY = 86400.0
TEXT = "Lampu jalan di RT 02 Bagendung mati sudah dua minggu."


def services_with(
    config: Config,
    redis: Redis,
    clock: FixedClock,
    dispatch: RecordingDispatch,
    supervisor: str | None = None,
    **desk: object,
) -> Services:
    """Services with staff and admins, room for long dialogues, a supervisor if given, and
    `desk` settings."""
    roomy = with_admins(config)
    limits = roomy.limits.model_copy(update={"flood_messages_per_minute": 600})
    staff = roomy.roles.staff.model_copy(update={"supervisor": supervisor})
    changed = roomy.model_copy(
        update={
            "limits": limits,
            "desk": roomy.desk.model_copy(update=desk),
            "roles": roomy.roles.model_copy(update={"staff": staff}),
        }
    )
    return build_services(changed, redis, clock, dispatch)


@pytest.fixture
def svc(config: Config, redis: Redis, clock: FixedClock, dispatch: RecordingDispatch) -> Services:
    """The shipped desk settings (follow-up after 14 days, escalation 24 hours past due)."""
    return services_with(config, redis, clock, dispatch)


@pytest.fixture
def conv(svc: Services) -> Conversations:
    """The engine."""
    return build_conversations(svc)


def subscribed(conv: Conversations, chat_id: int, lang: str = "en") -> Resident:
    """A resident subscribed to Bagendung."""
    me = Resident(conv, chat_id=chat_id, language_code=lang)
    me.send("/start kel_3672021001")
    me.press("✅")
    return me


def answered(svc: Services, me: Resident, *, forward: bool = False, anonymous: bool = False) -> str:
    """An aspirasi of `me`'s, answered (or forwarded) by staff now; its number."""
    desk, now = Desk(svc), svc.clock.now()
    ticket = desk.file(
        me.address, "pengaduan", now, text=TEXT, topic="infrastruktur", anonymous=anonymous
    )
    staff = Address.telegram(STAFF)
    desk.act(staff, TicketAction("forward" if forward else "answer", ticket.id), now)
    fresh = svc.tickets.get(ticket.id)
    assert fresh is not None
    note = "LAPOR! #4411 ke Dinas PUPR" if forward else "Lampu diganti hari Kamis."
    desk.staff_reply(staff, fresh, note, now)
    return ticket.id


def ticket(svc: Services, ticket_id: str) -> Ticket:
    """The ticket as stored now."""
    found = svc.tickets.get(ticket_id)
    assert found is not None
    return found


def told(dispatch: RecordingDispatch, to: Address) -> list[Reply]:
    """What went to `to` through the queue."""
    return [r for address, r in dispatch.notified if address == to]


def question(dispatch: RecordingDispatch, me: Resident) -> Reply:
    """The newest follow-up question `me` got."""
    asked = [
        r
        for r in told(dispatch, me.address)
        if any(isinstance(FollowUp.unpack(c.data), FollowUp) for c in r.flat_choices)
    ]
    assert asked, "no follow-up question reached the resident"
    return asked[-1]


def press(me: Resident, reply: Reply, label: str) -> str:
    """Press the button `label` (a part of it) of a queued message; what the bot said."""
    (data,) = [c.data for c in reply.flat_choices if label in c.label]
    me.press_data(data)
    return me.said()


def test_asked_after_the_configured_days_and_sudah_closes_it(
    svc: Services, conv: Conversations, clock: FixedClock, dispatch: RecordingDispatch
) -> None:
    """Nothing is asked before 14 days; then the requester is asked once, in English, with the
    number, topic and answer date; ✅ closes the ticket (history: by the resident); a second
    press says the button is no longer active and changes nothing."""
    me = subscribed(conv, 5101)
    ticket_id = answered(svc, me)
    follow_ups = FollowUps(Desk(svc))
    clock.advance(14 * DAY - 60)
    assert follow_ups.ask_due(clock.now()) == 0
    clock.advance(120)
    assert follow_ups.ask_due(clock.now()) == 1
    assert follow_ups.ask_due(clock.now()) == 0  # claimed: never asked twice
    asked = question(dispatch, me)
    text = render([asked])
    for shown in (ticket_id, "infrastruktur", "It was answered on", "Is this problem solved?"):
        assert shown in text
    assert [c.label for c in asked.flat_choices] == ["✅ Yes, solved", "❌ Not yet"]
    assert asked.ticket == ticket_id  # WhatsApp's ticket template outside the window
    assert "closed as solved" in press(me, asked, "Yes")
    closed = ticket(svc, ticket_id)
    assert (closed.state, closed.follow_answer, closed.follow_ups) == ("selesai", "solved", 1)
    last = svc.tickets.history(ticket_id)[-1]
    assert (last.state, last.by) == ("selesai", "resident")
    history = len(svc.tickets.history(ticket_id))
    assert "no longer active" in press(me, asked, "Yes")
    assert "no longer active" in press(me, asked, "Not yet")
    assert ticket(svc, ticket_id).state == "selesai"
    assert len(svc.tickets.history(ticket_id)) == history


def test_belum_reopens_with_the_note_in_indonesian(
    svc: Services,
    conv: Conversations,
    clock: FixedClock,
    dispatch: RecordingDispatch,
    redis: Redis,
) -> None:
    """A forwarded ticket, asked in Indonesian: ❌ Belum asks for a note; the note reopens it
    (back on the queue and the due index, unclaimed, a new due time, history kept), the
    staff group is told and gets the card again; answered anew, it is followed up anew."""
    me = subscribed(conv, 5102, lang="id")
    ticket_id = answered(svc, me, forward=True)
    staff_before = len(told(dispatch, STAFF_GROUP))
    svc.tickets.set_card(ticket_id, str(STAFF_GROUP.chat_id), 77)
    clock.advance(15 * DAY)
    FollowUps(Desk(svc)).ask_due(clock.now())
    asked = question(dispatch, me)
    assert "Sudah diteruskan pada" in asked.text
    assert "Apakah masalah ini sudah selesai?" in asked.text
    assert [c.label for c in asked.flat_choices] == ["✅ Sudah", "❌ Belum"]
    assert "Apa yang belum selesai pada " + ticket_id in press(me, asked, "Belum")
    verify_dialog(me, [("Lampunya masih mati, belum ada petugas datang.", "dibuka kembali")])
    reopened = ticket(svc, ticket_id)
    assert (reopened.state, reopened.claimed_by, reopened.reopens) == ("diterima", "", 1)
    assert reopened.due_at > clock.now()
    assert redis.zscore(OPEN_INDEX, ticket_id) == reopened.created_at
    assert redis.zscore(DUE_INDEX, ticket_id) == reopened.due_at
    states = [(h.state, h.by) for h in svc.tickets.history(ticket_id)]
    assert states == [
        ("diterima", ""),
        ("diteruskan", f"tg:{STAFF}"),
        ("diterima", "resident"),
    ]
    assert svc.tickets.history(ticket_id)[-1].note == (
        "Lampunya masih mati, belum ada petugas datang."
    )
    to_staff = told(dispatch, STAFF_GROUP)[staff_before:]
    assert "dibuka kembali oleh warga: Lampunya masih mati" in to_staff[0].text
    assert to_staff[1].card_of == ticket_id
    assert "🙋 Tangani" in render([to_staff[1]])
    assert str(me.address.chat_id) not in render(to_staff)
    assert reopened.card_message == 0  # the card is posted anew, not edited far above
    assert svc.tickets.by_card(str(STAFF_GROUP.chat_id), 77) == reopened  # replies still work
    assert "sudah tidak aktif" in press(me, asked, "Belum")
    assert "sudah tidak aktif" in press(me, asked, "Sudah")
    assert ticket(svc, ticket_id).state == "diterima"
    desk = Desk(svc)
    desk.act(Address.telegram(STAFF), TicketAction("answer", ticket_id), clock.now())
    desk.staff_reply(Address.telegram(STAFF), ticket(svc, ticket_id), "Sudah diganti.", clock.now())
    assert redis.zscore(FOLLOW_INDEX, ticket_id) == clock.now() + 14 * DAY


def test_skip_and_cancel_on_the_note_step(
    svc: Services, conv: Conversations, clock: FixedClock, dispatch: RecordingDispatch
) -> None:
    """✖ Cancel leaves the ticket as it was and its question open; ⏭ Skip reopens it with
    no note; a sticker at the note step points at the buttons."""
    me = subscribed(conv, 5103)
    ticket_id = answered(svc, me)
    clock.advance(15 * DAY)
    FollowUps(Desk(svc)).ask_due(clock.now())
    asked = question(dispatch, me)
    press(me, asked, "Not yet")
    verify_dialog(
        me, [("<sticker>", "Please press one of the buttons"), ("[Cancel]", "stays as it was")]
    )
    assert ticket(svc, ticket_id).state == "dijawab"
    press(me, asked, "Not yet")
    verify_dialog(me, [("[Skip]", "is open again")])
    assert ticket(svc, ticket_id).state == "diterima"
    assert "dibuka kembali oleh warga (tanpa catatan)" in render(told(dispatch, STAFF_GROUP))


def test_forged_and_early_presses_change_nothing(
    svc: Services, conv: Conversations, clock: FixedClock, dispatch: RecordingDispatch, redis: Redis
) -> None:
    """Presses before the question is asked, from another resident, from staff, for an
    unknown ticket, malformed ones, and a note after the ticket changed meanwhile: each
    says so and changes nothing."""
    me = subscribed(conv, 5104)
    other = subscribed(conv, 5105)
    staff = Resident(conv, chat_id=STAFF, language_code="en")
    ticket_id = answered(svc, me)
    for solved in (True, False):
        me.press_data(FollowUp(ticket_id, solved).pack())  # not asked yet
        assert "no longer active" in me.said()
    clock.advance(15 * DAY)
    FollowUps(Desk(svc)).ask_due(clock.now())
    before = (redis.hgetall(f"kim:tk:{ticket_id}"), svc.tickets.history(ticket_id))
    for presser in (other, staff):
        for solved in (True, False):
            presser.press_data(FollowUp(ticket_id, solved).pack())
            assert "no longer active" in presser.said()
    for forged in (
        "a.fu.NOPE-1.y",
        f"a.fu.{ticket_id}.x",
        f"a.fu.{ticket_id}",
        f"a.fu.{ticket_id}.y.n",
    ):
        me.press_data(forged)
        assert "no longer active" in me.said()
    assert (redis.hgetall(f"kim:tk:{ticket_id}"), svc.tickets.history(ticket_id)) == before
    forwarded = answered(svc, me, forward=True)
    clock.advance(15 * DAY)
    FollowUps(Desk(svc)).ask_due(clock.now())
    asked = question(dispatch, me)
    assert forwarded in asked.text
    press(me, asked, "Not yet")
    staff_press = TicketAction("reject", forwarded, "scope")
    Desk(svc).act(Address.telegram(STAFF), staff_press, clock.now())  # closed meanwhile
    verify_dialog(me, [("Masih mati.", "no longer waits for your answer")])
    assert "no longer active" in press(me, asked, "Yes")
    assert ticket(svc, forwarded).state == "ditolak"


def test_closed_by_staff_hoaxes_anonymous_and_switched_off(
    config: Config, redis: Redis, clock: FixedClock, dispatch: RecordingDispatch
) -> None:
    """A forwarded ticket staff reject before the question: nobody is asked; hoax checks are
    never followed up; anonymous requesters are asked too; with follow_up_days 0 nothing is
    scheduled."""
    svc = services_with(config, redis, clock, dispatch)
    conv = build_conversations(svc)
    me = subscribed(conv, 5106)
    desk = Desk(svc)
    rejected = answered(svc, me, forward=True)
    desk.act(Address.telegram(STAFF), TicketAction("reject", rejected, "scope"), clock.now())
    assert redis.zscore(FOLLOW_INDEX, rejected) is None
    hoax = desk.file(me.address, "hoaks", clock.now(), text="Besok KTP diblokir. Sebarkan!")
    desk.give_verdict(hoax, "hoaks", "Tidak benar.", "", f"tg:{STAFF}", clock.now())
    assert redis.zscore(FOLLOW_INDEX, hoax.id) is None
    anonymous = answered(svc, me, anonymous=True)
    clock.advance(15 * DAY)
    assert FollowUps(desk).ask_due(clock.now()) == 1
    assert anonymous in question(dispatch, me).text
    off = services_with(config, redis, clock, dispatch, follow_up_days=0)
    quiet = answered(off, me)
    assert redis.zscore(FOLLOW_INDEX, quiet) is None


def test_two_workers_ask_each_resident_once(
    config: Config, redis: Redis, clock: FixedClock, dispatch: RecordingDispatch
) -> None:
    """Two processes' desks on one Redis, asking at the same moment: each due ticket is
    claimed by one of them only."""
    first = services_with(config, redis, clock, dispatch)
    second = services_with(config, redis, clock, RecordingDispatch())
    conv = build_conversations(first)
    people = [subscribed(conv, 5200 + i) for i in range(6)]
    for me in people:
        answered(first, me)
    clock.advance(15 * DAY)
    asked = FollowUps(Desk(first)).ask_due(clock.now()) + FollowUps(Desk(second)).ask_due(
        clock.now()
    )
    assert asked == 6
    assert redis.zcard(FOLLOW_INDEX) == 0


def test_overdue_tickets_escalate_once_per_step(
    config: Config, redis: Redis, clock: FixedClock, dispatch: RecordingDispatch
) -> None:
    """Past due: one line in the staff group naming each ticket once; 24 hours past due:
    one notice to every superadmin (no supervisor set) with the overdue list, once; with a
    supervisor, to it alone. Closed tickets are left out; a reopened ticket starts over."""
    svc = services_with(config, redis, clock, dispatch)
    conv = build_conversations(svc)
    me = subscribed(conv, 5301)
    desk = Desk(svc)
    late = desk.file(me.address, "aspirasi", clock.now(), text=TEXT, topic="infrastruktur")
    done = desk.file(me.address, "aspirasi", clock.now(), text=TEXT, topic="kesehatan")
    assert escalate(desk, clock.now()) == []
    desk.staff_reply(Address.telegram(STAFF), done, "Sudah ditangani.", clock.now())
    clock.t = late.due_at + 60
    (line,) = escalate(desk, clock.now())
    assert line[0] == STAFF_GROUP
    assert late.id in line[1].text
    assert done.id not in line[1].text
    assert line[1].text.startswith("⚠️ 1 tiket sudah lewat batas waktu: ")  # the staff's language
    assert escalate(desk, clock.now()) == []
    clock.advance(24 * 3600)
    (notice,) = escalate(desk, clock.now())
    assert notice[0] == Address.telegram(SUPERADMIN)
    assert late.id in notice[1].text
    assert escalate(desk, clock.now()) == []
    entries = svc.audit.entries(0, 4e9, action_prefix="ticket.escalated")
    assert [dict(e.detail) for e in entries] == [{"tickets": 1, "overdue": 1, "to": 1}]
    supervised = services_with(config, redis, clock, dispatch, supervisor="tg:-100777")
    other = Desk(supervised).file(me.address, "aspirasi", clock.now(), text=TEXT, topic="sosial")
    clock.t = other.due_at + 25 * 3600
    sent = escalate(Desk(supervised), clock.now())
    assert [to for to, _ in sent] == [STAFF_GROUP, Address.parse("tg:-100777")]
    assert other.id in sent[1][1].text
    assert late.id in sent[1][1].text  # the whole list
    assert "(1 baru)" in sent[1][1].text


def test_a_reopened_ticket_escalates_afresh(
    svc: Services, conv: Conversations, clock: FixedClock, dispatch: RecordingDispatch
) -> None:
    """Reopening clears the overdue marks: past its new due time it is listed again."""
    me = subscribed(conv, 5302)
    desk = Desk(svc)
    ticket_id = answered(svc, me)
    clock.advance(15 * DAY)
    FollowUps(desk).ask_due(clock.now())
    press(me, question(dispatch, me), "Not yet")
    me.send("Masih mati.")
    clock.t = ticket(svc, ticket_id).due_at + 25 * 3600
    sent = escalate(desk, clock.now())
    assert [to for to, _ in sent] == [STAFF_GROUP, Address.telegram(SUPERADMIN)]
    assert all(ticket_id in r.text for _, r in sent)


def test_the_report_shows_closure_rates(
    svc: Services,
    conv: Conversations,
    clock: FixedClock,
    dispatch: RecordingDispatch,
    tmp_path: Path,
) -> None:
    """Per ticket: follow-ups asked, reopenings, solved by the resident; per kecamatan and
    topic: followed up, solved, reopened and the solved share."""
    from handlers.tickets_cli import export

    people = [subscribed(conv, 5400 + i) for i in range(3)]
    ids = [answered(svc, me) for me in people]
    clock.advance(15 * DAY)
    FollowUps(Desk(svc)).ask_due(clock.now())
    press(people[0], question(dispatch, people[0]), "Yes")
    press(people[1], question(dispatch, people[1]), "Not yet")
    people[1].send("[Skip]")
    files = export(svc, "2026-09-01", "2026-10-31", "csv", str(tmp_path / "t.csv"), False)
    table = files[0].read_text()
    header = table.splitlines()[0].split(",")
    rows = {
        line.split(",")[0]: dict(zip(header, line.split(","), strict=True))
        for line in table.splitlines()[1:]
    }
    assert [
        (rows[i]["follow_ups"], rows[i]["reopened"], rows[i]["resident_solved"]) for i in ids
    ] == [
        ("1", "0", "yes"),
        ("1", "1", "no"),
        ("1", "0", "no"),
    ]
    summary = files[2].read_text().splitlines()
    assert summary[0].endswith("followed_up,solved,reopened,solved_percent")
    assert summary[1].startswith("infrastruktur,3,")
    assert summary[1].endswith(",3,1,1,33.3")


def test_erasure_takes_the_note_and_the_question(
    svc: Services,
    conv: Conversations,
    clock: FixedClock,
    dispatch: RecordingDispatch,
    redis: Redis,
) -> None:
    """/dataku shows the resident's note; /deletedata removes it from the history and
    drops a follow-up still to come."""
    me = subscribed(conv, 7770043)
    reopened = answered(svc, me)
    clock.advance(15 * DAY)
    FollowUps(Desk(svc)).ask_due(clock.now())
    press(me, question(dispatch, me), "Not yet")
    me.send("Tiang lampu miring di depan rumah saya nomor 17.")
    assert svc.tickets.export(me.address)["tickets"][reopened]["notes"] == [
        "Tiang lampu miring di depan rumah saya nomor 17."
    ]
    pending = answered(svc, me)
    assert redis.zscore(FOLLOW_INDEX, pending) is not None
    me.send("/deletedata")
    me.press("🗑")
    assert redis.zscore(FOLLOW_INDEX, pending) is None
    assert "rumah saya nomor 17" not in everything_in(redis)
    assert svc.tickets.history(reopened)[-1].by == "resident"


def test_the_desk_job_asks_and_escalates_once(
    config: Config, redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker's reminder job (every 15 minutes): the unclaimed reminder, the follow-up
    question, the overdue line and the superadmin's notice are queued once each; run again,
    it queues nothing."""
    from rq import Queue

    from broadcasts import desk_jobs
    from broadcasts.queues import INTERACTIVE_QUEUE

    data = with_admins(config).model_dump(mode="json")
    with job_context_with(data, tmp_path, monkeypatch, redis_url) as ctx:
        svc = ctx.services
        desk, past = Desk(svc), svc.clock.now() - 20 * DAY
        me = Address.telegram(5501)
        done = desk.file(me, "aspirasi", past, text=TEXT, topic="infrastruktur")
        desk.staff_reply(Address.telegram(STAFF), done, "Sudah diperbaiki.", past)
        late = desk.file(me, "aspirasi", past, text=TEXT, topic="kesehatan")
        queue = Queue(INTERACTIVE_QUEUE, connection=ctx.rq_redis)
        queued = queue.count
        assert desk_jobs.reminder_job() == 4
        assert queue.count == queued + 4
        assert ticket(svc, done.id).follow_ups == 1
        assert ticket(svc, late.id).state == "diterima"
        assert desk_jobs.reminder_job() == 0
        assert queue.count == queued + 4


def test_escalation_switched_off_tells_only_the_staff_group(
    config: Config, redis: Redis, clock: FixedClock, dispatch: RecordingDispatch
) -> None:
    """With desk.escalate_after_hours 0, a ticket days past due is listed in the staff group
    and never sent to a supervisor."""
    svc = services_with(config, redis, clock, dispatch, escalate_after_hours=0)
    desk = Desk(svc)
    late = desk.file(Address.telegram(5601), "aspirasi", clock.now(), text=TEXT, topic="sosial")
    clock.t = late.due_at + 10 * DAY
    assert [to for to, _ in escalate(desk, clock.now())] == [STAFF_GROUP]
    assert escalate(desk, clock.now()) == []
    assert svc.audit.entries(0, 4e9, action_prefix="ticket.escalated") == []


def test_the_dashboards_open_counts_follow_the_residents_answers(
    svc: Services, conv: Conversations, clock: FixedClock, dispatch: RecordingDispatch
) -> None:
    """An answered ticket reopened by ❌ counts as open again on the dashboard (and agrees
    with a rebuild of the counters); ✅ on a forwarded one takes it off the open count."""
    from datetime import UTC, datetime

    from bot.insights.dashboard import build_dashboard
    from bot.insights.rebuild import rebuild

    def open_now() -> int:
        moment = datetime.fromtimestamp(clock.now(), UTC)
        return build_dashboard(svc, None, moment).desk.open.value

    me = subscribed(conv, 5110, lang="en")
    reopen = answered(svc, me)
    other = subscribed(conv, 5111, lang="en")
    solve = answered(svc, other, forward=True)
    assert open_now() == 1  # the forwarded one is still open
    clock.advance(15 * DAY)
    FollowUps(Desk(svc)).ask_due(clock.now())
    press(me, question(dispatch, me), "Not yet")
    verify_dialog(me, [("Still dark at night.", "open again")])
    assert open_now() == 2
    press(other, question(dispatch, other), "Yes")
    assert (ticket(svc, reopen).state, ticket(svc, solve).state) == ("diterima", "selesai")
    assert open_now() == 1
    rebuild(svc)
    assert open_now() == 1
