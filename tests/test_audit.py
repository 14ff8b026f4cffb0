"""Issue 14, item 4: the audit trail. Every action that exists today writes exactly one
entry, walked through the code that takes it (dialogs, the desk, jobs, the command line);
ids come from the clock; retention trims whole entries; residents appear only by
pseudonym."""

from __future__ import annotations

import asyncio
import io
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from aiohttp.test_utils import TestClient, TestServer

from bot.alerts import delivery
from bot.audit import ACTIONS, AuditTrail, actors
from bot.audit.trail import PSEUDONYM, STREAM
from bot.desk.escalation import escalate
from bot.desk.followup import FollowUps
from bot.desk.staff import Desk
from bot.dialogs import build_conversations
from bot.people.reload import reload_config
from bot.platform.actions import AlertAction, ClaimAction, FollowUp, TicketAction
from bot.platform.addresses import Address
from bot.platform.clock import FixedClock
from bot.platform.config import Config
from bot.platform.store import Redis
from bot.polls import runs
from bot.residents.retention import sweep_expired
from bot.services import Services
from broadcasts import jobs
from broadcasts.context import JobContext
from handlers import alerts_cli, audit_cli, hoaxes_cli, tickets_cli
from handlers.wiring import build_services
from tests.support.admins import (
    KECAMATAN_ADMIN,
    KELURAHAN_ADMIN,
    STAFF,
    SUPERADMIN,
    RecordingDispatch,
    with_admins,
)
from tests.support.console import console_root, sign_in
from tests.support.constants import BAGENDUNG, ROOT
from tests.support.dialog import Resident
from tests.support.jobs import job_context_with
from tests.test_alerts_cli import fresh

TEXT = "Vaksinasi gratis Sabtu"
HOAX = "Mulai besok semua warga Cilegon wajib daftar ulang KTP di kelurahan. Sebarkan!!"
YEAR = 365.25 * 86400


@pytest.fixture
def ctx(
    redis: Redis, redis_url: str, config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[JobContext]:
    """A worker's job context (the services the dialogs use too) with admins and staff,
    a superadmin's approval above 2 residents, and a desk for kesehatan."""
    data = with_admins(config, approval_threshold=2).model_dump(mode="json")
    data["desk"]["desks"] = [{"id": "dinkes", "name": "Dinas Kesehatan", "topics": ["kesehatan"]}]
    with job_context_with(data, tmp_path, monkeypatch, redis_url) as context:
        yield context


def actions(svc: Services) -> Counter[str]:
    """How many entries of each action the trail holds."""
    return Counter(e.action for e in svc.audit.entries(0, 4e9))


def staff_act(svc: Services, action: str, ticket: str, *args: str) -> None:
    """A desk action from the terminal, as staff member 9005 (the card's buttons' code)."""
    tickets_cli.act(svc, f"tg:{STAFF}", action, ticket, list(args))


def claim_press(svc: Services, verb: str, claim: str, arg: str = "") -> None:
    """A staff button on an archived claim (✏️ Correct and its steps)."""
    Desk(svc).press(Address.telegram(STAFF), ClaimAction(verb, claim, arg).pack(), svc.clock.now())


async def console_sign_in(services: Services, who: Address) -> None:
    """Sign in to the web console with a link from /konsol, as a browser would."""
    async with TestClient(TestServer(console_root(services))) as browser:
        await sign_in(browser, services, who)


def test_every_action_writes_exactly_one_entry(ctx: JobContext, tmp_path: Path) -> None:
    """Broadcasts (composed, scheduled, cancelled, approved, rejected, sent), staff actions on
    tickets, a correction and a withdrawal, an erasure and exports: one entry each time,
    and a repeated press or a second look at a finished delivery writes none."""
    svc = ctx.services
    conv = build_conversations(svc)
    residents = [Resident(conv, chat_id=100 + i) for i in range(3)]
    for me, code in zip(residents, (BAGENDUNG, BAGENDUNG, "36.72.02.1002"), strict=True):
        me.send(f"/start kel_{code.replace('.', '')}")
        me.press("✅")
    expected: Counter[str] = Counter()

    admin = Resident(conv, chat_id=KELURAHAN_ADMIN)  # Bagendung: 2 residents, no approval
    admin.send("/broadcast")
    admin.send(TEXT)
    admin.press("✅")
    expected["broadcast.composed"] += 1
    (composed,) = svc.audit.entries(0, 4e9)
    assert (composed.actor, composed.actor_name, composed.role, composed.scope) == (
        f"tg:{KELURAHAN_ADMIN}",
        "Pengurus KIM Bagendung",
        "admin",
        BAGENDUNG,
    )
    assert dict(composed.detail) == {"state": "queued", "residents": 2, "channels": 0}
    admin.send("/broadcast")
    admin.send(TEXT)
    admin.press("🕒")
    admin.send("07.30")
    admin.press("✅")
    expected["broadcast.scheduled"] += 1
    admin.send("/broadcasts")
    admin.press("✖ Batalkan #2")
    expected["broadcast.cancelled"] += 1
    assert actions(svc) == expected

    superadmin = Resident(conv, chat_id=SUPERADMIN)
    kecamatan = Resident(conv, chat_id=KECAMATAN_ADMIN)  # 3 residents: a superadmin approves
    for verdict in ("approve", "reject"):
        kecamatan.send("/broadcast")
        kecamatan.send(TEXT)
        kecamatan.press("Kec. Cilegon")
        kecamatan.press("Lanjut")
        kecamatan.press("📨")
        expected["broadcast.composed"] += 1
        announcement = svc.announcements.recent(1)[0].id
        for _twice in range(2):
            superadmin.press_data(f"a.bc.{verdict}.{announcement}")
        expected[{"approve": "broadcast.approved", "reject": "broadcast.rejected"}[verdict]] += 1
    assert actions(svc) == expected

    assert jobs.start_job("1") == 1
    plan = svc.announcements.recipients("1", 0, 10)
    from bot.announcements.store import BLOCKED, SENT, Outcome

    svc.announcements.record("1", [Outcome(plan[0], SENT), Outcome(plan[1], BLOCKED)])
    assert jobs.watch_job("1") == "done"
    assert jobs.watch_job("1") == "done"
    expected["broadcast.sent"] += 1
    (sent,) = svc.audit.entries(0, 4e9, action_prefix="broadcast.sent")
    assert (sent.actor, sent.object, sent.scope) == ("system", "broadcast:1", BAGENDUNG)
    assert dict(sent.detail) == {"delivered": 1, "failed": 0, "blocked": 1}

    desk, now = Desk(svc), svc.clock.now()
    requester = residents[0].address
    tickets = [desk.file(requester, "aspirasi", now, text=f"Jalan rusak {i}.") for i in range(3)]
    staff_act(svc, "claim", tickets[0].id)
    staff_act(svc, "answer", tickets[0].id, "Diperbaiki", "Kamis.")
    staff_act(svc, "forward", tickets[1].id, "LAPOR!", "1234")
    staff_act(svc, "reject", tickets[2].id, "spam")
    hoax = desk.file(requester, "hoaks", now, text=HOAX)
    staff_act(svc, "verdict", hoax.id, "hoaks", "Tidak ada daftar ulang KTP.")
    expected.update(
        {
            "ticket.claimed": 1,
            "ticket.answered": 1,
            "ticket.forwarded": 1,
            "ticket.rejected": 1,
            "ticket.verdict": 1,
        }
    )
    assert actions(svc) == expected
    health = desk.file(requester, "aspirasi", now, text="Puskesmas tutup.", topic="kesehatan")
    for _twice in range(2):  # the second press finds it on that desk already
        move = TicketAction("move", health.id, "default").pack()
        desk.press(Address.telegram(STAFF), move, now)
    expected["ticket.moved"] += 1
    (moved,) = svc.audit.entries(0, 4e9, action_prefix="ticket.moved")
    assert (moved.actor, moved.object) == (f"tg:{STAFF}", f"ticket:{health.id}")
    assert actions(svc) == expected

    later = now + (svc.config.desk.follow_up_days + 1) * 86400
    assert FollowUps(desk).ask_due(later) == 2  # the answered and the forwarded one
    for _twice in range(2):
        residents[0].press_data(FollowUp(tickets[0].id, True).pack())
    residents[0].press_data(FollowUp(tickets[1].id, False).pack())
    residents[0].send("Belum ada petugas yang datang.")
    residents[0].press_data(FollowUp(tickets[1].id, False).pack())  # reopened already
    expected.update({"ticket.solved": 1, "ticket.reopened": 1})
    assert actions(svc) == expected
    reopened = svc.tickets.get(tickets[1].id)
    assert reopened is not None
    overdue = reopened.due_at + (svc.config.desk.escalate_after_hours + 1) * 3600
    assert escalate(desk, overdue) != []
    assert escalate(desk, overdue) == []  # each ticket once
    expected["ticket.escalated"] += 1
    (escalated,) = svc.audit.entries(0, 4e9, action_prefix="ticket.escalated")
    assert (escalated.actor, escalated.object) == ("system", "tickets")
    (solved,) = svc.audit.entries(0, 4e9, action_prefix="ticket.solved")
    assert (solved.role, solved.actor) == ("resident", svc.audit.pseudonym(requester))
    assert actions(svc) == expected

    claim_press(svc, "fix", hoax.id)
    claim_press(svc, "fixv", hoax.id, "1")
    from bot.desk.corrections import Corrections

    assert Corrections(desk).reply(Address.telegram(STAFF), "Ada penjelasan baru.") is not None
    claim_press(svc, "nosrc", hoax.id)
    claim_press(svc, "send", hoax.id)
    claim_press(svc, "send", hoax.id)  # pressed twice: the draft is gone
    claim_press(svc, "fix", hoax.id)
    claim_press(svc, "retract", hoax.id)
    claim_press(svc, "retracted", hoax.id)
    claim_press(svc, "retracted", hoax.id)
    expected.update({"hoax.corrected": 1, "hoax.withdrawn": 1})
    assert actions(svc) == expected

    residents[2].send("/hapusdata")
    residents[2].press("🗑")
    expected["data.erased"] += 1
    tickets_cli.export(svc, "2020-01-01", "2030-12-31", "csv", str(tmp_path / "t.csv"), False)
    hoaxes_cli.export(svc.hoaxes, svc.config, tmp_path / "h.json", svc.audit)
    audit_cli.export(svc, "2020-01-01", "2030-12-31", "xlsx", str(tmp_path / "a.xlsx"))
    expected["export.run"] += 3
    assert actions(svc) == expected

    svc.bot_links.set_telegram("kim_cilegon_bot")
    superadmin.send("/undang")
    superadmin.press("Admin kelurahan")
    superadmin.press("Cilegon")
    superadmin.press("Bagendung")
    superadmin.press("Buat tautan")
    token = superadmin.said().split("start=inv_", 1)[1].split()[0]
    superadmin.press("Buat tautan")  # pressed twice: the step is over
    expected["invite.created"] += 1
    newcomer = Resident(conv, chat_id=8801)
    newcomer.send(f"/start inv_{token}")
    newcomer.press("Terima")
    expected.update({"invite.used": 1, "role.granted": 1})
    superadmin.send("/peran")
    superadmin.press("✖ 1")
    superadmin.press("Cabut")
    expected["role.revoked"] += 1
    assert actions(svc) == expected
    granted = svc.audit.entries(0, 4e9, action_prefix="role.granted")[0]
    assert (granted.actor, granted.role, granted.scope) == (
        f"tg:{SUPERADMIN}",
        "superadmin",
        BAGENDUNG,
    )
    assert granted.detail["holder"] == "tg:8801"
    config_file = tmp_path / "reloaded.yaml"
    config_file.write_text(yaml.safe_dump(svc.config.model_dump(mode="json")), encoding="utf-8")
    reload_config(svc, config_file)
    expected["config.reloaded"] += 1
    asyncio.run(console_sign_in(svc, Address.telegram(SUPERADMIN)))
    expected["console.signed_in"] += 1
    tsunami = str(ROOT / "tests" / "data" / "cap" / "cilegon-tsunami.xml")
    for _twice in range(2):  # the same alert again is on record already
        alerts_cli.ingest(svc, tsunami, io.BytesIO())
    expected["alert.ingested"] += 1
    admin.send("/jajak")  # a poll to Bagendung: created (and its announcement composed)
    admin.send("Di mana halte baru sebaiknya dibangun?")
    admin.press("🔢")
    admin.send("Depan pasar\nDepan sekolah")
    admin.press("Tidak")
    admin.press("1 hari")
    admin.press("Tidak")
    admin.press("✅")
    expected["poll.created"] += 1
    expected["broadcast.composed"] += 1
    (poll,) = svc.polls.recent(1)
    for _twice in range(2):  # a second close finds it closed
        runs.close(svc, poll, svc.clock.now())
    expected["poll.closed"] += 1
    moderate = fresh("cilegon-tsunami.xml").replace(b"Extreme", b"Moderate")
    drafts = []
    for n, verb in enumerate(("send", "ignore")):  # each pressed twice: decided once
        doc = moderate.replace(b"TEWS-20260921210500", f"TEWS-DRAFT-{n}".encode())
        ingested = svc.alerts.ingest(doc, "draft.xml", actors.operator())
        delivery.act(svc, ingested)
        drafts.append(ingested.record.id)
        for _twice in range(2):
            superadmin.press_data(AlertAction(verb, ingested.record.id).pack())
    expected.update({"alert.ingested": 2, "alert.approved": 1, "alert.ignored": 1})
    approved = svc.alerts.get(drafts[0])
    assert approved is not None
    jobs.start_job(approved.delivery)  # no one lives on the coast here: done at once
    for _twice in range(2):
        jobs.watch_job(approved.delivery)
    expected.update({"broadcast.sent": 1, "alert.sent": 1})
    assert actions(svc) == expected
    assert set(expected) == set(ACTIONS)
    with pytest.raises(ValueError, match="not an audit action"):
        svc.audit.record("role.grant", actor="operator", actor_name="", role="operator")


def test_ids_come_from_the_clock_in_order(redis: Redis, clock: FixedClock) -> None:
    """An entry's id is its millisecond; two in the same one follow each other; a clock set
    back still appends after the last; a range is [start, end)."""
    trail = AuditTrail(redis, clock, 30)
    first = trail.record("export.run", actor="operator", actor_name="", role="operator")
    second = trail.record("export.run", actor="operator", actor_name="", role="operator")
    ms = int(clock.now() * 1000)
    assert (first, second) == (f"{ms}-0", f"{ms}-1")
    clock.t -= 10
    assert trail.record("export.run", actor="system", actor_name="", role="system") == f"{ms}-2"
    clock.t += 20
    later = trail.record("export.run", actor="system", actor_name="", role="system")
    assert later == f"{ms + 10_000}-0"
    assert [e.id for e in trail.entries(clock.now() - 20, clock.now())] == [
        first,
        second,
        f"{ms}-2",
    ]
    assert [e.id for e in trail.entries(0, 4e9, actor="system")] == [f"{ms}-2", later]


def test_retention_trims_whole_old_entries(
    config: Config, redis: Redis, clock: FixedClock, ctx: JobContext
) -> None:
    """The daily sweep drops entries older than `audit.retention_years` and keeps the rest."""
    svc = build_services(config, redis, clock)
    assert svc.audit.retention_days == round(5 * 365.25)
    svc.audit.record("export.run", actor="operator", actor_name="", role="operator")
    clock.advance(5 * YEAR - 86400)
    kept = svc.audit.record("export.run", actor="operator", actor_name="", role="operator")
    clock.advance(2 * 86400)
    assert svc.audit.trim() == 1
    assert [e.id for e in svc.audit.entries(0, 4e9)] == [kept]
    assert svc.audit.trim() == 0
    from broadcasts.worker import retention_job

    redis.delete(STREAM)
    redis.xadd(STREAM, {"action": "export.run"}, id="1000-0")  # long ago
    now = ctx.services.audit.record("export.run", actor="operator", actor_name="", role="operator")
    retention_job()  # the worker's daily sweep, on the real clock
    assert [e.id for e in ctx.services.audit.entries(0, 4e9)] == [now]


@pytest.mark.parametrize(("years", "valid"), [(0, False), (1, True), (30, True), (31, False)])
def test_retention_years_are_bounded(config: Config, years: int, valid: bool) -> None:
    """`audit.retention_years` takes 1 to 30 years; the shipped config keeps 5."""
    from pydantic import ValidationError

    from bot.platform.config import Audit

    assert config.audit.retention_years == 5
    if valid:
        assert Audit(retention_years=years).retention_days == round(years * 365.25)
    else:
        with pytest.raises(ValidationError):
            Audit(retention_years=years)


def test_a_pseudonym_never_carries_the_address(services: Services, redis: Redis) -> None:
    """The same address always gets the same pseudonym, which holds neither the chat id nor
    anything another deployment (another key) would compute."""
    address = Address.telegram(812345678)
    pseudonym = services.audit.pseudonym(address)
    assert PSEUDONYM.match(pseudonym)
    assert "812345678" not in pseudonym
    assert services.audit.pseudonym(address) == pseudonym
    assert services.audit.pseudonym(Address.telegram(812345679)) != pseudonym
    other = AuditTrail(redis, services.clock, 30)
    redis.delete("kim:audit:key")
    assert other.pseudonym(address) != pseudonym


def test_mydata_shows_the_trail_and_erasure_leaves_only_the_pseudonym(
    config: Config, redis: Redis, clock: FixedClock
) -> None:
    """/dataku counts the staff actions on the resident's report under their pseudonym (and
    attaches them); after /hapusdata the trail keeps them and the erasure, with no trace of
    the chat anywhere in the stream, and /dataku still says so."""
    svc = build_services(with_admins(config), redis, clock, RecordingDispatch())
    conv = build_conversations(svc)
    me = Resident(conv, chat_id=8123456)
    me.send("/start kel_3672021001")
    me.press("✅")
    ticket = Desk(svc).file(me.address, "aspirasi", clock.now(), text="Lampu mati.")
    staff_act(svc, "claim", ticket.id)
    (shown,) = me.send("/dataku")
    pseudonym = svc.audit.pseudonym(me.address)
    assert "Jejak audit menyimpan 1 catatan tentang Anda" in shown.text
    assert pseudonym in shown.text
    assert shown.attachment is not None
    assert b'"action": "ticket.claimed"' in shown.attachment.data
    assert svc.audit.export(Address.telegram(8123457)) == {}
    me.send("/hapusdata")
    me.press("🗑")
    about = svc.audit.about(me.address)
    assert [e.action for e in about] == ["ticket.claimed", "data.erased"]
    erased = about[-1]
    assert (erased.actor, erased.role, erased.object) == (pseudonym, "resident", pseudonym)
    for _id, fields in redis.xrange(STREAM):
        assert "8123456" not in str(fields)
    (after,) = me.send("/dataku")
    assert after.text.startswith("Kami tidak menyimpan data apa pun tentang Anda.")
    assert "Jejak audit menyimpan 2 catatan tentang Anda" in after.text


def test_retention_erasure_is_the_systems(config: Config, redis: Redis, clock: FixedClock) -> None:
    """A resident erased by the retention sweep: one entry, the system as actor."""
    svc = build_services(config, redis, clock)
    me = Address.telegram(8123458)
    svc.residents.consent(me, "id", "v1", clock.now())
    svc.residents.stop(me, clock.now())
    clock.advance((config.privacy.retention_days + 1) * 86400)
    assert sweep_expired(svc) == 1
    (entry,) = svc.audit.entries(0, 4e9)
    assert (entry.action, entry.actor, entry.role) == ("data.erased", "system", "system")
    assert dict(entry.detail) == {"reason": "retention"}
    assert entry.object == svc.audit.pseudonym(me)
