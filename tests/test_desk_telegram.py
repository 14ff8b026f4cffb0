"""Issue 12, items 4 and 5, through the real aiogram handlers of the staff group:
`/arsip` with scores and its page buttons, `/tren`, `/koreksi` from the verdict to the
resident's "Koreksi: …" (the explanation and the sources as replies to the bot), the
clarification's progress message, and members who are not staff refused."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.desk.hoaxes import Claim, Fingerprint
from bot.dialogs import Conversations, build_conversations
from bot.platform.clock import FixedClock
from bot.platform.config import Config
from bot.platform.store import Redis
from bot.services import Services
from handlers.wiring import build_services
from tests.support.admins import STAFF, RecordingDispatch, tell_fan_outs
from tests.support.telegram import TelegramWorld
from tests.test_hoax_corrections import (
    CLAIM,
    HOAX,
    STAFF_ADMIN,
    check,
    desk_config,
    subscribed,
    verdict,
)

GROUP = -1009999  # the staff group of `with_admins`
OUTSIDER = 4242  # a member of the staff group who is not on the staff list
REFUSED = "Perintah ini khusus untuk petugas layanan."

VACCINE_CLAIMS = [
    "Vaksin booster mengandung chip 5G untuk melacak warga",
    "Vaksin gratis di puskesmas ternyata kedaluwarsa",
    "Vaksin anak menyebabkan kemandulan kata dokter",
    "Vaksin palsu beredar di Cilegon, jangan mau disuntik",
    "Vaksin membuat tubuh jadi magnet, sendok menempel",
    "Vaksin haji wajib bayar Rp2 juta lewat transfer",
    "Vaksin polio tetes bikin lumpuh, tolak saja",
]


@pytest.fixture
def svc(config: Config, redis: Redis, clock: FixedClock, dispatch: RecordingDispatch) -> Services:
    """The core with the desk's roles, notices recorded."""
    return build_services(desk_config(config), redis, clock, dispatch)


@pytest.fixture
def conv(svc: Services) -> Conversations:
    """The resident dialogs."""
    return build_conversations(svc)


@pytest.fixture
async def world(svc: Services) -> AsyncIterator[TelegramWorld]:
    """The real dispatcher on a recording Bot API session."""
    w = TelegramWorld(svc)
    yield w
    await w.aclose()


def archive_vaccine_claims(svc: Services) -> None:
    """Seven archived verdicts about vaccines: more than one page of /arsip."""
    for number, text in enumerate(VACCINE_CLAIMS, 1):
        svc.hoaxes.add_claim(
            Claim(
                id=f"HKS-2609-01{number:02d}",
                text=text,
                verdict="hoaks",
                explanation="Tidak benar.",
                sources="",
                at=svc.clock.now() - number,
                fingerprint=Fingerprint.of(text, []),
            )
        )


async def say(world: TelegramWorld, who: int, text: str) -> str:
    """`who` writes `text` in the staff group; the bot's newest text there."""
    await world.feed(world.updates.group_message(world.updates.user(who), GROUP, text))
    return world.session.texts(GROUP)[-1]


async def test_arsip_shows_scores_and_its_page_buttons_work(
    world: TelegramWorld, svc: Services
) -> None:
    """/arsip vaksin: five matches with their score, verdict and number, then › shows the
    rest; the page button is checked against the presser's role too."""
    archive_vaccine_claims(svc)
    first = await say(world, STAFF, "/arsip vaksin")
    assert "Arsip: “vaksin”" in first
    assert "100% · [HOAKS]" in first
    assert first.count("HKS-2609-01") == 5
    assert "Halaman 1 dari 2 · 7 kecocokan" in first
    await world.press_in_group(world.updates.user(STAFF), GROUP, "›")
    second = world.session.texts(GROUP)[-1]
    assert "Halaman 2 dari 2" in second
    assert second.count("HKS-2609-01") == 2
    assert "6. " in second
    shown = len(world.session.texts(GROUP))
    await world.press_in_group(world.updates.user(OUTSIDER), GROUP, "‹")
    assert len(world.session.texts(GROUP)) == shown  # nothing shown to a non-member


async def test_non_staff_members_are_refused(world: TelegramWorld, svc: Services) -> None:
    """A group member who is not staff gets a refusal, never the archive or the trends."""
    archive_vaccine_claims(svc)
    assert (
        await say(world, OUTSIDER, "/arsip vaksin") == "Perintah ini khusus untuk petugas layanan."
    )
    assert await say(world, OUTSIDER, "/tren") == "Perintah ini khusus untuk petugas layanan."
    refused = await say(world, OUTSIDER, f"/koreksi {CLAIM}")
    assert refused == "Perintah ini khusus untuk petugas layanan."
    assert not any("HKS-2609-01" in t for t in world.session.texts(GROUP))


async def test_tren_lists_the_claims_asked_this_week(
    world: TelegramWorld, svc: Services, conv: Conversations
) -> None:
    """/tren: the claim two residents of Kec. Cilegon asked about, with its count."""
    check(subscribed(conv, 31), HOAX)
    check(subscribed(conv, 32), HOAX)
    trends = await say(world, STAFF, "/tren")
    assert trends.startswith("📈")
    assert f"• {CLAIM} · 2× ·" in trends


async def test_koreksi_walks_to_the_resident_through_the_handlers(
    world: TelegramWorld, svc: Services, conv: Conversations, dispatch: RecordingDispatch
) -> None:
    """/koreksi HKS-…: a verdict button, the explanation and the sources as replies to the
    bot's messages, the preview, ✅ Send; the resident who asked is told "Koreksi: …"."""
    asker = subscribed(conv, 41, lang="id")
    check(asker, HOAX)
    verdict(svc)
    dispatch.notified.clear()
    staff = world.updates.user(STAFF)

    opened = await say(world, STAFF, f"/koreksi {CLAIM}")
    assert f"✏️ Koreksi {CLAIM}: [HOAKS]" in opened
    await world.press_in_group(staff, GROUP, "benar")
    asked = world.session.texts(GROUP)[-1]
    assert "Putusan koreksi [BENAR]" in asked

    explanation = "Daftar ulang KTP memang ada, tetapi tidak ada pemblokiran."
    prompt = world.last_sent(GROUP)  # the /koreksi message, edited to ask for it
    await world.feed(world.updates.group_message(staff, GROUP, explanation, reply_to=prompt))
    assert "Penjelasan disimpan" in world.session.texts(GROUP)[-1]
    await world.feed(
        world.updates.group_message(
            staff, GROUP, "https://cilegon.go.id/ktp", reply_to=world.last_sent(GROUP)
        )
    )
    preview = world.session.texts(GROUP)[-1]
    assert "Pratinjau: yang akan diterima warga" in preview
    assert "Dikirim ke 1 warga." in preview
    await world.press_in_group(staff, GROUP, "✅")
    assert "sedang diberi tahu" in world.session.texts(GROUP)[-1]

    assert tell_fan_outs(svc, dispatch) == 1
    (notice,) = [r for to, r in dispatch.notified if to == asker.address]
    assert f"Koreksi: cek fakta {CLAIM} kini [BENAR]" in notice.text
    assert explanation in notice.text
    assert "https://cilegon.go.id/ktp" in notice.text


async def test_a_clarification_keeps_its_progress_message(
    world: TelegramWorld, svc: Services, conv: Conversations, dispatch: RecordingDispatch
) -> None:
    """📣 Clarify → a kelurahan → Next › → ✅ Send: the delivery report is the message the
    handler sent, recorded so the broadcast engine edits it."""
    check(subscribed(conv, 51), HOAX)
    verdict(svc)
    admin = world.updates.user(STAFF_ADMIN)
    await say(world, STAFF_ADMIN, f"/koreksi {CLAIM}")
    await world.press_in_group(admin, GROUP, "📣")
    assert "Bagendung: 1" in world.session.texts(GROUP)[-1]
    await world.press_in_group(admin, GROUP, "Bagendung")
    await world.press_in_group(admin, GROUP, "›")
    await world.press_in_group(admin, GROUP, "✅")
    (ann_id,) = dispatch.submitted
    ann = svc.announcements.get(ann_id)
    assert ann is not None
    assert ann.progress_chat is not None
    assert int(ann.progress_chat.chat_id) == GROUP
    assert ann.progress_message == world.last_id(GROUP)
