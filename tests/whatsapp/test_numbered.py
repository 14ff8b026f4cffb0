"""More than ten choices: a numbered text, answered by typing a number the core understands.

Here the deployment has twelve komunitas, so `/komunitas` offers thirteen choices (twelve
toggles and Done) — more than a WhatsApp list holds.
"""

from __future__ import annotations

import pytest

from bot.platform.config import Config, Komunitas
from tests.support.dialog import play
from tests.support.press import find_label
from tests.support.webhooks import Person
from tests.support.whatsapp import WhatsAppDriver, WhatsAppWorld, numbered


@pytest.fixture
def wa_config(wa_config: Config) -> Config:
    """The WhatsApp deployment with eight more komunitas (twelve in all)."""
    extra = [Komunitas(slug=f"kim-uji-{i}", name=f"KIM Uji {i}") for i in range(1, 9)]
    return wa_config.model_copy(update={"komunitas": [*wa_config.komunitas, *extra]})


def number_of(text: str, label: str) -> str:
    """The number in front of `label` in a numbered list."""
    return str(find_label(numbered(text), label) + 1)


async def test_thirteen_choices_are_numbered_and_a_typed_number_picks_one(
    world: WhatsAppWorld, siti: Person
) -> None:
    """The list is text; typing '11' toggles the eleventh komunitas, as the core numbers it."""
    me = WhatsAppDriver(world, siti)
    await play(
        me, [("DAFTAR kel_3672021001", "Pemberitahuan privasi"), ("[✅]", "Kelurahan Bagendung")]
    )
    await me.say("/komunitas")
    assert [s.kind for s in me.last] == ["text"]
    text = me.last[0].text
    assert number_of(text, "KIM Uji 7") == "11"
    assert number_of(text, "Selesai") == "13"
    await me.say("11")
    assert "Anda bergabung dengan KIM Uji 7" in me.last[0].text
    assert me.services.residents.is_member(me.address, "kim-uji-7")
    await me.say(number_of(me.last[0].text, "Selesai"))
    assert "Kelurahan Bagendung" in me.last[-1].text
    await play(
        me, [("/komunitas", "KIM Uji 8"), ("[KIM Uji 8]", "Anda bergabung dengan KIM Uji 8")]
    )
    assert me.services.residents.is_member(me.address, "kim-uji-8")
