"""A stand-in for the Graph API behind `httpx.MockTransport`: records and answers sends.

Every POST to `/<phone id>/messages` is recorded with its JSON; the answer is shaped
like Meta's (`contacts[0].input`, `messages[0].id`). A POST to `/<phone id>/media`
(multipart) is kept in `uploads` by the media id it answers. `failures` queues error
answers (HTTP status, Cloud API error code) that the next requests get, in order.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class Sent:
    """One recorded Graph API request."""

    url: str
    authorization: str
    body: dict[str, Any]

    @property
    def recipient(self) -> str:
        """Who it was for: `to` (phone) or `recipient` (BSUID)."""
        return str(self.body.get("to") or self.body.get("recipient"))

    @property
    def kind(self) -> str:
        """'text', or the interactive type ('button', 'list', 'cta_url'), or a media type."""
        if self.body["type"] == "interactive":
            return str(self.body["interactive"]["type"])
        return str(self.body["type"])

    @property
    def text(self) -> str:
        """The message text (interactive body or text body)."""
        if self.body["type"] == "text":
            return str(self.body["text"]["body"])
        if self.body["type"] == "interactive":
            return str(self.body["interactive"]["body"]["text"])
        return ""

    @property
    def choices(self) -> list[tuple[str, str, str]]:
        """(id, title, description) of each reply button or list row."""
        if self.body["type"] != "interactive":
            return []
        action = self.body["interactive"]["action"]
        if "buttons" in action:
            return [(b["reply"]["id"], b["reply"]["title"], "") for b in action["buttons"]]
        if "sections" in action:
            return [
                (r["id"], r["title"], r.get("description", ""))
                for s in action["sections"]
                for r in s["rows"]
            ]
        return []

    def shown(self) -> str:
        """Everything a person would see, as one searchable string."""
        parts = [self.text]
        parts += [f"{title} {description}".strip() for _, title, description in self.choices]
        if self.kind == "list":
            parts.append(self.body["interactive"]["action"]["button"])
        if self.kind == "cta_url":
            parameters = self.body["interactive"]["action"]["parameters"]
            parts.append(f"{parameters['display_text']} <{parameters['url']}>")
        return "\n".join(p for p in parts if p)


class GraphAPI:
    """Records message sends and answers them like the Cloud API."""

    def __init__(self) -> None:
        self.sent: list[Sent] = []
        self.failures: list[tuple[int, int]] = []
        self.network_failures = 0
        self.uploads: dict[str, bytes] = {}  # media id → the multipart body uploaded
        self._ids = itertools.count(1)

    def transport(self) -> httpx.MockTransport:
        """An httpx transport that calls this stand-in."""
        return httpx.MockTransport(self.answer)

    def answer(self, request: httpx.Request) -> httpx.Response:
        """Record one request and answer it."""
        if self.network_failures:
            self.network_failures -= 1
            raise httpx.ConnectError("connection refused", request=request)
        if request.url.path.endswith("/media"):
            media_id = str(900_000 + next(self._ids))
            self.uploads[media_id] = request.read()
            return httpx.Response(200, json={"id": media_id})
        body = json.loads(request.content)
        self.sent.append(Sent(str(request.url), request.headers.get("Authorization", ""), body))
        if self.failures:
            status, code = self.failures.pop(0)
            error = {"message": f"(#{code}) error", "type": "OAuthException", "code": code}
            return httpx.Response(status, json={"error": error})
        target = body.get("to") or body.get("recipient")
        contact = {"input": target, "wa_id" if str(target).isdigit() else "user_id": target}
        return httpx.Response(
            200,
            json={
                "messaging_product": "whatsapp",
                "contacts": [contact],
                "messages": [{"id": f"wamid.out{next(self._ids)}"}],
            },
        )

    def to(self, chat_id: str) -> list[Sent]:
        """Everything sent to one person (by BSUID or phone)."""
        return [s for s in self.sent if s.recipient == chat_id]
