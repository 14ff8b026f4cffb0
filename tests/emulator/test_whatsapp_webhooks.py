"""Webhooks from the WhatsApp stand-in: signed statuses (in order or shuffled), retries,
failed statuses, and inbound people's actions read by KIM Bot's own parser."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest
from pywa_async.types.callback import Button, Section, SectionList, SectionRow

from handlers.whatsapp.convert import incoming
from handlers.whatsapp.updates import InboundMessage, parse_webhook
from tests.support.constants import SITI_BSUID, SITI_PHONE, WA_PHONE_NUMBER_ID
from tests.support.stand_in import Receiver, Stand, add_siti, running_stand


async def until(check: Callable[[], bool], seconds: float = 5.0) -> None:
    """Wait until `check()` is true (webhooks arrive asynchronously)."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for webhooks")
        await asyncio.sleep(0.01)


def parsed_messages(receiver: Receiver) -> list[InboundMessage]:
    """Every inbound message KIM Bot's parser reads from the received bodies."""
    return [m for body in receiver.bodies for m in parse_webhook(body, WA_PHONE_NUMBER_ID).messages]


async def test_statuses_arrive_signed_and_in_order(stand: Stand) -> None:
    """sent → delivered → read per message, each POST signed with the app secret."""
    await add_siti(stand.sim)
    first = await stand.wa.send_message(to=SITI_PHONE, text="Satu")
    second = await stand.wa.send_message(to=SITI_BSUID, text="Dua", tracker="bc:7")
    await until(lambda: len(stand.receiver.statuses()) == 6)
    assert all(stand.receiver.signed)
    statuses = [
        s
        for body in stand.receiver.bodies
        for s in parse_webhook(body, WA_PHONE_NUMBER_ID).statuses
    ]
    by_message = {
        m: [s.status for s in statuses if s.message_id == m] for m in (first.id, second.id)
    }
    assert by_message == {
        first.id: ["sent", "delivered", "read"],
        second.id: ["sent", "delivered", "read"],
    }
    assert {str(s.recipient) for s in statuses} == {f"wa:{SITI_BSUID}"}
    assert {s.tracker for s in statuses if s.message_id == second.id} == {"bc:7"}
    assert {s.pricing_category for s in statuses if s.status != "read"} == {"service"}
    messages = await stand.sim.wa_messages(SITI_PHONE, from_business=1)
    assert [m["status"] for m in messages] == ["read", "read"]


async def test_statuses_can_be_shuffled(stand: Stand) -> None:
    """With status_order=shuffled the statuses of a message come in a random order."""
    await add_siti(stand.sim)
    await stand.sim.wa_config(status_order="shuffled", shuffle_seed=3)
    sent = [await stand.wa.send_message(to=SITI_PHONE, text=f"pesan {n}") for n in range(8)]
    await until(lambda: len(stand.receiver.statuses()) == 24)
    orders = {
        tuple(s["status"] for s in stand.receiver.statuses() if s["id"] == message.id)
        for message in sent
    }
    assert all(sorted(order) == ["delivered", "read", "sent"] for order in orders)
    assert orders != {("sent", "delivered", "read")}
    # whatever the order, the conversation ends at the furthest status
    messages = await stand.sim.wa_messages(SITI_PHONE, from_business=1)
    assert {m["status"] for m in messages} == {"read"}


async def test_blocked_person_gets_a_failed_status_not_an_error(stand: Stand) -> None:
    """Meta accepts a message to someone who blocked the business, then reports 131026."""
    await add_siti(stand.sim)
    await stand.sim.wa_block(SITI_BSUID)
    sent = await stand.wa.send_message(to=SITI_PHONE, text="Halo?")
    await until(lambda: len(stand.receiver.statuses()) == 1)
    [status] = parse_webhook(stand.receiver.bodies[-1], WA_PHONE_NUMBER_ID).statuses
    assert (status.message_id, status.status, status.error_code) == (sent.id, "failed", 131026)
    assert (await stand.sim.call("GET", "/sim/wa/deliveries"))["total"] == 0
    with pytest.raises(Exception, match="unblock"):
        await stand.sim.wa_send(SITI_BSUID, "halo")


async def test_failures_as_statuses_mode(receiver: Receiver) -> None:
    """With failures_as_statuses, 131047 comes back as an accepted send and a failed status."""
    async with running_stand(receiver, failures_as_statuses=True, status_stages=["sent"]) as s:
        await add_siti(s.sim, write=False)
        sent = await s.wa.send_message(to=SITI_PHONE, text="Halo")
        unknown = await s.wa.send_message(to="6280000000000", text="Siapa?")
        await until(lambda: len(receiver.statuses()) == 2)
    codes = {s["id"]: s["errors"][0]["code"] for s in receiver.statuses()}
    assert codes == {sent.id: 131047, unknown.id: 131026}
    assert receiver.statuses()[0]["errors"][0]["title"] == "Re-engagement message"


async def test_inbound_actions_are_payloads_kim_bot_parses(stand: Stand) -> None:
    """Text, deep link, button, list row, image and location → KIM Bot's records."""
    sim, wa = stand.sim, stand.wa
    await add_siti(sim)  # sends "DAFTAR kel_3672021001"
    await wa.send_message(
        to=SITI_PHONE,
        text="Setuju?",
        buttons=[Button("✅ Ya", callback_data="n.yes"), Button("Tidak", callback_data="n.no")],
    )
    await sim.wa_press(SITI_BSUID, title="✅ Ya")
    listed = await wa.send_message(
        to=SITI_PHONE,
        text="Pilih:",
        buttons=SectionList("Pilih", [Section("A", [SectionRow("Cilegon", "k.2")])]),
    )
    await sim.wa_pick(SITI_BSUID, id="k.2")
    await sim.wa_send(SITI_BSUID, image=True, caption="Jalan rusak")
    await sim.wa_send(
        SITI_BSUID, location={"latitude": -6.0025, "longitude": 106.0111, "name": "Alun"}
    )
    await sim.wa_send(SITI_BSUID, "/bahasa", forwarded=True)
    await until(lambda: len(parsed_messages(stand.receiver)) == 6)
    assert all(stand.receiver.signed)

    body = next(
        b for b in stand.receiver.bodies if "messages" in b["entry"][0]["changes"][0]["value"]
    )
    value = body["entry"][0]["changes"][0]["value"]
    assert value["metadata"]["phone_number_id"] == WA_PHONE_NUMBER_ID
    assert value["contacts"] == [
        {"profile": {"name": "Siti"}, "wa_id": SITI_PHONE, "user_id": SITI_BSUID}
    ]

    parsed = parsed_messages(stand.receiver)
    assert {str(m.address) for m in parsed} == {f"wa:{SITI_BSUID}"}
    assert {m.phone for m in parsed} == {SITI_PHONE}
    start, press, pick, photo, place, forwarded = (incoming(m) for m in parsed)
    assert (start.kind, start.command, start.args) == ("command", "start", "kel_3672021001")
    assert (press.kind, press.button) == ("button", "n.yes")
    assert (pick.kind, pick.button) == ("button", "k.2")
    assert parsed[2].content["context"]["id"] == listed.id
    assert photo.kind == "photo"
    assert photo.text == "Jalan rusak"
    assert photo.media is not None
    media = await wa.get_media_url(photo.media.file_id)
    assert (await wa.get_media_bytes(media.url)).startswith(b"\x89PNG")
    assert place.kind == "location"
    assert place.location == (-6.0025, 106.0111)
    assert forwarded.kind == "text"
    assert forwarded.forwarded


async def test_people_without_bsuid_or_without_phone(stand: Stand) -> None:
    """Pre-roll-out people carry only wa_id; username adopters only their BSUID."""
    old = await stand.sim.wa_user("Pak Lama", wa_id="6281399990000", bsuid=False)
    hidden = await stand.sim.wa_user("Anon", user_id="ID.1000000000000001")
    assert old["user_id"] is None
    assert hidden["wa_id"] is None
    await stand.sim.wa_send(old["key"], "halo")
    await stand.sim.wa_send(hidden["key"], "halo")
    await until(lambda: len(parsed_messages(stand.receiver)) == 2)
    first, second = parsed_messages(stand.receiver)
    assert (str(first.address), first.phone) == ("wa:6281399990000", "6281399990000")
    assert (str(second.address), second.phone) == ("wa:ID.1000000000000001", None)
    await stand.wa.send_message(to="ID.1000000000000001", text="Halo Anon")


async def test_non_2xx_answers_are_retried(stand: Stand) -> None:
    """A 500 from the bot is retried; the webhook log shows the attempts."""
    stand.receiver.fail_next = 2
    await add_siti(stand.sim)
    await until(lambda: len(stand.receiver.bodies) == 1)
    [record] = await stand.sim.wa_webhooks(kind="message", wait=5)
    assert (record["attempts"], record["delivered"], record["http_status"]) == (3, True, 200)
    stand.receiver.fail_next = 10
    await stand.sim.wa_send(SITI_BSUID, "lagi")
    records = await stand.sim.wa_webhooks(kind="message", after=record["seq"], wait=5)
    assert records[0]["delivered"] is False
    assert records[0]["attempts"] == 4
    assert "500" in records[0]["error"]


async def test_long_poll_for_the_business_reply(stand: Stand) -> None:
    """`wait` returns as soon as the business answers."""
    await add_siti(stand.sim)

    async def answer_later() -> None:
        await asyncio.sleep(0.1)
        await stand.wa.send_message(to=SITI_PHONE, text="Balasan")

    task = asyncio.create_task(answer_later())
    started = time.monotonic()
    reply = await stand.sim.wa_next_business_message(SITI_BSUID, after=1, seconds=5)
    await task
    assert reply is not None
    assert reply["text"] == "Balasan"
    assert time.monotonic() - started < 2
