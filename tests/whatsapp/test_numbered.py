"""More than ten choices: a numbered text, answered by typing a number the core understands.

Here the deployment has twelve komunitas, so `/komunitas` offers thirteen choices (twelve
toggles and Done) — more than a WhatsApp list holds.
"""

from __future__ import annotations

import pytest

from bot.platform.addresses import Address
from bot.platform.config import Config, Komunitas
from tests.support.press import find_label
from tests.support.webhooks import Person
from tests.support.whatsapp import WhatsAppWorld, numbered, play


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
    await play(
        world,
        siti,
        [("DAFTAR kel_3672021001", "Pemberitahuan privasi"), ("[✅]", "Kelurahan Bagendung")],
    )
    sent = await world.send(siti, "/komunitas")
    assert [s.kind for s in sent] == ["text"]
    text = sent[0].text
    assert number_of(text, "KIM Uji 7") == "11"
    assert number_of(text, "Selesai") == "13"
    after = await world.send(siti, "11")
    assert "Anda bergabung dengan KIM Uji 7" in after[0].text
    residents = world.channel.services.residents
    assert residents.is_member(Address("wa", siti.user_id), "kim-uji-7")
    done = await world.send(siti, number_of(after[0].text, "Selesai"))
    assert "Kelurahan Bagendung" in done[-1].text
