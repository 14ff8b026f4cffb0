"""Issue 16, item 3: routing tickets to desks. A ticket goes to the first desk of
`desk.desks` that takes its topic and kecamatan, else to the default desk (roles.staff);
its card, reminders and overdue lines go to that desk's group or forum topic, with that
desk's due times. A desk's members act on its tickets only; the default desk's members
and superadmins act everywhere; ➡ moves a ticket with its history. Forged presses from
other desks or from non-staff change nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.desk import routing
from bot.desk.escalation import escalate
from bot.desk.followup import FollowUps
from bot.desk.queue import FilterError, QueueFilter, queue_page
from bot.desk.report import rows as report_rows
from bot.desk.staff import Desk
from bot.desk.tickets import DUE_INDEX, Ticket
from bot.dialogs import Conversations, build_conversations
from bot.platform.actions import TicketAction
from bot.platform.addresses import Address
from bot.platform.clock import FixedClock
from bot.platform.config import Config, ConfigError, Office, StaffMember, load_config
from bot.platform.messages import Reply
from bot.platform.store import Redis
from bot.regions.joins import decide_join
from bot.services import Services
from handlers import tickets_cli
from handlers.cli import summary
from handlers.wiring import build_services
from tests.support.admins import STAFF, SUPERADMIN, RecordingDispatch, with_admins
from tests.support.constants import CILEGON, KEBON_DALEM, ROOT
from tests.support.dialog import Resident, render, verify_dialog

DEFAULT_GROUP = Address.parse("tg:-1009999")  # roles.staff.group of `with_admins`
DINKES_GROUP = Address.parse("tg:-100111")
KECAMATAN_GROUP = Address.parse("tg:-100222")  # a forum: Kec. Cilegon's desk is topic 5
DINKES_STAFF, CILEGON_STAFF, NOBODY = 7001, 7002, 7003
TEXT = "Puskesmas Bagendung tutup sejak pagi, padahal jadwalnya buka."
DAY = 86400.0
NEWCOMER = 6990
CLAIMED = "Tiket ini sekarang Anda tangani."


def desks() -> list[Office]:
    """Dinas Kesehatan by topic, listed first; Kec. Cilegon by kecamatan, in a forum topic."""
    return [
        Office(
            id="dinkes",
            name="Dinas Kesehatan",
            topics=["kesehatan"],
            group=str(DINKES_GROUP),
            members=[StaffMember(id=f"tg:{DINKES_STAFF}", name="Bu Sari")],
            verification_working_days=1,
            hoax_hours=1,
        ),
        Office(
            id="kec-cilegon",
            name="Kecamatan Cilegon",
            kecamatan=[CILEGON],
            group=str(KECAMATAN_GROUP),
            thread=5,
            members=[StaffMember(id=f"tg:{CILEGON_STAFF}")],
        ),
    ]


def services_with(
    config: Config,
    redis: Redis,
    clock: FixedClock,
    dispatch: RecordingDispatch,
    offices: list[Office],
    *,
    staff_group: str | None = str(DEFAULT_GROUP),
) -> Services:
    """Services with the test roles, roomy flood limits and these desks."""
    roomy = with_admins(config)
    limits = roomy.limits.model_copy(update={"flood_messages_per_minute": 600})
    staff = roomy.roles.staff.model_copy(update={"group": staff_group})
    changed = roomy.model_copy(
        update={
            "limits": limits,
            "desk": roomy.desk.model_copy(update={"desks": offices}),
            "roles": roomy.roles.model_copy(update={"staff": staff}),
        }
    )
    return build_services(changed, redis, clock, dispatch)


@pytest.fixture
def svc(config: Config, redis: Redis, clock: FixedClock, dispatch: RecordingDispatch) -> Services:
    """Two desks beside the default one."""
    return services_with(config, redis, clock, dispatch, desks())


@pytest.fixture
def conv(svc: Services) -> Conversations:
    """The engine."""
    return build_conversations(svc)


def subscribed(conv: Conversations, chat_id: int, start: str = "kel_3672021001") -> Resident:
    """A resident subscribed to Bagendung (Kec. Cilegon) unless `start` says otherwise."""
    me = Resident(conv, chat_id=chat_id, language_code="id")
    me.send(f"/start {start}")
    me.press("✅")
    return me


def file(svc: Services, me: Resident, topic: str) -> Ticket:
    """A complaint of `me`'s about `topic`, filed now."""
    return Desk(svc).file(me.address, "pengaduan", svc.clock.now(), text=TEXT, topic=topic)


def fresh(svc: Services, ticket_id: str) -> Ticket:
    """The ticket as stored now."""
    found = svc.tickets.get(ticket_id)
    assert found is not None
    return found


def sent_to(dispatch: RecordingDispatch, to: Address) -> list[Reply]:
    """What went to `to` through the queue."""
    return [r for address, r in dispatch.notified if address == to]


def press(svc: Services, who: int, verb: str, ticket_id: str, arg: str = "") -> list[Reply]:
    """`who` presses a card button (as the staff group hands it to the core)."""
    data = TicketAction(verb, ticket_id, arg).pack()  # type: ignore[arg-type]
    return Desk(svc).press(Address.telegram(who), data, svc.clock.now())


def test_routing_by_topic_by_kecamatan_and_the_default(
    svc: Services, conv: Conversations, dispatch: RecordingDispatch
) -> None:
    """kesehatan from Bagendung: Dinas Kesehatan (listed first, though Kec. Cilegon's desk
    takes Bagendung too); infrastruktur from Bagendung: Kec. Cilegon's desk, its card in
    topic 5; infrastruktur from Kebon Dalem: the default desk. Each card goes to its
    desk's place and names the desk; due times are the desk's."""
    me = subscribed(conv, 6101)
    there = subscribed(conv, 6102, start=f"kel_{KEBON_DALEM.replace('.', '')}")
    health = file(svc, me, "kesehatan")
    road = file(svc, me, "infrastruktur")
    elsewhere = file(svc, there, "infrastruktur")
    assert (health.desk, road.desk, elsewhere.desk) == ("dinkes", "kec-cilegon", "")
    (card,) = sent_to(dispatch, DINKES_GROUP)
    assert card.card_of == health.id
    assert card.thread == 0
    assert "🏢 Dinas Kesehatan" in card.text
    (card,) = sent_to(dispatch, KECAMATAN_GROUP)
    assert (card.card_of, card.thread) == (road.id, 5)
    assert "🏢 Kecamatan Cilegon" in card.text
    (card,) = sent_to(dispatch, DEFAULT_GROUP)
    assert card.card_of == elsewhere.id
    assert "🏢 Desk utama" in card.text
    assert "➡ Pindahkan ke desk" in render([card])
    desk, now = Desk(svc), svc.clock.now()
    assert health.due_at == desk.due("pengaduan", now, "dinkes")  # one working day
    assert road.due_at == desk.due("pengaduan", now) > health.due_at  # the desk default: 3
    hoax = desk.file(me.address, "hoaks", now, text="Air PDAM Cilegon beracun, jangan diminum!")
    assert hoax.desk == "kec-cilegon"  # no topic: by kecamatan
    assert hoax.due_at == now + svc.config.desk.hoax_hours * 3600


def test_members_act_on_their_desk_and_forged_presses_change_nothing(
    svc: Services, conv: Conversations, dispatch: RecordingDispatch
) -> None:
    """A Kec. Cilegon member's claim, answer, reject or move of a Dinas Kesehatan ticket is
    refused and changes nothing; so is anyone's who is no staff; Dinas Kesehatan's own
    member, the default desk's member and a superadmin may act on it."""
    me = subscribed(conv, 6201)
    health = file(svc, me, "kesehatan")
    before = fresh(svc, health.id)
    history = svc.tickets.history(health.id)
    for who, verb, arg in [
        (CILEGON_STAFF, "claim", ""),
        (CILEGON_STAFF, "answer", ""),
        (CILEGON_STAFF, "reject", "spam"),
        (CILEGON_STAFF, "desks", ""),
        (CILEGON_STAFF, "move", "kec-cilegon"),
        (NOBODY, "claim", ""),
        (NOBODY, "move", "kec-cilegon"),
    ]:
        (refused,) = press(svc, who, verb, health.id, arg)
        assert refused.notice in (
            "Tiket ini milik desk lain.",
            "Hanya petugas layanan yang dapat melakukan itu.",
        ), (who, verb)
        assert not refused.text
    reply = Desk(svc).staff_reply(
        Address.telegram(CILEGON_STAFF), before, "Sudah buka lagi.", svc.clock.now()
    )
    assert [r.text for r in reply] == ["Tiket ini milik desk lain."]
    assert fresh(svc, health.id) == before
    assert svc.tickets.history(health.id) == history
    assert svc.audit.entries(0, 4e9, action_prefix="ticket.") == []
    assert svc.roles.is_staff(Address.telegram(CILEGON_STAFF))  # staff, of another desk
    (claimed,) = press(svc, DINKES_STAFF, "claim", health.id)
    assert claimed.notice == CLAIMED
    assert "ditangani Bu Sari" in claimed.text
    other = file(svc, me, "kesehatan")
    assert press(svc, STAFF, "claim", other.id)[0].notice == CLAIMED
    third = file(svc, me, "kesehatan")
    assert press(svc, SUPERADMIN, "claim", third.id)[0].notice == CLAIMED


def test_moving_takes_the_history_and_posts_a_new_card(
    svc: Services, conv: Conversations, dispatch: RecordingDispatch, clock: FixedClock
) -> None:
    """A claimed Dinas Kesehatan ticket moved to Kec. Cilegon's desk: unclaimed, due by that
    desk's rules from when it was filed, its history kept with the move, the old card
    edited to say where it went, a new card in topic 5, the queue filter and the audit
    trail showing the new desk; its old desk may no longer act, its new one may."""
    me = subscribed(conv, 6301)
    health = file(svc, me, "kesehatan")
    svc.tickets.set_card(health.id, DINKES_GROUP.chat_id, 41)
    press(svc, DINKES_STAFF, "claim", health.id)
    clock.advance(3600)
    (listed,) = press(svc, DINKES_STAFF, "desks", health.id)
    labels = [c.label for c in listed.flat_choices]
    assert labels == ["Desk utama", "Kecamatan Cilegon", "↩ Kembali"]
    assert listed.edit
    (back,) = press(svc, DINKES_STAFF, "move", health.id)  # ↩ Back: the card as it was
    assert "➡ Pindahkan ke desk" in render([back])
    assert fresh(svc, health.id).desk == "dinkes"
    for stale in ("dinkes", "nowhere", "default-x"):  # where it is, or no such desk
        press(svc, DINKES_STAFF, "move", health.id, stale)
        assert fresh(svc, health.id).desk == "dinkes"
    (moved,) = press(svc, DINKES_STAFF, "move", health.id, "kec-cilegon")
    assert moved.edit
    assert not moved.choices
    assert not moved.card_of
    assert moved.text.endswith("➡ Dipindahkan ke Kecamatan Cilegon.")
    assert moved.notice == "Dipindahkan ke Kecamatan Cilegon."
    now = fresh(svc, health.id)
    assert (now.desk, now.state, now.claimed_by, now.card_message) == (
        "kec-cilegon",
        "diterima",
        "",
        0,
    )
    assert now.due_at == Desk(svc).due("pengaduan", health.created_at, "kec-cilegon")
    assert svc.redis.zscore(DUE_INDEX, health.id) == now.due_at
    assert svc.tickets.by_card(DINKES_GROUP.chat_id, 41) is None
    steps = [(h.state, h.by, h.desk) for h in svc.tickets.history(health.id)]
    assert steps == [
        ("diterima", "", ""),
        ("diverifikasi", f"tg:{DINKES_STAFF}", ""),
        ("diterima", f"tg:{DINKES_STAFF}", "kec-cilegon"),
    ]
    (card,) = sent_to(dispatch, KECAMATAN_GROUP)
    assert (card.card_of, card.thread) == (health.id, 5)
    assert "🏢 Kecamatan Cilegon" in card.text
    (entry,) = svc.audit.entries(0, 4e9, action_prefix="ticket.moved")
    assert entry.object == f"ticket:{health.id}"
    assert dict(entry.detail)["desk"] == "kec-cilegon"
    assert dict(entry.detail)["previous"] == "dinkes"
    assert press(svc, DINKES_STAFF, "claim", health.id)[0].notice == "Tiket ini milik desk lain."
    assert press(svc, CILEGON_STAFF, "claim", health.id)[0].notice == CLAIMED
    wanted = QueueFilter.parse(
        {"desk": "kec-cilegon"}, svc.config.desk.topics, svc.regions, ["dinkes", "kec-cilegon"]
    )
    shown = queue_page(
        svc.tickets,
        svc.regions,
        wanted,
        None,
        clock.now(),
        "Asia/Jakarta",
        ["dinkes", "kec-cilegon"],
    )
    assert [h.id for h in shown.rows] == [health.id]
    assert shown.rows[0].desk == "kec-cilegon"
    wanted = QueueFilter.parse({"desk": "dinkes"}, svc.config.desk.topics, svc.regions, ["dinkes"])
    assert (
        queue_page(
            svc.tickets, svc.regions, wanted, None, clock.now(), "Asia/Jakarta", ["dinkes"]
        ).rows
        == []
    )
    with pytest.raises(FilterError):
        QueueFilter.parse({"desk": "nowhere"}, svc.config.desk.topics, svc.regions, ["dinkes"])
    (row,) = report_rows(
        svc.tickets, svc.regions, [fresh(svc, health.id)], "Asia/Jakarta", False, clock.now()
    )
    assert row.values["desk"] == "kec-cilegon"
    (home,) = press(svc, CILEGON_STAFF, "move", health.id, "default")
    assert "➡ Dipindahkan ke Desk utama." in home.text
    assert fresh(svc, health.id).desk == ""
    assert sent_to(dispatch, DEFAULT_GROUP)[-1].card_of == health.id


def test_a_reopened_ticket_returns_to_its_desk(
    svc: Services, conv: Conversations, dispatch: RecordingDispatch, clock: FixedClock
) -> None:
    """Answered by Dinas Kesehatan and reopened by its resident: back on that desk's
    queue, due by its rules, the notice and the card in its group."""
    me = subscribed(conv, 6401)
    health = file(svc, me, "kesehatan")
    staff = Address.telegram(DINKES_STAFF)
    desk = Desk(svc)
    desk.act(staff, TicketAction("answer", health.id), clock.now())
    desk.staff_reply(staff, fresh(svc, health.id), "Puskesmas buka lagi jam 10.", clock.now())
    clock.advance(15 * DAY)
    FollowUps(desk).ask_due(clock.now())
    before = len(sent_to(dispatch, DINKES_GROUP))
    reopened = FollowUps(desk).reopen(me.address, health.id, "Masih tutup.", clock.now())
    assert reopened is not None
    assert reopened.desk == "dinkes"
    assert reopened.due_at == desk.due("pengaduan", clock.now(), "dinkes")
    told = sent_to(dispatch, DINKES_GROUP)[before:]
    assert "dibuka kembali oleh warga: Masih tutup." in told[0].text
    assert told[1].card_of == health.id
    assert not [r for r in sent_to(dispatch, DEFAULT_GROUP) if health.id in r.text]


def test_escalation_tells_each_desk_of_its_own(
    svc: Services, conv: Conversations, clock: FixedClock
) -> None:
    """Overdue tickets of three desks: one line to each desk's group (topic 5 for Kec.
    Cilegon's), each naming its own tickets only; the supervisor's list names them all."""
    me = subscribed(conv, 6501)
    there = subscribed(conv, 6502, start=f"kel_{KEBON_DALEM.replace('.', '')}")
    health = file(svc, me, "kesehatan")
    road = file(svc, me, "infrastruktur")
    elsewhere = file(svc, there, "lainnya")
    clock.t = max(health.due_at, road.due_at, elsewhere.due_at) + 60
    sent = escalate(Desk(svc), clock.now())
    lines = {to: r for to, r in sent if not to.is_private}  # Dinkes's is long overdue too
    assert set(lines) == {DINKES_GROUP, KECAMATAN_GROUP, DEFAULT_GROUP}
    assert health.id in lines[DINKES_GROUP].text
    assert road.id not in lines[DINKES_GROUP].text
    assert road.id in lines[KECAMATAN_GROUP].text
    assert lines[KECAMATAN_GROUP].thread == 5
    assert elsewhere.id in lines[DEFAULT_GROUP].text
    assert escalate(Desk(svc), clock.now()) == []
    clock.advance(25 * 3600)
    ((to, notice),) = escalate(Desk(svc), clock.now())
    assert to == Address.telegram(SUPERADMIN)
    assert all(t.id in notice.text for t in (health, road, elsewhere))


def test_the_due_time_counts_the_desks_own_hours(
    svc: Services, conv: Conversations, clock: FixedClock
) -> None:
    """Dinas Kesehatan's one working day makes its ticket overdue while another desk's of
    the same moment is not."""
    me = subscribed(conv, 6601)
    health = file(svc, me, "kesehatan")
    road = file(svc, me, "infrastruktur")
    clock.t = health.due_at + 60
    assert clock.now() < road.due_at
    sent = escalate(Desk(svc), clock.now())
    assert [to for to, _ in sent] == [DINKES_GROUP]


def test_unclaimed_reminders_go_to_each_desk(
    svc: Services, conv: Conversations, clock: FixedClock
) -> None:
    """Unclaimed past remind_after_hours: one reminder per desk, in its own place."""
    me = subscribed(conv, 6701)
    health = file(svc, me, "kesehatan")
    road = file(svc, me, "infrastruktur")
    clock.advance(svc.config.desk.remind_after_hours * 3600 + 1)
    reminders = dict(Desk(svc).unclaimed_reminders(clock.now()))
    assert set(reminders) == {"dinkes", "kec-cilegon"}
    assert health.id in reminders["dinkes"].text
    assert road.id not in reminders["dinkes"].text
    assert routing.place(svc.config, "kec-cilegon") == (KECAMATAN_GROUP, 5)


def test_antrian_in_a_desks_place_lists_its_tickets(svc: Services, conv: Conversations) -> None:
    """/antrian in topic 5 of the kecamatan group lists Kec. Cilegon's tickets; in the
    default group, every desk's."""
    me = subscribed(conv, 6801)
    health = file(svc, me, "kesehatan")
    road = file(svc, me, "infrastruktur")
    here = routing.desks_in(svc.config, str(KECAMATAN_GROUP), 5)
    assert here == {"kec-cilegon"}
    text = Desk(svc).queue_text(svc.clock.now(), desks=here)
    assert road.id in text
    assert health.id not in text
    assert routing.desks_in(svc.config, str(KECAMATAN_GROUP), 0) == set()
    assert routing.desks_in(svc.config, str(DEFAULT_GROUP), 0) == {""}
    everything = Desk(svc).queue_text(svc.clock.now())
    assert health.id in everything
    assert road.id in everything


def test_staff_groups_let_in_their_desks_staff(svc: Services) -> None:
    """A desk's group lets in its members and those who act everywhere, no one else."""
    group = int(DINKES_GROUP.chat_id)
    for who, approved in [
        (DINKES_STAFF, True),
        (STAFF, True),
        (CILEGON_STAFF, False),
        (NOBODY, False),
    ]:
        assert decide_join(svc, Address.telegram(who), group, "id").approve is approved, who
    kecamatan = int(KECAMATAN_GROUP.chat_id)
    assert decide_join(svc, Address.telegram(CILEGON_STAFF), kecamatan, "id").approve


def test_without_staff_groups_the_desks_route_and_act(
    config: Config, redis: Redis, clock: FixedClock, dispatch: RecordingDispatch
) -> None:
    """WhatsApp only: no group anywhere. Tickets are still routed and their desks' staff
    act on them (from the console or `kimbot tickets`); no card is posted, and the
    overdue marks wait for a group to tell."""
    offices = [o.model_copy(update={"group": None, "thread": None}) for o in desks()]
    svc = services_with(config, redis, clock, dispatch, offices, staff_group=None)
    me = subscribed(build_conversations(svc), 6901)
    health = file(svc, me, "kesehatan")
    assert health.desk == "dinkes"
    assert [to for to, _ in dispatch.notified if not to.is_private] == []
    assert press(svc, CILEGON_STAFF, "claim", health.id)[0].notice == "Tiket ini milik desk lain."
    assert press(svc, DINKES_STAFF, "claim", health.id)[0].notice == CLAIMED
    clock.t = health.due_at + 60
    assert escalate(Desk(svc), clock.now()) == []
    assert not svc.tickets.field(health.id, "overdue_told")


def test_without_desks_everything_is_the_default_desk(
    config: Config, redis: Redis, clock: FixedClock, dispatch: RecordingDispatch
) -> None:
    """No desk.desks: the one staff group as before, no desk line or move button."""
    svc = services_with(config, redis, clock, dispatch, [])
    me = subscribed(build_conversations(svc), 6902)
    health = file(svc, me, "kesehatan")
    assert health.desk == ""
    (card,) = sent_to(dispatch, DEFAULT_GROUP)
    assert "🏢" not in card.text
    assert "Pindahkan" not in render([card])


SHIPPED = (ROOT / "config.yaml").read_text(encoding="utf-8")


def with_desks(block: str) -> str:
    """The shipped config.yaml with this `desks:` block instead of its empty one."""
    line = next(t for t in SHIPPED.splitlines(keepends=True) if t.startswith("  desks: []"))
    return SHIPPED.replace(line, block)


def problems_of(tmp_path: Path, desks_yaml: str) -> list[str]:
    """The problems config.yaml reports with this `desks:` block under `desk:`."""
    path = tmp_path / "config.yaml"
    path.write_text(with_desks(desks_yaml), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return list(caught.value.problems)


def test_desk_config_mistakes_are_named(tmp_path: Path) -> None:
    """Unknown topics and kecamatan, repeated or reserved ids, a desk taking nothing, a
    topic without its group, a person as a group: one clear line each."""
    problems = problems_of(
        tmp_path,
        "  desks:\n"
        "    - {id: dinkes, name: Dinkes, topics: [kesehatan, kesehatann], group: 'tg:-100111'}\n"
        "    - {id: dinkes, name: Lagi, kecamatan: ['36.72.99', '36.72.02.1001']}\n"
        "    - {id: default, name: Utama, topics: [sosial]}\n"
        "    - {id: kosong, name: Kosong}\n"
        "    - {id: topik, name: Topik, topics: [sosial], thread: 4}\n"
        "    - {id: orang, name: Orang, topics: [sosial], group: 'tg:12345'}\n"
        "    - {id: Bad_Id, name: X, topics: [sosial]}\n",
    )
    joined = "\n".join(problems)
    assert "desk.desks[2].id: 'default' is the id of roles.staff's desk" in joined
    assert "desk.desks[3]: give topics, kecamatan or both" in joined
    assert "desk.desks[4]: a thread (forum topic) needs the group it is in" in joined
    assert "desk.desks[6].id: 'Bad_Id' must be 1-20 of a-z" in joined
    assert len(problems) == 4, joined  # the cross-checks wait for the shapes to be right
    problems = problems_of(
        tmp_path,
        "  desks:\n"
        "    - {id: dinkes, name: Dinkes, topics: [kesehatan, kesehatann], group: 'tg:-100111'}\n"
        "    - {id: dinkes, name: Lagi, kecamatan: ['36.72.99', '36.72.02.1001']}\n"
        "    - {id: orang, name: Orang, topics: [sosial], group: 'tg:12345'}\n"
        "    - {id: rusak, name: Rusak, topics: [sosial], members: ['tg:abc']}\n",
    )
    joined = "\n".join(problems)
    assert "desk.desks[0].topics: 'kesehatann' is not one of desk.topics" in joined
    assert "desk.desks[1].id: dinkes appears twice" in joined
    assert "desk.desks[1].kecamatan: '36.72.99' is no such kecamatan in regions" in joined
    assert "desk.desks[1].kecamatan: '36.72.02.1001' is a region, not a kecamatan" in joined
    assert "desk.desks[2].group: tg:12345 is a person's chat, not a group" in joined
    assert "desk.desks[3].members[0]: 'tg:abc' has an invalid tg chat id" in joined
    assert len(problems) == 6, joined


def test_a_good_desk_config_loads(tmp_path: Path) -> None:
    """Bare addresses as members, a forum topic, overrides: loaded as written, and
    `kimbot config check` names the desk."""
    path = tmp_path / "config.yaml"
    block = (
        "  desks:\n"
        "    - id: dinkes\n"
        "      name: Dinas Kesehatan\n"
        "      topics: [kesehatan]\n"
        "      kecamatan: ['36.72.02']\n"
        "      group: 'tg:-100111'\n"
        "      thread: 7\n"
        "      members: ['tg:7001', {id: 'tg:7002', name: Pak Budi}]\n"
        "      hoax_hours: 2\n"
    )
    path.write_text(with_desks(block), encoding="utf-8")
    loaded = load_config(path)
    (office,) = loaded.desk.desks
    assert office.ids == ["tg:7001", "tg:7002"]
    assert (office.thread, office.hoax_hours, office.verification_working_days) == (7, 2, None)
    assert any(line.endswith("; 1 desk(s) beside the default: dinkes") for line in summary(loaded))


def test_undang_invites_staff_to_one_desk(svc: Services, conv: Conversations) -> None:
    """/undang → Staf layanan → a desk: the invited person acts on that desk's tickets only,
    /peran lists the role by its desk, and the main desk's staff still act everywhere."""
    svc.bot_links.set_telegram("kim_cilegon_bot", "https://t.me/+staffJoinLink")
    boss = Resident(conv, chat_id=SUPERADMIN, language_code="id")
    boss.send("/undang")
    boss.press("Staf desk")
    assert "Staf desk mana?" in boss.said()
    labels = [label for label, _data in boss.buttons]
    assert labels[:3] == ["Desk utama", "Dinas Kesehatan", "Kecamatan Cilegon"]
    boss.press("Dinas Kesehatan")
    assert "staf desk Dinas Kesehatan" in boss.said()
    boss.press("Buat tautan")
    token = boss.said().split("start=inv_", 1)[1].split()[0]
    newcomer = Resident(conv, chat_id=NEWCOMER, language_code="id")
    newcomer.send(f"/start inv_{token}")
    newcomer.press("Terima")
    welcome = newcomer.said()
    assert "staf desk Dinas Kesehatan" in welcome
    assert "https://t.me/+staffJoinLink" not in welcome  # that link is the main desk's group
    me = subscribed(conv, 6991)
    health, road = file(svc, me, "kesehatan"), file(svc, me, "infrastruktur")
    assert press(svc, NEWCOMER, "claim", health.id)[0].notice == CLAIMED
    assert press(svc, NEWCOMER, "claim", road.id)[0].notice == "Tiket ini milik desk lain."
    assert svc.roles.is_staff(Address.telegram(NEWCOMER))
    assert not svc.roles.acts_everywhere(Address.telegram(NEWCOMER))
    assert decide_join(svc, Address.telegram(NEWCOMER), int(DINKES_GROUP.chat_id), "id").approve
    assert not decide_join(
        svc, Address.telegram(NEWCOMER), int(DEFAULT_GROUP.chat_id), "id"
    ).approve
    boss.send("/peran")
    roster = boss.said()
    assert "staf desk Dinas Kesehatan" in roster
    assert "staf desk Kecamatan Cilegon" in roster  # config.yaml's member of that desk


def test_a_hoax_check_is_promised_in_its_desks_hours(
    config: Config, redis: Redis, clock: FixedClock, dispatch: RecordingDispatch
) -> None:
    """/cekhoaks from Bagendung with Kec. Cilegon's desk answering hoax checks in 6 hours:
    the resident is promised 6 hours, and the ticket is due then."""
    office = Office(id="kec-cilegon", name="Kec. Cilegon", kecamatan=[CILEGON], hoax_hours=6)
    svc = services_with(config, redis, clock, dispatch, [office])
    me = subscribed(build_conversations(svc), 6993)
    verify_dialog(
        me,
        [
            ("/cekhoaks", "Kirim atau teruskan pesan"),
            ("Air PDAM Cilegon beracun mulai hari ini, jangan diminum! Sebarkan!", "Diterima (1)"),
            ("[🔎 Cek]", "berupaya menjawab dalam 6 jam"),
        ],
    )
    (ticket,) = svc.tickets.of_resident(me.address)
    assert ticket.desk == "kec-cilegon"
    assert ticket.due_at == ticket.created_at + 6 * 3600


def test_kimbot_tickets_moves_a_ticket(svc: Services, conv: Conversations) -> None:
    """`kimbot tickets move ID DESK --as …` (WhatsApp-only deployments have no card): the
    desk's words back, and an error that changes nothing for a desk it cannot go to."""
    health = file(svc, subscribed(conv, 6994), "kesehatan")
    for wrong in ("nowhere", "dinkes"):
        with pytest.raises(tickets_cli.ActionError):
            tickets_cli.act(svc, f"tg:{DINKES_STAFF}", "move", health.id, [wrong])
    with pytest.raises(tickets_cli.ActionError, match="milik desk lain"):
        tickets_cli.act(svc, f"tg:{CILEGON_STAFF}", "move", health.id, ["kec-cilegon"])
    said = tickets_cli.act(svc, f"tg:{DINKES_STAFF}", "move", health.id, ["kec-cilegon"])
    assert said == ["Dipindahkan ke Kecamatan Cilegon."]
    assert fresh(svc, health.id).desk == "kec-cilegon"
