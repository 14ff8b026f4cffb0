"""The bulk path's own Bot API client: pre-serialised JSON bodies, one aiohttp session.

aiogram builds and validates pydantic models for every request and every answer; at
thousands of messages a second that was most of a worker's CPU. A broadcast sends the
same message to everyone, so its body is serialised once per announcement (`Body`: only
the chat id differs) and posted as is; the answer is read as plain JSON.

Telegram's answers are classified exactly as aiogram's `BaseSession.check_response` does
(the same order, the same fields), into this module's exceptions:
- an answer that is not JSON, or JSON without a boolean `ok`: `UnreadableAnswer`
  (aiogram: `ClientDecodeError`);
- status 200-226 with `ok` true: the `result`;
- otherwise `parameters.retry_after`: `RetryAfter`; `parameters.migrate_to_chat_id`:
  `MigrateToChat`; then by status: 400 `BadRequest`, 403 `Forbidden`, ≥ 500 `ServerError`,
  any other `ApiError` (aiogram's 401, 404, 409 and 413 classes are `ApiError` here: the
  bulk path treats them alike);
- no answer (connection refused or reset, timeout): `NetworkError`.

The bot token is part of every request's URL and nowhere else: no exception or log line
of this module contains it (a network error names only the error's type and text with
the URL's path cut out).
"""

from __future__ import annotations

import asyncio
import json
import ssl
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import certifi
from pydantic_core import from_json

DEFAULT_API = "https://api.telegram.org"
TIMEOUT = 60.0  # seconds, aiogram's default for a request
JSON = {"Content-Type": "application/json"}


class ApiError(Exception):
    """Telegram refused a request; `description` is Telegram's text, never our URL."""

    def __init__(
        self,
        method: str,
        description: str,
        error_code: int = 0,
        parameters: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{method}: {description}")
        self.method = method
        self.description = description
        self.error_code = error_code
        self.parameters = parameters or {}


class RetryAfter(ApiError):
    """429 (or any answer carrying `parameters.retry_after`): wait, then send again."""

    @property
    def retry_after(self) -> int:
        """Seconds to wait."""
        return int(self.parameters["retry_after"])


class MigrateToChat(ApiError):
    """The group became a supergroup: `migrate_to_chat_id` is its new id."""

    @property
    def migrate_to_chat_id(self) -> int:
        """The supergroup's id."""
        return int(self.parameters["migrate_to_chat_id"])


class BadRequest(ApiError):
    """400."""


class Forbidden(ApiError):
    """403: blocked, deactivated, kicked, or never started."""


class ServerError(ApiError):
    """5xx."""


class UnreadableAnswer(ApiError):
    """An answer that is not Telegram's JSON (a proxy's HTML error page, a cut body)."""


class NetworkError(ApiError):
    """No answer: the connection failed or the request timed out."""


def read_answer(method: str, status: int, raw: bytes) -> Any:
    """The `result` of a Bot API answer, or the exception aiogram would raise for it."""
    try:
        data = from_json(raw)  # pydantic's parser: about half json.loads's time
    except ValueError:
        raise UnreadableAnswer(method, "Failed to decode object", status) from None
    if not isinstance(data, dict) or not isinstance(data.get("ok"), bool):
        raise UnreadableAnswer(method, "Failed to deserialize object", status)
    if 200 <= status <= 226 and data["ok"]:
        return data.get("result")
    description = str(data.get("description") or "")
    raw_parameters = data.get("parameters")
    parameters = raw_parameters if isinstance(raw_parameters, dict) else {}
    code = status
    if parameters.get("retry_after"):
        raise RetryAfter(method, description, code, parameters)
    if parameters.get("migrate_to_chat_id"):
        raise MigrateToChat(method, description, code, parameters)
    if status == 400:
        raise BadRequest(method, description, code, parameters)
    if status == 403:
        raise Forbidden(method, description, code, parameters)
    if status >= 500:
        raise ServerError(method, description, code, parameters)
    raise ApiError(method, description, code, parameters)


@dataclass(frozen=True)
class Body:
    """A method's JSON body for any chat: serialised once, only `chat_id` put in per send."""

    method: str
    rest: bytes  # the other fields, serialised: b',"text":"…"}' (or b'}' for none)

    @classmethod
    def of(cls, method: str, **fields: Any) -> Body:
        """`fields` (those that are None left out, as aiogram does) without `chat_id`."""
        kept = {k: v for k, v in fields.items() if v is not None}
        text = json.dumps(kept, ensure_ascii=False, separators=(",", ":"))
        return cls(method, b"}" if not kept else b"," + text[1:].encode())

    def for_chat(self, chat_id: int) -> bytes:
        """The request body for one chat."""
        return b'{"chat_id":' + str(int(chat_id)).encode() + self.rest


@dataclass
class BulkApi:
    """One bot's Bot API over one aiohttp session, opened on first use, kept until closed.

    Without TLS (a local `telegram-bot-api`, the emulator) no SSL context is built.
    """

    token: str
    api_url: str | None = None
    timeout: float = TIMEOUT
    limit: int = 100  # connections; the bulk sender keeps at most 64 requests in flight
    _http: aiohttp.ClientSession | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        return f"BulkApi(api_url={self.base!r})"  # the token never appears

    @property
    def base(self) -> str:
        """The server's base URL, without the token."""
        return (self.api_url or DEFAULT_API).rstrip("/")

    @property
    def tls(self) -> bool:
        """True when the server is reached over https."""
        return self.base.startswith("https:")

    def session(self) -> aiohttp.ClientSession:
        """The session (opened now the first time, inside the running loop)."""
        if self._http is None or self._http.closed:
            context: ssl.SSLContext | bool = (
                ssl.create_default_context(cafile=certifi.where()) if self.tls else False
            )
            connector = aiohttp.TCPConnector(limit=self.limit, ssl=context, ttl_dns_cache=3600)
            self._http = aiohttp.ClientSession(
                connector=connector, timeout=aiohttp.ClientTimeout(total=self.timeout)
            )
        return self._http

    async def post(self, body: Body, chat_id: int) -> Any:
        """`body.method` for `chat_id`: its result, or the classified error."""
        return await self.call(body.method, body.for_chat(chat_id), JSON)

    async def call(
        self, method: str, data: bytes | aiohttp.FormData, headers: dict[str, str] | None = None
    ) -> Any:
        """POST `data` (a JSON body or a multipart form) to `method`."""
        url = f"{self.base}/bot{self.token}/{method}"
        try:
            async with self.session().post(url, data=data, headers=headers) as answer:
                raw = await answer.read()
                status = answer.status
        except TimeoutError:
            raise NetworkError(method, "Request timeout error") from None
        except aiohttp.ClientError as exc:
            raise NetworkError(method, self._scrubbed(exc)) from None
        return read_answer(method, status, raw)

    def _scrubbed(self, exc: Exception) -> str:
        text = str(exc).replace(self.token, "<token>")
        return f"{type(exc).__name__}: {text}"[:200]

    async def close(self) -> None:
        """Close the connections (over TLS after aiogram's 250 ms for clean shutdowns)."""
        http, self._http = self._http, None
        if http is not None and not http.closed:
            await http.close()
            if self.tls:
                await asyncio.sleep(0.25)
