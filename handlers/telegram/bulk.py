"""Delivers one batch of an announcement to Telegram, at the shared rate limit.

Redis key (owned here): `kim:chat:migrated` — hash: old group id → new supergroup id.

Requests go through the lean client (handlers/telegram/bulkapi.py): each message's JSON
body is serialised once per batch and only the chat id is put in per recipient, over the
worker's one long-lived HTTP session.

Per recipient, by Telegram's answer (classified by status code and parameters, as
aiogram does):
- success → `sent`;
- 429 → every sender of this bot pauses exactly `retry_after`; the recipient is retried,
  and it is never counted as a failure (the metrics count it, broadcasts/tally.py);
- 403 (blocked, deactivated, kicked) and 400 "chat not found" → `blocked`, and the
  resident is marked stopped; never retried;
- 400 with `migrate_to_chat_id` (a group became a supergroup) → the new id is recorded
  and the send retried once there;
- 5xx, network errors and answers that are not Telegram's JSON (a proxy's error page) →
  retried with backoff (1, 2, 4, 8, 16 s), then `failed`;
- anything else → `failed` with Telegram's description as the reason.
An early warning's batch (`priority`) takes the limiter's priority tokens, as replies to
residents do, so a bulk broadcast running elsewhere gets none while it sends.
Outcomes are written to the ledger in one round trip per `FLUSH_SECONDS` (0.25 s), or at
once when `FLUSH_AT` (16) are waiting, and when the batch ends, stops or is cancelled. A
send's place among the 64 in flight is freed only once its outcome is written, so a
killed worker leaves at most 64 sends unrecorded (in flight, or answered and not yet
written), as when every answer was written at the loop's next turn. A recipient already
in the ledger is never sent to again, which makes retried, resumed and duplicated
batches safe.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import aiohttp

from bot.announcements.store import BLOCKED, SENT, Announcement, Announcements, Outcome
from bot.platform.addresses import Address
from bot.platform.messages import Reply, split_text
from bot.residents.records import Residents
from broadcasts.limiter import RateLimiter
from broadcasts.tally import TALLY
from handlers.telegram.bulkapi import (
    ApiError,
    BadRequest,
    Body,
    BulkApi,
    Forbidden,
    MigrateToChat,
    NetworkError,
    RetryAfter,
    ServerError,
    UnreadableAnswer,
)
from handlers.telegram.render import html_text, keyboard

log = logging.getLogger(__name__)
Personal = Callable[[Announcement, list[Address]], list[Reply]]
"""Each recipient's own message of an announcement that carries a poll (its language, and
for the results its village): bot/polls/messages.py `personal_replies`."""
TEXT_LIMIT, CAPTION_LIMIT = 4096, 1024
MAX_ATTEMPTS = 6
MIGRATED = "kim:chat:migrated"
LINK_PREVIEW_OFF = {"is_disabled": True}  # as the bot's aiogram defaults send it
COPY_PARSE_MODE = "HTML"  # aiogram's default fills it into copyMessage; it is harmless
FLUSH_SECONDS = 0.25  # outcomes wait at most this long for their round trip to the ledger
FLUSH_AT = 16  # or this many: written at once
RECHECK_SECONDS = 1.0  # a resident's subscription is read at most this long before a send
RECHECK_AHEAD = 100  # the next recipients whose subscription is read with those sent now


@dataclass
class BatchStats:
    """What one batch did, for logs and benchmarks."""

    sent: int = 0
    blocked: int = 0
    failed: int = 0
    http_429: int = 0
    retries: int = 0
    seconds: float = 0.0


@dataclass
class BulkSender:
    """Everything one batch needs."""

    api: BulkApi
    store: Announcements
    residents: Residents
    limiter: RateLimiter
    paid: bool = False
    priority: bool = False  # an early warning: ahead of bulk, as replies are
    concurrency: int = 64
    should_stop: Callable[[], bool] = lambda: False
    now: Callable[[], float] = time.time
    personal: Personal | None = None
    stats: BatchStats = field(default_factory=BatchStats)
    _outcomes: list[Outcome] = field(default_factory=list)
    _flush_timer: asyncio.TimerHandle | None = None
    _unwritten: set[Address] = field(default_factory=set)  # noted, not yet in the ledger
    _slots: asyncio.Semaphore | None = None  # the batch's places in flight
    _held: int = 0  # places whose send was answered, freed once the answer is written
    _status: dict[Address, bool] = field(default_factory=dict)  # read by `_still_receiving`
    _status_read_at: float = -math.inf
    _current: str = ""
    _bodies: dict[str, list[Body]] = field(default_factory=dict)
    _own: dict[int, list[Body]] = field(default_factory=dict)  # chat id → a poll's bodies

    async def deliver(self, ann: Announcement, recipients: list[Address]) -> BatchStats:
        """Send `ann` to every recipient without an outcome; return the batch's figures."""
        started = time.monotonic()
        self._current = ann.id
        waiting = set(self.store.pending(ann.id, [str(a) for a in recipients]))
        queue = [a for a in recipients if str(a) in waiting]
        channels = [a for a in queue if not a.is_private]
        residents = [a for a in queue if a.is_private]
        if ann.poll:
            self._personalise(ann, residents)
        try:
            await self._deliver_all(ann, channels, residents)
        finally:  # stopped, timed out or cancelled too: what was answered is written
            self._flush()
        self.stats.seconds = time.monotonic() - started
        return self.stats

    async def _deliver_all(
        self, ann: Announcement, channels: list[Address], residents: list[Address]
    ) -> None:
        slots = self._slots = asyncio.Semaphore(self.concurrency)
        tasks: set[asyncio.Task[None]] = set()
        attempts: dict[Address, int] = {}

        async def one(recipient: Address) -> None:
            try:
                await self._send_one(ann, recipient, attempts, retry)
            finally:
                if recipient in self._unwritten:
                    self._held += 1  # freed by the flush that writes its outcome
                else:
                    slots.release()

        retry_queue: asyncio.Queue[Address] = asyncio.Queue()

        def retry(recipient: Address) -> None:
            retry_queue.put_nowait(recipient)

        for recipient in channels:
            if self.should_stop():
                break
            await self.limiter.acquire(int(recipient.chat_id), priority=self.priority)
            await slots.acquire()
            self._spawn(tasks, one(recipient))
        pending = list(reversed(residents))
        first = None
        if ann.origin is None and ann.media.startswith("path:") and "tg" not in ann.refs:
            first = pending.pop() if pending else None  # upload once; the rest get its file_id
        if first is not None and self._still_receiving([first]):
            await self.limiter.acquire(priority=self.priority)
            await slots.acquire()
            await one(first)
        while (pending or tasks or not retry_queue.empty()) and not self.should_stop():
            while not retry_queue.empty():
                pending.append(retry_queue.get_nowait())
            if not pending:  # until a send ends (it may come back as a retry)
                await asyncio.wait(set(tasks), timeout=0.25, return_when=asyncio.FIRST_COMPLETED)
                continue
            granted = await self.limiter.acquire(
                tokens=min(len(pending), 100), priority=self.priority
            )
            picked = [pending.pop() for _ in range(granted)]
            for recipient in self._still_receiving(picked, pending):
                await slots.acquire()
                self._spawn(tasks, one(recipient))
        if tasks:
            await asyncio.gather(*tasks)

    def _still_receiving(
        self, recipients: list[Address], upcoming: list[Address] | None = None
    ) -> list[Address]:
        """Those of `recipients` still subscribed (read at most `RECHECK_SECONDS` ago, with
        up to `RECHECK_AHEAD` of the `upcoming` ones, in one round trip); the rest (stopped,
        or erased since the plan) get nothing, and their outcome is kept only if they were
        not erased."""
        now = time.monotonic()
        if now - self._status_read_at > RECHECK_SECONDS or any(
            r not in self._status for r in recipients
        ):
            asked = set(recipients)
            ahead = [a for a in (upcoming or [])[-RECHECK_AHEAD:] if a not in asked]
            read = recipients + ahead
            self._status = dict(zip(read, self.residents.receiving(read), strict=True))
            self._status_read_at = now
        kept = []
        for recipient in recipients:
            if self._status.pop(recipient, False):
                kept.append(recipient)
            else:
                self._note(recipient, BLOCKED)
        return kept

    @staticmethod
    def _spawn(tasks: set[asyncio.Task[None]], work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    async def _send_one(
        self,
        ann: Announcement,
        recipient: Address,
        attempts: dict[Address, int],
        retry: Callable[[Address], None],
    ) -> None:
        chat_id = int(recipient.chat_id)
        try:
            await self._send(ann, chat_id)
        except RetryAfter as exc:
            self.stats.http_429 += 1
            TALLY.add("rate_limited:tg")
            self.limiter.pause(exc.retry_after)
            retry(recipient)
            return
        except MigrateToChat as exc:
            new_id = exc.migrate_to_chat_id
            self.store.redis.hset(MIGRATED, str(chat_id), str(new_id))
            log.warning("chat %s became %s: update config.yaml", chat_id, new_id)
            try:
                await self.limiter.acquire(new_id)
                await self._send(ann, new_id)
            except Exception as again:
                self._note(recipient, f"f:migrated to {new_id}, then {again}")
            else:
                self._note(recipient, SENT)
            return
        except Forbidden:
            self._gone(recipient)
            return
        except BadRequest as exc:
            if "chat not found" in exc.description.lower():  # no other field tells it apart
                self._gone(recipient)
            else:
                self._note(recipient, f"f:{exc.description[:200]}")
            return
        except (ServerError, NetworkError, UnreadableAnswer) as exc:
            count = attempts.get(recipient, 0) + 1
            attempts[recipient] = count
            if count >= MAX_ATTEMPTS:
                self._note(recipient, f"f:{type(exc).__name__}: {exc}"[:200])
                return
            self.stats.retries += 1
            await asyncio.sleep(2 ** (count - 1))
            retry(recipient)
            return
        except ApiError as exc:  # 401, 404, 409, 413, …: not worth a retry
            self._note(recipient, f"f:{exc.description[:200]}")
            return
        self._note(recipient, SENT)

    def _personalise(self, ann: Announcement, residents: list[Address]) -> None:
        """Each resident's own bodies for a poll's announcement, serialised once per
        distinct message (a language, a village's results)."""
        if self.personal is None:
            raise RuntimeError(f"announcement {ann.id} carries a poll: the sender needs `personal`")
        made: dict[Reply, list[Body]] = {}
        for recipient, reply in zip(residents, self.personal(ann, residents), strict=True):
            bodies = made.get(reply)
            if bodies is None:
                bodies = made[reply] = self._reply_bodies(reply)
            self._own[int(recipient.chat_id)] = bodies

    def _reply_bodies(self, reply: Reply) -> list[Body]:
        """A reply as sendMessage requests, its buttons on the last part."""
        parts = split_text(html_text(reply), TEXT_LIMIT)
        markup = keyboard(reply)
        paid = True if self.paid else None
        return [
            Body.of(
                "sendMessage",
                text=part,
                parse_mode="HTML",
                link_preview_options=LINK_PREVIEW_OFF,
                reply_markup=markup.model_dump(exclude_none=True)
                if markup is not None and i == len(parts) - 1
                else None,
                allow_paid_broadcast=paid,
            )
            for i, part in enumerate(parts)
        ]

    async def _send(self, ann: Announcement, chat_id: int) -> None:
        own = self._own.get(chat_id)
        if own is not None:
            for body in own:
                await self.api.post(body, chat_id)
            return
        if ann.media.startswith("path:") and "tg" not in ann.refs:
            await self._upload(ann, chat_id)  # the first recipient: the file itself
            if len(ann.text) <= CAPTION_LIMIT:
                return
            bodies = self._messages(ann)[1:]  # the caption did not fit: the text follows
        else:
            bodies = self._messages(ann)
        for body in bodies:
            await self.api.post(body, chat_id)

    def _messages(self, ann: Announcement) -> list[Body]:
        """The requests each recipient gets, serialised once (per photo reference)."""
        key = ann.refs.get("tg", "")
        bodies = self._bodies.get(key)
        if bodies is None:
            bodies = self._bodies[key] = list(self._build(ann))
        return bodies

    def _build(self, ann: Announcement) -> list[Body]:
        paid = True if self.paid else None
        if ann.origin is not None and ann.origin.platform == "tg":  # keeps its formatting
            return [
                Body.of(
                    "copyMessage",
                    from_chat_id=int(ann.origin.chat_id),
                    message_id=ann.origin_message,
                    parse_mode=COPY_PARSE_MODE,
                    allow_paid_broadcast=paid,
                )
            ]
        bodies = []
        if ann.media.startswith("path:"):
            caption = ann.text if len(ann.text) <= CAPTION_LIMIT else None
            photo = Body.of(
                "sendPhoto", photo=ann.refs.get("tg"), caption=caption, allow_paid_broadcast=paid
            )
            bodies.append(photo)
            if caption is not None or not ann.text:
                return bodies
        for part in split_text(ann.text, TEXT_LIMIT):  # at line breaks where possible
            bodies.append(
                Body.of(
                    "sendMessage",
                    text=part,
                    link_preview_options=LINK_PREVIEW_OFF,
                    allow_paid_broadcast=paid,
                )
            )
        return bodies

    async def _upload(self, ann: Announcement, chat_id: int) -> None:
        """Send the photo file itself, and keep Telegram's file id for everyone else."""
        path = ann.media.removeprefix("path:")
        data = self._read(path)
        form = aiohttp.FormData()
        form.add_field("chat_id", str(chat_id))
        if len(ann.text) <= CAPTION_LIMIT:
            form.add_field("caption", ann.text)
        if self.paid:
            form.add_field("allow_paid_broadcast", "true")
        form.add_field("photo", data, filename=path.rsplit("/", 1)[-1])
        message = await self.api.call("sendPhoto", form)
        photos = message.get("photo") if isinstance(message, dict) else None
        if photos and "tg" not in ann.refs:
            ann.refs["tg"] = str(photos[-1]["file_id"])
            self.store.set_ref(ann.id, "tg", ann.refs["tg"])

    @staticmethod
    def _read(path: str) -> bytes:
        with open(path, "rb") as handle:
            return handle.read()

    def _gone(self, recipient: Address) -> None:
        self._note(recipient, BLOCKED)
        if recipient.is_private:
            self.residents.stop(recipient, self.now())

    def _note(self, recipient: Address, code: str) -> None:
        if code == SENT:
            self.stats.sent += 1
        elif code == BLOCKED:
            self.stats.blocked += 1
        else:
            self.stats.failed += 1
        self._outcomes.append(Outcome(str(recipient), code))
        self._unwritten.add(recipient)
        if len(self._outcomes) >= FLUSH_AT:
            self._flush()
        elif self._flush_timer is None:
            self._flush_timer = asyncio.get_running_loop().call_later(FLUSH_SECONDS, self._flush)

    def _flush(self) -> None:
        if self._flush_timer is not None:
            self._flush_timer.cancel()
            self._flush_timer = None
        outcomes, self._outcomes = self._outcomes, []
        if outcomes:
            self.store.record(self._current, outcomes)
        self._unwritten.clear()
        held, self._held = self._held, 0
        if self._slots is not None:
            for _ in range(held):
                self._slots.release()
