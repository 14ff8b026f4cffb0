"""Delivers one batch of an announcement to its WhatsApp subscribers.

Per recipient, within WhatsApp's rules (../shared/docs/PLATFORM.md):
- inside the resident's 24-hour window (opened by their last message) the announcement
  goes as a normal text message, split at 4096 characters; a poll's goes as the
  resident's own message with its answers as reply buttons or a list
  (bot/polls/messages.py);
- outside it — or when the API answers 131047 — as the configured approved template,
  its text as the template's parameter (an early warning: `whatsapp.alert_template`,
  and its sends take the limiter's priority tokens);
- a template reaches a new recipient only while the number's daily budget (unique
  recipients outside the window per moving 24 hours) has room: over it the recipient
  stays pending, and the batch reports when a slot frees so the broadcast resumes then;
- rate limits (130429, 131056) are waited out: the sender retries a few times, and if the
  limit persists the recipient stays pending (never `failed`) and the broadcast resumes
  a minute later; a resident who is gone or stopped counts as blocked; anything else is
  `failed` with WhatsApp's error code.
Accepted messages are remembered (handlers/whatsapp/tracking.py) so status webhooks update
the ledger.
"""

from __future__ import annotations

import asyncio
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from bot.announcements.store import BLOCKED, SENT, Announcement, Outcome
from bot.platform.addresses import Address
from bot.platform.clock import to_datetime
from bot.platform.config import Template
from bot.platform.messages import Reply
from bot.polls.messages import localised_replies
from bot.services import Services
from broadcasts.limiter import RateLimiter
from broadcasts.senders import MediaFetch
from handlers.whatsapp.budget import DailyBudget
from handlers.whatsapp.render import (
    Outgoing,
    OutMedia,
    OutTemplate,
    OutText,
    compose,
    render,
    split,
    template_param,
)
from handlers.whatsapp.send import CloudAPI, Delivery, Recipient
from handlers.whatsapp.tracking import remember

RATE_LIMITED = frozenset({130429, 131056})
RATE_LIMIT_PAUSE = 60.0


@dataclass
class WhatsAppStats:
    """What one batch did on WhatsApp."""

    sent: int = 0
    templates: int = 0
    blocked: int = 0
    failed: int = 0
    deferred: int = 0
    resume_at: float = 0.0
    outcomes: list[Outcome] = field(default_factory=list)


class WhatsAppDelivery:
    """Sends an announcement to WhatsApp recipients of one batch."""

    def __init__(
        self,
        services: Services,
        sender: CloudAPI,
        limiter: RateLimiter,
        budget: DailyBudget,
        fetch: MediaFetch | None = None,
        should_stop: Callable[[], bool] = lambda: False,
    ) -> None:
        self.services = services
        self.sender = sender
        self.limiter = limiter
        self.budget = budget
        self.fetch = fetch
        self.should_stop = should_stop  # cancelled, or yielding to an early warning
        self._media: OutMedia | None = None
        self._own: dict[str, tuple[Reply, str]] = {}  # a poll's: recipient → reply, list label

    async def deliver(self, ann: Announcement, recipients: list[Address]) -> WhatsAppStats:
        """Send to every WhatsApp recipient without an outcome; record what happened."""
        stats = WhatsAppStats()
        store = self.services.announcements
        self._media = await self._upload_once(ann)
        pending = store.pending(ann.id, [str(a) for a in recipients if a.platform == "wa"])
        if ann.poll and pending:
            self._personalise(ann, pending)
        for index, recipient in enumerate(pending):
            if self.should_stop():
                break  # the rest stay pending: a cancelled announcement, or a yielding batch
            if not await self._one(ann, recipient, stats):
                stats.deferred += len(pending) - index - 1  # the number is limited: later
                break
        store.record(ann.id, stats.outcomes)
        return stats

    async def _one(self, ann: Announcement, recipient: str, stats: WhatsAppStats) -> bool:
        """Send to one recipient; False when the number is rate-limited (stop the batch)."""
        address = Address.parse(recipient)
        resident = self.services.residents.get(address)
        if resident is None or not resident.active:
            stats.blocked += 1
            stats.outcomes.append(Outcome(recipient, BLOCKED))
            return True
        now = self.services.clock.now()
        delivery: Delivery | None = None
        if resident.in_window(now):
            await self.limiter.acquire(priority=bool(ann.alert))
            delivery = await self.sender.send(
                Recipient(address.chat_id), self._messages(ann, recipient)
            )
        if delivery is None or delivery.outcome == "outside_window":
            template = self._template(ann)
            if template is None:
                stats.failed += 1
                stats.outcomes.append(
                    Outcome(recipient, "f:outside the 24-hour window; no template")
                )
                return True
            allowed, free_at = self.budget.take(address, now)
            if not allowed:
                stats.deferred += 1
                stats.resume_at = max(stats.resume_at, free_at)
                return True
            await self.limiter.acquire(priority=bool(ann.alert))
            text = compose(self._own[recipient][0]) if recipient in self._own else ann.text
            message = OutTemplate(template.name, template.language, (template_param(text),))
            delivery = await self.sender.send(Recipient(address.chat_id), [message])
            stats.templates += delivery.outcome == "sent"
        if delivery.outcome == "failed" and delivery.error_code in RATE_LIMITED:
            stats.deferred += 1  # not a failure: try again when the limit has passed
            stats.resume_at = max(stats.resume_at, self.services.clock.now() + RATE_LIMIT_PAUSE)
            self.limiter.pause(RATE_LIMIT_PAUSE)
            return False
        if delivery.outcome == "sent":
            stats.sent += 1
            stats.outcomes.append(Outcome(recipient, SENT))
            for message_id in delivery.message_ids:
                remember(self.services.redis, ann.id, recipient, message_id)
        elif delivery.outcome == "unroutable":
            stats.blocked += 1
            stats.outcomes.append(Outcome(recipient, BLOCKED))
        else:
            stats.failed += 1
            stats.outcomes.append(
                Outcome(recipient, f"f:whatsapp error {delivery.error_code or '?'}")
            )
        return True

    def _template(self, ann: Announcement) -> Template | None:
        """The approved template outside the window: an early warning's own, else the
        announcements'."""
        wa = self.services.config.whatsapp
        return wa.alert_template if ann.alert else wa.announcement_template

    def _personalise(self, ann: Announcement, pending: list[str]) -> None:
        """Each recipient's own message of a poll's announcement, and the list button's
        label in their language."""
        addresses = [Address.parse(r) for r in pending]
        labels: dict[str, str] = {}
        for recipient, (reply, locale) in zip(
            pending, localised_replies(self.services, ann, addresses), strict=True
        ):
            label = labels.get(locale)
            if label is None:
                label = labels[locale] = self.services.translator(locale)._("Choose")
            self._own[recipient] = (reply, label)

    def _messages(self, ann: Announcement, recipient: str = "") -> list[Outgoing]:
        own = self._own.get(recipient)
        if own is not None:
            return render(own[0], own[1])
        parts: list[Outgoing] = [OutText(part) for part in split(ann.text) if part]
        return [self._media, *parts] if self._media else parts

    async def _upload_once(self, ann: Announcement) -> OutMedia | None:
        """The announcement's photo, document or video as a WhatsApp media id (cached)."""
        cached = ann.refs.get("wa")
        if cached:
            kind, _, media_id = cached.partition(":")
            return OutMedia(_kind(kind), media_id)
        found = await self._file(ann)
        if found is None:
            return None
        kind, data, mime, name = found
        media_id = await self.sender.upload(data, mime, name)
        ann.refs["wa"] = f"{kind}:{media_id}"
        self.services.announcements.set_ref(ann.id, "wa", ann.refs["wa"])
        return OutMedia(_kind(kind), media_id)

    async def _file(self, ann: Announcement) -> tuple[str, bytes, str, str] | None:
        """(kind, bytes, MIME type, file name) of the announcement's file, if it has one."""
        if ann.media.startswith("path:"):
            path = Path(ann.media.removeprefix("path:"))
            mime = mimetypes.guess_type(path.name)[0] or "image/jpeg"
            return "photo", await asyncio.to_thread(path.read_bytes), mime, path.name
        if ann.media.count(":") >= 2 and self.fetch is not None:  # held by another channel
            kind = ann.media.split(":", 2)[1]
            data = await self.fetch(ann.media)
            mime = {"photo": "image/jpeg", "video": "video/mp4"}.get(kind, "application/pdf")
            return kind, data, mime, f"pengumuman.{mime.rsplit('/', 1)[-1]}"
        return None


def _kind(text: str) -> Literal["photo", "document", "video"]:
    return "video" if text == "video" else "document" if text == "document" else "photo"


async def deliver_whatsapp(
    services: Services,
    ann: Announcement,
    recipients: list[Address],
    sender: CloudAPI,
    limiter: RateLimiter,
    fetch: MediaFetch | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> WhatsAppStats:
    """The WhatsApp part of a batch; a deferral is recorded with when the broadcast may
    resume, and one over the daily budget is announced in the admin's progress report."""
    wa = services.config.whatsapp
    budget = DailyBudget(services.redis, wa.phone_number_id, wa.daily_limit)
    delivery = WhatsAppDelivery(services, sender, limiter, budget, fetch, should_stop)
    stats = await delivery.deliver(ann, recipients)
    if stats.deferred:
        services.announcements.defer(ann.id, stats.resume_at)
        if stats.resume_at - services.clock.now() <= 5 * RATE_LIMIT_PAUSE:
            return stats  # a short rate-limit pause, not the daily budget: nothing to announce
        tr = services.translator(services.config.locales.default)
        when = tr.datetime_text(to_datetime(stats.resume_at))
        note = tr._("WhatsApp's daily limit is reached; the rest go out from {when}.", when=when)
        services.announcements.set_note(ann.id, note)
    return stats
