"""Sending rendered messages through pywa_async, with the Cloud API's errors mapped.

- 130429 (throughput) and 131056 (too many messages to one person): wait, retry, a
  bounded number of times (`retry_delays`), then give up on the reply. Each such answer
  is counted for the metrics (broadcasts/tally.py).
- 131047 (re-engagement: the 24-hour customer-service window is closed): stop and
  report `outside_window`; only approved templates may go out then (outbound work).
- 131062 (this number cannot yet send to business-scoped ids): resend to the phone
  number the webhook carried, if it carried one.
- any other error, or the network failing: log the code and stop this reply.

Recipients: a BSUID (`ID.123…`, `US.ENT.123…`) or a phone number / WhatsApp id (digits).
pywa decides between them by the id's shape and treats anything else as a *group* id, so
other ids are refused here. The token lives only in the httpx session's headers; nothing
here logs it, a recipient id, a phone number or a message text.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import httpx
from pywa_async.client import WhatsApp
from pywa_async.errors import (
    BSUIDRecipientNotSupported,
    RateLimitHit,
    ReEngagementMessage,
    TooManyMessages,
    WhatsAppError,
)
from pywa_async.types.callback import Button, Section, SectionList, SectionRow, URLButton
from pywa_async.types.templates import BodyText, TemplateLanguage

from broadcasts.tally import TALLY
from handlers.whatsapp.ids import ref
from handlers.whatsapp.render import (
    OutButtons,
    OutFile,
    Outgoing,
    OutLink,
    OutList,
    OutMedia,
    OutTemplate,
    OutText,
    template_param,
)
from handlers.whatsapp.settings import WhatsAppSettings

log = logging.getLogger(__name__)
RETRY_DELAYS: tuple[float, ...] = (1.0, 4.0)
BSUID = re.compile(r"^[A-Z]{2}(?:\.ENT)?\.[0-9]+$")
PHONE = re.compile(r"^[0-9]{6,20}$")
Outcome = Literal["sent", "outside_window", "failed", "unroutable"]


@dataclass(frozen=True)
class Recipient:
    """Where a reply goes: the resident's WhatsApp id, and their phone number if known."""

    chat_id: str = field(repr=False)
    phone: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Delivery:
    """How sending one batch of messages ended, and how many the API accepted."""

    outcome: Outcome
    sent: int = 0
    error_code: int | None = None
    message_ids: tuple[str, ...] = ()


def routable(chat_id: str) -> bool:
    """True for ids pywa sends to a person: a BSUID or a phone number / WhatsApp id."""
    return bool(BSUID.match(chat_id) or PHONE.match(chat_id))


def quiet_pywa_debug_logs() -> None:
    """Keep pywa's DEBUG records (request bodies, recipient ids) out of the logs."""
    pywa_log = logging.getLogger("pywa")
    if pywa_log.level == logging.NOTSET or pywa_log.level < logging.INFO:
        pywa_log.setLevel(logging.INFO)


class CloudAPI:
    """Sends messages from one phone number with pywa_async."""

    def __init__(
        self,
        client: WhatsApp,
        session: httpx.AsyncClient,
        retry_delays: Sequence[float] = RETRY_DELAYS,
    ) -> None:
        self.client = client
        self.session = session
        self.retry_delays = tuple(retry_delays)

    @classmethod
    def connect(
        cls,
        settings: WhatsAppSettings,
        phone_number_id: str,
        session: httpx.AsyncClient | None = None,
        retry_delays: Sequence[float] = RETRY_DELAYS,
    ) -> CloudAPI:
        """A sender on `session` (default: a new client with sensible timeouts)."""
        if not phone_number_id:
            raise ValueError("whatsapp.phone_number_id is empty in config.yaml")
        session = session or httpx.AsyncClient(timeout=httpx.Timeout(20.0, connect=10.0))
        client = WhatsApp(
            phone_id=phone_number_id,
            token=settings.token,
            session=session,
            server=None,
            verify_token=settings.verify_token,
            app_secret=settings.app_secret,
            validate_updates=True,
        )
        if settings.api_url:
            # pywa always points the session at graph.facebook.com/v<version>; keep the
            # version path, change the host to the stand-in's.
            session.base_url = httpx.URL(settings.api_url + session.base_url.path)
        quiet_pywa_debug_logs()
        return cls(client, session, retry_delays)

    async def upload(self, data: bytes, mime_type: str, filename: str) -> str:
        """Put a file on WhatsApp's servers once; its media id can be sent many times."""
        media = await self.client.upload_media(media=data, mime_type=mime_type, filename=filename)
        return str(media.id)

    async def download(self, media_id: str) -> bytes:
        """The bytes of a file on WhatsApp's servers, by its media id."""
        url = await self.client.get_media_url(media_id)
        return await self.client.get_media_bytes(url.url)

    async def aclose(self) -> None:
        """Close the HTTP session."""
        await self.session.aclose()

    async def send(self, recipient: Recipient, messages: Sequence[Outgoing]) -> Delivery:
        """Send `messages` in order; stop at the first one that cannot be sent."""
        who = ref(recipient.chat_id)
        targets = list(dict.fromkeys(t for t in (recipient.chat_id, recipient.phone) if t))
        targets = [t for t in targets if routable(t)]
        if not targets:
            log.warning("recipient %s has no id WhatsApp can send to; reply dropped", who)
            return Delivery("unroutable")
        sent = 0
        ids: list[str] = []
        for message in messages:
            while True:
                try:
                    ids.append(await self._send_with_retry(targets[0], message))
                except BSUIDRecipientNotSupported as exc:
                    if len(targets) > 1:
                        targets.pop(0)
                        log.info("BSUID recipients not enabled; replying to %s by phone", who)
                        continue
                    return self._failed(who, exc, sent)
                except ReEngagementMessage as exc:
                    log.info(
                        "recipient %s is outside the 24-hour window (code %s); %d of %d sent",
                        who,
                        exc.code,
                        sent,
                        len(messages),
                    )
                    return Delivery("outside_window", sent, exc.code, tuple(ids))
                except WhatsAppError as exc:
                    return self._failed(who, exc, sent)
                except httpx.HTTPError as exc:
                    log.warning("network error sending to %s: %s", who, type(exc).__name__)
                    return Delivery("failed", sent)
                sent += 1
                break
        return Delivery("sent", sent, message_ids=tuple(ids))

    @staticmethod
    def _failed(who: str, exc: WhatsAppError, sent: int) -> Delivery:
        """Log a refused message by its code and class, never its recipient."""
        log.warning(
            "WhatsApp refused a message to %s: code %s (%s) %s",
            who,
            exc.code,
            type(exc).__name__,
            exc.message[:200],
        )
        return Delivery("failed", sent, exc.code)

    async def _send_with_retry(self, to: str, message: Outgoing) -> str:
        """Send one message; on a rate limit wait and try again, a bounded number of times.

        Returns the message id WhatsApp assigned (status webhooks refer to it).
        """
        for delay in (*self.retry_delays, None):
            try:
                return await self._send_one(to, message)
            except (RateLimitHit, TooManyMessages) as exc:
                TALLY.add("rate_limited:wa")
                if delay is None:
                    raise
                log.info("rate limited (code %s); retrying in %.1f s", exc.code, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    async def _send_one(self, to: str, message: Outgoing) -> str:
        """One Cloud API call for one rendered message."""
        client = self.client
        match message:
            case OutText(text=text):
                sent = await client.send_message(to=to, text=text)
            case OutButtons(text=text, buttons=buttons):
                sent = await client.send_message(
                    to=to,
                    text=text,
                    buttons=[Button(title=b.title, callback_data=b.id) for b in buttons],
                )
            case OutList(text=text, label=label, rows=rows):
                section = Section(
                    title=label,
                    rows=[
                        SectionRow(r.title, callback_data=r.id, description=r.description or None)
                        for r in rows
                    ],
                )
                sent = await client.send_message(
                    to=to, text=text, buttons=SectionList(button_title=label, sections=[section])
                )
            case OutLink(text=text, label=label, url=url):
                sent = await client.send_message(
                    to=to, text=text, buttons=URLButton(title=label, url=url)
                )
            case OutMedia(kind="photo", media_id=media_id):
                sent = await client.send_image(to=to, image=media_id)
            case OutMedia(kind="video", media_id=media_id):
                sent = await client.send_video(to=to, video=media_id)
            case OutMedia(media_id=media_id):
                # pywa 4.5 leaks its MISSING sentinel into the JSON unless filename is given.
                sent = await client.send_document(to=to, document=media_id, filename=None)
            case OutFile(name=name, mime_type=mime_type, data=data):
                media_id = await self.upload(data, mime_type, name)
                sent = await client.send_document(to=to, document=media_id, filename=name)
            case OutTemplate(name=name, language=language, params=raw):
                params = tuple(template_param(p) for p in raw)  # Meta refuses newlines, tabs
                sent = await client.send_template(
                    to=to,
                    name=name,
                    language=TemplateLanguage(language),
                    # pywa documents positional params; its stubs type them as BodyText
                    params=[BodyText.params(*params)] if params else None,  # type: ignore[arg-type]
                )
        return str(sent.id)
