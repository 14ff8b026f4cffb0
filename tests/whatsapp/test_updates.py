"""Parsing webhook bodies (identity, skipping, batching) and converting messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot.platform.addresses import Address
from bot.platform.config import WhatsApp
from handlers.whatsapp.convert import incoming, parse_command
from handlers.whatsapp.links import komunitas_payload, poster_link, start_payload, village_payload
from handlers.whatsapp.updates import PayloadError, parse_webhook
from tests.support.constants import (
    BAGENDUNG,
    CILEGON,
    WA_BUSINESS_NUMBER,
    WA_PHONE_NUMBER_ID,
)
from tests.support.webhooks import SITI, Payloads, Person

P = Payloads()


def value_of(body: dict[str, Any]) -> dict[str, Any]:
    """The single change value of a body."""
    value: dict[str, Any] = body["entry"][0]["changes"][0]["value"]
    return value


def test_identity_prefers_the_business_scoped_id() -> None:
    """`from_user_id` (or the contact's `user_id`) is the address; the phone stays aside."""
    batch = parse_webhook(P.text(SITI, "halo"), WA_PHONE_NUMBER_ID)
    (message,) = batch.messages
    assert message.address == Address("wa", SITI.user_id)
    assert message.phone == SITI.phone
    assert SITI.user_id not in repr(message)
    assert str(SITI.phone) not in repr(message)
    body = P.text(SITI, "halo")
    del value_of(body)["messages"][0]["from_user_id"]
    assert parse_webhook(body, WA_PHONE_NUMBER_ID).messages[0].address.chat_id == SITI.user_id


def test_contacts_are_matched_to_their_own_message() -> None:
    """With two senders in one body, each message gets its own contact's BSUID."""
    other = Person(user_id="ID.99", phone="6289900000000")
    value = {
        "contacts": [P.contact(SITI), P.contact(other)],
        "messages": [
            P.raw_message(other, "text", {"text": {"body": "a"}}),
            P.raw_message(SITI, "text", {"text": {"body": "b"}}),
        ],
    }
    for message in value["messages"]:
        del message["from_user_id"]
    batch = parse_webhook(P.envelope(value), WA_PHONE_NUMBER_ID)
    assert [m.address.chat_id for m in batch.messages] == ["ID.99", SITI.user_id]


def in_a_group(value: dict[str, Any]) -> None:
    """A message in a WhatsApp group."""
    value["messages"][0]["group_id"] = "Y2FwaV9ncm91cDox"


def a_system_message(value: dict[str, Any]) -> None:
    """'User changed their number' (system messages carry no contacts)."""
    value["messages"][0].update(type="system", system={"type": "user_changed_number"})


def without_id(value: dict[str, Any]) -> None:
    """A message without its id."""
    del value["messages"][0]["id"]


def without_usable_sender(value: dict[str, Any]) -> None:
    """Neither a valid BSUID nor a phone number anywhere."""
    value["contacts"] = []
    value["messages"][0].update({"from_user_id": "not valid!", "from": "x y"})


def for_another_number(value: dict[str, Any]) -> None:
    """Another phone number of the same Meta app."""
    value["metadata"]["phone_number_id"] = "1"


@pytest.mark.parametrize(
    "change", [in_a_group, a_system_message, without_id, without_usable_sender, for_another_number]
)
def test_messages_that_are_not_a_residents_are_skipped(
    change: Callable[[dict[str, Any]], None],
) -> None:
    """Group, system, id-less, sender-less, and other numbers' messages are left out."""
    body = P.text(SITI, "halo")
    change(value_of(body))
    assert parse_webhook(body, WA_PHONE_NUMBER_ID).messages == ()


@pytest.mark.parametrize(
    "body", [None, [], {"object": "page"}, {"object": "whatsapp_business_account"}]
)
def test_non_waba_bodies_are_payload_errors(body: Any) -> None:
    """Only a WhatsApp Business Account webhook with an entry list is accepted."""
    with pytest.raises(PayloadError):
        parse_webhook(body, WA_PHONE_NUMBER_ID)


def test_junk_inside_a_valid_envelope_is_ignored_not_fatal() -> None:
    """Odd items are skipped one by one; the rest of the body still counts."""
    body = P.text(SITI, "halo")
    value = value_of(body)
    value["messages"].insert(0, "junk")
    value["statuses"] = [None, {"id": "wamid.x"}, {"status": "read"}]
    body["entry"].insert(0, {"changes": "nope"})
    body["entry"].append("junk")
    batch = parse_webhook(body, WA_PHONE_NUMBER_ID)
    assert len(batch.messages) == 1
    assert batch.statuses == ()


def test_failed_status_without_contacts_uses_recipient_user_id() -> None:
    """Failed statuses carry no contacts array; the BSUID comes from the status itself."""
    body = P.status(SITI, "wamid.out9", "failed", error_code=131026)
    (status,) = parse_webhook(body, WA_PHONE_NUMBER_ID).statuses
    assert (status.status, status.error_code) == ("failed", 131026)
    assert status.recipient == Address("wa", SITI.user_id)
    del value_of(body)["statuses"][0]["recipient_user_id"]
    (legacy,) = parse_webhook(body, WA_PHONE_NUMBER_ID).statuses
    assert legacy.recipient == Address("wa", str(SITI.phone))


def test_commands_and_poster_texts() -> None:
    """Slash commands like Telegram; start keywords with a payload become /start."""
    assert parse_command("/Start kel_3672021001") == ("start", "kel_3672021001")
    assert parse_command("/") is None
    assert parse_command("/1 2") == ("1", "2")
    assert parse_command("/halo-apa") is None
    assert start_payload("DAFTAR kel_3672021001") == "kel_3672021001"
    assert start_payload("  mulai   kom_sepeda-onthel ") == "kom_sepeda-onthel"
    assert start_payload("Start") == ""
    assert start_payload("daftar dong") is None
    assert start_payload("daftar kel_36 lagi") is None
    assert start_payload("halo") is None
    converted = incoming(
        parse_webhook(P.text(SITI, "Daftar kel_3672021001"), WA_PHONE_NUMBER_ID).messages[0]
    )
    assert (converted.kind, converted.command, converted.args) == (
        "command",
        "start",
        "kel_3672021001",
    )
    forwarded = parse_webhook(P.text(SITI, "DAFTAR kel_1", forwarded=True), WA_PHONE_NUMBER_ID)
    assert incoming(forwarded.messages[0]).kind == "text"


def test_odd_contents_become_other() -> None:
    """Interactive replies without ids, nfm replies, bad coordinates: kind other."""
    cases: list[tuple[str, dict[str, Any]]] = [
        ("interactive", {"interactive": {"type": "button_reply", "button_reply": {}}}),
        ("interactive", {"interactive": {"type": "nfm_reply", "nfm_reply": {"name": "flow"}}}),
        ("location", {"location": {"latitude": "x", "longitude": 1}}),
        ("location", {"location": {"latitude": 91.0, "longitude": 1.0}}),
        ("button", {"button": {"text": "Ya"}}),
        ("request_welcome", {}),
    ]
    for kind, content in cases:
        message = parse_webhook(P.message(SITI, kind, content), WA_PHONE_NUMBER_ID).messages[0]
        assert incoming(message).kind == "other", kind
    quick = P.message(SITI, "button", {"button": {"text": "Ya", "payload": "tpl.yes"}})
    converted = incoming(parse_webhook(quick, WA_PHONE_NUMBER_ID).messages[0])
    assert (converted.kind, converted.button) == ("button", "tpl.yes")


def test_poster_links() -> None:
    """wa.me links from config.yaml's business number, for kelurahan and komunitas."""
    whatsapp = WhatsApp(
        enabled=True, phone_number_id=WA_PHONE_NUMBER_ID, business_number=WA_BUSINESS_NUMBER
    )
    assert poster_link(whatsapp, village_payload(BAGENDUNG)) == (
        f"https://wa.me/{WA_BUSINESS_NUMBER}?text=DAFTAR%20kel_3672021001"
    )
    assert poster_link(whatsapp, komunitas_payload("sepeda-onthel"), keyword="MULAI") == (
        f"https://wa.me/{WA_BUSINESS_NUMBER}?text=MULAI%20kom_sepeda-onthel"
    )
    assert poster_link(whatsapp) == f"https://wa.me/{WA_BUSINESS_NUMBER}?text=DAFTAR"
    with pytest.raises(ValueError, match="business_number"):
        poster_link(WhatsApp())
    with pytest.raises(ValueError, match="start keyword"):
        poster_link(whatsapp, keyword="HALO")
    with pytest.raises(ValueError, match="payload"):
        poster_link(whatsapp, "kel 1")
    with pytest.raises(ValueError, match="code"):
        village_payload(CILEGON)
    with pytest.raises(ValueError, match="slug"):
        komunitas_payload("Bad Slug")
