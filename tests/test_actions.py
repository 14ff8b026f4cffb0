"""Button data packs and unpacks through one class; anything else unpacks to nothing."""

from __future__ import annotations

import pytest

from bot.platform.actions import (
    BroadcastAction,
    ButtonData,
    FollowUp,
    MenuChoice,
    Rating,
    StepChoice,
    TicketAction,
)
from tests.support.constants import BAGENDUNG

VALUES: list[ButtonData] = [
    StepChoice("a1b2c3", BAGENDUNG),
    StepChoice("a1b2c3", "yes"),
    MenuChoice("aspirasi"),
    TicketAction("claim", "ASP-2611-0042"),
    TicketAction("reject", "ASP-2611-0042", "duplicate"),
    TicketAction("verdict", "HKS-2611-0007", "8"),
    Rating("ASP-2611-0042", 5),
    FollowUp("ASP-2611-0042", True),
    FollowUp("ASP-2611-0042", False),
    BroadcastAction("approve", "17"),
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_every_value_round_trips_within_telegrams_callback_limit(value: ButtonData) -> None:
    """Packed and unpacked again it is the same value; with `v1:` it fits in 64 bytes."""
    packed = value.pack()
    assert ButtonData.unpack(packed) == value
    assert len(("v1:" + packed).encode()) <= 64


@pytest.mark.parametrize(
    "data",
    [
        "",
        ".",
        "m.",
        "m.two.words",
        "a.",
        "a.tk.claim.",
        "a.tk.explode.ASP-1",
        "a.tk.claim.ASP-1.x.y",
        "a.rate.ASP-1.9",
        "a.rate.ASP-1.four",
        "a.fu.ASP-1.maybe",
        "a.fu.ASP-1",
        "a.fu.ASP-1.y.n",
        "a.bc.launch.1",
        "a.zz.x.y",
        "a.tk.claim.ASP 1",
        "nonce",
        "no nce.value",
        "x" * 500,
    ],
)
def test_malformed_or_forged_data_unpacks_to_nothing(data: str) -> None:
    """Unknown kinds, verbs, field counts or characters are stale buttons, not errors."""
    assert ButtonData.unpack(data) is None


def test_values_that_cannot_be_packed_are_refused() -> None:
    """A dot or space inside a field would change the meaning: packing refuses it."""
    with pytest.raises(ValueError, match="cannot be packed"):
        TicketAction("claim", "ASP.1").pack()
    with pytest.raises(ValueError, match="1 to 5 stars"):
        Rating("ASP-1", 6).pack()
    with pytest.raises(ValueError, match="cannot be packed"):
        MenuChoice("two words").pack()
