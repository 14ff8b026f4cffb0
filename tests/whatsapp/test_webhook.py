"""The webhook over HTTP: verification, signatures, bad bodies, every message kind, statuses,
redelivery, and what goes out to the Graph API."""

from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator

import pytest

from bot.platform.addresses import Address
from bot.platform.messages import MediaRef
from bot.platform.store import Redis
from handlers.bodies import MAX_BODY
from handlers.whatsapp.ids import digest
from handlers.whatsapp.links import poster_link, village_payload
from handlers.whatsapp.render import BUTTON_TITLE_LIMIT, ROW_TITLE_LIMIT
from handlers.whatsapp.updates import DeliveryStatus
from handlers.whatsapp.webhook import SIGNATURE_HEADER, WEBHOOK_PATH
from tests.support.constants import (
    BAGENDUNG,
    WA_APP_SECRET,
    WA_BUSINESS_NUMBER,
    WA_PHONE_NUMBER_ID,
    WA_TOKEN,
    WA_VERIFY_TOKEN,
)
from tests.support.webhooks import Payloads, Person, encode, sign
from tests.support.whatsapp import BREAKS_THE_CORE, WhatsAppDriver, WhatsAppWorld, shown


def snapshot(redis: Redis) -> dict[str, str]:
    """Every key with its type, to prove that nothing changed."""
    return {str(k): str(redis.type(k)) for k in redis.scan_iter()}


async def test_verification_echoes_the_challenge(world: WhatsAppWorld) -> None:
    """Meta's GET with the right verify token gets its challenge back as text/plain."""
    query = {
        "hub.mode": "subscribe",
        "hub.verify_token": WA_VERIFY_TOKEN,
        "hub.challenge": "1158201444",
    }
    response = await world.client.get(WEBHOOK_PATH, params=query)
    assert response.status == 200
    assert response.content_type == "text/plain"
    assert await response.text() == "1158201444"


@pytest.mark.parametrize(
    "query",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {
            "hub.mode": "subscribe",
            "hub.verify_token": WA_VERIFY_TOKEN.upper(),
            "hub.challenge": "1",
        },
        {"hub.mode": "unsubscribe", "hub.verify_token": WA_VERIFY_TOKEN, "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.verify_token": WA_VERIFY_TOKEN},
        {"hub.mode": "subscribe", "hub.verify_token": "ŧøķęñ", "hub.challenge": "1"},
        {},
    ],
)
async def test_verification_refused(world: WhatsAppWorld, query: dict[str, str]) -> None:
    """A wrong or missing token, mode or challenge gets 403 and no echo."""
    response = await world.client.get(WEBHOOK_PATH, params=query)
    assert response.status == 403


async def test_unsigned_post_is_refused_and_changes_nothing(
    world: WhatsAppWorld, redis: Redis, siti: Person
) -> None:
    """No signature: 403, nothing handled, nothing sent, no Redis key touched."""
    before = snapshot(redis)
    status, _ = await world.post(world.payloads.text(siti, "/start"), signature=None)
    assert status == 403
    assert world.incoming == []
    assert world.graph.sent == []
    assert snapshot(redis) == before


@pytest.mark.parametrize("how", ["tampered", "other secret", "sha1", "garbage", "empty"])
async def test_bad_signatures_are_refused(
    world: WhatsAppWorld, redis: Redis, siti: Person, how: str
) -> None:
    """A body changed after signing, another app's secret, or a malformed header: 403."""
    body = encode(world.payloads.text(siti, "/start"))
    signature = {
        "tampered": sign(body),
        "other secret": sign(body, WA_APP_SECRET[::-1]),
        "sha1": sign(body).replace("sha256=", "sha1="),
        "garbage": "sha256=zz",
        "empty": "",
    }[how]
    if how == "tampered":
        body = body.replace(b"/start", b"/stop!")
    before = snapshot(redis)
    status, _ = await world.post(body, signature=signature)
    assert status == 403
    assert world.incoming == []
    assert snapshot(redis) == before


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"\xff\xfe\x00garbage",
        b"[1, 2]",
        b'{"object": "page", "entry": []}',
        b'{"object": "whatsapp_business_account"}',
        b'{"object": "whatsapp_business_account", "entry": {}}',
    ],
)
async def test_signed_but_malformed_bodies_are_400(world: WhatsAppWorld, body: bytes) -> None:
    """Properly signed, but not JSON or not a WhatsApp Business Account payload: 400."""
    status, _ = await world.post(body)
    assert status == 400
    assert world.incoming == []


async def test_oversized_body_is_413(world: WhatsAppWorld) -> None:
    """More than 1 MiB is refused before the signature is checked, with or without a length."""
    body = b'{"object": "whatsapp_business_account", "pad": "' + b"x" * MAX_BODY + b'"}'
    headers = {SIGNATURE_HEADER: sign(body)}
    response = await world.client.post(WEBHOOK_PATH, data=io.BytesIO(body), headers=headers)
    assert response.status == 413

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 256 * 1024):
            yield body[start : start + 256 * 1024]

    response = await world.client.post(WEBHOOK_PATH, data=chunks(), headers=headers)
    assert response.status == 413
    assert world.incoming == []


async def test_other_fields_and_numbers_are_acknowledged_and_ignored(
    world: WhatsAppWorld, siti: Person
) -> None:
    """Another phone number's messages, and non-message fields, get 200 and no answer."""
    other = Payloads(phone_number_id="999999999999999")
    assert (await world.deliver(other.text(siti, "/start"))) == []
    account_update = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "account_update", "value": {"x": 1}}]}],
    }
    assert (await world.deliver(account_update)) == []
    assert world.incoming == []


async def test_text_from_a_newcomer_starts_onboarding_with_a_list(
    world: WhatsAppWorld, siti: Person
) -> None:
    """Four languages are a list message: one section, ids are the choice data."""
    sent = await world.deliver(world.payloads.text(siti, "halo"))
    assert world.incoming[0].kind == "text"
    assert world.incoming[0].address == Address("wa", siti.user_id)
    assert len(sent) == 1
    message = sent[0]
    assert message.kind == "list"
    assert message.body["recipient"] == siti.user_id
    assert "to" not in message.body
    assert message.authorization == f"Bearer {WA_TOKEN}"
    assert message.url == f"http://graph.test/v26.0/{WA_PHONE_NUMBER_ID}/messages"
    action = message.body["interactive"]["action"]
    assert len(action["button"]) <= 20
    rows = action["sections"][0]["rows"]
    assert [r["title"] for r in rows] == ["Bahasa Indonesia", "English", "Basa Sunda", "Basa Jawa"]
    assert all(r["id"].endswith((".lang.id", ".lang.en", ".lang.su", ".lang.jv")) for r in rows)
    assert message.text.startswith("*Selamat datang di KIM Kota Cilegon!*\n\n")


async def test_start_with_a_deep_link_payload_asks_consent_with_buttons(
    world: WhatsAppWorld, siti: Person
) -> None:
    """`/start kel_…` skips the language: consent comes as three reply buttons."""
    sent = await world.deliver(world.payloads.text(siti, "/start kel_3672021001"))
    first = world.incoming[0]
    assert (first.kind, first.command, first.args) == ("command", "start", "kel_3672021001")
    consent = sent[-1]
    assert consent.kind == "button"
    buttons = consent.body["interactive"]["action"]["buttons"]
    assert len(buttons) == 3
    assert all(len(b["reply"]["title"]) <= BUTTON_TITLE_LIMIT for b in buttons)
    assert buttons[0]["reply"]["title"] == "✅ Saya setuju"
    assert len(consent.text) <= 1024


async def test_poster_link_text_subscribes_like_a_deep_link(
    world: WhatsAppWorld, siti: Person
) -> None:
    """The prefilled text of the poster link, then one button press: subscribed."""
    link = poster_link(world.channel.services.config.whatsapp, village_payload(BAGENDUNG))
    assert link == f"https://wa.me/{WA_BUSINESS_NUMBER}?text=DAFTAR%20kel_3672021001"
    me = WhatsAppDriver(world, siti)
    await me.say("DAFTAR kel_3672021001")
    assert world.incoming[0].command == "start"
    await me.press("✅")
    assert "Kelurahan Bagendung" in me.shown()
    residents = world.channel.services.residents
    assert residents.is_subscriber(Address("wa", siti.user_id), BAGENDUNG)


async def test_media_and_other_kinds_reach_the_core_as_their_kind(
    world: WhatsAppWorld, siti: Person
) -> None:
    """Each WhatsApp message type becomes the `Incoming` kind the core expects."""
    p = world.payloads
    for payload in (
        p.image(siti, caption="foto jalan rusak"),
        p.document(siti),
        p.video(siti),
        p.voice(siti),
        p.sticker(siti),
        p.location(siti),
        p.contacts(siti),
        p.reaction(siti),
        p.unsupported(siti),
        p.text(siti, "/start", forwarded=True),
    ):
        await world.deliver(payload)
    kinds = [m.kind for m in world.incoming]
    assert kinds == [
        "photo",
        "document",
        "video",
        "voice",
        "sticker",
        "location",
        "contact",
        "other",
        "other",
        "text",
    ]
    photo = world.incoming[0]
    assert photo.media == MediaRef("photo", "1479537139650973", None, "image/jpeg")
    assert photo.text == "foto jalan rusak"
    assert world.incoming[1].media == MediaRef(
        "document", "1003383421387256", None, "application/pdf"
    )
    assert world.incoming[5].location == (-6.0025, 106.0111)
    assert world.incoming[9].forwarded


async def test_sticker_during_onboarding_changes_nothing(
    world: WhatsAppWorld, redis: Redis, siti: Person
) -> None:
    """A sticker or a photo mid-onboarding gets a pointer to the choices; the step stays."""
    await world.deliver(world.payloads.text(siti, "/start"))
    state = redis.get(f"kim:dlg:wa:{siti.user_id}")
    for payload in (world.payloads.sticker(siti), world.payloads.image(siti)):
        sent = await world.deliver(payload)
        assert "Silakan tekan salah satu tombol" in shown(sent)
    assert redis.get(f"kim:dlg:wa:{siti.user_id}") == state


async def test_statuses_reach_the_callback_typed(
    world: WhatsAppWorld, statuses: list[DeliveryStatus], siti: Person
) -> None:
    """Sent/delivered/read/failed webhooks become `DeliveryStatus` records, in order."""
    p = world.payloads
    for status in ("sent", "delivered", "read"):
        await world.deliver(p.status(siti, "wamid.out1", status, tracker="b:17"))
    await world.deliver(p.status(siti, "wamid.out2", "failed", error_code=131047))
    assert [s.status for s in statuses] == ["sent", "delivered", "read", "failed"]
    assert statuses[0].recipient == Address("wa", siti.user_id)
    assert statuses[0].tracker == "b:17"
    assert statuses[0].pricing_category == "service"
    assert statuses[3].error_code == 131047
    assert statuses[3].error_title == "Re-engagement message"
    assert siti.user_id not in repr(statuses[0])
    assert world.incoming == []
    assert world.graph.sent == []


async def test_redelivered_message_is_handled_once(
    world: WhatsAppWorld, redis: Redis, siti: Person
) -> None:
    """The same message id twice produces one answer; the marker key hides the id."""
    payload = world.payloads.text(siti, "/start")
    first = await world.deliver(payload)
    second = await world.deliver(payload)
    assert len(first) == 1
    assert second == []
    assert len(world.incoming) == 1
    message_id = payload["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
    key = f"kim:seen:wa:{digest(message_id)}"
    assert redis.get(key) == "d"
    assert 0 < redis.ttl(key) <= 24 * 3600
    assert not any(message_id in str(k) for k in redis.scan_iter())


async def test_one_body_with_two_messages_handles_both(
    world: WhatsAppWorld, siti: Person, budi: Person
) -> None:
    """Meta may batch messages; every one is handled, each with its own sender."""
    p = world.payloads
    value = {
        "contacts": [p.contact(siti), p.contact(budi)],
        "messages": [
            p.raw_message(person, "text", {"text": {"body": "/start"}}) for person in (siti, budi)
        ],
    }
    await world.deliver(p.envelope(value))
    assert [m.address.chat_id for m in world.incoming] == [siti.user_id, budi.user_id]
    assert {s.recipient for s in world.graph.sent} == {siti.user_id, budi.user_id}


async def test_legacy_payload_without_bsuid_is_keyed_on_the_phone_number(
    world: WhatsAppWorld,
) -> None:
    """Before the BSUID roll-out only `wa_id`/`from` exist: that is the id, sent via `to`."""
    legacy = Person(user_id="unused", phone="6285700001111", bsuid_fields=False)
    sent = await world.deliver(world.payloads.text(legacy, "/start"))
    assert world.incoming[0].address == Address("wa", "6285700001111")
    assert sent[0].body["to"] == "6285700001111"
    assert "recipient" not in sent[0].body


async def test_username_user_without_phone_is_answered_by_bsuid(
    world: WhatsAppWorld, budi: Person
) -> None:
    """No phone number in the webhook: the BSUID is the address and the recipient."""
    sent = await world.deliver(world.payloads.text(budi, "/start"))
    assert world.incoming[0].address == Address("wa", budi.user_id)
    assert sent[0].body["recipient"] == budi.user_id


async def test_list_rows_stay_within_whatsapp_limits(world: WhatsAppWorld, siti: Person) -> None:
    """Kecamatan and kelurahan lists: ≤ 10 rows, titles ≤ 24, ids are our choice data."""
    me = WhatsAppDriver(world, siti)
    await me.say("/start")
    await me.press("Bahasa Indonesia")
    await me.press("✅")
    kecamatan = me.last[-1]
    assert kecamatan.kind == "list"
    rows = kecamatan.choices
    assert 0 < len(rows) <= 10
    assert all(len(title) <= ROW_TITLE_LIMIT for _, title, _ in rows)
    nonce = rows[0][0].split(".")[0]
    assert all(data.startswith(nonce + ".") for data, _, _ in rows)


async def test_stale_button_gets_a_plain_text_notice(world: WhatsAppWorld, siti: Person) -> None:
    """A toast on Telegram is a short text message on WhatsApp; nothing else changes."""
    await world.deliver(world.payloads.text(siti, "/start"))
    sent = await world.deliver(world.payloads.button_reply(siti, "ffffff.lang.id", "Old"))
    assert [s.kind for s in sent] == ["text"]
    assert "Tombol itu sudah tidak aktif" in sent[0].text


async def test_a_failure_in_the_core_is_logged_and_apologised_for(
    world: WhatsAppWorld, siti: Person, caplog: pytest.LogCaptureFixture
) -> None:
    """The resident hears that something broke; the next message is handled normally."""
    with caplog.at_level(logging.ERROR):
        sent = await world.deliver(world.payloads.text(siti, BREAKS_THE_CORE))
    assert len(sent) == 1
    assert sent[0].text.startswith("Maaf, terjadi gangguan di sistem kami.")
    assert any("the core failed" in r.getMessage() for r in caplog.records)
    assert (await world.deliver(world.payloads.text(siti, "/start")))[0].kind == "list"


async def test_logs_name_no_resident_message_or_secret(
    world: WhatsAppWorld, siti: Person, caplog: pytest.LogCaptureFixture
) -> None:
    """A whole exchange at DEBUG: ids, phone numbers, texts and secrets stay out of logs."""
    p = world.payloads
    payload = p.text(siti, "/start kel_3672021001")
    message_id = payload["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
    world.graph.failures = [(400, 131009)]
    with caplog.at_level(logging.DEBUG):
        await world.deliver(payload)
        await world.deliver(payload)
        await world.deliver(p.status(siti, "wamid.out1", "read"))
        await world.post(encode(payload), signature="sha256=00")
    logged = "\n".join(f"{r.name} {r.getMessage()}" for r in caplog.records)
    assert "already handled" in logged
    assert "131009" in logged
    for private in (siti.user_id, str(siti.phone), message_id, "kel_3672021001", WA_TOKEN):
        assert private not in logged
    for secret in (WA_APP_SECRET, WA_VERIFY_TOKEN):
        assert secret not in logged
