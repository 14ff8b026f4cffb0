"""Issue 14: roles without YAML. Invitation links, accepting, scopes, /peran and revocation,
names; expired, reused and forged links grant nothing."""

from __future__ import annotations

import re

import pytest

from bot.dialogs import Conversations, build_conversations
from bot.people.invites import VALID_HOURS
from bot.platform.addresses import Address
from bot.platform.clock import FixedClock
from bot.platform.config import Config
from bot.platform.messages import Incoming, Reply
from bot.platform.store import Redis
from bot.services import Services
from handlers.wiring import build_services
from tests.support.admins import (
    KECAMATAN_ADMIN,
    KELURAHAN_ADMIN,
    SUPERADMIN,
    RecordingDispatch,
    with_admins,
)
from tests.support.constants import BAGENDUNG, KEBON_DALEM
from tests.support.dialog import Resident

NEWCOMER = 8101
OTHER = 8102
TOKEN = re.compile(r"inv_([A-Za-z0-9_-]{20,40})")


@pytest.fixture
def svc(config: Config, redis: Redis, clock: FixedClock, dispatch: RecordingDispatch) -> Services:
    """The shipped config with admins of every kind; the bot's username is known."""
    services = build_services(with_admins(config), redis, clock, dispatch)
    services.bot_links.set_telegram("kim_cilegon_bot")
    return services


@pytest.fixture
def conv(svc: Services) -> Conversations:
    """The dialogs."""
    return build_conversations(svc)


def person(conv: Conversations, chat_id: int, name: str = "") -> Resident:
    """Someone in a private chat, in English."""
    return Resident(conv, chat_id=chat_id, language_code="en")


def invite_kelurahan_admin(inviter: Resident, kecamatan: str, village: str) -> str:
    """/invite → Kelurahan admin → kecamatan → village → Create link; returns the token."""
    inviter.send("/invite")
    inviter.press("Kelurahan admin")
    if kecamatan:
        inviter.press(kecamatan)
    inviter.press(village)
    assert "Create an invitation to be KIM admin of Kelurahan" in inviter.said()
    inviter.press("Create link")
    said = inviter.said()
    assert "https://t.me/kim_cilegon_bot?start=inv_" in said
    found = TOKEN.search(said)
    assert found is not None
    return found.group(1)


def open_link(conv: Conversations, chat_id: int, token: str, name: str = "Siti Aminah") -> Resident:
    """Someone opens the invitation link (Telegram sends `/start inv_…` with their name)."""
    me = person(conv, chat_id)
    me.deliver(
        Incoming(
            me.address,
            "command",
            text=f"/start inv_{token}",
            command="start",
            args=f"inv_{token}",
            language_code="en",
            name=name,
        )
    )
    return me


def told(dispatch: RecordingDispatch, who: int) -> list[str]:
    """What reached `who` through the notice queue."""
    return [r.text for to, r in dispatch.notified if to == Address.telegram(who)]


def test_a_superadmin_invites_a_kelurahan_admin_who_broadcasts_in_scope_only(
    conv: Conversations, svc: Services, dispatch: RecordingDispatch
) -> None:
    """The invitation shows who invites to what and what is kept; accepting grants the
    role with its granter; the inviter is told; the new admin broadcasts to Bagendung and
    may pick nothing outside it."""
    boss = person(conv, SUPERADMIN)
    token = invite_kelurahan_admin(boss, "Cilegon", "Bagendung")
    me = open_link(conv, NEWCOMER, token)
    said = me.said()
    assert "invites you to be KIM admin of Kelurahan Bagendung" in said
    assert "keeps your name (Siti Aminah)" in said
    assert not svc.roles.is_admin(me.address)  # nothing before the answer
    me.press("Accept")
    assert "You are now KIM admin of Kelurahan Bagendung" in me.said()
    assert svc.roles.scope(me.address) == [BAGENDUNG]
    (grant,) = svc.roles.grants.of(me.address)
    assert (grant.by, grant.kind, grant.scope) == (f"tg:{SUPERADMIN}", "admin", BAGENDUNG)
    assert svc.roles.admin_name(me.address) == "Siti Aminah"
    assert any("Siti Aminah menerima undangan Anda" in t for t in told(dispatch, SUPERADMIN))
    me.send("/broadcast")
    me.deliver(
        Incoming(me.address, "text", text="Posyandu Sabtu", message_id=7, language_code="en")
    )
    assert "Posyandu Sabtu" in me.said()
    assert svc.roles.may_target(me.address, BAGENDUNG)
    assert not svc.roles.may_target(me.address, "36.72.02.1002")
    assert not svc.roles.may_target(me.address, "36.72.02")


def test_the_link_works_once_and_not_after_72_hours(
    conv: Conversations, svc: Services, clock: FixedClock
) -> None:
    """Reused: 'used already'; expired: 'expired on …'; neither grants anything."""
    boss = person(conv, SUPERADMIN)
    token = invite_kelurahan_admin(boss, "Cilegon", "Bagendung")
    first = open_link(conv, NEWCOMER, token)
    first.press("Accept")
    second = open_link(conv, OTHER, token, name="Budi")
    assert "This invitation was used already" in second.said()
    assert not svc.roles.is_admin(second.address)
    late = invite_kelurahan_admin(boss, "Cilegon", "Ciwedus")
    clock.advance(VALID_HOURS * 3600 + 1)
    opened = open_link(conv, OTHER, late, name="Budi")
    assert "This invitation expired on" in opened.said()
    assert not svc.roles.is_admin(opened.address)


def test_a_press_after_expiry_or_after_someone_else_took_it_grants_nothing(
    conv: Conversations, svc: Services, clock: FixedClock
) -> None:
    """The check is made again on Accept: the page shown earlier is not enough."""
    boss = person(conv, SUPERADMIN)
    token = invite_kelurahan_admin(boss, "Cilegon", "Bagendung")
    slow = open_link(conv, NEWCOMER, token)
    quick = open_link(conv, OTHER, token, name="Budi")
    quick.press("Accept")
    slow.press("Accept")
    assert "used already" in slow.said()
    assert not svc.roles.is_admin(slow.address)
    other = invite_kelurahan_admin(boss, "Cilegon", "Ciwedus")
    waiting = open_link(conv, 8103, other)
    clock.advance(VALID_HOURS * 3600 + 1)
    waiting.press("Accept")
    assert "expired" in waiting.said()
    assert not svc.roles.is_admin(waiting.address)


@pytest.mark.parametrize(
    "payload",
    [
        "inv_AAAAAAAAAAAAAAAAAAAAAAAA",  # well formed, never issued
        "inv_x",  # too short
        "inv_" + "A" * 200,  # too long
        "inv_../../kim:roles",  # not a token
        "inv_",
    ],
)
def test_a_forged_link_is_refused_clearly(
    conv: Conversations, svc: Services, redis: Redis, payload: str
) -> None:
    """Not valid: said so, nothing stored about the person, no resident made."""
    me = person(conv, NEWCOMER)
    me.send(f"/start {payload}")
    assert "This invitation link is not valid" in me.said()
    assert not svc.roles.is_admin(me.address)
    assert svc.residents.get(me.address) is None
    assert not list(redis.scan_iter("kim:role:*"))


def test_tokens_are_stored_hashed(conv: Conversations, redis: Redis) -> None:
    """Redis never holds the token itself."""
    boss = person(conv, SUPERADMIN)
    token = invite_kelurahan_admin(boss, "Cilegon", "Bagendung")
    for key in redis.scan_iter("kim:inv:*"):
        assert token not in key
        assert token not in " ".join(str(v) for v in redis.hgetall(key).values())


def test_a_kecamatan_admin_invites_only_inside_their_kecamatan(
    conv: Conversations, svc: Services
) -> None:
    """Kecamatan Cilegon's admin is offered only kelurahan admins, only of Cilegon's
    kelurahan; a forged press for another kecamatan's kelurahan is refused."""
    admin = person(conv, KECAMATAN_ADMIN)
    admin.send("/invite")
    labels = [label for label, _ in admin.buttons]
    assert "Kelurahan admin" in labels
    assert not {"Kecamatan admin", "City admin", "Desk staff"} & set(labels)
    admin.press("Kelurahan admin")  # one kecamatan: its kelurahan at once
    labels = [label for label, _ in admin.buttons]
    assert "Bagendung" in labels
    assert "Kebon Dalem" not in labels  # Kecamatan Purwakarta
    nonce = next(d for _l, d in admin.buttons if ".pick." in d).split(".", 1)[0]
    admin.press_data(f"{nonce}.pick.{KEBON_DALEM}")  # forged: another kecamatan's kelurahan
    assert "That button is no longer active" in admin.said()
    assert not list(svc.redis.scan_iter("kim:inv:*"))
    kelurahan = person(conv, KELURAHAN_ADMIN)
    kelurahan.send("/invite")
    assert "Only superadmins and kecamatan admins can invite" in kelurahan.said()


def test_revocation_takes_effect_on_the_next_press(
    conv: Conversations, svc: Services, dispatch: RecordingDispatch
) -> None:
    """/roles lists the granted role with ✖; revoking tells the holder; their next
    button press in a broadcast they had started is refused."""
    boss = person(conv, SUPERADMIN)
    token = invite_kelurahan_admin(boss, "Cilegon", "Bagendung")
    me = open_link(conv, NEWCOMER, token)
    me.press("Accept")
    me.send("/broadcast")
    me.deliver(Incoming(me.address, "text", text="Kerja bakti", message_id=9, language_code="en"))
    assert me.buttons  # the confirmation, waiting
    boss.send("/roles")
    listed = boss.said()
    assert "Siti Aminah: KIM admin of Kelurahan Bagendung" in listed
    assert "Pengurus KIM Bagendung: KIM admin of Kelurahan Bagendung" in listed
    assert "(from config.yaml)" in listed
    boss.press("✖ 1") if "1. Siti" in listed else boss.press("✖ 2")
    boss.press("Revoke")
    assert "Revoked: Siti Aminah" in boss.said()
    assert any("dicabut oleh" in t for t in told(dispatch, NEWCOMER))
    me.press("✅")
    assert "This command is for KIM admins" in me.said()
    assert not svc.roles.is_admin(me.address)
    assert svc.announcements.recent() == []


def test_staff_invitation_and_the_staff_group_link(conv: Conversations, svc: Services) -> None:
    """A staff invitation makes desk staff; the welcome points to the staff group."""
    svc.bot_links.set_telegram("kim_cilegon_bot", "https://t.me/+staffJoinLink")
    boss = person(conv, SUPERADMIN)
    boss.send("/invite")
    boss.press("Desk staff")
    boss.press("Create link")
    found = TOKEN.search(boss.said())
    assert found is not None
    me = open_link(conv, NEWCOMER, found.group(1), name="Dewi")
    assert "desk staff" in me.said()
    me.press("Accept")
    assert "https://t.me/+staffJoinLink" in me.said()
    assert svc.roles.is_staff(me.address)


def test_declining_tells_the_inviter_and_keeps_nothing(
    conv: Conversations, svc: Services, dispatch: RecordingDispatch, redis: Redis
) -> None:
    """Decline: the link is spent, nothing is kept about the person."""
    boss = person(conv, SUPERADMIN)
    token = invite_kelurahan_admin(boss, "Cilegon", "Bagendung")
    me = open_link(conv, NEWCOMER, token)
    me.press("Decline")
    assert "Nothing was kept about you" in me.said()
    assert any("ditolak" in t for t in told(dispatch, SUPERADMIN))
    assert svc.roles.grants.name(me.address) is None
    # the id as a whole number: a digest (an invitation's key) may contain its digits
    named = re.compile(rf"(?<![0-9a-f]){NEWCOMER}(?![0-9a-f])")
    kept = [k for k in redis.scan_iter(f"kim:*{NEWCOMER}*") if named.search(k)]
    assert not [k for k in kept if not k.startswith("kim:flood:")]


def test_names_are_the_profile_name_until_set_with_nama(conv: Conversations, svc: Services) -> None:
    """/name sets the name cards show; a later profile name does not replace it; residents
    may not use it."""
    boss = person(conv, SUPERADMIN)
    token = invite_kelurahan_admin(boss, "Cilegon", "Bagendung")
    me = open_link(conv, NEWCOMER, token)
    me.press("Accept")
    me.send("/name   Siti   Aminah, S.Pd.  ")
    assert "Your name is now Siti Aminah, S.Pd." in me.said()
    svc.roles.grants.set_name(me.address, "siti_a", edited=False)
    assert svc.roles.admin_name(me.address) == "Siti Aminah, S.Pd."
    stranger = person(conv, 8199)
    stranger.send("/name Budi")
    assert "/name is for KIM admins and desk staff" in stranger.said()
    assert svc.roles.grants.name(stranger.address) is None


def test_roles_and_name_are_the_holders_data(conv: Conversations, svc: Services) -> None:
    """/mydata shows the role and name; /deletedata removes both, and the role with them."""
    boss = person(conv, SUPERADMIN)
    token = invite_kelurahan_admin(boss, "Cilegon", "Bagendung")
    me = open_link(conv, NEWCOMER, token)
    me.press("Accept")
    exported = svc.privacy.export(me.address)
    assert exported["roles"]["name"] == "Siti Aminah"
    assert exported["roles"]["roles"][0]["scope"] == BAGENDUNG
    svc.privacy.erase(me.address)
    assert not svc.roles.is_admin(me.address)
    assert svc.roles.grants.name(me.address) is None
    assert svc.roles.grants.everyone() == []


def test_replies_fit_the_platform(conv: Conversations) -> None:
    """Every button label of the invitation dialogs fits WhatsApp's 20 characters."""
    boss = person(conv, SUPERADMIN)
    boss.send("/invite")
    assert all(len(label) <= 20 for label, _ in boss.buttons)
    reply: list[Reply] = boss.last
    assert reply


def test_the_staff_group_lets_in_staff_only(conv: Conversations, svc: Services) -> None:
    """A join request to the staff group: approved for staff (config.yaml's or invited),
    declined with a private word for anyone else; a revoked staff member is declined."""
    from bot.regions.joins import decide_join
    from tests.support.admins import STAFF

    group = int(Address.parse(svc.config.roles.staff.group or "").chat_id)
    assert decide_join(svc, Address.telegram(STAFF), group, "en").approve
    stranger = decide_join(svc, Address.telegram(NEWCOMER), group, "en")
    assert not stranger.approve
    assert stranger.message is not None
    assert "for desk staff" in stranger.message.text
    grant = svc.roles.grants.grant(Address.telegram(NEWCOMER), "staff", "", f"tg:{SUPERADMIN}", 1.0)
    assert decide_join(svc, Address.telegram(NEWCOMER), group, "en").approve
    svc.roles.grants.revoke(grant.id)
    assert not decide_join(svc, Address.telegram(NEWCOMER), group, "en").approve


def test_an_indonesian_invitation_reads_indonesian(conv: Conversations) -> None:
    """The same invitation for someone whose app speaks Indonesian."""
    boss = person(conv, SUPERADMIN)
    token = invite_kelurahan_admin(boss, "Cilegon", "Bagendung")
    me = Resident(conv, chat_id=NEWCOMER, language_code="id")
    me.send(f"/start inv_{token}")
    said = me.said()
    assert "mengundang Anda menjadi admin KIM Kelurahan Bagendung" in said
    me.press("Terima")
    assert "Selamat datang! Sekarang Anda admin KIM Kelurahan Bagendung" in me.said()


def test_the_inviter_goes_by_their_profile_name(conv: Conversations, svc: Services) -> None:
    """A superadmin from config.yaml (an address only) who opens /undang from their app is
    named by their profile name in the invitation, not by their address."""
    boss = person(conv, SUPERADMIN)
    boss.deliver(
        Incoming(
            boss.address,
            "command",
            text="/invite",
            command="invite",
            language_code="en",
            name="Pak Kadis",
        )
    )
    boss.press("Kelurahan admin")
    boss.press("Cilegon")
    boss.press("Bagendung")
    boss.press("Create link")
    found = TOKEN.search(boss.said())
    assert found is not None
    me = open_link(conv, NEWCOMER, found.group(1))
    assert "Pak Kadis invites you" in me.said()
