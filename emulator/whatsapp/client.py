"""An async client for /sim/wa: act as WhatsApp users and control the stand-in."""

from __future__ import annotations

from typing import Any

from emulator.client import SimClient


class WaSimClient(SimClient):
    """`SimClient` plus the WhatsApp user API (people are addressed by BSUID or wa_id)."""

    async def __aenter__(self) -> WaSimClient:
        """Use the client in `async with` (closed at the end)."""
        return self

    async def wa_user(
        self, name: str, wa_id: str | None = None, user_id: str | None = None, bsuid: bool = True
    ) -> dict[str, Any]:
        """Create a WhatsApp user; missing ids are generated (no BSUID with bsuid=False)."""
        body: dict[str, Any] = {"name": name, "bsuid": bsuid}
        if wa_id is not None:
            body["wa_id"] = wa_id
        if user_id is not None:
            body["user_id"] = user_id
        result: dict[str, Any] = await self.call("POST", "/sim/wa/users", body)
        return result

    async def wa_send(self, ref: str, text: str | None = None, **fields: Any) -> dict[str, Any]:
        """Send text (or image=, document=, location=, caption=, forwarded=, reply_to=)."""
        body = dict(fields)
        if text is not None:
            body["text"] = text
        result: dict[str, Any] = await self.call("POST", f"/sim/wa/users/{ref}/send", body)
        return result

    async def wa_press(
        self, ref: str, id: str | None = None, title: str | None = None, **fields: Any
    ) -> dict[str, Any]:
        """Press a reply button by id or title (newest message first, or message_id=)."""
        body = {"id": id, "title": title, **fields}
        result: dict[str, Any] = await self.call(
            "POST", f"/sim/wa/users/{ref}/press", {k: v for k, v in body.items() if v is not None}
        )
        return result

    async def wa_pick(
        self, ref: str, id: str | None = None, title: str | None = None, **fields: Any
    ) -> dict[str, Any]:
        """Pick a list row by id or title (newest message first, or message_id=)."""
        body = {"id": id, "title": title, **fields}
        result: dict[str, Any] = await self.call(
            "POST", f"/sim/wa/users/{ref}/pick", {k: v for k, v in body.items() if v is not None}
        )
        return result

    async def wa_messages(self, ref: str, **query: Any) -> list[dict[str, Any]]:
        """The conversation (query: after, since, wait, from_business, limit)."""
        result = await self.call("GET", f"/sim/wa/users/{ref}/messages", query=query)
        messages: list[dict[str, Any]] = result["messages"]
        return messages

    async def wa_next_business_message(
        self, ref: str, after: int = 0, seconds: float = 10.0
    ) -> dict[str, Any] | None:
        """The first message from the business after message number `after`, waiting."""
        messages = await self.wa_messages(ref, after=after, from_business=1, wait=seconds)
        return messages[0] if messages else None

    async def wa_window(
        self, ref: str, open: bool = True, age_hours: float | None = None
    ) -> dict[str, Any]:
        """Open or close (expire) the 24-hour window, or set its age in hours."""
        body: dict[str, Any] = {"open": open}
        if age_hours is not None:
            body["age_hours"] = age_hours
        result: dict[str, Any] = await self.call("POST", f"/sim/wa/users/{ref}/window", body)
        return result

    async def wa_block(self, ref: str, blocked: bool = True) -> dict[str, Any]:
        """Block (or unblock) the business as the person."""
        action = "block" if blocked else "unblock"
        result: dict[str, Any] = await self.call("POST", f"/sim/wa/users/{ref}/{action}")
        return result

    async def wa_config(self, **changes: Any) -> dict[str, Any]:
        """Read the stand-in's settings, changing those given first."""
        if changes:
            result: dict[str, Any] = await self.call("PUT", "/sim/wa/config", changes)
        else:
            result = await self.call("GET", "/sim/wa/config")
        return result

    async def wa_fault(self, code: int | None, count: int = 1, **fields: Any) -> dict[str, Any]:
        """The next `count` Graph API calls answer error `code` (endpoint=, delay=, status=)."""
        result: dict[str, Any] = await self.call(
            "POST", "/sim/wa/faults", {"code": code, "count": count, **fields}
        )
        return result

    async def wa_webhooks(self, **query: Any) -> list[dict[str, Any]]:
        """Webhook bodies posted to the bot (query: kind, after, wait, limit, body)."""
        result = await self.call("GET", "/sim/wa/webhooks", query=query)
        webhooks: list[dict[str, Any]] = result["webhooks"]
        return webhooks
