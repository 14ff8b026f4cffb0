"""Formatted text: Telegram's HTML parse mode, UTF-16 offsets and automatic entities.

Telegram stores a message as visible text plus a list of MessageEntity objects
whose offsets and lengths count UTF-16 code units. `parse_html` turns the HTML
subset the Bot API accepts into that form and reports malformed markup with
Telegram's `can't parse entities` wording. `detect_entities` adds the entities
Telegram finds by itself (bot commands, mentions, hashtags, URLs, e-mails).
"""

from __future__ import annotations

import re
from typing import Any

from .errors import ApiError, bad_request

Entity = dict[str, Any]

SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}

_START_TAG = re.compile(
    r"<([a-zA-Z][a-zA-Z0-9-]*)"
    r"((?:\s+[a-zA-Z][a-zA-Z0-9-]*(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'>]+))?)*)\s*>"
)
_ATTR = re.compile(r"([a-zA-Z][a-zA-Z0-9-]*)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s\"'>]+))?")
_END_TAG = re.compile(r"</([a-zA-Z][a-zA-Z0-9-]*)\s*>")
_ENTITY = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]+);")


def utf16_len(text: str) -> int:
    """Return the length of text in UTF-16 code units."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def utf16_offsets(text: str) -> list[int]:
    """Return the UTF-16 offset of every code point index (plus the end)."""
    offsets = [0] * (len(text) + 1)
    total = 0
    for index, ch in enumerate(text):
        offsets[index] = total
        total += 2 if ord(ch) > 0xFFFF else 1
    offsets[len(text)] = total
    return offsets


def byte_offset(source: str, index: int) -> int:
    """Return the UTF-8 byte offset of a code point index, as Telegram reports it."""
    return len(source[:index].encode("utf-8"))


def entity_error(detail: str) -> ApiError:
    """Build the 400 `can't parse entities` error."""
    return bad_request(f"can't parse entities: {detail}")


class TextBuilder:
    """Accumulate visible text while tracking the UTF-16 length."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0

    def add(self, text: str) -> None:
        """Append visible text."""
        if text:
            self.parts.append(text)
            self.length += utf16_len(text)

    def text(self) -> str:
        """Return the text built so far."""
        return "".join(self.parts)


def finish_entities(entities: list[Entity]) -> list[Entity]:
    """Drop empty entities and order them the way Telegram does."""
    kept = [e for e in entities if e.get("length", 0) > 0]
    return sorted(kept, key=lambda e: (e["offset"], -e["length"]))


def trim(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Strip surrounding whitespace like Telegram and shift entity offsets."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    end = lead + utf16_len(stripped)
    out: list[Entity] = []
    for entity in entities:
        start = max(entity["offset"], lead)
        stop = min(entity["offset"] + entity["length"], end)
        if stop > start:
            out.append({**entity, "offset": start - lead, "length": stop - start})
    return stripped, out


def _unescape(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("#"):
            code = int(name[2:], 16) if name[1:2] in ("x", "X") else int(name[1:])
            try:
                return chr(code) if code else match.group(0)
            except ValueError:
                return match.group(0)
        return NAMED_ENTITIES.get(name, match.group(0))

    return _ENTITY.sub(replace, text)


def _attrs(raw: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for match in _ATTR.finditer(raw):
        value = match.group(2) or ""
        if value[:1] in ("'", '"'):
            value = value[1:-1]
        out[match.group(1).lower()] = _unescape(value)
    return out


def _open_entity(tag: str, attrs: dict[str, str], offset: int, at: int) -> Entity | None:
    """Return the entity a start tag opens, None for merged tags; raise if unsupported."""
    if tag in SIMPLE_TAGS:
        kind = SIMPLE_TAGS[tag]
        if kind == "blockquote" and "expandable" in attrs:
            kind = "expandable_blockquote"
        return {"type": kind, "offset": offset, "length": 0}
    if tag == "a":
        href = attrs.get("href", "")
        if not href:
            return {"type": "", "offset": offset, "length": 0}
        return {"type": "text_link", "offset": offset, "length": 0, "url": href}
    if tag == "span":
        if attrs.get("class") != "tg-spoiler":
            raise entity_error(f'Tag "span" must have class "tg-spoiler" at byte offset {at}')
        return {"type": "spoiler", "offset": offset, "length": 0}
    if tag == "tg-emoji":
        emoji_id = attrs.get("emoji-id", "")
        if not emoji_id.isdigit():
            raise entity_error(f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {at}')
        return {"type": "custom_emoji", "offset": offset, "length": 0, "custom_emoji_id": emoji_id}
    raise entity_error(f'Unsupported start tag "{tag}" at byte offset {at}')


def parse_html(source: str) -> tuple[str, list[Entity]]:
    """Parse Telegram-flavoured HTML into visible text and entities."""
    out = TextBuilder()
    entities: list[Entity] = []
    stack: list[tuple[str, Entity | None]] = []
    i = 0
    n = len(source)
    while i < n:
        ch = source[i]
        if ch == "<":
            at = byte_offset(source, i)
            end = _END_TAG.match(source, i)
            if end:
                tag = end.group(1).lower()
                if not stack:
                    raise entity_error(f"Unexpected end tag at byte offset {at}")
                open_tag, entity = stack.pop()
                if open_tag != tag:
                    raise entity_error(
                        f'Unmatched end tag at byte offset {at}, expected "</{open_tag}>", '
                        f'found "</{tag}>"'
                    )
                if entity is not None:
                    entity["length"] = out.length - entity["offset"]
                i = end.end()
                continue
            start = _START_TAG.match(source, i)
            if not start:
                word = re.match(r"<[^\s<>]*", source[i:])
                shown = word.group(0)[1:] if word else ""
                raise entity_error(f'Unsupported start tag "{shown}" at byte offset {at}')
            tag = start.group(1).lower()
            attrs = _attrs(start.group(2))
            entity = _open_entity(tag, attrs, out.length, at)
            if (
                tag == "code"
                and stack
                and stack[-1][0] == "pre"
                and stack[-1][1] is not None
                and stack[-1][1]["offset"] == out.length
                and attrs.get("class", "").startswith("language-")
            ):
                stack[-1][1]["language"] = attrs["class"].removeprefix("language-")
                entity = None
            if entity is not None:
                entities.append(entity)
            stack.append((tag, entity))
            i = start.end()
            continue
        if ch == "&":
            match = _ENTITY.match(source, i)
            if match:
                out.add(_unescape(match.group(0)))
                i = match.end()
                continue
        out.add(ch)
        i += 1
    if stack:
        raise entity_error(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    kept = [e for e in entities if e["type"]]
    return out.text(), finish_entities(kept)


_DETECTORS: list[tuple[str, re.Pattern[str]]] = [
    ("email", re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")),
    ("url", re.compile(r"(?<![\w/@])(?:https?://|www\.|t\.me/)[^\s<>\"]*[^\s<>\"'.,;:!?)\]]")),
    ("bot_command", re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w/@])")),
    ("mention", re.compile(r"(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31}(?![\w@])")),
    ("hashtag", re.compile(r"(?<![\w#])#\w*[^\W\d]\w*")),
]
_OPAQUE = {"code", "pre", "text_link", "text_mention", "url", "email", "custom_emoji"}


def detect_entities(text: str, entities: list[Entity] | None = None) -> list[Entity]:
    """Add the entities Telegram detects automatically to the given ones."""
    existing = list(entities or [])
    if not any(ch in text for ch in "/@#.:"):
        return existing
    offsets = utf16_offsets(text)
    taken = [(e["offset"], e["offset"] + e["length"]) for e in existing if e["type"] in _OPAQUE]
    found: list[Entity] = []
    for kind, pattern in _DETECTORS:
        for match in pattern.finditer(text):
            start, stop = offsets[match.start()], offsets[match.end()]
            if any(start < b and a < stop for a, b in taken):
                continue
            taken.append((start, stop))
            found.append({"type": kind, "offset": start, "length": stop - start})
    return finish_entities(existing + found)


def validate_entities(raw: Any, text: str, name: str = "entities") -> list[Entity]:
    """Check a client-supplied entity list against the text it describes."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise bad_request(f"can't parse {name} JSON object")
    total = utf16_len(text)
    out: list[Entity] = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("type"), str):
            raise bad_request(f"can't parse {name} JSON object")
        offset, length = item.get("offset"), item.get("length")
        if not isinstance(offset, int) or not isinstance(length, int) or offset < 0 or length < 0:
            raise bad_request(f"can't parse {name} JSON object")
        if offset + length > total:
            raise entity_error(f"entity {item['type']} is out of the text bounds")
        if item["type"] == "text_link" and not item.get("url"):
            raise entity_error("text_link entity must have a url")
        out.append(dict(item))
    return finish_entities(out)
