"""An async Python client for the emulator's /sim API, for tests and scripts."""

from __future__ import annotations

from types import TracebackType
from typing import Any

import aiohttp

from .errors import SimError


class SimClient:
    """Act as Telegram users and control the emulator over HTTP."""

    def __init__(self, base_url: str, session: aiohttp.ClientSession | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._session = session
        self._own_session = session is None

    async def __aenter__(self) -> SimClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the HTTP session if this client created it."""
        if self._session is not None and self._own_session:
            await self._session.close()
        self._session = None

    async def call(
        self,
        http_method: str,
        path: str,
        body: dict[str, Any] | None = None,
        query: dict[str, Any] | None = None,
    ) -> Any:
        """Call an endpoint and return its `result`, raising SimError on failure."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
            self._own_session = True
        params = {k: str(v) for k, v in (query or {}).items() if v is not None}
        async with self._session.request(
            http_method, self.base_url + path, json=body, params=params
        ) as response:
            data = await response.json(content_type=None)
        if not isinstance(data, dict) or not data.get("ok"):
            description = data.get("description") if isinstance(data, dict) else str(data)
            raise SimError(response.status, str(description))
        return data["result"]

    async def create_user(self, first_name: str, **fields: Any) -> dict[str, Any]:
        """Create a person (last_name, username, language_code, id, hide_forwards)."""
        result: dict[str, Any] = await self.call(
            "POST", "/sim/users", {"first_name": first_name, **fields}
        )
        return result

    async def set_presets(self, presets: dict[str, Any]) -> dict[str, Any]:
        """Reserve personas for quick-add roles (`/sim/presets`, see emulator/presets.py)."""
        result: dict[str, Any] = await self.call("PUT", "/sim/presets", {"presets": presets})
        return result

    async def set_links(self, links: list[dict[str, str]]) -> dict[str, Any]:
        """Put links in the page's header (`/sim/links`, see emulator/pagelinks.py)."""
        result: dict[str, Any] = await self.call("PUT", "/sim/links", {"links": links})
        return result

    async def preset_person(self, key: str) -> dict[str, Any]:
        """Create the next reserved persona of preset `key`, in its chats."""
        result: dict[str, Any] = await self.call("POST", f"/sim/presets/{key}/people", {})
        return result

    async def create_chat(
        self, chat_type: str, title: str, creator_id: int, **fields: Any
    ) -> dict[str, Any]:
        """Create a group, supergroup or channel (members, admins, bots, is_forum…)."""
        body = {"type": chat_type, "title": title, "creator_id": creator_id, **fields}
        result: dict[str, Any] = await self.call("POST", "/sim/chats", body)
        return result

    async def send(self, user_id: int, text: str | None = None, **fields: Any) -> dict[str, Any]:
        """Send a message as a person; returns {"message": ..., "update_ids": ...}."""
        body = dict(fields)
        if text is not None:
            body["text"] = text
        result: dict[str, Any] = await self.call("POST", f"/sim/users/{user_id}/send", body)
        return result

    async def start(
        self, user_id: int, payload: str | None = None, bot: str | int | None = None
    ) -> dict[str, Any]:
        """Open the bot, optionally through a deep link payload."""
        result: dict[str, Any] = await self.call(
            "POST", f"/sim/users/{user_id}/start", {"payload": payload, "bot": bot}
        )
        return result

    async def press(self, user_id: int, message_id: int, **fields: Any) -> dict[str, Any]:
        """Press an inline button (data=…, text=… or row/column; wait=seconds)."""
        result: dict[str, Any] = await self.call(
            "POST", f"/sim/users/{user_id}/press", {"message_id": message_id, **fields}
        )
        return result

    async def action(self, user_id: int, name: str, **fields: Any) -> Any:
        """Run another person action: join, leave, block, unblock, forward, edit."""
        return await self.call("POST", f"/sim/users/{user_id}/{name}", fields)

    async def messages(self, chat_id: int, **query: Any) -> list[dict[str, Any]]:
        """Read a chat's history (after, since, wait, bot, from_bot, limit)."""
        result = await self.call("GET", f"/sim/chats/{chat_id}/messages", query=query)
        messages: list[dict[str, Any]] = result["messages"]
        return messages

    async def next_bot_message(
        self, chat_id: int, after: int = 0, seconds: float = 5.0, bot: str | int | None = None
    ) -> dict[str, Any]:
        """Wait for the first bot message after a message id, or raise TimeoutError."""
        found = await self.messages(chat_id, after=after, wait=seconds, bot=bot, from_bot=1)
        if not found:
            raise TimeoutError(f"no bot message in chat {chat_id} after {after}")
        return found[0]
