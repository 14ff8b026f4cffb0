"""The dashboard's figures (bot/insights): a seeded world, counted whole and per scope,
the counters against their rebuild, and damaged data."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.announcements.store import Outcome
from bot.desk.hoaxes import Claim
from bot.insights import counters
from bot.insights.dashboard import Dashboard, build_dashboard
from bot.insights.rebuild import ensure_counters, rebuild
from bot.platform.addresses import Address
from bot.platform.clock import FixedClock
from bot.platform.store import Redis
from bot.services import Services

CIBEBER, KEDALEMAN = "36.72.01.1001", "36.72.01.1002"  # kecamatan Cibeber
BAGENDUNG = "36.72.02.1001"  # kecamatan Cilegon
KEC_CIBEBER, KEC_CILEGON = "36.72.01", "36.72.02"
DAY, HOUR = 86400.0, 3600.0


def tg(n: int) -> Address:
    return Address.telegram(1000 + n)


def wa(n: int) -> Address:
    return Address.whatsapp(f"62812{n:07d}")


def join(svc: Services, address: Address, village: str, locale: str = "id") -> None:
    now = svc.clock.now()
    svc.residents.consent(address, locale, "v1", now)
    svc.residents.subscribe(address, village, now)


@pytest.fixture
def world(services: Services, clock: FixedClock) -> Services:
    """Residents on both platforms and in four languages in two kecamatan, a move, stops,
    erasures, tickets in several states, ratings, hoax checks, broadcasts."""
    svc = services
    join(svc, tg(1), CIBEBER)
    join(svc, tg(2), CIBEBER, "en")
    join(svc, wa(3), CIBEBER, "jv")
    join(svc, wa(4), KEDALEMAN, "su")
    join(svc, tg(5), KEDALEMAN)
    join(svc, wa(6), BAGENDUNG)
    join(svc, tg(7), BAGENDUNG)
    join(svc, tg(8), BAGENDUNG)  # will stop
    join(svc, wa(9), KEDALEMAN)  # will erase
    svc.residents.consent(tg(10), "id", "v1", clock.now())  # consented, no village, erases
    clock.advance(7 * DAY)  # next week
    svc.residents.subscribe(tg(5), BAGENDUNG, clock.now())  # moves kecamatan
    svc.residents.set_locale(tg(1), "en", clock.now())
    svc.residents.stop(tg(8), clock.now())
    svc.privacy.erase(wa(9))
    svc.privacy.erase(tg(10))
    now = clock.now()
    # tickets: answered fast, answered slowly, open overdue, open in time, rejected
    fast = svc.tickets.create(
        tg(1), "aspirasi", now, now + 3 * DAY, topic="kesehatan", village=CIBEBER
    )
    slow = svc.tickets.create(wa(4), "pengaduan", now, now + DAY, topic="jalan", village=KEDALEMAN)
    late = svc.tickets.create(wa(6), "pengaduan", now, now + HOUR, topic="jalan", village=BAGENDUNG)
    svc.tickets.create(tg(7), "informasi", now, now + 9 * DAY, topic="kesehatan", village=BAGENDUNG)
    rejected = svc.tickets.create(tg(2), "aspirasi", now, now + DAY, topic="jalan", village=CIBEBER)
    svc.tickets.transition(fast.id, "diverifikasi", ("diterima",), "staff", now + 600)
    svc.tickets.transition(fast.id, "dijawab", ("diverifikasi",), "staff", now + HOUR)
    svc.tickets.transition(slow.id, "diverifikasi", ("diterima",), "staff", now + 2 * HOUR)
    svc.tickets.transition(slow.id, "dijawab", ("diverifikasi",), "staff", now + 10 * HOUR)
    svc.tickets.transition(late.id, "diverifikasi", ("diterima",), "staff", now + 4 * HOUR)
    svc.tickets.transition(rejected.id, "ditolak", ("diterima",), "staff", now + 3 * HOUR)
    assert svc.tickets.rate(fast.id, tg(1), 5)
    assert svc.tickets.rate(slow.id, wa(4), 1)
    assert svc.tickets.rate(slow.id, wa(4), 2)  # changed their mind: counted once
    # hoax checks: two queued in one group, one in another, two answered from the archive
    first = svc.tickets.create(
        tg(1), "hoaks", now, now + DAY, text="vaksin berbahaya", village=CIBEBER
    )
    svc.tickets.create(tg(7), "hoaks", now, now + DAY, village=BAGENDUNG, group=first.id)
    svc.tickets.create(wa(3), "hoaks", now, now + DAY, text="banjir", village=CIBEBER)
    claim = Claim("HKS-OLD", "air garam obat covid", "hoaks", "Tidak benar.", "", now - 30 * DAY)
    svc.hoaxes.add_claim(claim)
    svc.recipients.record(claim.id, wa(4), now, KEDALEMAN)
    svc.recipients.record(claim.id, wa(6), now, BAGENDUNG)
    # broadcasts: one to a village, one to a kecamatan, one to a komunitas, one old
    for targets, age in (
        ([CIBEBER], DAY),
        ([KEC_CILEGON], 2 * DAY),
        (["kom:sepeda"], DAY),
        ([CIBEBER], 40 * DAY),
    ):
        made = svc.announcements.create(None, targets, now - age)
        svc.announcements.move(made.id, "done", ["queued"], audience=3, channels=1)
        svc.announcements.record(made.id, [Outcome(str(tg(1)), "s"), Outcome(str(tg(2)), "b")])
    return svc


def at(svc: Services) -> datetime:
    return datetime.fromtimestamp(svc.clock.now() + 12 * HOUR, UTC)


def board(svc: Services, villages: set[str] | None = None) -> Dashboard:
    return build_dashboard(svc, frozenset(villages) if villages is not None else None, at(svc))


def values(figures: tuple[object, ...], attribute: str = "value") -> dict[str, int]:
    return {f.key: getattr(f, attribute) for f in figures}  # type: ignore[attr-defined]


def test_the_whole_deployment_counts_every_resident_figure(world: Services) -> None:
    """Subscribers per village and kecamatan, platforms, languages, stops, erasures."""
    residents = board(world).residents
    assert residents.subscribers.value == 7
    villages = {v.code: v.subscribers.value for v in residents.villages}
    assert villages[CIBEBER] == 3
    assert villages[KEDALEMAN] == 1
    assert villages[BAGENDUNG] == 3
    assert {k.code: k.subscribers.value for k in residents.kecamatan}[KEC_CIBEBER] == 4
    assert residents.kecamatan[0].subscribers.filters == {"kecamatan": KEC_CIBEBER}
    assert values(residents.platforms) == {"tg": 4, "wa": 3}
    assert values(residents.languages) == {"id": 3, "en": 2, "jv": 1, "su": 1}
    assert residents.stopped.value == 1
    assert residents.stopped.filters == {"status": "stopped"}
    assert residents.erased.value == 2
    assert residents.erased.list == "audit"


def test_growth_counts_joins_moves_stops_and_erasures_by_week(world: Services) -> None:
    """Nine joined in the first week; the second had a move in and out, a stop, an erasure."""
    growth = board(world).residents.growth
    assert len(growth) == 12
    last, before = growth[-1], growth[-2]
    assert (before.joined.value, before.left.value) == (9, 0)
    assert (last.joined.value, last.left.value, last.net) == (1, 3, -2)
    assert last.start.weekday() == 0
    assert last.joined.filters == {"joined": last.start.isoformat()}


def test_a_kelurahan_scope_never_counts_another_kelurahan(world: Services) -> None:
    """Kedaleman sees its one subscriber, its erasure, its tickets, its checks only."""
    dash = board(world, {KEDALEMAN})
    assert dash.residents.subscribers.value == 1
    assert [v.code for v in dash.residents.villages] == [KEDALEMAN]
    assert values(dash.residents.platforms) == {"tg": 0, "wa": 1}
    assert values(dash.residents.languages) == {"su": 1}
    assert dash.residents.erased.value == 1
    assert dash.residents.stopped.value == 0
    assert dash.residents.growth[-1].left.value == 2  # the move out and the erasure
    assert dash.desk.open.value == 0
    assert dash.desk.answered.value == 1
    assert values(dash.desk.ratings) == {"1": 0, "2": 1, "3": 0, "4": 0, "5": 0}
    assert dash.hoaxes.instant.value == 1
    assert dash.hoaxes.queued.value == 0
    assert dash.broadcasts.count.value == 0  # the kecamatan broadcast was to Cilegon


def test_a_kecamatan_scope_adds_its_villages(world: Services) -> None:
    """Cilegon's villages: the mover, the stop, two open tickets, its broadcast."""
    cilegon = {v.code for v in world.regions.villages(KEC_CILEGON)}
    dash = board(world, cilegon)
    assert dash.residents.subscribers.value == 3
    assert dash.residents.stopped.value == 1
    assert dash.residents.erased.value == 0
    assert dash.residents.growth[-1].joined.value == 1
    assert (dash.desk.open.value, dash.desk.overdue.value) == (3, 1)  # a hoax check is open too
    assert [b.targets for b in dash.broadcasts.rows] == [(KEC_CILEGON,)]


def test_desk_figures_open_overdue_medians_ratings(world: Services) -> None:
    """Open and overdue by topic and kecamatan, medians of the counted times, ratings."""
    desk = board(world).desk
    assert (desk.open.value, desk.overdue.value) == (5, 1)  # two tickets, three hoax checks
    topics = {g.key: (g.open.value, g.overdue.value) for g in desk.by_topic}
    assert topics == {"jalan": (1, 1), "kesehatan": (1, 0), "": (3, 0)}
    places = {g.key: (g.open.value, g.overdue.value) for g in desk.by_kecamatan}
    assert places == {KEC_CIBEBER: (2, 0), KEC_CILEGON: (3, 1)}
    jalan = next(g for g in desk.by_topic if g.key == "jalan")
    assert jalan.overdue.filters == {"state": "overdue", "topic": "jalan"}
    assert desk.responded.value == 4
    assert desk.answered.value == 2
    assert desk.median_first_response is not None
    assert desk.median_answer is not None
    # responses after 10 min, 2 h, 3 h, 4 h: the median lies in 2 h's bucket (10 % wide)
    assert abs(desk.median_first_response.total_seconds() - 2 * HOUR) < 0.1 * 2 * HOUR
    assert abs(desk.median_answer.total_seconds() - HOUR) < 0.1 * HOUR
    assert values(desk.ratings) == {"1": 0, "2": 1, "3": 0, "4": 0, "5": 1}
    assert desk.mean_rating == 3.5


def test_a_reopened_ticket_is_open_again(world: Services) -> None:
    """Answered, then reopened: open once more, in its topic and kecamatan, and its first
    response and answer are not counted again."""
    fast = next(t for t in world.tickets.facts(world.tickets.all_ids()) if t.rating == 5)
    before = board(world).desk
    assert world.tickets.transition(fast.id, "diterima", ("dijawab",), "warga", world.clock.now())
    after = board(world).desk
    assert after.open.value == before.open.value + 1
    assert {g.key: g.open.value for g in after.by_topic}["kesehatan"] == 2
    assert {g.key: g.open.value for g in after.by_kecamatan}[KEC_CIBEBER] == 3
    assert world.tickets.transition(fast.id, "dijawab", ("diterima",), "staff", world.clock.now())
    again = board(world).desk
    assert again.open == before.open
    assert again.responded == before.responded
    assert again.answered == before.answered


def test_hoax_figures_instant_queued_and_top_claims(world: Services) -> None:
    """Three queued (two about one claim), two answered at once, claims most asked first."""
    hoaxes = board(world).hoaxes
    assert (hoaxes.instant.value, hoaxes.queued.value) == (2, 3)
    assert (hoaxes.weeks[-1].instant.value, hoaxes.weeks[-1].queued.value) == (2, 3)
    top = [(c.claim, c.verdict, c.text, c.checks.value) for c in hoaxes.top_claims]
    group = top[0][0]
    assert top[0] == (group, "", "vaksin berbahaya", 2)
    assert ("HKS-OLD", "hoaks", "air garam obat covid", 2) in top
    assert len(top) == 3
    assert hoaxes.top_claims[0].checks.filters["claim"] == group


def test_broadcasts_of_the_last_30_days_with_reach_and_outcomes(world: Services) -> None:
    """The whole deployment sees three (the komunitas one too), newest first."""
    figures = board(world).broadcasts
    assert figures.count.value == 3
    assert figures.reach.value == 12
    assert figures.sent.value == 3
    assert figures.blocked.value == 3
    row = figures.rows[0]
    assert (row.reach.value, row.sent.value, row.blocked.value, row.pending) == (4, 1, 1, 2)
    assert row.sent.filters == {"broadcast": row.id, "outcome": "sent"}
    assert [r.targets for r in board(world, {CIBEBER}).broadcasts.rows] == [(CIBEBER,)]


def test_the_counters_agree_with_a_rebuild(world: Services) -> None:
    """Everything the rebuild can know again (not the week of a join, nor where an
    erasure was) comes out the same as the counters kept along the way."""
    kept = board(world)
    rebuild(world)
    again = board(world)
    assert again.residents.subscribers == kept.residents.subscribers
    assert again.residents.platforms == kept.residents.platforms
    assert again.residents.languages == kept.residents.languages
    assert again.residents.stopped == kept.residents.stopped
    assert again.residents.erased == kept.residents.erased
    assert again.desk == kept.desk
    assert again.hoaxes == kept.hoaxes
    for village in (CIBEBER, KEDALEMAN, BAGENDUNG):
        kept_one, again_one = board(world, {village}), None
        rebuild(world)
        again_one = board(world, {village})
        assert again_one.residents.platforms == kept_one.residents.platforms
        assert again_one.residents.languages == kept_one.residents.languages
        assert again_one.desk == kept_one.desk


def test_ensure_counters_rebuilds_once_for_data_from_before_them(world: Services) -> None:
    """Counters gone (data from an older version): rebuilt at start, then left alone;
    tickets get their first-response times from their history."""
    kept = board(world)
    counters.clear(world.redis)
    world.redis.delete(counters.VERSION_KEY)
    for ticket_id in world.tickets.all_ids():
        world.redis.hdel(f"kim:tk:{ticket_id}", "responded_at", "first_answer_at")
    assert board(world).residents.platforms != kept.residents.platforms
    assert ensure_counters(world)
    assert not ensure_counters(world)
    again = board(world)
    assert again.residents.platforms == kept.residents.platforms
    assert again.desk == kept.desk
    # the times are recorded now: a later answer does not count the first response twice
    facts = world.tickets.facts(world.tickets.all_ids())
    late = next(t for t in facts if t.topic == "jalan" and t.state == "diverifikasi")
    world.tickets.transition(late.id, "dijawab", ("diverifikasi",), "staff", world.clock.now())
    assert board(world).desk.responded.value == kept.desk.responded.value


def test_an_empty_deployment_has_zeros(services: Services) -> None:
    """No residents, tickets or broadcasts: zeros everywhere, no medians, no crash."""
    dash = board(services)
    assert dash.residents.subscribers.value == 0
    assert values(dash.residents.platforms) == {"tg": 0, "wa": 0}
    assert dash.residents.languages == ()
    assert dash.desk.median_first_response is None
    assert dash.desk.mean_rating is None
    assert dash.hoaxes.top_claims == ()
    assert dash.broadcasts.rows == ()
    assert board(services, set()).residents.villages == ()


def test_unknown_villages_in_a_scope_are_ignored(world: Services) -> None:
    """A scope naming villages the deployment does not have sees nothing of them."""
    dash = board(world, {"99.99.99.9999", "not a code"})
    assert dash.residents.subscribers.value == 0
    assert dash.desk.open.value == 0


def test_damaged_records_do_not_break_the_dashboard(world: Services, redis: Redis) -> None:
    """Unreadable counters, tickets and announcements are skipped or read as nothing."""
    redis.hset(counters.village_key(CIBEBER), mapping={"tg": "many", "loc:xx": "?"})
    redis.hset(counters.times_key(counters.ALL), mapping={"first:abc": "1", "answer:-": "x"})
    redis.hset(counters.village_key(counters.ALL), mapping={"wa": "many"})
    ticket = world.tickets.all_ids()[0]
    redis.hset(f"kim:tk:{ticket}", mapping={"due_at": "soon", "created_at": ""})
    made = world.announcements.create(None, [CIBEBER], world.clock.now())
    redis.hset(f"kim:bc:{made.id}", "targets", "{not json")
    redis.hset(counters.open_key(counters.ALL), "kesehatan", "?")
    dash = board(world)
    assert dash.residents.subscribers.value == 7
    assert values(dash.residents.platforms) == {"tg": 4, "wa": 0}  # "many" reads as none
    assert values(board(world, {CIBEBER}).residents.platforms) == {"tg": 0, "wa": 1}
    assert dash.desk.open.value == 4  # the unreadable kesehatan count is left out
    assert dash.broadcasts.count.value == 3
    rebuild(world)  # the ticket with no readable times is counted as it can be
    assert board(world).desk.open.value == 5


def test_weeks_start_on_monday_in_the_deployment_zone() -> None:
    """Sunday 20:00 UTC is already Monday in WIB."""
    sunday_evening = datetime(2026, 11, 29, 20, 0, tzinfo=UTC).timestamp()
    assert counters.week_of(sunday_evening, "Asia/Jakarta") == "2026-11-30"
    assert counters.week_of(sunday_evening, "UTC") == "2026-11-23"
    assert date.fromisoformat("2026-11-30") - timedelta(weeks=1) == date(2026, 11, 23)


def test_time_buckets_are_a_tenth_wide() -> None:
    """A duration's bucket brackets it within 10 %."""
    for seconds in (2.0, 59.0, 3600.0, 86400.0 * 30):
        middle = counters.bucket_seconds(counters.bucket_of(seconds))
        assert abs(middle - seconds) <= 0.1 * seconds
    assert counters.bucket_of(0.0) == 0
    assert counters.bucket_of(-5.0) == 0
