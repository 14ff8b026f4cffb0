"""The delivery ledger: first outcome wins, channels always count, erased residents never
come back into it."""

from __future__ import annotations

from bot.announcements.store import BLOCKED, SENT, Outcome
from bot.platform.addresses import Address
from bot.services import Services
from tests.support.constants import BAGENDUNG

CHANNEL = "tg:-1001000000001"


def test_a_channels_outcome_is_recorded_even_as_the_first_one(services: Services) -> None:
    """A channel has no resident record; its outcome is written on a fresh ledger."""
    store = services.announcements
    ann = store.create(None, [BAGENDUNG], 1.0, text="x")
    assert store.record(ann.id, [Outcome(CHANNEL, SENT)]) == 1
    assert store.outcome_of(ann.id, CHANNEL) == SENT
    assert store.record(ann.id, [Outcome(CHANNEL, BLOCKED)]) == 0  # the first one stands


def test_an_erased_residents_outcome_is_dropped(services: Services) -> None:
    """Recorded after the resident erased their data: nothing names them in the ledger."""
    store = services.announcements
    kept, gone = Address.telegram(11), Address.telegram(12)
    for who in (kept, gone):
        services.residents.consent(who, "id", "v1", 1.0)
    ann = store.create(None, [BAGENDUNG], 1.0, text="x")
    services.privacy.erase(gone)
    assert store.record(ann.id, [Outcome(str(kept), SENT), Outcome(str(gone), SENT)]) == 1
    assert (store.outcome_of(ann.id, str(kept)), store.outcome_of(ann.id, str(gone))) == (
        SENT,
        None,
    )
