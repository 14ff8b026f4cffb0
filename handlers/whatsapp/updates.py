"""WhatsApp Cloud API webhook bodies → typed records: inbound messages and delivery statuses.

A POST body looks like `{"object": "whatsapp_business_account", "entry": [{"id": <WABA>,
"changes": [{"field": "messages", "value": {"metadata": {...}, "contacts": [...],
"messages": [...] | "statuses": [...]}}]}]}`. One body may carry several entries, changes,
messages and statuses; every one of them is read here (pywa 4.5's own parser reads only
the first of each).

Identity: a resident is keyed on the business-scoped user id (BSUID) — the message's
`from_user_id`, else the matching `contacts[].user_id` — and only when a webhook has none
(payloads from before the BSUID roll-out) on the WhatsApp id / phone number
(`contacts[].wa_id`, `from`). The phone number, when the webhook has one, is kept next to
the message only for addressing the answer; `repr` shows neither.

Skipped, with a log line but no ids: changes for another phone number of the same app,
group messages, system messages (number changes), items without the fields they need.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.platform.addresses import Address, AddressError

log = logging.getLogger(__name__)
WABA_OBJECT = "whatsapp_business_account"


class PayloadError(ValueError):
    """The body is not a WhatsApp Business Account webhook."""


@dataclass(frozen=True)
class InboundMessage:
    """One message a person sent to the business number, with who sent it."""

    type: str
    message_id: str = field(repr=False)
    address: Address = field(repr=False)
    phone: str | None = field(default=None, repr=False)
    content: Mapping[str, Any] = field(default_factory=dict, repr=False)
    name: str = field(default="", repr=False)  # the sender's WhatsApp profile name


@dataclass(frozen=True)
class DeliveryStatus:
    """What became of a message the bot sent: sent, delivered, read, played or failed.

    `tracker` is the `biz_opaque_callback_data` the message was sent with, so a delivery
    ledger can match a status to its broadcast without keeping WhatsApp message ids.
    """

    status: str
    message_id: str = field(repr=False)
    recipient: Address | None = field(default=None, repr=False)
    timestamp: int = 0
    error_code: int | None = None
    error_title: str | None = None
    tracker: str | None = None
    pricing_category: str | None = None


@dataclass(frozen=True)
class WebhookBatch:
    """Everything one webhook POST carried for our phone number."""

    messages: tuple[InboundMessage, ...] = ()
    statuses: tuple[DeliveryStatus, ...] = ()


def parse_webhook(body: Any, phone_number_id: str) -> WebhookBatch:
    """Read a decoded webhook body; raise PayloadError if it is not a WABA webhook at all."""
    if not isinstance(body, dict) or body.get("object") != WABA_OBJECT:
        raise PayloadError("not a WhatsApp Business Account webhook")
    entries = body.get("entry")
    if not isinstance(entries, list):
        raise PayloadError("the webhook has no entry list")
    messages: list[InboundMessage] = []
    statuses: list[DeliveryStatus] = []
    for entry in entries:
        changes = entry.get("changes") if isinstance(entry, dict) else None
        for change in changes if isinstance(changes, list) else []:
            value = _messages_value(change, phone_number_id)
            if value is None:
                continue
            contacts = [c for c in _list(value.get("contacts")) if isinstance(c, dict)]
            for item in _list(value.get("messages")):
                message = _message(item, contacts)
                if message is not None:
                    messages.append(message)
            for item in _list(value.get("statuses")):
                status = _status(item, contacts)
                if status is not None:
                    statuses.append(status)
    return WebhookBatch(tuple(messages), tuple(statuses))


def _messages_value(change: Any, phone_number_id: str) -> dict[str, Any] | None:
    """The `value` of a `messages` change addressed to our number, else None."""
    if not isinstance(change, dict) or change.get("field") != "messages":
        return None
    value = change.get("value")
    if not isinstance(value, dict):
        return None
    metadata = value.get("metadata")
    receiver = metadata.get("phone_number_id") if isinstance(metadata, dict) else None
    if phone_number_id and receiver != phone_number_id:
        log.info("ignored a webhook change for another phone number id")
        return None
    return value


def _list(value: Any) -> list[Any]:
    """`value` if it is a list, else an empty one."""
    return value if isinstance(value, list) else []


def _text(value: Any) -> str | None:
    """A non-empty string, or None."""
    return value if isinstance(value, str) and value else None


def _int(value: Any) -> int:
    """An integer from a number or a numeric string (WhatsApp sends timestamps as text)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return 0


def _address(chat_id: str | None) -> Address | None:
    """A `wa:` address for a WhatsApp id, or None if it is not a valid one."""
    if chat_id is None:
        return None
    try:
        return Address.whatsapp(chat_id)
    except AddressError:
        return None


def _contact_for(
    contacts: list[dict[str, Any]], user_id: str | None, phone: str | None
) -> dict[str, Any]:
    """The contact entry describing this user: matched by BSUID or phone, or the only one."""
    for contact in contacts:
        if (user_id and contact.get("user_id") == user_id) or (
            phone and contact.get("wa_id") == phone
        ):
            return contact
    if len(contacts) == 1:
        only = contacts[0]
        other_user = user_id and _text(only.get("user_id")) not in (None, user_id)
        other_phone = phone and _text(only.get("wa_id")) not in (None, phone)
        if not other_user and not other_phone:
            return only
    return {}


def _message(item: Any, contacts: list[dict[str, Any]]) -> InboundMessage | None:
    """One inbound message, or None when it is not a resident's private message."""
    if not isinstance(item, dict):
        return None
    message_id, kind = _text(item.get("id")), _text(item.get("type"))
    if message_id is None or kind is None:
        log.warning("ignored an inbound message without id or type")
        return None
    if "group_id" in item:
        log.info("ignored a group message")
        return None
    if kind == "system":
        log.info("ignored a system message (%s)", _text(_dict(item.get("system")).get("type")))
        return None
    user_id, phone = _text(item.get("from_user_id")), _text(item.get("from"))
    contact = _contact_for(contacts, user_id, phone)
    user_id = user_id or _text(contact.get("user_id"))
    phone = phone or _text(contact.get("wa_id"))
    address = _address(user_id or phone)
    if address is None:
        log.warning("ignored an inbound %s message without a usable sender id", kind)
        return None
    return InboundMessage(
        type=kind,
        message_id=message_id,
        address=address,
        phone=phone if phone and phone.isascii() and phone.isdigit() else None,
        content=item,
        name=_text(_dict(contact.get("profile")).get("name")) or "",
    )


def _dict(value: Any) -> dict[str, Any]:
    """`value` if it is a mapping, else an empty one."""
    return value if isinstance(value, dict) else {}


def _status(item: Any, contacts: list[dict[str, Any]]) -> DeliveryStatus | None:
    """One delivery status of a private message, or None."""
    if not isinstance(item, dict):
        return None
    message_id, status = _text(item.get("id")), _text(item.get("status"))
    if message_id is None or status is None:
        log.warning("ignored a status without id or status")
        return None
    if item.get("recipient_type") == "group":
        return None
    user_id, phone = _text(item.get("recipient_user_id")), _text(item.get("recipient_id"))
    contact = _contact_for(contacts, user_id, phone)
    recipient = _address(user_id or _text(contact.get("user_id")) or phone)
    error = next((e for e in _list(item.get("errors")) if isinstance(e, dict)), {})
    return DeliveryStatus(
        status=status.lower(),
        message_id=message_id,
        recipient=recipient,
        timestamp=_int(item.get("timestamp")),
        error_code=_int(error.get("code")) if "code" in error else None,
        error_title=_text(error.get("title")) or _text(error.get("message")),
        tracker=_text(item.get("biz_opaque_callback_data")),
        pricing_category=_text(_dict(item.get("pricing")).get("category")),
    )
