"""The WhatsApp part of the emulator's state file (`"whatsapp"` next to `"world"`).

    "whatsapp": {"version", "epoch", "next_phone", "next_media",
                 "users": [{"name", "wa_id", "user_id", "blocked", "last_inbound",
                            "created", "next_seq", "version",
                            "messages": [{"id", "seq", "direction", "timestamp", "type",
                                          "content", "status", "error", "tracker",
                                          "context_id", "forwarded", "version"}]}],
                 "media": [{"id", "mime_type", "filename", "created", "data_b64"}]}

Windows survive a restart because `last_inbound` is a Unix time. The request log,
delivered counts, limits, fault rules and webhooks still waiting to be posted are not kept.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
from typing import Any

from emulator.persistence import JSON, StateFormatError, _build, _list

from .model import WaMedia, WaMessage, WaUser, WaWorld

USER_SKIP = frozenset({"messages", "notifier"})


def dump_wa_world(world: WaWorld) -> JSON:
    """The WhatsApp world as JSON."""
    users = []
    for user in world.users.values():
        out = {
            f.name: getattr(user, f.name)
            for f in dataclasses.fields(user)
            if f.name not in USER_SKIP
        }
        out["messages"] = [dataclasses.asdict(m) for m in user.messages]
        users.append(out)
    media = [
        {
            "id": item.id,
            "mime_type": item.mime_type,
            "filename": item.filename,
            "created": item.created,
            "data_b64": base64.b64encode(item.data).decode(),
        }
        for item in world.media.values()
    ]
    return {
        "version": world.version,
        "epoch": world.epoch,
        "next_phone": world.next_phone,
        "next_media": world.next_media,
        "users": users,
        "media": media,
    }


def _int(data: JSON, key: str) -> int:
    """A required integer field of the section."""
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise StateFormatError(f"whatsapp.{key}: expected an integer")
    return value


def load_wa_world(data: Any, world: WaWorld) -> None:
    """Fill `world` (emptied first) from the JSON of `dump_wa_world`, or StateFormatError."""
    if not isinstance(data, dict):
        raise StateFormatError("whatsapp: expected an object")
    fresh = WaWorld()
    fresh.version = _int(data, "version")
    fresh.epoch = _int(data, "epoch")
    fresh.next_phone = _int(data, "next_phone")
    fresh.next_media = _int(data, "next_media")
    for i, raw in enumerate(_list(data, "media", "whatsapp")):
        where = f"whatsapp.media[{i}]"
        encoded = raw.get("data_b64") if isinstance(raw, dict) else None
        if not isinstance(encoded, str):
            raise StateFormatError(f"{where}.data_b64: expected base64 text")
        try:
            blob = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise StateFormatError(f"{where}.data_b64: invalid base64") from None
        item = _build(WaMedia, raw, where, data=blob)
        fresh.media[item.id] = item
    for i, raw in enumerate(_list(data, "users", "whatsapp")):
        where = f"whatsapp.users[{i}]"
        user = _build(WaUser, raw, where, messages=[])
        if not user.key or user.key in fresh.users:
            raise StateFormatError(f"{where}: a user needs a unique wa_id or user_id")
        for j, raw_message in enumerate(_list(raw, "messages", where)):
            message = _build(WaMessage, raw_message, f"{where}.messages[{j}]")
            if message.direction not in ("in", "out") or message.seq >= user.next_seq:
                raise StateFormatError(f"{where}.messages[{j}]: bad direction or seq")
            user.messages.append(message)
            fresh.by_wamid[message.id] = (user, message)
        fresh.users[user.key] = user
    for user in world.users.values():
        user.notifier.notify()
    world.users = fresh.users
    world.by_wamid = fresh.by_wamid
    world.media = fresh.media
    world.next_phone = fresh.next_phone
    world.next_media = fresh.next_media
    world.version = fresh.version
    world.epoch = fresh.epoch
    world.notifier.notify()


class WaStateSection:
    """Plugs the WhatsApp world into the emulator's StateKeeper."""

    def __init__(self, world: WaWorld) -> None:
        self.world = world

    def dump_state(self) -> JSON:
        """The section's JSON."""
        return dump_wa_world(self.world)

    def load_state(self, data: Any) -> None:
        """Load the section (None: the file has none, start empty)."""
        if data is None:
            load_wa_world(dump_wa_world(WaWorld()), self.world)
        else:
            load_wa_world(data, self.world)

    def state_revision(self) -> object:
        """Changes whenever anything saved changes."""
        return (self.world.epoch, self.world.version)
