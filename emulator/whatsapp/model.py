"""The WhatsApp world: people, their conversation with the business number, media.

A person has a WhatsApp id (`wa_id`, the phone number in digits) and, since Meta's
business-scoped user id roll-out, a BSUID (`user_id`, e.g. `ID.1649738043044942`); either
may be missing (people who adopted a username hide their number; payloads from before the
roll-out have no BSUID), never both. The person's `key` is the BSUID if there is one, else
the WhatsApp id. Each person has one conversation with the business: the messages in both
directions, numbered from 1 (`seq`), with a version that grows on every change so
readers can long-poll. `last_inbound` opens the 24-hour customer-service window.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from emulator.updates import Notifier

BSUID = re.compile(r"^[A-Z]{2}(?:\.ENT)?\.[0-9]{1,40}$")
WA_ID = re.compile(r"^[0-9]{6,20}$")
FIRST_PHONE = 6281100000001
Direction = Literal["in", "out"]


def now() -> float:
    """The current Unix time."""
    return time.time()


def new_wamid() -> str:
    """A fresh WhatsApp message id: `wamid.` and base64 of random bytes, as Meta's look."""
    raw = b"\x15\x02\x00\x11\x18\x12" + secrets.token_hex(9).upper().encode()
    return "wamid.HBgL" + base64.b64encode(raw).decode()


def new_bsuid(country: str = "ID") -> str:
    """A fresh business-scoped user id, e.g. `ID.1649738043044942`."""
    return f"{country}.{secrets.randbelow(9 * 10**15) + 10**15}"


def normalise_phone(value: str) -> str | None:
    """The WhatsApp id for a phone number written with +, spaces, dashes or brackets."""
    digits = re.sub(r"[\s()+-]", "", value)
    return digits if WA_ID.match(digits) else None


@dataclass
class WaMedia:
    """A stored media file: uploaded by the business, or sent by a person."""

    id: str
    mime_type: str
    data: bytes = field(repr=False)
    filename: str | None = None
    created: float = 0.0

    @property
    def sha256(self) -> str:
        """The base64 SHA-256 of the bytes, as Meta reports it."""
        return base64.b64encode(hashlib.sha256(self.data).digest()).decode()


@dataclass(eq=False)
class WaMessage:
    """One message of a conversation, in either direction.

    `type` and `content` are the Cloud API's: for a text `{"body": ...}`, for interactive
    the `interactive` object, for a template the `template` object, for media the media
    object. Outgoing messages carry their delivery `status` (accepted, sent, delivered,
    read or failed) and an `error` when failed; incoming ones `received` or `read`.
    """

    id: str
    seq: int
    direction: str
    timestamp: int
    type: str
    content: dict[str, Any]
    status: str = "accepted"
    error: dict[str, Any] | None = None
    tracker: str | None = None
    context_id: str | None = None
    forwarded: bool = False
    version: int = 0


@dataclass(eq=False)
class WaUser:
    """A WhatsApp user and their conversation with the business number."""

    name: str
    wa_id: str | None = None
    user_id: str | None = None
    blocked: bool = False
    last_inbound: float | None = None
    created: float = 0.0
    messages: list[WaMessage] = field(default_factory=list)
    next_seq: int = 1
    version: int = 0
    notifier: Notifier = field(default_factory=Notifier, repr=False)

    @property
    def key(self) -> str:
        """The id the user is addressed by in the user API (BSUID, else WhatsApp id)."""
        return self.user_id or self.wa_id or ""

    def window_open(self, hours: float, at: float | None = None) -> bool:
        """True while the customer-service window opened by the last inbound message lasts."""
        if self.last_inbound is None:
            return False
        return (now() if at is None else at) - self.last_inbound < hours * 3600

    def window_closes(self, hours: float) -> float | None:
        """When the window closes (Unix time), or None if it was never opened."""
        return None if self.last_inbound is None else self.last_inbound + hours * 3600


class WaWorld:
    """All WhatsApp users, their conversations and the media store."""

    def __init__(self, business_phone: str = "") -> None:
        self.business_phone = normalise_phone(business_phone) or ""  # never a person's
        self.users: dict[str, WaUser] = {}
        self.by_wamid: dict[str, tuple[WaUser, WaMessage]] = {}
        self.media: dict[str, WaMedia] = {}
        self.next_phone = FIRST_PHONE
        self.next_media = 1
        self.version = 0
        self.epoch = 0
        self.notifier = Notifier()

    def changed(self) -> None:
        """Note a change of the user list (wakes `/sim/wa/state` long polls)."""
        self.version += 1
        self.notifier.notify()

    def reset(self) -> None:
        """Forget every user, message and medium (id counters keep counting)."""
        for user in self.users.values():
            user.notifier.notify()
        self.users.clear()
        self.by_wamid.clear()
        self.media.clear()
        self.epoch += 1
        self.changed()

    def find(self, ref: str) -> WaUser | None:
        """A user by BSUID or WhatsApp id (a phone number in any usual spelling)."""
        user = self.users.get(ref)
        if user is not None:
            return user
        phone = normalise_phone(ref)
        for candidate in self.users.values():
            if ref in (candidate.user_id, candidate.wa_id) or (
                phone is not None and candidate.wa_id == phone
            ):
                return candidate
        return None

    def add_user(
        self,
        name: str,
        wa_id: str | None = None,
        user_id: str | None = None,
        *,
        with_user_id: bool = True,
    ) -> WaUser:
        """Create a user; a missing phone number is generated unless a BSUID is given.

        With `with_user_id` a missing BSUID is generated too (people after the roll-out).
        """
        name = name.strip()
        if not name or len(name) > 256:
            raise ValueError("name must be 1-256 characters")
        if wa_id is not None:
            phone = normalise_phone(wa_id)
            if phone is None:
                raise ValueError("wa_id must be a phone number (6-20 digits)")
            wa_id = phone
            if phone == self.business_phone:
                raise ValueError(f"{phone} is the business's own number, not a customer's")
        if user_id is not None and not BSUID.match(user_id):
            raise ValueError("user_id must be a business-scoped id like ID.1649738043044942")
        if wa_id is None and user_id is None:
            wa_id = self._fresh_phone()
        if user_id is None and with_user_id:
            user_id = new_bsuid()
            while self.find(user_id) is not None:
                user_id = new_bsuid()
        for ident in (wa_id, user_id):
            if ident is not None and self.find(ident) is not None:
                raise ValueError(f"a WhatsApp user with id {ident} already exists")
        user = WaUser(name=name, wa_id=wa_id, user_id=user_id, created=now())
        self.users[user.key] = user
        self.changed()
        return user

    def _fresh_phone(self) -> str:
        """The next unused generated phone number (6281100000001, …), never the business's."""
        while True:
            phone = str(self.next_phone)
            self.next_phone += 1
            if phone != self.business_phone and self.find(phone) is None:
                return phone

    def add_message(
        self,
        user: WaUser,
        direction: Direction,
        kind: str,
        content: dict[str, Any],
        *,
        status: str,
        tracker: str | None = None,
        context_id: str | None = None,
        forwarded: bool = False,
        wamid: str | None = None,
    ) -> WaMessage:
        """Append a message to a user's conversation."""
        message = WaMessage(
            id=wamid or new_wamid(),
            seq=user.next_seq,
            direction=direction,
            timestamp=int(now()),
            type=kind,
            content=content,
            status=status,
            tracker=tracker,
            context_id=context_id,
            forwarded=forwarded,
        )
        user.next_seq += 1
        user.messages.append(message)
        self.by_wamid[message.id] = (user, message)
        self.touch(user, message)
        return message

    def touch(self, user: WaUser, message: WaMessage | None = None) -> None:
        """Note a change of a conversation (a new message, a new status, the window)."""
        user.version += 1
        if message is not None:
            message.version = user.version
        user.notifier.notify()
        self.changed()

    def add_media(self, data: bytes, mime_type: str, filename: str | None = None) -> WaMedia:
        """Store a medium under a fresh numeric id."""
        media_id = f"{9_100_000_000_000_000 + self.next_media}"
        self.next_media += 1
        media = WaMedia(media_id, mime_type, data, filename, now())
        self.media[media_id] = media
        self.changed()
        return media
