"""Single messages to someone other than the person who caused them, on the paced queue.

Used for staff cards (sent once, then edited in place), their attachments, approvals
for superadmins, and every ticket update a resident is told about. Each waits for a
priority token from the shared limiter; a 429 is waited out by the reply pacing.
"""

from __future__ import annotations

import asyncio
import html
from typing import Any

from aiogram import Bot
from aiogram.types import Message

from bot.platform.addresses import Address
from bot.platform.messages import Reply, reply_from_dict
from broadcasts.context import JobContext, job_context

CAPTION_LIMIT = 1024


def notify_job(to: str, reply: dict[str, Any]) -> str:
    """Send (or, for a staff card that exists, edit) one message."""
    ctx = job_context()
    address = Address.parse(to)
    message = reply_from_dict(reply)
    if address.platform == "wa":
        return asyncio.run(_send_whatsapp(ctx, address, message))
    return asyncio.run(_send(ctx, int(address.chat_id), message))


async def _send_whatsapp(ctx: JobContext, address: Address, reply: Reply) -> str:
    """Inside the 24-hour window: the message. Outside: hold it, send the ticket template."""
    from handlers.whatsapp.render import OutTemplate, render
    from handlers.whatsapp.send import Recipient, Sender
    from handlers.whatsapp.settings import WhatsAppSettings

    services = ctx.services
    wa = services.config.whatsapp
    resident = services.residents.get(address)
    if resident is None:
        return "gone"
    sender = Sender.connect(WhatsAppSettings.from_env(), wa.phone_number_id)
    try:
        if resident.in_window(services.clock.now()):
            tr = services.translator(resident.locale)
            delivery = await sender.send(Recipient(address.chat_id), render(reply, tr._("Choose")))
            if delivery.outcome != "outside_window":
                return delivery.outcome
        services.held.hold(address, reply)
        template = wa.ticket_template
        if template is None or not reply.ticket:
            return "held"
        message = OutTemplate(template.name, template.language, (reply.ticket,))
        return "held; " + (await sender.send(Recipient(address.chat_id), [message])).outcome
    finally:
        await sender.aclose()


async def _send(ctx: JobContext, chat_id: int, reply: Reply) -> str:
    from handlers.telegram.render import edit_or_send, keyboard, send_reply  # the renderer

    bot: Bot = ctx.bot()
    tickets = ctx.services.tickets
    try:
        await ctx.limiter().acquire(chat_id, priority=True)
        if reply.card_of:
            ticket = tickets.get(reply.card_of)
            if ticket is not None and ticket.card_message and ticket.card_chat == str(chat_id):
                await edit_or_send(bot, chat_id, ticket.card_message, reply)
                return "edited"
        sent: Message | None = None
        if reply.media is not None:
            fits = len(reply.text) <= CAPTION_LIMIT  # else: the file, then the text
            markup = keyboard(reply) if fits else None
            caption = html.escape(reply.text, quote=False) if fits and reply.text else None
            file_id = reply.media.file_id
            if reply.media.kind == "photo":
                sent = await bot.send_photo(chat_id, file_id, caption=caption, reply_markup=markup)
            elif reply.media.kind == "video":
                sent = await bot.send_video(chat_id, file_id, caption=caption, reply_markup=markup)
            else:
                sent = await bot.send_document(
                    chat_id, file_id, caption=caption, reply_markup=markup
                )
            await ctx.limiter().acquire(chat_id, priority=True)
        if reply.media is None or len(reply.text) > CAPTION_LIMIT:
            sent = await send_reply(bot, chat_id, reply)
        if reply.card_of and sent is not None:
            tickets.set_card(reply.card_of, str(chat_id), sent.message_id)
        return "sent"
    finally:
        await bot.session.close()
