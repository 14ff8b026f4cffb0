"""JSON views of WhatsApp users and messages for the user API and the web page.

A message view shows what a person sees: `text` (a text's body, an interactive body, a
caption, or a template filled with its parameters), `buttons` (reply buttons), `list`
(the list button and its sections and rows), `url_button`, `media`, `location`, plus
the Cloud API `type`, the raw `content`, the delivery `status` and `error`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .config import Template
from .model import WaMessage, WaUser
from .validate import MEDIA_TYPES, template_params


def user_json(user: WaUser, window_hours: float) -> dict[str, Any]:
    """A WhatsApp user with the state of their customer-service window."""
    return {
        "key": user.key,
        "name": user.name,
        "wa_id": user.wa_id,
        "user_id": user.user_id,
        "blocked": user.blocked,
        "window": {
            "open": user.window_open(window_hours),
            "last_inbound": user.last_inbound,
            "closes_at": user.window_closes(window_hours),
        },
        "message_count": len(user.messages),
        "version": user.version,
    }


def _text_of(value: Any) -> str | None:
    """`value["text"]` of an optional header/footer/body object."""
    if isinstance(value, dict) and isinstance(value.get("text"), str):
        return str(value["text"])
    return None


def message_json(
    message: WaMessage, templates: Mapping[tuple[str, str], Template]
) -> dict[str, Any]:
    """What a person sees of one message, plus the Cloud API content."""
    content = message.content
    out: dict[str, Any] = {
        "id": message.id,
        "seq": message.seq,
        "direction": message.direction,
        "from": "business" if message.direction == "out" else "user",
        "timestamp": message.timestamp,
        "type": message.type,
        "text": None,
        "header": None,
        "footer": None,
        "buttons": None,
        "list": None,
        "url_button": None,
        "media": None,
        "location": None,
        "template": None,
        "reply": None,
        "forwarded": message.forwarded,
        "context_id": message.context_id,
        "status": message.status,
        "error": message.error,
        "tracker": message.tracker,
        "version": message.version,
        "content": content,
    }
    if message.type == "text":
        out["text"] = content.get("body")
    elif message.type == "interactive":
        _interactive(out, content)
    elif message.type == "template":
        _template(out, content, templates)
    elif message.type in MEDIA_TYPES:
        media_id = content.get("id")
        out["text"] = content.get("caption")
        out["media"] = {
            "kind": message.type,
            "id": media_id,
            "link": content.get("link"),
            "mime_type": content.get("mime_type"),
            "filename": content.get("filename"),
            "url": f"/sim/wa/media/{media_id}" if media_id else content.get("link"),
        }
    elif message.type == "location":
        out["location"] = {
            key: content.get(key) for key in ("latitude", "longitude", "name", "address")
        }
    elif message.type == "reaction":
        out["text"] = content.get("emoji")
    return out


def _interactive(out: dict[str, Any], interactive: dict[str, Any]) -> None:
    """Fill the view of an interactive message (buttons, list, CTA URL, or a reply)."""
    kind = interactive.get("type")
    out["text"] = _text_of(interactive.get("body"))
    out["header"] = _text_of(interactive.get("header"))
    out["footer"] = _text_of(interactive.get("footer"))
    found = interactive.get("action")
    action: dict[str, Any] = found if isinstance(found, dict) else {}
    if kind == "button":
        out["buttons"] = [
            {"id": b["reply"]["id"], "title": b["reply"]["title"]}
            for b in action.get("buttons", [])
        ]
    elif kind == "list":
        out["list"] = {
            "button": action.get("button"),
            "sections": [
                {
                    "title": section.get("title"),
                    "rows": [
                        {
                            "id": row.get("id"),
                            "title": row.get("title"),
                            "description": row.get("description"),
                        }
                        for row in section.get("rows", [])
                    ],
                }
                for section in action.get("sections", [])
            ],
        }
    elif kind == "cta_url":
        parameters = action.get("parameters") or {}
        out["url_button"] = {
            "display_text": parameters.get("display_text"),
            "url": parameters.get("url"),
        }
    elif kind in ("button_reply", "list_reply"):
        reply = interactive.get(kind) or {}
        out["reply"] = {"kind": kind, "id": reply.get("id"), "title": reply.get("title")}
        out["text"] = reply.get("title")


def _template(
    out: dict[str, Any], template: dict[str, Any], templates: Mapping[tuple[str, str], Template]
) -> None:
    """Fill the view of a template message with its body text."""
    name = str(template.get("name"))
    language = template.get("language") or {}
    code = str(language.get("code")) if isinstance(language, dict) else ""
    params = template_params(template)
    registered = templates.get((name, code))
    out["template"] = {"name": name, "language": code, "params": params}
    if registered is not None:
        out["text"] = registered.render(params)
    else:
        out["text"] = f"[{name}] {' · '.join(params)}".rstrip()
