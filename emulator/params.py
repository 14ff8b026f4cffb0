"""Reading Bot API parameters from JSON, urlencoded and multipart bodies.

Telegram accepts the same method parameters in the query string, as a JSON
object, as `application/x-www-form-urlencoded` fields or as `multipart/form-data`
parts (files). In form encodings every value is a string and nested objects
such as `reply_markup` arrive as JSON text; `Params` hides those differences.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web

from .errors import bad_request


@dataclass(frozen=True)
class Upload:
    """A file sent in a multipart body."""

    data: bytes
    filename: str
    content_type: str


class Params:
    """Typed access to the parameters of one Bot API call."""

    def __init__(
        self, values: Mapping[str, Any], files: Mapping[str, Upload] | None = None
    ) -> None:
        self.values = dict(values)
        self.files = dict(files or {})

    def raw(self, name: str) -> Any:
        """Return the raw value of a parameter (None when absent or empty)."""
        value = self.values.get(name)
        if value == "":
            return None
        return value

    def has(self, name: str) -> bool:
        """Tell whether a parameter was given."""
        return self.raw(name) is not None or name in self.files

    def opt_str(self, name: str) -> str | None:
        """Return a string parameter, or None."""
        value = self.raw(name)
        if value is None:
            return None
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return str(value)
        raise bad_request(f'field "{name}" must be of type String')

    def req_str(self, name: str, missing: str | None = None) -> str:
        """Return a required string parameter or raise `<name> is empty`."""
        value = self.opt_str(name)
        if value is None or value == "":
            raise bad_request(missing or f"{name} is empty")
        return value

    def opt_int(self, name: str) -> int | None:
        """Return an integer parameter, or None."""
        value = self.raw(name)
        if value is None:
            return None
        if isinstance(value, bool):
            raise bad_request(f'field "{name}" must be of type Integer')
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                pass
        raise bad_request(f'field "{name}" must be of type Integer')

    def req_int(self, name: str, missing: str | None = None) -> int:
        """Return a required integer parameter or raise `<name> is empty`."""
        value = self.opt_int(name)
        if value is None:
            raise bad_request(missing or f"{name} is empty")
        return value

    def flag(self, name: str) -> bool:
        """Return a boolean parameter (absent means False)."""
        value = self.raw(name)
        if value is None or value is False or value == 0:
            return False
        if value is True or value == 1:
            return True
        if isinstance(value, str):
            lowered = value.strip().lower()
            if lowered in ("true", "1"):
                return True
            if lowered in ("false", "0"):
                return False
        raise bad_request(f'field "{name}" must be of type Boolean')

    def opt_json(self, name: str) -> Any:
        """Return a JSON-typed parameter, decoding it when it arrived as text."""
        value = self.raw(name)
        if isinstance(value, str):
            text = value.strip()
            if not text:
                return None
            try:
                return json.loads(text)
            except ValueError:
                raise bad_request(f"can't parse {name} JSON object") from None
        return value

    def chat_ref(self, name: str = "chat_id") -> int | str:
        """Return a chat reference: an integer id or an `@username`."""
        value = self.raw(name)
        if value is None:
            raise bad_request(f"{name} is empty")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("@") and len(text) > 1:
                return text
            try:
                return int(text)
            except ValueError:
                pass
        raise bad_request("chat not found")

    def input_file(self, name: str) -> Upload | str | None:
        """Return an uploaded file, or a file_id/URL string, for a media parameter."""
        value = self.raw(name)
        if isinstance(value, str) and value.startswith("attach://"):
            upload = self.files.get(value.removeprefix("attach://"))
            if upload is None:
                raise bad_request(f"wrong file identifier/HTTP URL specified for {name}")
            return upload
        if name in self.files:
            return self.files[name]
        if value is None:
            return None
        if isinstance(value, str):
            return value.strip()
        raise bad_request(f"wrong file identifier/HTTP URL specified for {name}")

    def summary(self, limit: int = 80) -> dict[str, str]:
        """Return a short printable view of the parameters for the request log."""
        out: dict[str, str] = {}
        for key, value in self.values.items():
            text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            out[key] = text if len(text) <= limit else text[: limit - 1] + "…"
        for key, upload in self.files.items():
            out[key] = f"<file {upload.filename} {len(upload.data)} bytes>"
        return out


async def read_multipart(reader: aiohttp.MultipartReader) -> Params:
    """Read every part of a multipart body into Params."""
    values: dict[str, Any] = {}
    files: dict[str, Upload] = {}
    while True:
        part = await reader.next()
        if part is None:
            break
        if not isinstance(part, aiohttp.BodyPartReader) or part.name is None:
            continue
        data = await part.read(decode=True)
        if part.filename is not None:
            ctype = part.headers.get(aiohttp.hdrs.CONTENT_TYPE, "application/octet-stream")
            files[part.name] = Upload(bytes(data), part.filename, ctype)
        else:
            values[part.name] = bytes(data).decode("utf-8", errors="replace")
    return Params(values, files)


def parse_json_object(body: bytes) -> dict[str, Any]:
    """Decode a JSON object body or raise a Telegram-style 400."""
    if not body.strip():
        return {}
    try:
        data = json.loads(body)
    except ValueError:
        raise bad_request("can't parse JSON object") from None
    if not isinstance(data, dict):
        raise bad_request("can't parse JSON object: object expected")
    return data


async def read_request(request: web.Request) -> Params:
    """Read the parameters of a Bot API request in any encoding Telegram accepts."""
    values: dict[str, Any] = dict(request.query)
    files: dict[str, Upload] = {}
    ctype = request.content_type
    if request.method != "POST" or not request.can_read_body:
        return Params(values)
    if ctype == "multipart/form-data":
        try:
            params = await read_multipart(await request.multipart())
        except (ValueError, AssertionError, aiohttp.ClientError) as exc:
            raise bad_request(f"can't parse multipart body: {exc}") from None
        values.update(params.values)
        files.update(params.files)
    elif ctype == "application/x-www-form-urlencoded":
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, str):
                values[key] = value
    else:
        body = await request.read()
        if ctype == "application/json" or body.strip().startswith(b"{"):
            values.update(parse_json_object(body))
        elif body.strip():
            raise bad_request(f"unsupported Content-Type {ctype}")
    return Params(values, files)
