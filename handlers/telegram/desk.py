"""The staff groups on Telegram: ticket cards, their buttons, and replies to them.

Only the configured staff groups are served here (roles.staff.group and the desks' own,
bot/desk/routing.py; a desk may be a forum topic of one of them, and what the bot says
there goes to that topic); every button press and every reply is checked against the
roles and the ticket's desk by the core (`bot.desk.staff.Desk`). Commands: `/antrian`
(in a desk's group or topic: that desk's tickets),
`/templat`, `/koreksi <claim>` (correct or withdraw an archived verdict,
bot/desk/corrections.py), `/arsip <words>` (search the archive, bot/desk/browse.py),
`/tren` (trending claims, bot/desk/trends.py). A reply to a card is that ticket's; a
reply to another of the bot's messages is the replier's correction text while a
correction of theirs waits for it. Other replies are staff talking among themselves and
are left alone.
"""

from __future__ import annotations

import asyncio
import html

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message, ReplyParameters

from bot.desk import routing
from bot.desk.browse import archive_search
from bot.desk.corrections import Corrections
from bot.desk.staff import Desk
from bot.desk.trends import trend_reply
from bot.platform.addresses import Address
from bot.platform.messages import MediaRef, Reply
from bot.services import Services
from handlers.inbox import Receipt
from handlers.telegram.render import Press, answer_query, edit_or_send, send_reply


def desk_router(services: Services) -> Router:
    """The router for the staff groups: those of the configuration in effect at each
    update, so a reload that adds a desk's group serves it at once."""
    router = Router(name="desk")

    def staff_chat(chat_id: int) -> bool:
        return str(Address.telegram(chat_id)) in routing.group_chats(services.config)

    def in_staff_chat(message: Message) -> bool:
        return staff_chat(message.chat.id)

    def staff_press(query: CallbackQuery) -> bool:
        return isinstance(query.message, Message) and staff_chat(query.message.chat.id)

    router.message.filter(in_staff_chat)
    router.callback_query.filter(staff_press)

    async def show(
        bot: Bot, chat_id: int, thread: int | None, replies: list[Reply], pressed: int | None
    ) -> None:
        """Edit the card a reply is of (else the pressed message) or send it anew."""
        for reply in replies:
            if not reply.text:
                continue
            target = await asyncio.to_thread(card_message, chat_id, reply) or pressed
            if reply.edit and target:
                await edit_or_send(bot, chat_id, target, reply, thread)
                continue
            sent = await send_reply(bot, chat_id, reply, thread)
            if reply.progress_of and sent is not None:  # a clarification's delivery report
                await asyncio.to_thread(
                    services.announcements.set_progress_message,
                    reply.progress_of,
                    Address.telegram(chat_id),
                    sent.message_id,
                )

    def card_message(chat_id: int, reply: Reply) -> int | None:
        """The staff card's message a reply of `card_of` a ticket replaces."""
        ticket = services.tickets.get(reply.card_of) if reply.card_of else None
        if ticket is None or ticket.card_chat != str(chat_id):
            return None
        return ticket.card_message or None

    @router.callback_query(Press.filter())
    async def on_card_button(
        query: CallbackQuery, callback_data: Press, bot: Bot, receipt: Receipt
    ) -> None:
        """Claim, answer, forward, reject, verdict."""
        desk = Desk(services)
        staff = Address.telegram(query.from_user.id)
        now = services.clock.now()
        replies = await asyncio.to_thread(
            receipt.answer, lambda: desk.press(staff, callback_data.d, now)
        )
        notice = next((r.notice for r in replies if r.notice), None)
        await answer_query(
            query, notice[:200] if notice else None, bool(notice and len(notice) > 60)
        )
        message = query.message if isinstance(query.message, Message) else None
        if message is None:
            return
        await show(bot, message.chat.id, _topic(message), replies, message.message_id)

    @router.message(Command("antrian", "queue"))
    async def on_queue(message: Message, bot: Bot) -> None:
        """Open tickets, oldest first (in a desk's own group or topic, that desk's)."""
        if services.roles.is_staff(
            Address.telegram(message.from_user.id if message.from_user else 0)
        ):
            where = str(Address.telegram(message.chat.id))
            desks = routing.desks_in(services.config, where, _topic(message) or 0)
            shown = None if "" in desks else desks  # the default desk's group sees them all
            now = services.clock.now()
            text = await asyncio.to_thread(Desk(services).queue_text, now, 30, shown)
            await send_reply(bot, message.chat.id, Reply(text=text), _topic(message))

    @router.message(Command("templat"), ~F.reply_to_message)
    async def on_templates(message: Message, bot: Bot) -> None:
        """The canned answers."""
        if services.roles.is_staff(
            Address.telegram(message.from_user.id if message.from_user else 0)
        ):
            reply = Reply(text=Desk(services).templates_text())
            await send_reply(bot, message.chat.id, reply, _topic(message))

    @router.message(Command("koreksi", "correct"))
    async def on_correct(message: Message, bot: Bot, command: CommandObject) -> None:
        """Correct or withdraw an archived verdict."""
        staff = Address.telegram(message.from_user.id if message.from_user else 0)
        desk = Desk(services)
        replies = await asyncio.to_thread(Corrections(desk).start, staff, command.args or "")
        await show(bot, message.chat.id, _topic(message), replies, None)

    @router.message(Command("arsip", "archive"))
    async def on_archive(message: Message, bot: Bot, command: CommandObject) -> None:
        """Search the archive of verdicts."""
        staff = Address.telegram(message.from_user.id if message.from_user else 0)
        reply = await asyncio.to_thread(archive_search, services, staff, command.args or "")
        await send_reply(bot, message.chat.id, reply, _topic(message))

    @router.message(Command("tren", "trending"))
    async def on_trending(message: Message, bot: Bot) -> None:
        """Claims asked most in the last 7 days, per kecamatan."""
        staff = Address.telegram(message.from_user.id if message.from_user else 0)
        now = services.clock.now()
        reply = await asyncio.to_thread(trend_reply, services, staff, now)
        await send_reply(bot, message.chat.id, reply, _topic(message))

    @router.message(F.reply_to_message)
    async def on_reply(message: Message, bot: Bot, receipt: Receipt) -> None:
        """A reply to a card is that ticket's answer, forwarding note, or a verdict's
        explanation or sources; to another message of the bot's, the text of the
        replier's correction when one waits for it."""
        replied = message.reply_to_message
        if replied is None or message.from_user is None:
            return
        chat_id, thread = message.chat.id, _topic(message)
        ticket = await asyncio.to_thread(services.tickets.by_card, str(chat_id), replied.message_id)
        text = message.text or message.caption or ""
        staff = Address.telegram(message.from_user.id)
        desk = Desk(services)
        now = services.clock.now()
        if ticket is None:
            if replied.from_user is None or replied.from_user.id != bot.id:
                return
            fixed = await asyncio.to_thread(
                receipt.answer, lambda: Corrections(desk).reply(staff, text) or []
            )
            for reply in fixed:
                await send_reply(bot, chat_id, reply, thread)
            return
        replies = await asyncio.to_thread(
            receipt.answer, lambda: desk.staff_reply(staff, ticket, text, now, _media(message))
        )
        for reply in replies:
            if reply.edit and ticket.card_message and ticket.card_chat == str(chat_id):
                await edit_or_send(bot, chat_id, ticket.card_message, reply, thread)
            sent: Message | None = None
            if reply.choices and not reply.edit:  # a step with buttons (a verdict's preview)
                sent = await send_reply(bot, chat_id, reply, thread)
            elif reply.notice or not reply.edit:
                note = reply.notice or reply.text
                answered = ReplyParameters(
                    message_id=message.message_id, allow_sending_without_reply=True
                )
                sent = await bot.send_message(
                    chat_id, html.escape(note, quote=False), reply_parameters=answered
                )
            if sent is not None:  # staff reply to the prompt as readily as to the card
                await asyncio.to_thread(
                    services.tickets.prompt_about, ticket.id, str(chat_id), sent.message_id
                )

    return router


def _topic(message: Message) -> int | None:
    """The forum topic a message is in (None outside forums: a reply thread of a plain
    supergroup is no place to send to)."""
    return message.message_thread_id if message.is_topic_message else None


def _media(message: Message) -> MediaRef | None:
    """A photo, document or video in a staff member's answer."""
    if message.photo:
        return MediaRef("photo", message.photo[-1].file_id, message.photo[-1].file_size)
    if message.document:
        doc = message.document
        return MediaRef("document", doc.file_id, doc.file_size, doc.mime_type)
    if message.video:
        return MediaRef("video", message.video.file_id, message.video.file_size)
    return None
