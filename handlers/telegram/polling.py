"""Long polling that confirms nothing it has not handled.

Telegram forgets every update below the `offset` of a getUpdates call. This loop hands
each new update to `Inbound.handle` as its own task (at most `MAX_IN_FLIGHT` at once;
one resident's updates still wait their turn, handlers/inbox.py) and asks with the
offset of the oldest update not yet done with, so an update in progress, or one that
must come again because Redis is down, is delivered again after a crash or restart.
While older updates are still in progress, new ones are fetched as handled ones finish:
once a quarter of those in flight are done, at least every half second, at most every
0.1 s (each answer brings the unfinished ones again).
Updates that must come again are retried with backoff (1 s doubling to 30 s). Network
errors back off the same way.

While updates are in progress every getUpdates returns them again (they are not
confirmed), up to 100 at a time: the answer is read as plain JSON and only updates not
seen before are parsed into aiogram's models (parsing them all again on every poll was
two thirds of the bot's CPU in an onboarding rush at 30 messages/s). getUpdates goes
through the lean client (handlers/telegram/bulkapi.py), so not even aiogram's answer
model copies them.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from contextlib import suppress
from typing import Any

from pydantic import ValidationError

from handlers.telegram.bulkapi import JSON, ApiError, BulkApi
from handlers.telegram.inbound import Inbound, parse_update
from handlers.telegram.replies import body

log = logging.getLogger(__name__)
MAX_IN_FLIGHT = 64
LONG_POLL = 25
PROGRESS_WAIT = 0.5
REPOLL = 0.1  # while busy and nothing new came, getUpdates at most this often
FIRST_RETRY = 1.0
LAST_RETRY = 30.0


class Poller:
    """getUpdates in a loop, with what is in flight or to be tried again."""

    def __init__(self, inbound: Inbound, api: BulkApi, allowed_updates: list[str]) -> None:
        self.inbound = inbound
        self.api = api  # getUpdates on the lean client
        self.allowed_updates = allowed_updates
        self.in_flight: dict[int, asyncio.Task[bool]] = {}
        self.again: set[int] = set()  # to be handled again, after `retry_at`
        self.next_new = 0  # update ids below this were seen already
        self.retry_at = 0.0
        self.retry_delay = FIRST_RETRY
        self.done = 0  # updates finished so far
        self.done_target = 0
        self.progressed = asyncio.Event()  # set when `done` reaches `done_target`

    def offset(self) -> int | None:
        """The oldest update not done with, or the next new one."""
        waiting = set(self.in_flight) | self.again
        if waiting:
            return min(waiting)
        return self.next_new or None

    async def run(self) -> None:
        """Until cancelled; in-flight updates are let finish (briefly) on the way out."""
        try:
            await self._loop()
        finally:
            if self.in_flight:
                await asyncio.wait(set(self.in_flight.values()), timeout=10)
            for task in self.in_flight.values():
                task.cancel()

    async def _loop(self) -> None:
        network_delay = FIRST_RETRY
        while True:
            if len(self.in_flight) >= MAX_IN_FLIGHT:
                await asyncio.wait(
                    set(self.in_flight.values()), return_when=asyncio.FIRST_COMPLETED
                )
            busy = bool(self.in_flight or self.again)
            polled_at = asyncio.get_running_loop().time()
            try:
                updates = await self._get(0 if busy else LONG_POLL)
            except ApiError as exc:  # NetworkError included
                log.warning("getUpdates failed (%s); again in %.0f s", exc, network_delay)
                await asyncio.sleep(network_delay)
                network_delay = min(network_delay * 2, LAST_RETRY)
                continue
            network_delay = FIRST_RETRY
            started = self._start(updates)
            if busy and (not started or len(updates) > started):
                await self._progress(polled_at)

    async def _get(self, wait: int) -> list[dict[str, Any]]:
        """One getUpdates (long-polling `wait` seconds) from the oldest update not done
        with, as JSON objects."""
        data = body(offset=self.offset(), timeout=wait, allowed_updates=self.allowed_updates)
        found = await self.api.call("getUpdates", data, JSON)
        return found if isinstance(found, list) else []

    def _start(self, updates: list[dict[str, Any]]) -> int:
        """Start a task for each new update, and for each one due again; how many."""
        loop = asyncio.get_running_loop()
        retrying = loop.time() >= self.retry_at
        started = 0
        for raw in updates:
            uid = int(raw["update_id"])
            if uid in self.in_flight:
                continue
            if uid in self.again:
                if not retrying:
                    continue
                self.again.discard(uid)
            elif uid < self.next_new:
                continue  # handled already; confirmed by the next offset
            self.next_new = max(self.next_new, uid + 1)
            try:
                update = parse_update(raw, self.inbound.bot)
            except ValidationError:
                log.warning("update %s is not a valid Update; skipped", uid)
                continue
            task = loop.create_task(self.inbound.handle(update))
            self.in_flight[uid] = task
            task.add_done_callback(functools.partial(self._finished, uid))
            started += 1
        return started

    def _finished(self, uid: int, task: asyncio.Task[bool]) -> None:
        self.in_flight.pop(uid, None)
        self.done += 1
        if self.done >= self.done_target:
            self.progressed.set()
        ok = False
        if not task.cancelled():
            with suppress(Exception):
                ok = task.result()
        if ok:
            self.retry_delay = FIRST_RETRY
            return
        self.again.add(uid)
        loop = asyncio.get_running_loop()
        if self.retry_at <= loop.time():
            self.retry_at = loop.time() + self.retry_delay
            self.retry_delay = min(self.retry_delay * 2, LAST_RETRY)

    async def _progress(self, polled_at: float) -> None:
        """Updates in progress came again: wait until a quarter of those in flight (at
        least one) are done, but at least `REPOLL` and at most `PROGRESS_WAIT` after the
        last poll; with none in flight, for the retry time."""
        loop = asyncio.get_running_loop()
        if not self.in_flight:
            await asyncio.sleep(max(self.retry_at - loop.time(), 0.05))
            return
        self.done_target = self.done + max(1, len(self.in_flight) // 4)
        self.progressed.clear()
        with suppress(TimeoutError):
            await asyncio.wait_for(self.progressed.wait(), polled_at + PROGRESS_WAIT - loop.time())
        rest = polled_at + REPOLL - loop.time()
        if rest > 0:
            await asyncio.sleep(rest)
