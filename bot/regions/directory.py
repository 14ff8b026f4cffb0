"""Which chat belongs to which region or komunitas, and who may join it.

Channels are configured per region code (a kelurahan/desa, a kecamatan or the whole
city) and per komunitas. A join request to an approval-only chat is granted to active
subscribers of that region (a kecamatan chat admits residents of any of its villages)
or members of that komunitas, and to nobody else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.platform.config import Chat, Config
from bot.regions.tree import RegionIndex
from bot.residents.records import Resident

OwnerKind = Literal["region", "komunitas"]


@dataclass(frozen=True)
class ChatOwner:
    """A region or komunitas that owns a chat."""

    kind: OwnerKind
    key: str
    name: str


class ChatDirectory:
    """Lookups between chats, regions and komunitas."""

    def __init__(self, config: Config, regions: RegionIndex) -> None:
        self._config = config
        self._regions = regions
        self._owners: dict[int, list[ChatOwner]] = {}
        for code, chat in config.channels.items():
            if chat.chat_id is not None:
                owner = ChatOwner("region", code, regions[code].name)
                self._owners.setdefault(chat.chat_id, []).append(owner)
        for kom in config.komunitas:
            if kom.chat.chat_id is not None:
                owner = ChatOwner("komunitas", kom.slug, kom.name)
                self._owners.setdefault(kom.chat.chat_id, []).append(owner)

    def owners(self, chat_id: int) -> list[ChatOwner]:
        """The regions or komunitas a Telegram chat serves (empty for unknown chats)."""
        return self._owners.get(chat_id, [])

    def region_chat(self, code: str) -> tuple[str, Chat] | None:
        """The nearest configured chat for a region: its own, else its kecamatan's, else city's."""
        region = self._regions.get(code)
        while region is not None:
            chat = self._config.channels.get(region.code)
            if chat is not None and chat.invite_link:
                return region.code, chat
            region = self._regions.get(region.parent) if region.parent else None
        return None

    def may_join(self, resident: Resident | None, chat_id: int) -> ChatOwner | None:
        """The owner through which `resident` may join `chat_id`, or None."""
        if resident is None or not resident.active:
            return None
        for owner in self.owners(chat_id):
            if owner.kind == "komunitas" and owner.key in resident.komunitas:
                return owner
            if (
                owner.kind == "region"
                and resident.village
                and self._regions.contains(owner.key, resident.village)
            ):
                return owner
        return None
