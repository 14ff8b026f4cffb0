"""Telegram's MarkdownV2 and legacy Markdown parse modes.

Both parsers return the visible text and the entity list (UTF-16 offsets) and
raise the Bot API's `can't parse entities` errors for malformed markup, e.g. a
reserved character that is not escaped in MarkdownV2.
"""

from __future__ import annotations

from .textparse import Entity, TextBuilder, byte_offset, entity_error, finish_entities

RESERVED = set("_*[]()~`>#+-=|{}.!")
ENTITY_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}


def _read_until(source: str, start: int, closing: str, escapable: str) -> tuple[str, int] | None:
    """Read escaped text up to an unescaped `closing`; return (text, index after it)."""
    out: list[str] = []
    i = start
    while i < len(source):
        if source[i] == "\\" and i + 1 < len(source) and source[i + 1] in escapable:
            out.append(source[i + 1])
            i += 2
            continue
        if source.startswith(closing, i):
            return "".join(out), i + len(closing)
        out.append(source[i])
        i += 1
    return None


class _V2Parser:
    """State of one MarkdownV2 parse."""

    def __init__(self, source: str) -> None:
        self.src = source
        self.out = TextBuilder()
        self.entities: list[Entity] = []
        self.stack: list[tuple[str, Entity, int]] = []
        self.quote: Entity | None = None
        self.quote_end = 0

    def error_at(self, kind: str, index: int) -> Exception:
        """Build the `Can't find end of X entity` error for an entity opened at index."""
        name = ENTITY_NAMES.get(kind, kind.title())
        return entity_error(
            f"Can't find end of {name} entity at byte offset {byte_offset(self.src, index)}"
        )

    def toggle(self, kind: str, index: int) -> None:
        """Open an entity, or close it if it is the innermost open one."""
        for position, (open_kind, opened, _) in enumerate(self.stack):
            if open_kind == kind:
                if position != len(self.stack) - 1:
                    inner_kind, _, inner_at = self.stack[-1]
                    raise self.error_at(inner_kind, inner_at)
                opened["length"] = self.out.length - opened["offset"]
                self.stack.pop()
                return
        entity: Entity = {"type": kind, "offset": self.out.length, "length": 0}
        self.entities.append(entity)
        self.stack.append((kind, entity, index))

    def close_quote(self) -> None:
        """End the current block quotation at the end of its last line."""
        if self.quote is not None:
            self.quote["length"] = self.quote_end - self.quote["offset"]
            self.quote = None

    def link_end(self, i: int) -> int:
        """Finish `[text](url)` at the `]`; return the index after `)`."""
        if not self.stack or self.stack[-1][0] not in ("text_link", "custom_emoji"):
            raise entity_error(
                "Character ']' is reserved and must be escaped with the preceding '\\'"
            )
        kind, entity, at = self.stack.pop()
        if not self.src.startswith("(", i + 1):
            raise self.error_at(kind, at)
        read = _read_until(self.src, i + 2, ")", ")\\")
        if read is None:
            raise self.error_at(kind, at)
        url, after = read
        entity["length"] = self.out.length - entity["offset"]
        if kind == "custom_emoji":
            entity["custom_emoji_id"] = url.rpartition("id=")[2]
        else:
            entity["url"] = url
        return after

    def code(self, i: int) -> int:
        """Read inline code or a pre block starting at i; return the index after it."""
        src = self.src
        if src.startswith("```", i):
            read = _read_until(src, i + 3, "```", "`\\")
            if read is None:
                raise self.error_at("Pre", i)
            body, after = read
            entity: Entity = {"type": "pre", "offset": self.out.length, "length": 0}
            first, newline, rest = body.partition("\n")
            if newline and first and " " not in first:
                entity["language"] = first
                body = rest
            elif newline and not first:
                body = rest
        else:
            read = _read_until(src, i + 1, "`", "`\\")
            if read is None:
                raise self.error_at("Code", i)
            body, after = read
            entity = {"type": "code", "offset": self.out.length, "length": 0}
        self.out.add(body)
        entity["length"] = self.out.length - entity["offset"]
        self.entities.append(entity)
        return after

    def parse(self) -> tuple[str, list[Entity]]:
        """Parse the whole source."""
        src = self.src
        i = 0
        line_start = True
        while i < len(src):
            ch = src[i]
            if line_start:
                line_start = False
                if src.startswith("**>", i):
                    self.close_quote()
                    i += 2
                    line_start = True
                    continue
                if ch == ">":
                    if self.quote is None:
                        self.quote = {"type": "blockquote", "offset": self.out.length, "length": 0}
                        self.entities.append(self.quote)
                    i += 1
                    continue
                self.close_quote()
            if ch == "\\" and i + 1 < len(src) and 0 < ord(src[i + 1]) < 127:
                self.out.add(src[i + 1])
                i += 2
            elif ch == "\n":
                self.quote_end = self.out.length
                self.out.add(ch)
                line_start = True
                i += 1
            elif ch == "*":
                self.toggle("bold", i)
                i += 1
            elif ch == "_":
                if src.startswith("__", i):
                    self.toggle("underline", i)
                    i += 2
                else:
                    self.toggle("italic", i)
                    i += 1
            elif ch == "~":
                self.toggle("strikethrough", i)
                i += 1
            elif src.startswith("||", i):
                at_line_end = i + 2 == len(src) or src[i + 2] == "\n"
                open_spoiler = any(kind == "spoiler" for kind, _, _ in self.stack)
                if self.quote is not None and at_line_end and not open_spoiler:
                    self.quote["type"] = "expandable_blockquote"
                else:
                    self.toggle("spoiler", i)
                i += 2
            elif ch == "`":
                i = self.code(i)
            elif ch == "[" or src.startswith("![", i):
                kind = "custom_emoji" if ch == "!" else "text_link"
                entity = {"type": kind, "offset": self.out.length, "length": 0}
                self.entities.append(entity)
                self.stack.append((kind, entity, i))
                i += 2 if ch == "!" else 1
            elif ch == "]":
                i = self.link_end(i)
            elif ch in RESERVED:
                raise entity_error(
                    f"Character '{ch}' is reserved and must be escaped with the preceding '\\'"
                )
            else:
                self.out.add(ch)
                i += 1
        if self.stack:
            kind, _, at = self.stack[-1]
            raise self.error_at(kind, at)
        self.quote_end = self.out.length
        self.close_quote()
        return self.out.text(), finish_entities(self.entities)


def parse_markdown_v2(source: str) -> tuple[str, list[Entity]]:
    """Parse MarkdownV2 into visible text and entities."""
    return _V2Parser(source).parse()


def parse_markdown(source: str) -> tuple[str, list[Entity]]:
    """Parse legacy Markdown (`*bold*`, `_italic_`, code, pre, links)."""
    out = TextBuilder()
    entities: list[Entity] = []
    i = 0
    while i < len(source):
        ch = source[i]
        if ch == "\\" and i + 1 < len(source) and source[i + 1] in "_*`[":
            out.add(source[i + 1])
            i += 2
            continue
        if ch in "*_`" or (ch == "[" and "](" in source[i:]):
            closing = {"*": "*", "_": "_", "`": "`", "[": "]("}[ch]
            kind = {"*": "bold", "_": "italic", "`": "code", "[": "text_link"}[ch]
            start = i + 1
            if source.startswith("```", i):
                closing, kind, start = "```", "pre", i + 3
            end = source.find(closing, start)
            if end < 0:
                raise entity_error(
                    f"Can't find end of the entity starting at byte offset {byte_offset(source, i)}"
                )
            body = source[start:end]
            entity: Entity = {"type": kind, "offset": out.length, "length": 0}
            after = end + len(closing)
            if kind == "text_link":
                url_end = source.find(")", after)
                if url_end < 0:
                    raise entity_error(
                        "Can't find end of the entity starting at byte offset "
                        f"{byte_offset(source, i)}"
                    )
                entity["url"] = source[after:url_end]
                after = url_end + 1
            if kind == "pre":
                first, newline, rest = body.partition("\n")
                if newline and first and " " not in first:
                    entity["language"] = first
                    body = rest
            out.add(body)
            entity["length"] = out.length - entity["offset"]
            entities.append(entity)
            i = after
            continue
        out.add(ch)
        i += 1
    return out.text(), finish_entities(entities)
