"""Recipient plans built inside Redis in bounded steps: channels first, every resident once,
the same list however often or however interrupted planning is, erasure kept."""

from __future__ import annotations

import pytest

from bot.announcements import planning
from bot.announcements import store as store_module
from bot.announcements.store import ERASED, Announcements
from bot.platform.addresses import Address
from bot.platform.clock import FixedClock
from bot.platform.config import Chat, Config
from bot.platform.store import Redis
from bot.residents.records import village_audience_key
from bot.services import Services
from handlers.wiring import build_services
from tests.support.constants import BAGENDUNG, CILEGON, KEBON_DALEM

CHANNEL_ID = -1001000000001
CILEGON_VILLAGES = ("36.72.02.1002", "36.72.02.1003")  # Ciwedus, Bendungan: not Bagendung


@pytest.fixture(autouse=True)
def small_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    """Steps of 4 members and segments of 10 recipients, so that a few dozen residents
    take many steps and several segment lists."""
    monkeypatch.setattr(planning, "STEP", 4)
    monkeypatch.setattr(planning, "SSCAN_COUNT", 2)
    monkeypatch.setattr(planning, "SEGMENT", 10)
    monkeypatch.setattr(store_module, "COUNT_PAGE", 2)  # the reach count's pages too


def residents(services: Services, village: str, chats: range) -> list[str]:
    """Subscribers of `village` with these chat ids, through the real onboarding calls."""
    for chat in chats:
        services.residents.consent(Address.telegram(chat), "id", "v1", 1.0)
        services.residents.subscribe(Address.telegram(chat), village, 2.0)
    return [str(Address.telegram(chat)) for chat in chats]


def whole_plan(store: Announcements, announcement_id: str, total: int) -> list[str]:
    return store.recipients(announcement_id, 0, total)


def test_channels_come_first_then_every_resident_once(
    config: Config, redis: Redis, clock: FixedClock
) -> None:
    """The target's channel is the first recipient; the residents follow, none twice."""
    channels = {BAGENDUNG: Chat(chat_id=CHANNEL_ID, invite_link="https://t.me/+x")}
    services = build_services(config.model_copy(update={"channels": channels}), redis, clock)
    people = residents(services, BAGENDUNG, range(1, 36))
    store = services.announcements
    ann = store.create(None, [BAGENDUNG], 1.0, text="Halo")
    assert store.plan(ann.id) == 36
    plan = whole_plan(store, ann.id, 36)
    assert plan[0] == str(Address.telegram(CHANNEL_ID))
    assert sorted(plan[1:]) == sorted(people)
    found = store.get(ann.id)
    assert found is not None
    assert (found.audience, found.channels) == (35, 1)


def test_planning_twice_keeps_the_first_plan(services: Services) -> None:
    """Residents who join or stop after planning change nothing in the plan."""
    residents(services, BAGENDUNG, range(1, 26))
    store = services.announcements
    ann = store.create(None, [BAGENDUNG], 1.0, text="Halo")
    assert store.plan(ann.id) == 25
    first = whole_plan(store, ann.id, 25)
    residents(services, BAGENDUNG, range(100, 110))
    services.residents.stop(Address.telegram(3), 3.0)
    assert store.plan(ann.id) == 25
    assert whole_plan(store, ann.id, 25) == first


def test_a_plan_interrupted_half_way_is_completed_as_if_it_never_stopped(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A planner killed after a few steps leaves its position in Redis; the next one goes
    on from there, and the list is the one an uninterrupted planner makes."""
    residents(services, BAGENDUNG, range(1, 41))
    store = services.announcements
    whole = store.create(None, [BAGENDUNG], 1.0, text="Halo")
    assert store.plan(whole.id) == 40
    killed = store.create(None, [BAGENDUNG], 1.0, text="Halo")
    calls = []

    def dies_during_the_fourth_step(planned: int) -> None:
        calls.append(planned)
        if len(calls) == 4:
            raise SystemExit("SIGKILL")

    with pytest.raises(SystemExit):
        store.plan(killed.id, dies_during_the_fourth_step)
    found = store.get(killed.id)
    assert found is not None
    assert not found.planned
    assert store.plan(killed.id) == 40
    assert whole_plan(store, killed.id, 40) == whole_plan(store, whole.id, 40)


def test_targets_are_a_union_without_duplicates(services: Services) -> None:
    """A kecamatan, one of its kelurahan again and a komunitas: each resident once."""
    people = residents(services, BAGENDUNG, range(1, 13))
    people += residents(services, CILEGON_VILLAGES[0], range(20, 31))
    people += residents(services, CILEGON_VILLAGES[1], range(40, 45))
    elsewhere = residents(services, KEBON_DALEM, range(60, 66))
    for chat in (1, 2, 20, 60):  # also in the komunitas
        services.residents.join_komunitas(Address.telegram(chat), "sepeda-onthel", 3.0)
    store = services.announcements
    ann = store.create(None, [CILEGON, BAGENDUNG, "komunitas:sepeda-onthel"], 1.0, text="x")
    total = store.plan(ann.id)
    plan = whole_plan(store, ann.id, total)
    assert len(plan) == len(set(plan)) == total
    assert set(plan) == set(people) | {elsewhere[0]}
    assert store.count_audience(ann.targets) == total


def test_a_resident_left_in_two_targeted_kelurahan_is_planned_once(
    services: Services, redis: Redis
) -> None:
    """A subscriber still listed in a kelurahan they left (a move racing another) is in
    both audience sets; the plan names them once."""
    residents(services, BAGENDUNG, range(1, 9))
    residents(services, KEBON_DALEM, range(10, 19))
    redis.sadd(village_audience_key(KEBON_DALEM), str(Address.telegram(5)))
    store = services.announcements
    ann = store.create(None, [BAGENDUNG, KEBON_DALEM], 1.0, text="x")
    assert store.plan(ann.id) == 17
    plan = whole_plan(store, ann.id, 17)
    assert plan.count(str(Address.telegram(5))) == 1
    assert len(set(plan)) == 17


def test_an_empty_audience_plans_nothing(services: Services) -> None:
    """No subscriber, no channel: an empty plan, complete at once."""
    store = services.announcements
    ann = store.create(None, [KEBON_DALEM], 1.0, text="x")
    assert store.plan(ann.id) == 0
    assert store.recipients(ann.id, 0, 10) == []
    found = store.get(ann.id)
    assert found is not None
    assert found.planned
    assert found.total == 0


def test_erased_residents_are_not_sent_and_leave_no_trace(services: Services, redis: Redis) -> None:
    """Erasure after planning turns the resident's slot into a tombstone, in whichever
    segment list it is, and the batch's addresses leave it out."""
    people = residents(services, BAGENDUNG, range(1, 31))
    store = services.announcements
    ann = store.create(None, [BAGENDUNG], 1.0, text="x")
    assert store.plan(ann.id) == 30
    plan = whole_plan(store, ann.id, 30)
    gone = plan[23]  # in the third segment list
    services.privacy.erase(Address.parse(gone))
    after = whole_plan(store, ann.id, 30)
    assert gone not in after
    assert after[23].startswith(ERASED)
    assert [str(a) for a in store.addresses(ann.id, 20, 30)] == [
        r for r in plan[20:30] if r != gone
    ]
    assert set(after) - {after[23]} == set(people) - {gone}
    found = store.get(ann.id)
    assert found is not None
    assert found.counts == {"blocked": 1}


def test_a_resident_erased_while_planning_is_not_planned(
    services: Services, redis: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Erased between two steps: neither the plan nor its scratch set names them."""
    people = residents(services, BAGENDUNG, range(1, 31))
    store = services.announcements
    ann = store.create(None, [BAGENDUNG], 1.0, text="x")
    calls = []
    erased: list[str] = []

    def erase_during_the_third_step(planned: int) -> None:
        calls.append(planned)
        if len(calls) == 3:
            planned_now = store.recipients(ann.id, 0, 30)  # Redis ran the third step first
            erased.extend([planned_now[0], next(p for p in people if p not in planned_now)])
            for who in erased:
                services.privacy.erase(Address.parse(who))

    total = store.plan(ann.id, erase_during_the_third_step)
    plan = whole_plan(store, ann.id, total)
    assert not set(erased) & set(plan)
    assert {r for r in plan if not r.startswith(ERASED)} == set(people) - set(erased)
    assert total == 29  # the one planned before the erasure keeps its slot, as a tombstone
    assert not redis.exists(f"kim:bc:{ann.id}:planning")


def test_readdressing_moves_the_slot_in_every_segment(services: Services) -> None:
    """A resident whose address changes keeps their place in the plan under the new one."""
    residents(services, BAGENDUNG, range(1, 26))
    store = services.announcements
    ann = store.create(None, [BAGENDUNG], 1.0, text="x")
    assert store.plan(ann.id) == 25
    plan = whole_plan(store, ann.id, 25)
    old = Address.parse(plan[17])
    new = Address.telegram(999)
    pipe = services.redis.pipeline(transaction=True)
    store.readdress(old, new, pipe)
    pipe.execute()
    assert whole_plan(store, ann.id, 25) == [str(new) if r == str(old) else r for r in plan]


def test_ranges_across_segments_read_like_one_list(services: Services) -> None:
    """Batches are index ranges; a range across a segment boundary reads both lists."""
    residents(services, BAGENDUNG, range(1, 24))
    store = services.announcements
    ann = store.create(None, [BAGENDUNG], 1.0, text="x")
    assert store.plan(ann.id) == 23
    plan = whole_plan(store, ann.id, 23)
    assert len(plan) == 23
    for start, stop in ((0, 7), (7, 14), (14, 21), (21, 28), (5, 25)):
        assert store.recipients(ann.id, start, stop) == plan[start:stop]


def test_a_plan_from_before_segments_is_read_as_one_list(services: Services, redis: Redis) -> None:
    """An announcement planned by the previous version (one list, no plan hash) is still
    read, erased from and finished."""
    people = residents(services, BAGENDUNG, range(1, 16))
    store = services.announcements
    ann = store.create(None, [BAGENDUNG], 1.0, text="x")
    redis.rpush(f"kim:bc:{ann.id}:recipients", *sorted(people))
    redis.hset(f"kim:bc:{ann.id}", mapping={"audience": "15", "channels": "0"})
    assert store.plan(ann.id) == 15
    assert store.recipients(ann.id, 10, 15) == sorted(people)[10:15]
    services.privacy.erase(Address.parse(sorted(people)[12]))
    assert store.recipients(ann.id, 12, 13)[0].startswith(ERASED)
