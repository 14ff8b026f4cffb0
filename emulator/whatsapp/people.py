"""The WhatsApp user side under /sim/wa: people, what they do, and the stand-in's controls.

Answers use the /sim envelope (`{"ok": true, "result": ...}`); see docs/emulator.md
(WhatsApp section) for every endpoint. People are addressed by `{ref}`: their BSUID or
their WhatsApp id (phone number).
"""

from __future__ import annotations

import base64
import binascii
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from emulator.errors import SimError
from emulator.media import make_png
from emulator.simhttp import (
    as_bool,
    as_float,
    as_int,
    body,
    content_disposition,
    opt_int,
    sim_route,
)
from emulator.updates import wait_until

from .config import Template
from .model import WaMessage, WaUser
from .shapes import message_json, user_json

if TYPE_CHECKING:
    from .side import WhatsAppSide

MAX_WAIT = 60.0
USER_TEXT_MAX = 4096


def _user_media(spec: Any, default_mime: str, default_data: bytes) -> tuple[bytes, str, Any]:
    """(bytes, mime type, the spec as a dict) for `true` or `{"data": <base64>, ...}`."""
    if spec is True:
        return default_data, default_mime, {}
    if not isinstance(spec, dict):
        raise SimError(400, "media must be true or an object")
    raw = spec.get("data")
    if raw is None:
        return default_data, str(spec.get("mime_type") or default_mime), spec
    try:
        data = base64.b64decode(str(raw), validate=True)
    except (binascii.Error, ValueError):
        raise SimError(400, "data must be base64") from None
    return data, str(spec.get("mime_type") or default_mime), spec


class PeopleApi:
    """Routes acting as WhatsApp users, reading conversations, and controlling the stand-in."""

    def __init__(self, side: WhatsAppSide) -> None:
        self.side = side
        self.world = side.world

    def routes(self) -> list[web.RouteDef]:
        """The aiohttp routes."""
        r = sim_route
        return [
            web.get("/sim/wa/state", r(self.state)),
            web.get("/sim/wa/users", r(self.list_users)),
            web.post("/sim/wa/users", r(self.create_user)),
            web.get("/sim/wa/users/{ref}", r(self.get_user)),
            web.post("/sim/wa/users/{ref}/send", r(self.send)),
            web.post("/sim/wa/users/{ref}/press", r(self.press)),
            web.post("/sim/wa/users/{ref}/pick", r(self.pick)),
            web.get("/sim/wa/users/{ref}/messages", r(self.messages)),
            web.post("/sim/wa/users/{ref}/window", r(self.window)),
            web.post("/sim/wa/users/{ref}/block", r(self.block)),
            web.post("/sim/wa/users/{ref}/unblock", r(self.unblock)),
            web.get("/sim/wa/media/{media_id}", r(self.media)),
            web.get("/sim/wa/config", r(self.get_config)),
            web.put("/sim/wa/config", r(self.set_config)),
            web.post("/sim/wa/config", r(self.set_config)),
            web.get("/sim/wa/templates", r(self.list_templates)),
            web.post("/sim/wa/templates", r(self.add_template)),
            web.get("/sim/wa/faults", r(self.get_faults)),
            web.post("/sim/wa/faults", r(self.add_fault)),
            web.post("/sim/wa/faults/storm", r(self.storm)),
            web.delete("/sim/wa/faults", r(self.clear_faults)),
            web.get("/sim/wa/log", r(self.get_log)),
            web.delete("/sim/wa/log", r(self.clear_log)),
            web.get("/sim/wa/deliveries", r(self.get_deliveries)),
            web.delete("/sim/wa/deliveries", r(self.clear_deliveries)),
            web.get("/sim/wa/webhooks", r(self.get_webhooks)),
            web.post("/sim/wa/reset", r(self.reset)),
        ]

    # --- helpers -------------------------------------------------------------------------

    def user(self, request: web.Request) -> WaUser:
        """The user named by `{ref}` in the path, or 404."""
        user = self.world.find(request.match_info["ref"])
        if user is None:
            raise SimError(404, "WhatsApp user not found")
        return user

    def user_view(self, user: WaUser) -> dict[str, Any]:
        """A user as JSON."""
        return user_json(user, self.side.rules.window_hours)

    def sent(self, user: WaUser, message: WaMessage) -> dict[str, Any]:
        """What a person's action answers: the message and the window."""
        return {
            "message": message_json(message, self.side.templates),
            "user": self.user_view(user),
        }

    # --- world and people ----------------------------------------------------------------

    async def state(self, request: web.Request) -> Any:
        """The business number and its users; long-polls on `since`/`wait`."""
        since = opt_int(request.query.get("since"), "since")
        wait = min(as_float(request.query.get("wait"), "wait", 0.0), MAX_WAIT)
        if since is not None:
            await wait_until(self.world.notifier, lambda: self.world.version > since, wait)
        config = self.side.config
        return {
            "version": self.world.version,
            "epoch": self.world.epoch,
            "phone_number_id": config.phone_number_id,
            "display_phone_number": config.display_phone_number,
            "business_name": config.business_name,
            "webhook_url": self.side.rules.webhook_url,
            "users": [self.user_view(u) for u in self.world.users.values()],
        }

    async def list_users(self, request: web.Request) -> Any:
        """Every WhatsApp user."""
        return [self.user_view(u) for u in self.world.users.values()]

    async def create_user(self, request: web.Request) -> Any:
        """Create a WhatsApp user: name, optional wa_id and user_id (BSUID)."""
        data = await body(request)
        wa_id, user_id = data.get("wa_id"), data.get("user_id")
        user = self.world.add_user(
            str(data.get("name") or ""),
            None if wa_id in (None, "") else str(wa_id),
            None if user_id in (None, "") else str(user_id),
            with_user_id=as_bool(data.get("bsuid", True)),
        )
        return self.user_view(user)

    async def get_user(self, request: web.Request) -> Any:
        """One user."""
        return self.user_view(self.user(request))

    # --- acting --------------------------------------------------------------------------

    async def send(self, request: web.Request) -> Any:
        """Send text, an image, a document or a location as the person."""
        user = self.user(request)
        data = await body(request)
        forwarded = as_bool(data.get("forwarded", False))
        reply_to = data.get("reply_to")
        context_id = self.find_message(user, reply_to).id if reply_to is not None else None
        caption = data.get("caption")
        content: dict[str, Any]
        if data.get("text") is not None:
            text = str(data["text"])
            if not text.strip() or len(text) > USER_TEXT_MAX:
                raise SimError(400, f"text must be 1-{USER_TEXT_MAX} characters")
            kind, content = "text", {"body": text}
        elif data.get("image") is not None:
            raw, mime, _ = _user_media(data["image"], "image/png", make_png(8, 8))
            media = self.world.add_media(raw, mime)
            kind, content = "image", {"mime_type": mime, "sha256": media.sha256, "id": media.id}
        elif data.get("document") is not None:
            raw, mime, spec = _user_media(data["document"], "application/pdf", b"%PDF-1.4\n%%EOF\n")
            filename = str(spec.get("filename") or "dokumen.pdf")
            media = self.world.add_media(raw, mime, filename)
            kind = "document"
            content = {
                "filename": filename,
                "mime_type": mime,
                "sha256": media.sha256,
                "id": media.id,
            }
        elif data.get("location") is not None:
            spec = data["location"]
            if not isinstance(spec, dict):
                raise SimError(400, "location must be an object with latitude and longitude")
            latitude = as_float(spec.get("latitude"), "latitude", 1000.0)
            longitude = as_float(spec.get("longitude"), "longitude", 1000.0)
            if abs(latitude) > 90 or abs(longitude) > 180:
                raise SimError(400, "latitude and longitude are required and must be valid")
            content = {"latitude": latitude, "longitude": longitude}
            content |= {k: str(spec[k]) for k in ("name", "address") if spec.get(k)}
            kind = "location"
        else:
            raise SimError(400, "give text, image, document or location")
        if caption and kind in ("image", "document"):
            content["caption"] = str(caption)
        message = self.side.receive(user, kind, content, context_id=context_id, forwarded=forwarded)
        return self.sent(user, message)

    def find_message(self, user: WaUser, ref: Any) -> WaMessage:
        """A message of the conversation by wamid or by its number (seq)."""
        if isinstance(ref, str) and ref.startswith("wamid."):
            found = self.world.by_wamid.get(ref)
            if found is None or found[0] is not user:
                raise SimError(404, "message not found in this conversation")
            return found[1]
        seq = as_int(ref, "message_id")
        for message in user.messages:
            if message.seq == seq:
                return message
        raise SimError(404, "message not found in this conversation")

    async def press(self, request: web.Request) -> Any:
        """Press a reply button (by `id` or `title`, newest message first)."""
        return await self.choose(request, "button")

    async def pick(self, request: web.Request) -> Any:
        """Pick a list row (by `id` or `title`, newest message first)."""
        return await self.choose(request, "list")

    async def choose(self, request: web.Request, kind: str) -> Any:
        """Answer an interactive message with one of its buttons or rows."""
        user = self.user(request)
        data = await body(request)
        wanted_id, wanted_title = data.get("id"), data.get("title")
        if wanted_id is None and wanted_title is None:
            raise SimError(400, "give the id or the title to choose")
        if data.get("message_id") is not None:
            candidates = [self.find_message(user, data["message_id"])]
        else:
            candidates = [m for m in reversed(user.messages) if m.direction == "out"]
        for message in candidates:
            interactive = message.content
            if message.type != "interactive" or interactive.get("type") != kind:
                continue
            for choice in _choices(interactive):
                if (wanted_id is not None and choice["id"] == wanted_id) or (
                    wanted_id is None and choice["title"] == wanted_title
                ):
                    reply_kind = "button_reply" if kind == "button" else "list_reply"
                    reply = {"type": reply_kind, reply_kind: choice}
                    sent = self.side.receive(user, "interactive", reply, context_id=message.id)
                    return self.sent(user, sent)
        what = "reply button" if kind == "button" else "list row"
        raise SimError(404, f"no {what} with that id or title")

    async def messages(self, request: web.Request) -> Any:
        """The conversation; `after` (seq) or `since` (version) with `wait` long-poll."""
        user = self.user(request)
        q = request.query
        after = as_int(q.get("after"), "after", 0)
        since = as_int(q.get("since"), "since", 0)
        limit = as_int(q.get("limit"), "limit", 500)
        wait = min(as_float(q.get("wait"), "wait", 0.0), MAX_WAIT)
        from_business = as_bool(q.get("from_business", False))

        def matching() -> list[WaMessage]:
            """The messages the query asks for."""
            return [
                m
                for m in user.messages
                if m.seq > after
                and m.version > since
                and (not from_business or m.direction == "out")
            ]

        await wait_until(user.notifier, matching, wait)
        found = matching()[-limit:] if limit > 0 else []
        return {
            "user": self.user_view(user),
            "version": user.version,
            "messages": [message_json(m, self.side.templates) for m in found],
        }

    async def window(self, request: web.Request) -> Any:
        """Open, close (expire) or age the customer-service window."""
        user = self.user(request)
        data = await body(request)
        hours = self.side.rules.window_hours
        if data.get("age_hours") is not None:
            age = as_float(data.get("age_hours"), "age_hours", 0.0)
            user.last_inbound = time.time() - age * 3600
        elif as_bool(data.get("open", True)):
            user.last_inbound = time.time()
        else:
            user.last_inbound = None if user.last_inbound is None else time.time() - hours * 3600
        self.world.touch(user)
        return self.user_view(user)

    async def block(self, request: web.Request) -> Any:
        """The person blocks the business: later messages fail with 131026."""
        user = self.user(request)
        user.blocked = True
        self.world.touch(user)
        return self.user_view(user)

    async def unblock(self, request: web.Request) -> Any:
        """The person unblocks the business."""
        user = self.user(request)
        user.blocked = False
        self.world.touch(user)
        return self.user_view(user)

    async def media(self, request: web.Request) -> Any:
        """A stored medium's bytes (for the web page; no token needed)."""
        media = self.world.media.get(request.match_info["media_id"])
        if media is None:
            raise SimError(404, "media not found")
        headers = {"Content-Type": media.mime_type}
        if media.filename:  # the page's link saves it under its own name
            headers["Content-Disposition"] = content_disposition(media.filename)
        return web.Response(body=media.data, headers=headers)

    # --- control -------------------------------------------------------------------------

    async def get_config(self, request: web.Request) -> Any:
        """The business number and the current rules (never the secrets)."""
        config = self.side.config
        return {
            "phone_number_id": config.phone_number_id,
            "display_phone_number": config.display_phone_number,
            "business_name": config.business_name,
            "waba_id": config.waba_id,
            **self.side.rules.to_json(),
            "templates": [t.to_json() for t in self.side.templates.values()],
        }

    async def set_config(self, request: web.Request) -> Any:
        """Change rules at run time (webhook_url, limits, status order, …)."""
        data = await body(request)
        self.side.configure(self.side.rules.updated(data))
        return await self.get_config(request)

    async def list_templates(self, request: web.Request) -> Any:
        """The approved templates."""
        return [t.to_json() for t in self.side.templates.values()]

    async def add_template(self, request: web.Request) -> Any:
        """Approve a template: name, language, body_params, optional text."""
        data = await body(request)
        text = data.get("text")
        template = Template(
            str(data.get("name") or ""),
            str(data.get("language") or ""),
            as_int(data.get("body_params"), "body_params", 0),
            None if text is None else str(text),
        )
        self.side.add_template(template)
        return template.to_json()

    async def get_faults(self, request: web.Request) -> Any:
        """Pending fault rules and the storm."""
        return self.side.faults.to_json()

    async def add_fault(self, request: web.Request) -> Any:
        """The next `count` calls to `endpoint` answer error `code` (after `delay`)."""
        data = await body(request)
        rule = self.side.faults.add(
            opt_int(data.get("code"), "code"),
            as_int(data.get("count"), "count", 1),
            endpoint=str(data.get("endpoint") or "messages"),
            status=opt_int(data.get("status"), "status"),
            delay=as_float(data.get("delay"), "delay", 0.0),
            details=None if data.get("details") is None else str(data["details"]),
        )
        return rule.to_json()

    async def storm(self, request: web.Request) -> Any:
        """Every matching call answers `code` (default 130429) for `seconds`."""
        data = await body(request)
        self.side.faults.start_storm(
            as_float(data.get("seconds"), "seconds", 0.0),
            as_int(data.get("code"), "code", 130429),
            str(data.get("endpoint") or "messages"),
        )
        return self.side.faults.to_json()

    async def clear_faults(self, request: web.Request) -> Any:
        """Remove every fault rule and stop the storm."""
        self.side.faults.clear()
        return self.side.faults.to_json()

    async def get_log(self, request: web.Request) -> Any:
        """Graph API calls (filters: endpoint, code, status, recipient, after, limit)."""
        q = request.query
        entries = self.side.log.query(
            endpoint=q.get("endpoint"),
            code=opt_int(q.get("code"), "code"),
            status=opt_int(q.get("status"), "status"),
            recipient=q.get("recipient"),
            after=as_int(q.get("after"), "after", 0),
            limit=as_int(q.get("limit"), "limit", 1000),
        )
        return {"total": self.side.log.total, "entries": entries}

    async def clear_log(self, request: web.Request) -> Any:
        """Empty the request log."""
        self.side.log.clear()
        return {"cleared": True}

    async def get_deliveries(self, request: web.Request) -> Any:
        """Accepted, deliverable messages per recipient."""
        return self.side.log.deliveries()

    async def clear_deliveries(self, request: web.Request) -> Any:
        """Reset the delivered counts."""
        self.side.log.delivered.clear()
        return {"cleared": True}

    async def get_webhooks(self, request: web.Request) -> Any:
        """Webhook bodies posted (or being posted); `wait` waits for one after `after`."""
        q = request.query
        kind = q.get("kind")
        after = as_int(q.get("after"), "after", 0)
        wait = min(as_float(q.get("wait"), "wait", 0.0), MAX_WAIT)
        poster = self.side.webhooks

        def ready() -> bool:
            """True once a body after `after` was posted or given up."""
            return any(
                r.seq > after and r.done and (kind is None or r.kind == kind)
                for r in poster.records
            )

        await wait_until(poster.notifier, ready, wait)
        return {
            "idle": poster.idle(),
            "webhooks": poster.query(
                kind=kind,
                after=after,
                limit=as_int(q.get("limit"), "limit", 500),
                body=as_bool(q.get("body", True)),
            ),
        }

    async def reset(self, request: web.Request) -> Any:
        """Forget users, conversations and media; optionally the log and faults."""
        data = await body(request)
        self.side.reset(
            log=as_bool(data.get("log", False)), faults=as_bool(data.get("faults", True))
        )
        return {"reset": True}


def _choices(interactive: dict[str, Any]) -> list[dict[str, Any]]:
    """The buttons (`{"id", "title"}`) or list rows (with `description`) of a message."""
    action = interactive.get("action") or {}
    if interactive.get("type") == "button":
        return [
            {"id": b["reply"]["id"], "title": b["reply"]["title"]}
            for b in action.get("buttons", [])
        ]
    rows: list[dict[str, Any]] = []
    for section in action.get("sections", []):
        for row in section.get("rows", []):
            choice = {"id": row["id"], "title": row["title"]}
            if row.get("description"):
                choice["description"] = row["description"]
            rows.append(choice)
    return rows
