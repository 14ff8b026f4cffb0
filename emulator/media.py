"""Files the emulator stores: uploads, generated samples, file ids and JSON shapes.

Every uploaded or generated file gets a Telegram-like `file_id` (usable again in
send* calls and getFile), a `file_unique_id` and a `file_path` under which the
bytes are served at `/file/bot<token>/<file_path>`.
"""

from __future__ import annotations

import mimetypes
import secrets
import struct
import zlib
from dataclasses import dataclass
from typing import Any

from .errors import bad_request

ID_PREFIX = {
    "photo": "AgACAgIAAxkBAA",
    "document": "BQACAgIAAxkBAA",
    "video": "BAACAgIAAxkBAA",
    "sticker": "CAACAgIAAxkBAA",
    "voice": "AwACAgIAAxkBAA",
}
FOLDER = {
    "photo": "photos",
    "document": "documents",
    "video": "videos",
    "sticker": "stickers",
    "voice": "voice",
}


@dataclass
class StoredFile:
    """One file known to the emulator."""

    file_id: str
    file_unique_id: str
    kind: str
    data: bytes | None
    file_name: str | None = None
    mime_type: str | None = None
    width: int = 0
    height: int = 0
    duration: int = 0
    source_url: str | None = None
    file_path: str | None = None

    @property
    def size(self) -> int:
        """Return the size in bytes (0 for URL-only files)."""
        return len(self.data) if self.data is not None else 0


def image_size(data: bytes) -> tuple[int, int] | None:
    """Return (width, height) of a PNG, JPEG, GIF or WebP image, or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP" and len(data) >= 30:
        chunk = data[12:16]
        if chunk == b"VP8X":
            width = int.from_bytes(data[24:27], "little") + 1
            height = int.from_bytes(data[27:30], "little") + 1
            return width, height
        if chunk == b"VP8 ":
            width, height = struct.unpack("<HH", data[26:30])
            return int(width) & 0x3FFF, int(height) & 0x3FFF
        if chunk == b"VP8L":
            bits = int.from_bytes(data[21:25], "little")
            return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                i += 2
                continue
            length = struct.unpack(">H", data[i + 2 : i + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return int(width), int(height)
            i += 2 + int(length)
    return None


def make_png(width: int = 4, height: int = 4, rgb: tuple[int, int, int] = (46, 139, 87)) -> bytes:
    """Generate a small solid-colour PNG image."""
    row = b"\x00" + bytes(rgb) * width
    raw = row * height

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


class FileStore:
    """All files by file_id and by file_path."""

    def __init__(self) -> None:
        self.by_id: dict[str, StoredFile] = {}
        self.by_path: dict[str, StoredFile] = {}
        self.counter = 0

    def add(
        self,
        kind: str,
        data: bytes | None,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        source_url: str | None = None,
        width: int = 0,
        height: int = 0,
        duration: int = 0,
    ) -> StoredFile:
        """Store a file and give it ids and a path."""
        self.counter += 1
        file_id = ID_PREFIX[kind] + secrets.token_urlsafe(30)
        unique = "AQAD" + secrets.token_urlsafe(9)
        if mime_type is None and file_name:
            mime_type = mimetypes.guess_type(file_name)[0]
        stored = StoredFile(
            file_id, unique, kind, data, file_name, mime_type, width, height, duration, source_url
        )
        if data is not None:
            extension = mimetypes.guess_extension(mime_type or "") or ""
            if file_name and "." in file_name:
                extension = "." + file_name.rsplit(".", 1)[1]
            stored.file_path = f"{FOLDER[kind]}/file_{self.counter}{extension}"
            self.by_path[stored.file_path] = stored
        self.by_id[file_id] = stored
        return stored

    def add_upload(
        self, kind: str, data: bytes, file_name: str, content_type: str | None
    ) -> StoredFile:
        """Store an uploaded file, checking images for photos."""
        mime = content_type if content_type and content_type != "application/octet-stream" else None
        width = height = 0
        if kind in ("photo", "sticker"):
            size = image_size(data)
            if size is None:
                raise bad_request("IMAGE_PROCESS_FAILED")
            width, height = size
            mime = mime or "image/png"
        return self.add(kind, data, file_name=file_name, mime_type=mime, width=width, height=height)

    def reuse(self, file_id: str, kind: str) -> StoredFile:
        """Return a stored file for a file_id sent by a bot, checking its type."""
        stored = self.by_id.get(file_id)
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if stored.kind != kind and not (kind == "document" and stored.kind != "photo"):
            raise bad_request(f"can't use file of type {stored.kind.title()} as {kind.title()}")
        return stored

    def clear(self) -> None:
        """Forget every file."""
        self.by_id.clear()
        self.by_path.clear()


def media_json(kind: str, stored: StoredFile, extra: dict[str, Any] | None = None) -> Any:
    """Return the Bot API object (or PhotoSize list) describing a stored file."""
    base: dict[str, Any] = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
    if stored.data is not None:
        base["file_size"] = stored.size
    if kind == "photo":
        return [{**base, "width": stored.width, "height": stored.height}]
    if kind == "sticker":
        sticker = {
            **base,
            "type": "regular",
            "width": stored.width or 512,
            "height": stored.height or 512,
            "is_animated": False,
            "is_video": False,
        }
        sticker.update(extra or {})
        return sticker
    if kind == "voice":
        return {**base, "duration": stored.duration, "mime_type": stored.mime_type or "audio/ogg"}
    if kind == "video":
        base.update(width=stored.width, height=stored.height, duration=stored.duration)
    if stored.file_name:
        base["file_name"] = stored.file_name
    if stored.mime_type:
        base["mime_type"] = stored.mime_type
    return base


def file_json(stored: StoredFile) -> dict[str, Any]:
    """Return the Bot API File object for getFile."""
    out: dict[str, Any] = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
    if stored.data is not None:
        out["file_size"] = stored.size
    if stored.file_path:
        out["file_path"] = stored.file_path
    return out
