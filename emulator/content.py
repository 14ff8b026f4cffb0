"""Validating what a bot puts into a message: formatted text, captions and keyboards."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .errors import bad_request
from .markdown import parse_markdown, parse_markdown_v2
from .textparse import Entity, detect_entities, parse_html, trim, validate_entities

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
BUTTON_LIMIT = 100
INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


@dataclass
class FormattedText:
    """Visible text with entities, plus what the bot actually sent."""

    text: str
    entities: list[Entity] = field(default_factory=list)
    raw: str | None = None
    parse_mode: str | None = None


def normalize_parse_mode(value: str | None) -> str | None:
    """Map a parse_mode value to Telegram's spelling or raise 400."""
    if value is None or value == "":
        return None
    known = {"html": "HTML", "markdownv2": "MarkdownV2", "markdown": "Markdown"}
    mode = known.get(value.strip().lower())
    if mode is None:
        raise bad_request(f"unsupported parse_mode {value}")
    return mode


def format_text(
    raw: str | None,
    parse_mode: str | None,
    entities: Any,
    *,
    caption: bool = False,
) -> FormattedText | None:
    """Parse message text or a caption, enforce its length and detect entities."""
    mode = normalize_parse_mode(parse_mode)
    if raw is None or raw == "":
        if caption:
            return None
        raise bad_request("message text is empty")
    if entities is not None:
        mode = None
        text, found = trim(raw, validate_entities(entities, raw))
    elif mode == "HTML":
        text, found = trim(*parse_html(raw))
    elif mode == "MarkdownV2":
        text, found = trim(*parse_markdown_v2(raw))
    elif mode == "Markdown":
        text, found = trim(*parse_markdown(raw))
    else:
        text, found = trim(raw, [])
    if caption:
        if len(text) > CAPTION_LIMIT:
            raise bad_request("message caption is too long")
        if not text:
            return None
    else:
        if not text:
            raise bad_request("message text is empty")
        if len(text) > TEXT_LIMIT:
            raise bad_request("message is too long")
    return FormattedText(text, detect_entities(text, found), raw, mode)


def _valid_url(url: str) -> bool:
    parts = urlsplit(url if "://" in url else "http://" + url)
    if parts.scheme in ("http", "https"):
        host = parts.hostname or ""
        return "." in host or host == "localhost"
    return parts.scheme == "tg"


def _inline_button(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict) or not isinstance(raw.get("text"), str):
        raise bad_request(
            'can\'t parse inline keyboard button: field "text" must be of type String'
        )
    if not raw["text"].strip():
        raise bad_request("BUTTON_TEXT_INVALID")
    actions = [key for key in INLINE_ACTIONS if raw.get(key) is not None]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1:
        raise bad_request("can't parse inline keyboard button: only one button action is allowed")
    if "callback_data" in actions:
        data = raw["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= CALLBACK_DATA_LIMIT:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in actions:
        url = raw["url"]
        if not isinstance(url, str) or not url.strip() or not _valid_url(url.strip()):
            raise bad_request("BUTTON_URL_INVALID")
    button = {"text": raw["text"]}
    button.update({key: raw[key] for key in INLINE_ACTIONS if key in raw})
    for extra in ("style", "icon_custom_emoji_id"):
        if extra in raw:
            button[extra] = raw[extra]
    return button


@dataclass
class Markup:
    """A validated reply_markup: the inline keyboard stays on the message."""

    kind: str
    data: dict[str, Any]

    @property
    def inline(self) -> dict[str, Any] | None:
        """Return the inline keyboard, which Telegram echoes in the Message."""
        return self.data if self.kind == "inline" else None


def validate_markup(raw: Any) -> Markup | None:
    """Validate any reply_markup object and return it normalised."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in raw:
        rows = raw["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if sum(len(row) for row in rows) > BUTTON_LIMIT:
            raise bad_request("BUTTONS_TOO_MUCH")
        keyboard = [[_inline_button(button) for button in row] for row in rows]
        return Markup("inline", {"inline_keyboard": [row for row in keyboard if row]})
    if "keyboard" in raw:
        rows = raw["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if sum(len(row) for row in rows) > 300:
            raise bad_request("BUTTONS_TOO_MUCH")
        normalized = []
        for row in rows:
            buttons = []
            for button in row:
                if isinstance(button, str):
                    button = {"text": button}
                if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                    raise bad_request(
                        'can\'t parse keyboard button: field "text" must be of type String'
                    )
                buttons.append(button)
            normalized.append(buttons)
        return Markup("reply", {**raw, "keyboard": normalized})
    if raw.get("remove_keyboard"):
        return Markup("remove", dict(raw))
    if raw.get("force_reply"):
        return Markup("force_reply", dict(raw))
    raise bad_request("can't parse reply keyboard markup JSON object")
