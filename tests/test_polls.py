"""Polls in the store: one answer per resident, changeable until closing, tallies per
village moving with each change, results scoped, and answers as personal data."""

from __future__ import annotations

import pytest

from bot.platform.addresses import Address
from bot.platform.clock import FixedClock
from bot.platform.store import Redis
from bot.polls.store import OTHER, PollError
from bot.services import Services
from tests.support.constants import BAGENDUNG, CILEGON, DRINGO, KEBON_DALEM

HOUR = 3600.0


def subscribe(services: Services, chat: int, village: str) -> Address:
    """An active subscriber of `village`."""
    who = Address.telegram(chat)
    services.residents.consent(who, "id", "v1", 1.0)
    services.residents.subscribe(who, village, 2.0)
    return who


def a_poll(services: Services, clock: FixedClock, **overrides: object) -> str:
    """An open poll on the bus stop, closing in a day."""
    fields: dict[str, object] = {
        "question": "Di mana halte baru sebaiknya dibangun?",
        "options": ["Depan pasar", "Depan sekolah", "Depan puskesmas"],
        "scale": False,
        "other": True,
        "targets": [CILEGON],
        "admin": "tg:9003",
        "now": clock.now(),
        "closes_at": clock.now() + 24 * HOUR,
    } | overrides
    return services.polls.create(**fields).id  # type: ignore[arg-type]


def test_answers_change_and_the_tally_follows(services: Services, clock: FixedClock) -> None:
    """A new answer counts once; the same again changes nothing; a change moves the count."""
    polls = services.polls
    poll_id = a_poll(services, clock)
    siti, budi = subscribe(services, 1, BAGENDUNG), subscribe(services, 2, BAGENDUNG)
    assert polls.answer(poll_id, siti, 1, clock.now()) == "new"
    assert polls.answer(poll_id, siti, 1, clock.now()) == "same"
    assert polls.answer(poll_id, budi, 1, clock.now()) == "new"
    assert polls.answer(poll_id, budi, 3, clock.now()) == "changed"
    poll = polls.get(poll_id)
    assert poll is not None
    results = polls.results(poll)
    assert (results.counts, results.respondents) == ({1: 1, 3: 1}, 2)
    assert polls.answer_of(poll_id, budi) == 3
    assert sorted(map(str, polls.respondents(poll_id))) == ["tg:1", "tg:2"]


def test_results_per_village_and_scoped(services: Services, clock: FixedClock) -> None:
    """A village's results count its own residents only; reach gives response rates."""
    polls = services.polls
    poll_id = a_poll(services, clock, targets=["36.72"])
    polls.attach(poll_id, "17", {BAGENDUNG: 4, DRINGO: 2})
    for chat, village, answer in ((1, BAGENDUNG, 1), (2, BAGENDUNG, 2), (3, DRINGO, 2)):
        assert polls.answer(poll_id, subscribe(services, chat, village), answer, clock.now())
    poll = polls.get(poll_id)
    assert poll is not None
    assert poll.announcement == "17"
    bagendung = polls.results(poll, frozenset({BAGENDUNG}))
    assert (bagendung.counts, bagendung.respondents, bagendung.reach) == ({1: 1, 2: 1}, 2, 4)
    assert bagendung.rate == 0.5
    assert bagendung.share(2) == 0.5
    everywhere = polls.results(poll)
    assert (everywhere.counts, everywhere.respondents, everywhere.reach) == ({1: 1, 2: 2}, 3, 6)
    assert polls.results(poll, frozenset({KEBON_DALEM})).respondents == 0
    by_village = polls.by_village(poll)
    assert by_village[DRINGO].counts == {2: 1}
    assert by_village[BAGENDUNG].reach == 4


def test_a_resident_who_moved_is_counted_where_they_live_now(
    services: Services, clock: FixedClock
) -> None:
    """Answering again after /pindah moves the count to the new village."""
    polls = services.polls
    poll_id = a_poll(services, clock)
    siti = subscribe(services, 1, BAGENDUNG)
    polls.answer(poll_id, siti, 2, clock.now())
    services.residents.subscribe(siti, DRINGO, clock.now())
    assert polls.answer(poll_id, siti, 2, clock.now()) == "changed"
    poll = polls.get(poll_id)
    assert poll is not None
    assert polls.results(poll, frozenset({BAGENDUNG})).respondents == 0
    assert polls.results(poll, frozenset({DRINGO})).counts == {2: 1}


def test_other_needs_text_and_is_kept_as_the_residents(
    services: Services, clock: FixedClock
) -> None:
    """ "Other" takes a text (trimmed, at most 500 characters); without the option it is
    refused; /dataku shows the text; the text is gone with a switch to a listed answer."""
    polls = services.polls
    poll_id = a_poll(services, clock)
    siti = subscribe(services, 1, BAGENDUNG)
    assert polls.answer(poll_id, siti, OTHER, clock.now(), "") == "invalid"
    assert polls.answer(poll_id, siti, OTHER, clock.now(), "  dekat  masjid " + "x" * 600) == "new"
    exported = polls.export(siti)["answers"][poll_id]
    assert exported["other"].startswith("dekat masjid x")
    assert len(exported["other"]) == 500
    assert polls.answer(poll_id, siti, OTHER, clock.now(), "dekat stasiun") == "changed"
    assert polls.export(siti)["answers"][poll_id]["other"] == "dekat stasiun"
    assert polls.answer(poll_id, siti, 1, clock.now()) == "changed"
    assert "other" not in polls.export(siti)["answers"][poll_id]
    plain = a_poll(services, clock, other=False)
    assert polls.answer(plain, siti, OTHER, clock.now(), "apa saja") == "invalid"


@pytest.mark.parametrize("answer", [-1, 4, 11, 99])
def test_answers_outside_the_poll_are_refused(
    services: Services, clock: FixedClock, redis: Redis, answer: int
) -> None:
    """A forged answer number changes nothing."""
    poll_id = a_poll(services, clock)
    siti = subscribe(services, 1, BAGENDUNG)
    assert services.polls.answer(poll_id, siti, answer, clock.now()) == "invalid"
    assert redis.hgetall(f"kim:poll:{poll_id}:tally") == {}


def test_closed_unknown_and_unsubscribed(services: Services, clock: FixedClock) -> None:
    """After closing no answer is taken; a made-up poll or a stranger changes nothing; the
    close happens once."""
    polls = services.polls
    poll_id = a_poll(services, clock)
    siti = subscribe(services, 1, BAGENDUNG)
    assert polls.answer("999", siti, 1, clock.now()) == "unknown"
    assert polls.answer("x';--", siti, 1, clock.now()) == "unknown"
    assert polls.answer(poll_id, Address.telegram(77), 1, clock.now()) == "not_subscribed"
    clock.advance(24 * HOUR)
    assert polls.answer(poll_id, siti, 1, clock.now()) == "closed"
    assert [p.id for p in polls.open_polls()] == [poll_id]
    assert polls.close(poll_id, clock.now())
    assert not polls.close(poll_id, clock.now())
    assert polls.open_polls() == []
    assert polls.claim_reminder(poll_id, clock.now())
    assert not polls.claim_reminder(poll_id, clock.now())


def test_bad_polls_are_refused(services: Services, clock: FixedClock) -> None:
    """Too few or many answers, duplicates, empty texts, no target, a past closing time."""
    now = clock.now()
    cases = [
        {"options": ["Ya"]},
        {"options": [str(n) for n in range(11)]},
        {"options": ["Ya", "ya "]},
        {"options": ["Ya", ""]},
        {"options": ["Ya", "x" * 61]},
        {"question": "   "},
        {"question": "?" * 301},
        {"targets": []},
        {"closes_at": now},
        {"closes_at": now + 31 * 24 * HOUR},
        {"options": [str(n) for n in range(10)]},  # ten answers and "other": 11 rows
    ]
    for case in cases:
        with pytest.raises(PollError):
            a_poll(services, clock, **case)
    scale = services.polls.get(a_poll(services, clock, scale=True, options=[]))
    assert scale is not None
    assert scale.options == ("1", "2", "3", "4", "5")


def test_erasure_keeps_the_count_without_the_person(
    services: Services, clock: FixedClock, redis: Redis
) -> None:
    """/hapusdata deletes the answer and its text; the tally keeps its count."""
    polls = services.polls
    poll_id = a_poll(services, clock)
    siti = subscribe(services, 1, BAGENDUNG)
    polls.answer(poll_id, siti, OTHER, clock.now(), "dekat masjid agung")
    assert services.privacy.export(siti)["polls"]["answers"][poll_id]["question"]
    services.privacy.erase(siti)
    poll = polls.get(poll_id)
    assert poll is not None
    assert polls.results(poll).counts == {OTHER: 1}
    assert polls.answer_of(poll_id, siti) is None
    dump = {
        k: redis.hgetall(k) if redis.type(k) == "hash" else None for k in redis.keys("kim:poll:*")
    }
    assert "tg:1" not in str(dump)
    assert "masjid" not in str(dump)
    assert redis.exists("kim:poll:of:tg:1") == 0


def test_a_new_address_keeps_its_answers(services: Services, clock: FixedClock) -> None:
    """A WhatsApp id that changes carries its answers along."""
    polls = services.polls
    poll_id = a_poll(services, clock)
    old = Address.whatsapp("6281311112222")
    services.residents.consent(old, "id", "v1", 1.0)
    services.residents.subscribe(old, BAGENDUNG, 2.0)
    polls.answer(poll_id, old, 2, clock.now())
    new = Address.whatsapp("ID.1649738043044942")
    services.privacy.readdress(old, new)
    assert polls.answer_of(poll_id, new) == 2
    assert polls.answer_of(poll_id, old) is None
    assert polls.export(new)["answers"][poll_id]["answer"] == "Depan sekolah"
