"""The Graph API as the bot sees it, under `/graph` (set `KIMBOT_WA_API_URL=<base>/graph`).

pywa points its session at `https://graph.facebook.com/v<version>`; KIM Bot's sender
keeps the version path and swaps the host for `KIMBOT_WA_API_URL`, so the bot calls
`<base>/graph/v26.0/<phone number id>/messages`. Served here:

| request | answer |
| --- | --- |
| `POST /graph/{version}/{phone_number_id}/messages` | send a message (or mark one read) |
| `POST /graph/{version}/{phone_number_id}/media` | upload a medium (multipart `file`) → `{"id"}` |
| `GET /graph/{version}/{media_id}` | the medium's `url`, `mime_type`, `sha256`, `file_size` |
| `DELETE /graph/{version}/{media_id}` | forget a medium |
| `GET /graph/{version}/{phone_number_id}` | the business number's profile |
| `GET /graph/attachments/{media_id}` | the medium's bytes (the `url` above) |

Every call needs `Authorization: Bearer <access token>` (or `?access_token=`); anything
else answers 401 with code 190. Errors are Meta's `{"error": {...}}`.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import BodyPartReader, web

from .errors import GraphError, bad_token, invalid, missing, unknown_object, unknown_path

if TYPE_CHECKING:
    from .side import WhatsAppSide

VERSION = r"{version:v\d+(?:\.\d+)?}"
MEDIA_LIMITS = {"image": 5, "video": 16, "audio": 16, "sticker": 1}
MB = 1024 * 1024
Handler = Callable[[web.Request, dict[str, Any]], Awaitable[web.StreamResponse]]
Route = Callable[[web.Request], Awaitable[web.StreamResponse]]


def graph_json(payload: dict[str, Any], status: int = 200) -> web.Response:
    """A JSON answer."""
    return web.Response(
        status=status,
        body=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
        content_type="application/json",
    )


class GraphApi:
    """Routes of the Graph API stand-in."""

    def __init__(self, side: WhatsAppSide) -> None:
        self.side = side

    def routes(self) -> list[web.RouteDef]:
        """The aiohttp routes (the catch-all last)."""
        return [
            web.post(f"/graph/{VERSION}/{{phone_id}}/messages", self.wrap("messages", self.send)),
            web.post(f"/graph/{VERSION}/{{phone_id}}/media", self.wrap("media", self.upload)),
            web.get(f"/graph/{VERSION}/{{object_id}}", self.wrap("media_url", self.media_url)),
            web.delete(f"/graph/{VERSION}/{{object_id}}", self.wrap("media", self.delete_media)),
            web.get("/graph/attachments/{media_id}", self.wrap("download", self.download)),
            web.route("*", "/graph/{tail:.*}", self.unknown),
        ]

    # --- plumbing ------------------------------------------------------------------------

    def authorised(self, request: web.Request) -> bool:
        """True when the request carries the configured access token."""
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            token = request.query.get("access_token", "")
        expected = self.side.config.access_token.encode()
        return bool(token) and hmac.compare_digest(expected, token.strip().encode())

    def wrap(self, endpoint: str, handler: Handler) -> Route:
        """Authenticate, inject faults, turn GraphError into Meta's answer, log the call.

        The handler notes what the log should show (recipient, type, message id) in the
        dict it is given.
        """

        async def run(request: web.Request) -> web.StreamResponse:
            """One Graph API call of `endpoint`."""
            started = time.monotonic()
            details: dict[str, Any] = {}
            try:
                if not self.authorised(request):
                    raise bad_token()
                error, delay = self.side.faults.pick(endpoint)
                if delay > 0:
                    await asyncio.sleep(delay)
                if error is not None:
                    raise error
                response = await handler(request, details)
            except GraphError as exc:
                response = graph_json(exc.payload(), exc.status)
                details["code"] = exc.code
            self.side.log.add(
                request.method,
                endpoint,
                request.path,
                response.status,
                started,
                recipient=details.get("recipient"),
                kind=details.get("type"),
                code=details.get("code"),
                message_id=details.get("message_id"),
            )
            return response

        return run

    def check_phone(self, request: web.Request) -> None:
        """The phone number id in the path must be the business number's."""
        phone_id = request.match_info["phone_id"]
        if phone_id != self.side.config.phone_number_id:
            raise unknown_object(phone_id)

    async def unknown(self, request: web.Request) -> web.StreamResponse:
        """Any other Graph API path."""
        error = bad_token() if not self.authorised(request) else unknown_path(request.path)
        return graph_json(error.payload(), error.status)

    # --- endpoints -----------------------------------------------------------------------

    async def send(self, request: web.Request, details: dict[str, Any]) -> web.StreamResponse:
        """POST /{version}/{phone_number_id}/messages."""
        self.check_phone(request)
        try:
            body = json.loads(await request.read() or b"null")
        except ValueError:
            raise invalid("The request body is not valid JSON.") from None
        if not isinstance(body, dict):
            raise invalid("The request body must be a JSON object.")
        details["type"] = body.get("type", "text") if "status" not in body else "status"
        target = body.get("recipient") or body.get("to")
        details["recipient"] = str(target) if target is not None else None
        if body.get("status") == "read":
            if body.get("messaging_product") != "whatsapp":
                raise missing("messaging_product")
            return graph_json(self.side.mark_read(body))
        accepted = self.side.send_business(body)
        details["message_id"] = accepted.message_id
        return graph_json(accepted.payload())

    async def upload(self, request: web.Request, details: dict[str, Any]) -> web.StreamResponse:
        """POST /{version}/{phone_number_id}/media (multipart: file, messaging_product, type)."""
        self.check_phone(request)
        if not request.content_type.startswith("multipart/"):
            raise invalid("Upload media with multipart/form-data.")
        fields: dict[str, str] = {}
        data: bytes | None = None
        filename: str | None = None
        file_type: str | None = None
        reader = await request.multipart()
        while True:
            part = await reader.next()
            if part is None:
                break
            if not isinstance(part, BodyPartReader):
                continue
            if part.name == "file":
                data = bytes(await part.read())
                filename = part.filename
                file_type = part.headers.get("Content-Type")
            elif part.name:
                fields[part.name] = (await part.read()).decode("utf-8", "replace")
        if fields.get("messaging_product") != "whatsapp":
            raise missing("messaging_product")
        if data is None:
            raise missing("file")
        mime = fields.get("type") or file_type or "application/octet-stream"
        family = mime.split("/")[0]
        limit = MEDIA_LIMITS.get("sticker" if mime == "image/webp" else family, 100)
        if len(data) > limit * MB:
            raise GraphError(131053, f"Media upload error: {mime} files may be at most {limit} MB.")
        media = self.side.world.add_media(data, mime, filename)
        return graph_json({"id": media.id})

    async def media_url(self, request: web.Request, details: dict[str, Any]) -> web.StreamResponse:
        """GET /{version}/{media_id}: where to download a medium (or the number's profile)."""
        object_id = request.match_info["object_id"]
        config = self.side.config
        if object_id == config.phone_number_id:
            return graph_json(
                {
                    "verified_name": config.business_name,
                    "display_phone_number": config.display_phone_number,
                    "id": config.phone_number_id,
                    "quality_rating": "GREEN",
                    "throughput": {"level": "STANDARD"},
                }
            )
        media = self.side.world.media.get(object_id)
        if media is None:
            raise unknown_object(object_id)
        origin = f"{request.url.scheme}://{request.host}"
        return graph_json(
            {
                "messaging_product": "whatsapp",
                "url": f"{origin}/graph/attachments/{media.id}?hash={media.sha256[:16]}",
                "mime_type": media.mime_type,
                "sha256": media.sha256,
                "file_size": len(media.data),
                "id": media.id,
            }
        )

    async def delete_media(
        self, request: web.Request, details: dict[str, Any]
    ) -> web.StreamResponse:
        """DELETE /{version}/{media_id}."""
        object_id = request.match_info["object_id"]
        if self.side.world.media.pop(object_id, None) is None:
            raise unknown_object(object_id)
        self.side.world.changed()
        return graph_json({"success": True})

    async def download(self, request: web.Request, details: dict[str, Any]) -> web.StreamResponse:
        """GET /attachments/{media_id}: the bytes (needs the token, like Meta's URLs)."""
        media = self.side.world.media.get(request.match_info["media_id"])
        if media is None:
            raise GraphError(100, "The media URL has expired or does not exist.", status=404)
        return web.Response(body=media.data, headers={"Content-Type": media.mime_type})
