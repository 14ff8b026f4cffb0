"""The WhatsApp side of the emulator: one business number, its people, its rules.

`WhatsAppSide` ties the world (model.py), the Cloud API rules (validate.py, limits.py)
and the webhooks (webhooks.py) together. The Graph API routes (graph.py) call
`send_business`; the user API (people.py) calls `receive` when a person acts. Both are
mounted on the emulator's aiohttp application by `routes()`.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from emulator.errors import SimError

from .config import Template, WhatsAppConfig, WhatsAppRules
from .errors import GraphError
from .limits import GraphLog, PairLimits, Throughput, WaFaults
from .model import BSUID, WaMessage, WaUser, WaWorld, new_wamid, normalise_phone, now
from .validate import check_message
from .webhooks import WebhookPoster, inbound_payload, status_payload

STATUS_RANK = {"accepted": 0, "sent": 1, "delivered": 2, "read": 3, "failed": 4}


class Accepted:
    """What a successful send answers: the message id and the contact it went to."""

    def __init__(self, message_id: str, contact: dict[str, Any], template: bool) -> None:
        self.message_id = message_id
        self.contact = contact
        self.template = template

    def payload(self) -> dict[str, Any]:
        """Meta's success body."""
        message: dict[str, Any] = {"id": self.message_id}
        if self.template:
            message["message_status"] = "accepted"
        return {"messaging_product": "whatsapp", "contacts": [self.contact], "messages": [message]}


class WhatsAppSide:
    """The WhatsApp Cloud API stand-in: state, rules, webhooks and routes."""

    def __init__(self, config: WhatsAppConfig, log_size: int = 10_000) -> None:
        self.config = config
        self.rules = config.rules
        self.world = WaWorld(config.display_phone_number)
        self.templates: dict[tuple[str, str], Template] = {t.key: t for t in config.templates}
        self.throughput = Throughput(self.rules.throughput_per_second)
        self.pairs = PairLimits(self.rules.pair_limit, self.rules.pair_window)
        self.faults = WaFaults()
        self.log = GraphLog(log_size)
        self.webhooks = WebhookPoster(config, lambda: self.rules)
        self.random = random.Random(self.rules.shuffle_seed)
        self._timers: set[asyncio.Task[None]] = set()

    # --- configuration -------------------------------------------------------------------

    def configure(self, rules: WhatsAppRules) -> None:
        """Apply new rules; limits start afresh, the shuffle is reseeded."""
        self.rules = rules
        self.throughput = Throughput(rules.throughput_per_second)
        self.pairs = PairLimits(rules.pair_limit, rules.pair_window)
        self.random = random.Random(rules.shuffle_seed)

    def add_template(self, template: Template) -> None:
        """Register (approve) a template."""
        self.templates[template.key] = template

    def reset(self, *, log: bool = False, faults: bool = True) -> None:
        """Forget people, conversations and media; limits refill; maybe the log and faults."""
        self.world.reset()
        self.configure(self.rules)
        if log:
            self.log.clear()
            self.log.delivered.clear()
        if faults:
            self.faults.clear()

    def routes(self) -> list[web.RouteDef]:
        """The Graph API routes under /graph and the user API under /sim/wa."""
        from .graph import GraphApi
        from .people import PeopleApi

        return [*GraphApi(self).routes(), *PeopleApi(self).routes()]

    async def close(self) -> None:
        """Stop pending status timers and the webhook poster."""
        timers = list(self._timers)
        self._timers.clear()
        for timer in timers:
            timer.cancel()
        for timer in timers:
            with contextlib.suppress(asyncio.CancelledError):
                await timer
        await self.webhooks.close()

    # --- the business sends ------------------------------------------------------------

    def recipient(self, body: Mapping[str, Any]) -> tuple[str, WaUser | None, bool]:
        """(what the body addressed, the user or None, whether it was a BSUID)."""
        to, bsuid = body.get("to"), body.get("recipient")
        if bsuid is not None:
            if not isinstance(bsuid, str) or not BSUID.match(bsuid):
                raise GraphError(131026, "Param recipient is not a valid business-scoped user id")
            if not self.rules.bsuid_recipients:
                raise GraphError(131062)
            return bsuid, self.world.find(bsuid), True
        if to is None:
            raise GraphError(131008, "The parameter to is required.")
        given = str(to)
        phone = normalise_phone(given)
        if phone is None:
            raise GraphError(131026, f"Param to ({given}) is not a valid WhatsApp id.")
        return given, self.world.find(phone), False

    def send_business(self, body: Mapping[str, Any]) -> Accepted:
        """Accept one message from the business or raise the GraphError Meta would."""
        kind, content = check_message(body, self.templates, self.world.media)
        given, user, by_bsuid = self.recipient(body)
        rules = self.rules
        late_error: GraphError | None = None
        if user is None:
            error = GraphError(131026)
            if not rules.failures_as_statuses:
                raise error
            late_error = error
        elif kind != "template" and not user.window_open(rules.window_hours):
            error = GraphError(131047)
            if not rules.failures_as_statuses:
                raise error
            late_error = error
        key = user.key if user is not None else given
        if not self.throughput.available():
            raise GraphError(130429)
        if not self.pairs.available(key):
            raise GraphError(131056)
        self.throughput.take()
        self.pairs.take(key)
        tracker = body.get("biz_opaque_callback_data")
        context = body.get("context")
        context_id = context.get("message_id") if isinstance(context, dict) else None
        if user is not None and late_error is None and user.blocked:
            late_error = GraphError(131026, "Message undeliverable: the person blocked you.")
        if user is None:
            message = WaMessage(new_wamid(), 0, "out", int(now()), kind, content)
            message.tracker = tracker if isinstance(tracker, str) else None
        else:
            message = self.world.add_message(
                user,
                "out",
                kind,
                content,
                status="accepted",
                tracker=tracker if isinstance(tracker, str) else None,
                context_id=context_id if isinstance(context_id, str) else None,
            )
        if late_error is None:
            self.log.delivered[key] += 1
        self.schedule_statuses(user, message, given, late_error)
        contact: dict[str, Any] = {"input": given}
        if by_bsuid:
            contact["user_id"] = given
        elif user is not None and user.wa_id:
            contact["wa_id"] = user.wa_id
        else:
            contact["wa_id"] = normalise_phone(given) or given
        return Accepted(message.id, contact, kind == "template")

    def mark_read(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """The bot marked a person's message as read (and maybe showed typing…)."""
        message_id = body.get("message_id")
        if not isinstance(message_id, str) or not message_id:
            raise GraphError(131008, "The parameter message_id is required.")
        found = self.world.by_wamid.get(message_id)
        if found is None or found[1].direction != "in":
            raise GraphError(100, f"Param message_id ({message_id}) is not a received message.")
        user, message = found
        if message.status != "read":
            message.status = "read"
            self.world.touch(user, message)
        return {"success": True}

    # --- statuses ------------------------------------------------------------------------

    def schedule_statuses(
        self,
        user: WaUser | None,
        message: WaMessage,
        recipient: str,
        error: GraphError | None,
    ) -> None:
        """Post the statuses of an accepted message after small delays, maybe shuffled."""
        rules = self.rules
        stages: list[tuple[str, GraphError | None]]
        if error is not None:
            stages = [("failed", error)]
        else:
            stages = [(stage, None) for stage in rules.status_stages]
            if rules.status_order == "shuffled":
                self.random.shuffle(stages)
        for position, (stage, stage_error) in enumerate(stages, start=1):
            timer = asyncio.get_running_loop().create_task(
                self._status_later(
                    user, message, recipient, stage, stage_error, rules.status_delay * position
                )
            )
            self._timers.add(timer)
            timer.add_done_callback(self._timers.discard)

    async def _status_later(
        self,
        user: WaUser | None,
        message: WaMessage,
        recipient: str,
        stage: str,
        error: GraphError | None,
        delay: float,
    ) -> None:
        """Wait, move the message's status forward, post the status webhook."""
        await asyncio.sleep(delay)
        if STATUS_RANK[stage] > STATUS_RANK.get(message.status, 0):
            message.status = stage
            if error is not None:
                message.error = error.webhook_error()
            if user is not None and self.world.users.get(user.key) is user:
                self.world.touch(user, message)
        expires = user.window_closes(self.rules.window_hours) if user is not None else None
        body = status_payload(
            self.config,
            message,
            stage,
            user=user,
            recipient=recipient,
            error=error.webhook_error() if error is not None else None,
            window_expires=expires,
        )
        self.webhooks.post(
            "status",
            stage if error is None else f"failed {error.code}",
            body,
            message_id=message.id,
            recipient=user.key if user is not None else recipient,
        )

    # --- a person acts -------------------------------------------------------------------

    def receive(
        self,
        user: WaUser,
        kind: str,
        content: dict[str, Any],
        *,
        context_id: str | None = None,
        forwarded: bool = False,
    ) -> WaMessage:
        """A person sends a message: store it, open the window, post the webhook."""
        if user.blocked:
            raise SimError(409, "the person blocked the business; unblock first")
        message = self.world.add_message(
            user,
            "in",
            kind,
            content,
            status="received",
            context_id=context_id,
            forwarded=forwarded,
        )
        user.last_inbound = now()
        self.webhooks.post(
            "message",
            kind,
            inbound_payload(self.config, user, message),
            message_id=message.id,
            recipient=user.key,
        )
        return message
