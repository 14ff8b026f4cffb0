"""WhatsApp statuses update the ledger in any order; erasure leaves no trace of them."""

from __future__ import annotations

import pytest

from bot.announcements.store import SENT, Outcome
from bot.platform.addresses import Address
from bot.platform.store import Redis
from bot.services import Services
from handlers.whatsapp.tracking import apply_status, remember, tally
from tests.support.storage import everything_in

ME = "wa:AA.5550001"


@pytest.mark.parametrize(
    "order",
    [
        ["sent", "delivered", "read"],
        ["read", "delivered", "sent"],
        ["delivered", "read", "sent", "delivered"],
    ],
)
def test_statuses_only_move_forward(services: Services, redis: Redis, order: list[str]) -> None:
    """Whatever order Meta sends them in, the recipient ends at 'read'."""
    services.residents.consent(Address.parse(ME), "id", "v1", 1.0)
    ann = services.announcements.create(None, ["36.72"], 1.0, text="x")
    services.announcements.record(ann.id, [Outcome(ME, SENT)])
    remember(redis, ann.id, ME, "wamid.HBgLNjI4MTIzNDU2Nzg5MA==")
    for status in order:
        assert (
            apply_status(
                redis, services.announcements, "wamid.HBgLNjI4MTIzNDU2Nzg5MA==", status, None
            )
            == ann.id
        )
    assert tally(redis, ann.id) == {"read": 1}
    assert services.announcements.get(ann.id).counts == {"sent": 1}  # type: ignore[union-attr]


def test_a_failed_status_corrects_the_ledger(services: Services, redis: Redis) -> None:
    """Accepted, then reported failed: counted as failed with the error code."""
    services.residents.consent(Address.parse(ME), "id", "v1", 1.0)
    ann = services.announcements.create(None, ["36.72"], 1.0, text="x")
    services.announcements.record(ann.id, [Outcome(ME, SENT)])
    remember(redis, ann.id, ME, "wamid.A")
    apply_status(redis, services.announcements, "wamid.A", "failed", 131026)
    assert services.announcements.get(ann.id).counts == {"sent": 0, "failed": 1}  # type: ignore[union-attr]
    assert services.announcements.failures(ann.id) == [(ME, "whatsapp error 131026")]
    assert apply_status(redis, services.announcements, "wamid.unknown", "read", None) is None


def test_erasure_removes_whatsapp_statuses(services: Services, redis: Redis) -> None:
    """After erasure no status entry names the resident."""
    who = Address.parse(ME)
    services.residents.consent(who, "id", "v1", 1.0)
    ann = services.announcements.create(None, ["36.72"], 1.0, text="x")
    services.announcements.record(ann.id, [Outcome(ME, SENT)])
    remember(redis, ann.id, ME, "wamid.B")
    apply_status(redis, services.announcements, "wamid.B", "delivered", None)
    services.privacy.erase(who)
    assert "5550001" not in everything_in(redis)


@pytest.mark.parametrize(
    ("order", "state", "counts"),
    [
        (["delivered", "failed"], "delivered", {"sent": 1}),
        (["sent", "delivered", "read", "failed"], "read", {"sent": 1}),
        (["read", "failed", "delivered"], "read", {"sent": 1}),
        (["sent", "failed"], "failed", {"sent": 0, "failed": 1}),
        (["failed", "delivered"], "delivered", {"sent": 1, "failed": 0}),
        (["failed", "failed", "sent"], "failed", {"sent": 0, "failed": 1}),
    ],
)
def test_the_best_outcome_wins(
    services: Services, redis: Redis, order: list[str], state: str, counts: dict[str, int]
) -> None:
    """A `failed` after `delivered` or `read` does not turn a delivered announcement into a
    failure; a `delivered` after `failed` puts it back; repeats change nothing twice."""
    services.residents.consent(Address.parse(ME), "id", "v1", 1.0)
    ann = services.announcements.create(None, ["36.72"], 1.0, text="x")
    services.announcements.record(ann.id, [Outcome(ME, SENT)])
    remember(redis, ann.id, ME, "wamid.C")
    for status in order:
        code = 131026 if status == "failed" else None
        assert apply_status(redis, services.announcements, "wamid.C", status, code) == ann.id
    assert tally(redis, ann.id) == {state: 1}
    assert services.announcements.get(ann.id).counts == counts  # type: ignore[union-attr]
    failures = services.announcements.failures(ann.id)
    assert failures == ([(ME, "whatsapp error 131026")] if state == "failed" else [])
