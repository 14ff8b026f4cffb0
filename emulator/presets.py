"""Quick-add personas that the program driving the emulator fills in: `/sim/presets`.

A bot's roles live in its own config (user ids of admins and staff), which the emulator
cannot know. A program that runs both, such as `kimbot demo`, reserves user ids for a
role, gives them to the bot's config, and tells the emulator:

    PUT /sim/presets
    {"presets": {"admin": {"label": "KIM admin",
                           "people": [{"id": 710000001, "first_name": "Admin KIM 1"}],
                           "chats": []},
                 "staff": {"label": "Staff", "people": [...], "chats": [-100123]}}}

`POST /sim/presets/{key}/people` then creates the next person of that preset who does not
exist yet, with their reserved id, and adds them to the preset's chats (the staff desk
group), so a persona added on the web page has the role the bot gives that id. When every
reserved id is in use it answers 409, saying so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .chatops import add_member
from .errors import SimError
from .simhttp import body, sim_route
from .state import World

MAX_PRESETS = 10
MAX_PEOPLE = 50
MAX_CHATS = 10


@dataclass(frozen=True)
class Person:
    """One reserved persona of a preset."""

    id: int
    first_name: str
    last_name: str | None = None
    language_code: str | None = None


@dataclass(frozen=True)
class Preset:
    """A quick-add role: its label, its reserved people, the chats they join."""

    key: str
    label: str
    people: tuple[Person, ...]
    chats: tuple[int, ...]

    def to_json(self, world: World) -> dict[str, Any]:
        """The preset with how many of its people exist already."""
        return {
            "label": self.label,
            "people": [vars(p) for p in self.people],
            "chats": list(self.chats),
            "used": sum(1 for p in self.people if p.id in world.users),
        }


def _text(raw: Any, where: str, *, required: bool = True) -> str | None:
    """A short text field, or None when optional and absent."""
    if raw is None and not required:
        return None
    if not isinstance(raw, str) or not raw.strip() or len(raw) > 64:
        raise SimError(400, f"{where}: expected text of 1-64 characters")
    return raw.strip()


def _person(raw: Any, where: str) -> Person:
    """One entry of `people`."""
    if not isinstance(raw, dict):
        raise SimError(400, f"{where}: expected an object")
    ident = raw.get("id")
    if not isinstance(ident, int) or isinstance(ident, bool) or ident <= 0:
        raise SimError(400, f"{where}.id: expected a positive user id")
    return Person(
        id=ident,
        first_name=str(_text(raw.get("first_name"), f"{where}.first_name")),
        last_name=_text(raw.get("last_name"), f"{where}.last_name", required=False),
        language_code=_text(raw.get("language_code"), f"{where}.language_code", required=False),
    )


def parse_presets(data: Any) -> dict[str, Preset]:
    """The presets of a PUT body, or SimError(400) naming what is wrong."""
    raw = data.get("presets") if isinstance(data, dict) else None
    if not isinstance(raw, dict) or len(raw) > MAX_PRESETS:
        raise SimError(400, f"presets: expected an object of at most {MAX_PRESETS} presets")
    presets: dict[str, Preset] = {}
    for key, entry in raw.items():
        where = f"presets.{key}"
        if not isinstance(entry, dict):
            raise SimError(400, f"{where}: expected an object")
        people = entry.get("people")
        if not isinstance(people, list) or not 1 <= len(people) <= MAX_PEOPLE:
            raise SimError(400, f"{where}.people: expected 1-{MAX_PEOPLE} people")
        chats = entry.get("chats", [])
        if (
            not isinstance(chats, list)
            or len(chats) > MAX_CHATS
            or not all(isinstance(c, int) and not isinstance(c, bool) for c in chats)
        ):
            raise SimError(400, f"{where}.chats: expected at most {MAX_CHATS} chat ids")
        found = tuple(_person(p, f"{where}.people[{i}]") for i, p in enumerate(people))
        if len({p.id for p in found}) != len(found):
            raise SimError(400, f"{where}.people: the same id twice")
        presets[str(key)] = Preset(
            str(key), str(_text(entry.get("label", key), f"{where}.label")), found, tuple(chats)
        )
    return presets


class PresetsApi:
    """`/sim/presets`: set, read, and create the next person of a preset."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.presets: dict[str, Preset] = {}

    def routes(self) -> list[web.RouteDef]:
        """Return the aiohttp routes."""
        r = sim_route
        return [
            web.get("/sim/presets", r(self.get)),
            web.put("/sim/presets", r(self.put)),
            web.post("/sim/presets/{key}/people", r(self.next_person)),
        ]

    async def get(self, request: web.Request) -> Any:
        """Every preset, with how many of its people exist."""
        return {"presets": {k: p.to_json(self.world) for k, p in self.presets.items()}}

    async def put(self, request: web.Request) -> Any:
        """Replace the presets (chats must exist)."""
        presets = parse_presets(await body(request))
        for preset in presets.values():
            for chat_id in preset.chats:
                if chat_id not in self.world.chats:
                    raise SimError(400, f"presets.{preset.key}.chats: no chat {chat_id}")
        self.presets = presets
        return await self.get(request)

    async def next_person(self, request: web.Request) -> Any:
        """Create the preset's next person and add them to its chats."""
        key = request.match_info["key"]
        preset = self.presets.get(key)
        if preset is None:
            raise SimError(404, f"no preset {key!r}")
        free = next((p for p in preset.people if p.id not in self.world.users), None)
        if free is None:
            raise SimError(
                409,
                f"all {len(preset.people)} {preset.label} personas exist already; "
                "the bot's config gives this role to no one else",
            )
        user = self.world.add_user(
            free.first_name,
            last_name=free.last_name,
            language_code=free.language_code,
            user_id=free.id,
        )
        for chat_id in preset.chats:
            chat = self.world.chats.get(chat_id)
            if chat is None:
                continue  # deleted since: the person is still created
            creator = next((m.user_id for m in chat.members.values() if m.status == "creator"), 0)
            add_member(self.world, chat, user.id, creator or user.id)
        return {"id": user.id, "first_name": user.first_name, "chats": list(preset.chats)}
