"""/broadcast for KIM admins: scopes, reach, confirm, schedule, approval, cancel, forgeries."""

from __future__ import annotations

import pytest

from bot.dialogs import Conversations, build_conversations
from bot.platform.addresses import Address
from bot.platform.clock import FixedClock
from bot.platform.config import Config
from bot.platform.messages import Incoming
from bot.platform.store import Redis
from bot.services import Services
from handlers.wiring import build_services
from tests.support.admins import (
    KECAMATAN_ADMIN,
    KELURAHAN_ADMIN,
    KOMUNITAS_ADMIN,
    SUPERADMIN,
    RecordingDispatch,
    with_admins,
)
from tests.support.constants import BAGENDUNG
from tests.support.dialog import Resident, render, verify_dialog

TEXT = "Vaksinasi gratis Sabtu"


@pytest.fixture
def admin_services(
    config: Config, redis: Redis, clock: FixedClock, dispatch: RecordingDispatch
) -> Services:
    """Services with admins and an approval threshold of 2 residents."""
    return build_services(with_admins(config, approval_threshold=2), redis, clock, dispatch)


@pytest.fixture
def conv(admin_services: Services) -> Conversations:
    """The engine with admin flows."""
    return build_conversations(admin_services)


def residents_in(conv: Conversations, *codes: str) -> None:
    """Subscribe one resident per code (compact deep links)."""
    for index, code in enumerate(codes):
        r = Resident(conv, chat_id=100 + index)
        r.send(f"/start kel_{code.replace('.', '')}")
        r.press("✅")


def announce(admin: Resident) -> None:
    """The admin sends the announcement itself (message 55) after /broadcast."""
    admin.deliver(Incoming(admin.address, "text", text=TEXT, message_id=55, language_code="id"))


def drafting(conv: Conversations, admin_id: int) -> Resident:
    """An admin who sent /broadcast, then the announcement."""
    admin = Resident(conv, chat_id=admin_id)
    admin.send("/broadcast")
    announce(admin)
    return admin


def test_residents_cannot_broadcast(conv: Conversations, redis: Redis) -> None:
    """Someone without a role is told so; nothing is stored."""
    me = Resident(conv, chat_id=5)
    verify_dialog(me, [("/broadcast", "Perintah ini khusus untuk admin KIM")])
    assert redis.get("kim:dlg:tg:5") is None


def test_kelurahan_admin_sends_to_their_kelurahan(
    conv: Conversations, admin_services: Services, dispatch: RecordingDispatch
) -> None:
    """One scope: no target choice; the reach is counted; Send queues it."""
    residents_in(conv, BAGENDUNG, BAGENDUNG, "36.72.02.1002")
    admin = Resident(conv, chat_id=KELURAHAN_ADMIN)
    verify_dialog(admin, [("/broadcast", "Kirim pengumumannya sekarang")])
    announce(admin)
    said = admin.said()
    assert TEXT in said
    assert "2 warga dan 0 kanal" in said
    admin.press("✅")
    assert dispatch.submitted == ["1"]
    ann = admin_services.announcements.get("1")
    assert ann is not None
    assert (ann.state, ann.targets, ann.origin, ann.origin_message) == (
        "queued",
        [BAGENDUNG],
        Address.telegram(KELURAHAN_ADMIN),
        55,
    )
    assert admin.last[-1].progress_of == "1"


def test_kecamatan_admin_picks_within_scope(conv: Conversations, admin_services: Services) -> None:
    """A kecamatan admin sees their kecamatan and its kelurahan, nothing outside."""
    admin = drafting(conv, KECAMATAN_ADMIN)
    labels = [label for label, _ in admin.buttons]
    assert labels[0] == "Kec. Cilegon"
    assert "Bagendung" in labels
    assert not {"Cibeber", "Kec. Cibeber"} & set(labels)
    admin.press("Ciwedus")
    admin.press("Bagendung")
    admin.press("Lanjut")
    assert "Ke: Ciwedus, Bagendung" in admin.said()


def test_forged_target_and_action_buttons_change_nothing(
    conv: Conversations, admin_services: Services, dispatch: RecordingDispatch, redis: Redis
) -> None:
    """A target index outside the list, another admin's cancel, a forged approval: refused."""
    admin = drafting(conv, KECAMATAN_ADMIN)
    nonce = admin.buttons[0][1].split(".")[0]
    before = redis.get(f"kim:dlg:{admin.address}")
    admin.press_data(f"{nonce}.t.999")
    assert admin.last[0].notice
    assert redis.get(f"kim:dlg:{admin.address}") == before
    ann = admin_services.announcements.create(
        Address.telegram(SUPERADMIN), ["36.72"], 1.0, needs_approval=True
    )
    for who in (KELURAHAN_ADMIN, KOMUNITAS_ADMIN, 5):
        other = Resident(conv, chat_id=who)
        other.press_data(f"a.bc.approve.{ann.id}")
        other.press_data(f"a.bc.cancel.{ann.id}")
    assert admin_services.announcements.get(ann.id).state == "awaiting_approval"  # type: ignore[union-attr]
    assert dispatch.submitted == []


def test_large_audience_needs_a_superadmin(
    conv: Conversations, admin_services: Services, dispatch: RecordingDispatch
) -> None:
    """Above the threshold: waits; superadmins are asked; approval submits it."""
    residents_in(conv, BAGENDUNG, "36.72.02.1002", "36.72.02.1003")
    admin = drafting(conv, KECAMATAN_ADMIN)
    admin.press("Kec. Cilegon")
    admin.press("Lanjut")
    assert "persetujuan superadmin" in admin.said()
    admin.press("📨")
    assert dispatch.submitted == []
    (to, ask), *_ = dispatch.notified
    assert to == Address.telegram(SUPERADMIN)
    assert "3 warga" in ask.text
    superadmin = Resident(conv, chat_id=SUPERADMIN)
    superadmin.buttons = [(c.label, c.data) for c in ask.flat_choices]
    superadmin.press("✅")
    assert dispatch.submitted == ["1"]
    assert admin_services.announcements.get("1").approved_by == f"tg:{SUPERADMIN}"  # type: ignore[union-attr]
    superadmin.press("✅")  # a second press does nothing more
    assert dispatch.submitted == ["1"]
    assert any(to == Address.telegram(KECAMATAN_ADMIN) for to, _ in dispatch.notified)


def test_schedule_then_cancel(
    conv: Conversations, admin_services: Services, dispatch: RecordingDispatch, clock: FixedClock
) -> None:
    """A typed time schedules it (tomorrow if already past today); /broadcasts cancels it."""
    admin = drafting(conv, KELURAHAN_ADMIN)
    admin.press("🕒")
    assert "dalam WIB," in admin.said()  # the zone as Cilegon names it, not "Asia/Jakarta"
    verify_dialog(
        admin,
        [
            ("kapan-kapan", "tidak dapat membaca"),
            ("01-01-2020 07.00", "30 hari"),
            ("07.30", "22 September 2026 07.30 WIB"),
        ],
    )
    admin.press("✅")
    assert "terjadwal" in admin.said()
    assert "Terkirim" not in admin.said()  # nothing to count before it is planned
    ann = admin_services.announcements.get("1")
    assert ann is not None
    assert ann.state == "scheduled"
    assert (ann.scheduled_at or 0) > clock.now()
    verify_dialog(admin, [("/broadcasts", "#1 · terjadwal")])
    admin.press("✖ Batalkan #1")
    assert admin_services.announcements.get("1").state == "cancelled"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("typed", "repeated"),
    [
        ("besok jam 7 pagi", "22 September 2026 07.00 WIB (besok)"),
        ("Jumat 19.30", "25 September 2026 19.30 WIB (4 hari lagi)"),
        ("25 Sep jam 7 malam", "25 September 2026 19.00 WIB (4 hari lagi)"),
    ],
)
def test_schedule_in_words(conv: Conversations, typed: str, repeated: str) -> None:
    """Times typed the way admins say them are read, and the confirmation repeats the
    moment in words, with the zone and how many days off it is (issue 11, item 6)."""
    admin = drafting(conv, KELURAHAN_ADMIN)
    admin.press("🕒")
    assert "besok jam 7 pagi" in admin.said()  # the prompt shows the forms it reads
    verify_dialog(admin, [("besok pagi", "tidak dapat membaca"), (typed, repeated)])


def test_reply_to_a_message_with_broadcast(conv: Conversations, admin_services: Services) -> None:
    """Replying /broadcast to an earlier message uses that message."""
    admin = Resident(conv, chat_id=KOMUNITAS_ADMIN)
    command = Incoming(
        admin.address, "command", text="/broadcast", command="broadcast", reply_to=77, message_id=78
    )
    admin.deliver(command)
    admin.press("Sepeda")
    admin.press("Lanjut")
    admin.press("✅")
    ann = admin_services.announcements.get("1")
    assert ann is not None
    assert (ann.origin_message, ann.targets) == (77, ["komunitas:sepeda-onthel"])


def test_stickers_cannot_be_broadcast(conv: Conversations) -> None:
    """Only text, photos, videos and documents are accepted as announcements."""
    admin = Resident(conv, chat_id=KELURAHAN_ADMIN)
    verify_dialog(admin, [("/broadcast", "Kirim"), ("<sticker>", "tidak dapat disiarkan")])


def media_message(admin: Resident, kind: str, megabytes: float) -> Incoming:
    """An admin's photo, video or document of that size."""
    from bot.platform.messages import MediaRef

    media = MediaRef(kind, f"file-{kind}", size=int(megabytes * 1_000_000))  # type: ignore[arg-type]
    return Incoming(admin.address, kind, media=media, message_id=56, language_code="id")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "megabytes", "refused"),
    [
        ("document", 25, True),  # over what a bot may download from Telegram (20 MB)
        ("video", 17, True),  # over WhatsApp's 16 MB for videos
        ("photo", 6, True),  # over WhatsApp's 5 MB for images
        ("document", 19, False),
        ("video", 15, False),
    ],
)
def test_files_too_big_for_whatsapp_residents_are_refused_at_once(
    config: Config, redis: Redis, clock: FixedClock, kind: str, megabytes: float, refused: bool
) -> None:
    """With WhatsApp on, a file that cannot reach WhatsApp residents is refused while the
    admin composes, naming its size and the limit, instead of failing during delivery."""
    whatsapp = config.whatsapp.model_copy(update={"enabled": True})
    admin_config = with_admins(config).model_copy(update={"whatsapp": whatsapp})
    conv = build_conversations(build_services(admin_config, redis, clock, RecordingDispatch()))
    admin = Resident(conv, chat_id=KELURAHAN_ADMIN)
    admin.send("/broadcast")
    said = render(admin.deliver(media_message(admin, kind, megabytes)))
    if refused:
        assert f"{megabytes:g} MB" in said
        assert "paling besar" in said
    else:
        assert "Periksa pengumuman" in said  # on to the preview


def test_without_whatsapp_a_big_document_goes_to_telegram(
    conv: Conversations, admin_services: Services
) -> None:
    """Telegram residents get the file by copy (no download): no limit applies."""
    admin = Resident(conv, chat_id=KELURAHAN_ADMIN)
    admin.send("/broadcast")
    assert "Periksa pengumuman" in render(admin.deliver(media_message(admin, "document", 45)))
