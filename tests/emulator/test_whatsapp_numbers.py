"""The WhatsApp stand-in never gives a customer the business's own number (issue 11,
item 14: the demo's WhatsApp resident had the bot's number, 6281100000001)."""

from __future__ import annotations

import pytest

from emulator.whatsapp.config import WhatsAppConfig
from emulator.whatsapp.side import WhatsAppSide

DEMO_NUMBER = "6281100000001"  # the demo's business number, also the first generated one


def test_generated_numbers_skip_the_business_number() -> None:
    """The first customer of a business numbered 6281100000001 gets ...0002."""
    side = WhatsAppSide(WhatsAppConfig(display_phone_number=DEMO_NUMBER))
    first = side.world.add_user("Dewi")
    second = side.world.add_user("Budi")
    assert (first.wa_id, second.wa_id) == ("6281100000002", "6281100000003")


@pytest.mark.parametrize("spelling", [DEMO_NUMBER, "+62 811-0000-0001", "(62) 8110 0000 001"])
def test_a_customer_cannot_take_the_business_number(spelling: str) -> None:
    """Asking for the business's number, in any spelling, is refused with a clear reason,
    and nobody is added."""
    side = WhatsAppSide(WhatsAppConfig(display_phone_number=DEMO_NUMBER))
    with pytest.raises(ValueError, match="business's own number"):
        side.world.add_user("Palsu", wa_id=spelling)
    assert side.world.users == {}
