"""Webhook delivery: POST each update to the bot's URL, retrying failed attempts.

Updates go out one at a time, in order, as JSON with the
`X-Telegram-Bot-Api-Secret-Token` header when a secret is set. A non-2xx answer
or a network error is retried `retries` times with exponential backoff
starting at `backoff` seconds, each wait at most `MAX_BACKOFF`; after that the
update is dropped and the error shows up in getWebhookInfo. A 2xx answer may
carry a Bot API method to run, as Telegram allows (JSON `{"method": ...}` or
aiogram's multipart form).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable

import aiohttp

from .params import Params, read_multipart
from .state import BotAccount, now
from .updates import QueuedUpdate

MAX_BACKOFF = 5.0
Executor = Callable[[BotAccount, str, Params, str], Awaitable[tuple[int, object]]]


class WebhookDeliverer:
    """One delivery task per bot that has a webhook."""

    def __init__(
        self, execute: Executor, retries: int = 3, backoff: float = 0.2, timeout: float = 10.0
    ) -> None:
        self.execute = execute
        self.retries = retries
        self.backoff = backoff
        self.timeout = timeout
        self.tasks: dict[int, asyncio.Task[None]] = {}
        self.session: aiohttp.ClientSession | None = None

    def ensure(self, bot: BotAccount) -> None:
        """Start delivering updates of a bot with a webhook."""
        task = self.tasks.get(bot.id)
        if task is None or task.done():
            self.tasks[bot.id] = asyncio.get_running_loop().create_task(self._run(bot))
        bot.updates.notifier.notify()

    def stop(self, bot: BotAccount) -> None:
        """Stop delivering updates of a bot."""
        task = self.tasks.pop(bot.id, None)
        if task is not None:
            task.cancel()

    async def close(self) -> None:
        """Stop every task and close the HTTP client."""
        tasks = list(self.tasks.values())
        self.tasks.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.session is not None:
            await self.session.close()
            self.session = None

    async def _run(self, bot: BotAccount) -> None:
        queue = bot.updates
        while queue.webhook is not None:
            if not queue.pending:
                await queue.notifier.wait(30)
                continue
            update = queue.pending[0]
            await self._deliver(bot, update)
            if queue.pending and queue.pending[0] is update:
                queue.pending.popleft()

    async def _deliver(self, bot: BotAccount, update: QueuedUpdate) -> bool:
        for attempt in range(self.retries + 1):
            webhook = bot.updates.webhook
            if webhook is None:
                return False
            error = await self._post(bot, webhook.url, webhook.secret_token, update)
            if error is None:
                webhook.delivered += 1
                return True
            webhook.last_error_date = now()
            webhook.last_error_message = error
            if attempt < self.retries:
                await asyncio.sleep(min(self.backoff * (2**attempt), MAX_BACKOFF))
        return False

    async def _post(
        self, bot: BotAccount, url: str, secret: str | None, update: QueuedUpdate
    ) -> str | None:
        """POST one update; return an error message or None on success."""
        if self.session is None:
            self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        headers = {"Content-Type": "application/json"}
        if secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        body = json.dumps(update.json(), ensure_ascii=False).encode("utf-8")
        try:
            async with self.session.post(url, data=body, headers=headers) as response:
                if not 200 <= response.status < 300:
                    return f"Wrong response from the webhook: {response.status} {response.reason}"
                await self._reply_method(bot, response)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            return f"Connection failed: {exc.__class__.__name__}: {exc}"
        return None

    async def _reply_method(self, bot: BotAccount, response: aiohttp.ClientResponse) -> None:
        """Run a Bot API method returned in a webhook answer, if any."""
        ctype = response.content_type
        params: Params | None = None
        if ctype == "multipart/form-data":
            try:
                params = await read_multipart(
                    aiohttp.MultipartReader(response.headers, response.content)
                )
            except (ValueError, AssertionError):
                return
        elif ctype == "application/json":
            try:
                data = json.loads(await response.read() or b"{}")
            except ValueError:
                return
            if isinstance(data, dict):
                params = Params(data)
        if params is None:
            return
        name = params.values.pop("method", None)
        if isinstance(name, str) and name:
            await self.execute(bot, name, params, "webhook-reply")
