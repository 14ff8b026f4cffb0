"""Signing in to the console with the bot's one-time link; sessions, CSRF, log out."""

from __future__ import annotations

from bot.platform.addresses import Address
from bot.platform.clock import FixedClock
from bot.services import Services
from tests.support.admins import KELURAHAN_ADMIN, STAFF, SUPERADMIN
from tests.support.console import Client, csrf_of, sign_in

KADIS = Address.telegram(SUPERADMIN)
SITI = Address.telegram(KELURAHAN_ADMIN)


async def test_a_link_signs_in_once_and_a_reused_link_is_refused(
    client: Client, services: Services
) -> None:
    """The link page uses nothing; the button does; the same link again is 'already used'."""
    token = services.console.issue_link(KADIS, services.clock.now(), valid_seconds=600, per_hour=5)
    assert token is not None
    for _ in range(3):  # a link preview, a mail scanner, the person: none uses it up
        shown = await client.get("/console/masuk", params={"t": token})
        assert shown.status == 200
        assert 'action="/console/masuk"' in await shown.text()
    signed = await client.post("/console/masuk", data={"t": token})
    assert signed.status == 200
    assert signed.url.path == "/console/"
    cookie = signed.history[0].cookies["kim_console"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == "/console"
    assert cookie.value not in str(services.redis.keys("kim:sess:*"))  # stored hashed
    again = await client.post("/console/masuk", data={"t": token})
    assert again.status == 410
    assert "sudah dipakai" in await again.text()
    shown = await client.get("/console/masuk", params={"t": token})
    assert shown.status == 410


async def test_an_expired_link_and_a_forged_one_are_refused(
    client: Client, services: Services, clock: FixedClock
) -> None:
    """Ten minutes later the link is expired; a made-up one is not valid; neither signs in."""
    token = services.console.issue_link(KADIS, clock.now(), valid_seconds=600, per_hour=5)
    assert token is not None
    clock.advance(601)
    late = await client.post("/console/masuk", data={"t": token})
    assert late.status == 410
    assert "kedaluwarsa" in await late.text()
    for forged in ("A" * 24, "", "../../etc", "x" * 5000, token[:-1] + "Z"):
        refused = await client.post("/console/masuk", data={"t": forged})
        assert refused.status in (404, 410)
    home = await client.get("/console/", allow_redirects=False)
    assert home.status == 401
    assert "/konsol" in await home.text()


async def test_without_a_session_no_page_is_served(client: Client, services: Services) -> None:
    """Every page but the sign-in's says how to sign in; a forged cookie is no session."""
    client.session.cookie_jar.update_cookies({"kim_console": "F" * 43})
    for path in ("/console/", "/console/pengumuman", "/console/meja", "/console/audit"):
        response = await client.get(path, allow_redirects=False)
        assert response.status == 401, path
        assert "Sesi Anda sudah berakhir" in await response.text()


async def test_a_revoked_role_ends_the_session_at_the_next_page(
    client: Client, services: Services, clock: FixedClock
) -> None:
    """A staff member granted at run time loses the console with the role."""
    helper = Address.telegram(4242)
    grant = services.roles.grants.grant(helper, "staff", "", by=KADIS, at=clock.now())
    await sign_in(client, services, helper)
    assert (await client.get("/console/")).status == 200
    services.roles.grants.revoke(grant.id)
    gone = await client.get("/console/", allow_redirects=False)
    assert gone.status == 401
    assert services.console.live(helper) == 0


async def test_sessions_end_after_idle_time_and_at_the_latest_after_hours(
    client: Client, services: Services, clock: FixedClock
) -> None:
    """29 minutes between pages is fine; 30 is not. A busy session still ends at 12 h."""
    await sign_in(client, services, KADIS)
    clock.advance(29 * 60)
    assert (await client.get("/console/")).status == 200
    clock.advance(30 * 60)
    assert (await client.get("/console/", allow_redirects=False)).status == 401
    await sign_in(client, services, KADIS)
    statuses = []
    for _ in range(12 * 3):  # a page every 20 minutes for 12 hours
        clock.advance(20 * 60)
        statuses.append((await client.get("/console/", allow_redirects=False)).status)
    assert statuses == [200] * 35 + [401]


async def test_a_forged_csrf_token_changes_nothing(client: Client, services: Services) -> None:
    """Log out everywhere with a wrong token, or from another origin, does not log out."""
    csrf = await sign_in(client, services, KADIS)
    wrong = await client.post("/console/keluar-semua", data={"csrf": csrf[:-2] + "xx"})
    assert wrong.status == 403
    missing = await client.post("/console/keluar-semua", data={})
    assert missing.status == 403
    elsewhere = await client.post(
        "/console/keluar-semua", data={"csrf": csrf}, headers={"Origin": "https://evil.example"}
    )
    assert elsewhere.status == 403
    assert services.console.live(KADIS) == 1
    assert (await client.get("/console/")).status == 200


async def test_log_out_and_log_out_everywhere(
    client: Client, services: Services, second_client: Client
) -> None:
    """Log out ends this session; everywhere ends the phone's and the laptop's."""
    csrf = await sign_in(client, services, KADIS)
    await sign_in(second_client, services, KADIS)
    assert services.console.live(KADIS) == 2
    out = await client.post("/console/keluar", data={"csrf": csrf})
    assert out.status == 200
    assert "Anda sudah keluar" in await out.text()
    assert services.console.live(KADIS) == 1
    csrf = await sign_in(client, services, KADIS)
    everywhere = await client.post("/console/keluar-semua", data={"csrf": csrf})
    assert everywhere.status == 200
    assert services.console.live(KADIS) == 0
    laptop = await second_client.get("/console/", allow_redirects=False)
    assert laptop.status == 401


async def test_every_response_carries_the_security_headers(
    client: Client, services: Services
) -> None:
    """CSP without scripts, no framing, no referrer, no caching; on errors too."""
    await sign_in(client, services, Address.telegram(STAFF))
    for path in ("/console/", "/console/masuk?t=nope", "/console/static/console.css"):
        response = await client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp
        assert "script-src" not in csp  # falls back to 'none'
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "same-origin"
    page = await (await client.get("/console/")).text()
    assert "<script" not in page
    assert " style=" not in page


async def test_the_language_switch_and_a_resident_language(
    client: Client, services: Services
) -> None:
    """Indonesian first; English on request; the next parameter stays inside the console."""
    await sign_in(client, services, KADIS)
    first = await (await client.get("/console/")).text()
    assert 'lang="id"' in first
    assert "Dasbor" in first
    english = await client.get("/console/bahasa/en", params={"next": "/console/"})
    assert 'lang="en"' in await english.text()
    away = await client.get(
        "/console/bahasa/en", params={"next": "https://evil.example/"}, allow_redirects=False
    )
    assert away.headers["Location"] == "/console/"
    csrf_of(await english.text())


async def test_a_signin_is_in_the_audit_trail(client: Client, services: Services) -> None:
    """Who signed in, when, as what."""
    await sign_in(client, services, SITI)
    entries = services.audit.entries(0, services.clock.now() + 1, action_prefix="console.")
    assert [(e.action, e.actor, e.role) for e in entries] == [
        ("console.signed_in", str(SITI), "admin")
    ]
