"""Real-shaped WhatsApp Cloud API webhook bodies, signed as Meta signs them.

Shapes follow Meta's webhook reference for `messages` (text, interactive button_reply and
list_reply, image, document, video, audio, sticker, location, contacts, reaction,
unsupported) and statuses, with the business-scoped user id fields (`contacts[].user_id`,
`messages[].from_user_id`, `statuses[].recipient_user_id`) of the BSUID roll-out.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
from dataclasses import dataclass
from typing import Any

from tests.support.constants import (
    BUDI_BSUID,
    SITI_BSUID,
    SITI_PHONE,
    WA_APP_SECRET,
    WA_PHONE_NUMBER_ID,
    WABA_ID,
)


@dataclass(frozen=True)
class Person:
    """A WhatsApp user: business-scoped id, phone number (None when hidden), profile name."""

    user_id: str
    phone: str | None = SITI_PHONE
    name: str = "Siti"
    bsuid_fields: bool = True

    @property
    def chat_id(self) -> str:
        """The id the bot keys this person on."""
        return self.user_id if self.bsuid_fields else str(self.phone)


SITI = Person(user_id=SITI_BSUID, phone=SITI_PHONE, name="Siti")  # her phone number shows
BUDI = Person(user_id=BUDI_BSUID, phone=None, name="Budi")  # a username: no phone number


def ids(person: Person, phone_field: str, bsuid_field: str) -> dict[str, str]:
    """The person's phone number and business-scoped id under Meta's field names, each only
    when the webhook carries it (no number for username users, no BSUID before roll-out)."""
    found = {
        phone_field: person.phone,
        bsuid_field: person.user_id if person.bsuid_fields else None,
    }
    return {name: value for name, value in found.items() if value}


def sign(body: bytes, secret: str = WA_APP_SECRET) -> str:
    """The X-Hub-Signature-256 header Meta sends with `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def encode(payload: dict[str, Any]) -> bytes:
    """The raw body Meta would post."""
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")


class Payloads:
    """Builds webhook bodies with fresh WhatsApp message ids."""

    def __init__(self, phone_number_id: str = WA_PHONE_NUMBER_ID) -> None:
        self.phone_number_id = phone_number_id
        self._ids = itertools.count(1)
        self._clock = itertools.count(1_790_000_000)

    def message_id(self, person: Person) -> str:
        """A wamid that embeds the sender's phone number, as real ones do."""
        raw = f"{person.phone or person.user_id}\x15\x02\x00\x12\x18\x14{next(self._ids):020X}"
        return "wamid." + base64.b64encode(raw.encode()).decode()

    def envelope(self, value: dict[str, Any]) -> dict[str, Any]:
        """Wrap a change value in the entry/changes envelope."""
        metadata = {"display_phone_number": "15550783881", "phone_number_id": self.phone_number_id}
        return {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": WABA_ID,
                    "changes": [
                        {
                            "field": "messages",
                            "value": {"messaging_product": "whatsapp", "metadata": metadata}
                            | value,
                        }
                    ],
                }
            ],
        }

    def contact(self, person: Person) -> dict[str, Any]:
        """The contacts[] entry for a person: profile name, and the ids Meta shows."""
        return {"profile": {"name": person.name}} | ids(person, "wa_id", "user_id")

    def raw_message(self, person: Person, kind: str, content: dict[str, Any]) -> dict[str, Any]:
        """One messages[] item."""
        message: dict[str, Any] = {
            "id": self.message_id(person),
            "timestamp": str(next(self._clock)),
            "type": kind,
        }
        return message | ids(person, "from", "from_user_id") | content

    def message(self, person: Person, kind: str, content: dict[str, Any]) -> dict[str, Any]:
        """A whole webhook body carrying one message."""
        return self.envelope(
            {
                "contacts": [self.contact(person)],
                "messages": [self.raw_message(person, kind, content)],
            }
        )

    def text(self, person: Person, body: str, forwarded: bool = False) -> dict[str, Any]:
        """A typed text."""
        content: dict[str, Any] = {"text": {"body": body}}
        if forwarded:
            content["context"] = {"forwarded": True}
        return self.message(person, "text", content)

    def button_reply(self, person: Person, data: str, title: str) -> dict[str, Any]:
        """A pressed reply button."""
        reply = {"type": "button_reply", "button_reply": {"id": data, "title": title}}
        return self.message(person, "interactive", {"interactive": reply, "context": _ctx()})

    def list_reply(self, person: Person, data: str, title: str) -> dict[str, Any]:
        """A picked list row."""
        reply = {"type": "list_reply", "list_reply": {"id": data, "title": title}}
        return self.message(person, "interactive", {"interactive": reply, "context": _ctx()})

    def image(self, person: Person, caption: str = "") -> dict[str, Any]:
        """A photo."""
        image = {"mime_type": "image/jpeg", "sha256": "abc=", "id": "1479537139650973"}
        if caption:
            image["caption"] = caption
        return self.message(person, "image", {"image": image})

    def document(self, person: Person) -> dict[str, Any]:
        """A PDF."""
        doc = {"filename": "surat.pdf", "mime_type": "application/pdf", "id": "1003383421387256"}
        return self.message(person, "document", {"document": doc})

    def video(self, person: Person) -> dict[str, Any]:
        """A video."""
        return self.message(person, "video", {"video": {"mime_type": "video/mp4", "id": "5501"}})

    def voice(self, person: Person) -> dict[str, Any]:
        """A voice note."""
        audio = {"mime_type": "audio/ogg; codecs=opus", "id": "8261", "voice": True}
        return self.message(person, "audio", {"audio": audio})

    def sticker(self, person: Person) -> dict[str, Any]:
        """A sticker."""
        sticker = {"mime_type": "image/webp", "id": "7701", "animated": False}
        return self.message(person, "sticker", {"sticker": sticker})

    def location(
        self, person: Person, lat: float = -6.0025, lon: float = 106.0111
    ) -> dict[str, Any]:
        """A shared location (Cilegon by default)."""
        location = {"latitude": lat, "longitude": lon, "name": "Alun-alun"}
        return self.message(person, "location", {"location": location})

    def contacts(self, person: Person) -> dict[str, Any]:
        """A shared contact card."""
        card = {"name": {"formatted_name": "Budi"}, "phones": [{"phone": "+62 812 0000 0000"}]}
        return self.message(person, "contacts", {"contacts": [card]})

    def reaction(self, person: Person) -> dict[str, Any]:
        """A reaction to one of the bot's messages."""
        reaction = {"message_id": "wamid.bot1", "emoji": "👍"}
        return self.message(person, "reaction", {"reaction": reaction})

    def unsupported(self, person: Person) -> dict[str, Any]:
        """A message type the Cloud API does not support."""
        errors = [{"code": 131051, "title": "Message type unknown"}]
        return self.message(person, "unsupported", {"errors": errors})

    def status(
        self,
        person: Person,
        message_id: str,
        status: str,
        error_code: int | None = None,
        tracker: str | None = None,
    ) -> dict[str, Any]:
        """A delivery status for a message the bot sent."""
        item: dict[str, Any] = {
            "id": message_id,
            "status": status,
            "timestamp": str(next(self._clock)),
            "recipient_id": person.phone,
            "recipient_user_id": person.user_id,
            "pricing": {"billable": True, "pricing_model": "PMP", "category": "service"},
        }
        if tracker:
            item["biz_opaque_callback_data"] = tracker
        if error_code is not None:
            item["errors"] = [{"code": error_code, "title": "Re-engagement message"}]
        value: dict[str, Any] = {"statuses": [item]}
        if status != "failed":
            value["contacts"] = [self.contact(person)]
        return self.envelope(value)


def _ctx() -> dict[str, str]:
    """The context of a reply to one of the bot's messages."""
    return {"from": "15550783881", "id": "wamid.HBgLMTU1NTA3ODM4ODEVAgARGBI="}
