"""A WhatsApp resident stored by phone number who arrives with a business-scoped id."""

from __future__ import annotations

from bot.announcements.store import SENT, Outcome
from bot.platform.addresses import Address
from bot.platform.messages import Reply
from bot.platform.store import Redis
from bot.residents.identity import adopt_new_id
from bot.services import Services
from handlers.whatsapp.tracking import remember
from tests.support.constants import BAGENDUNG
from tests.support.storage import everything_in

PHONE = Address("wa", "6281344445555")
BSUID = Address("wa", "ID.9988776655")


def test_everything_moves_to_the_new_id_once(services: Services, redis: Redis) -> None:
    """Record, communities, audiences, tickets, held messages and ledgers follow; the phone
    number is left nowhere; a broadcast reaches the person once."""
    residents = services.residents
    residents.consent(PHONE, "su", "v1", 1.0)
    residents.subscribe(PHONE, BAGENDUNG, 2.0)
    residents.join_komunitas(PHONE, "sepeda-onthel", 3.0)
    ticket = services.tickets.create(PHONE, "pengaduan", 4.0, 5.0, text="Jalan rusak")
    services.held.hold(PHONE, Reply(text="menunggu"))
    ann = services.announcements.create(None, [BAGENDUNG], 6.0, text="x")
    services.announcements.move(ann.id, "sending", ["queued"])
    services.announcements.plan(ann.id)
    services.announcements.record(ann.id, [Outcome(str(PHONE), SENT)])
    remember(redis, ann.id, str(PHONE), "wamid.X")

    assert adopt_new_id(services, PHONE, BSUID)
    assert not adopt_new_id(services, PHONE, BSUID)  # once

    moved = residents.get(BSUID)
    assert moved is not None
    assert (moved.locale, moved.village, moved.komunitas) == ("su", BAGENDUNG, {"sepeda-onthel"})
    assert residents.get(PHONE) is None
    assert residents.is_subscriber(BSUID, BAGENDUNG)
    assert residents.is_member(BSUID, "sepeda-onthel")
    assert services.tickets.get(ticket.id).requester == BSUID  # type: ignore[union-attr]
    assert [r.text for r in services.held.release(BSUID)] == ["menunggu"]
    assert services.announcements.outcome_of(ann.id, str(BSUID)) == SENT
    assert "6281344445555" not in everything_in(redis)

    again = services.announcements.create(None, [BAGENDUNG], 7.0, text="y")
    services.announcements.move(again.id, "sending", ["queued"])
    assert services.announcements.plan(again.id) == 1


def test_nothing_moves_when_the_new_id_is_already_a_resident(services: Services) -> None:
    """If both exist, neither is touched (no silent merge of two records)."""
    for who in (PHONE, BSUID):
        services.residents.consent(who, "id", "v1", 1.0)
    assert not adopt_new_id(services, PHONE, BSUID)
    assert services.residents.get(PHONE) is not None
