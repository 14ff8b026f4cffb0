"""Residents' private chats: every message and button goes to the core's dialogs.

The core is synchronous (it talks to Redis); it runs in a worker thread so the event
loop keeps serving other residents. Each update arrives in its resident's turn
(handlers/telegram/middlewares.py), so a double tap cannot race the conversation state;
the core's replies are stored on the update's receipt before they are sent, so a
redelivered update is answered with them instead of asking the core twice. They go out
on the lean request path (handlers/telegram/replies.py).
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.types import CallbackQuery, Message

from bot.dialogs import Conversations
from bot.platform.addresses import Address
from bot.platform.messages import Incoming, Reply
from handlers.inbox import Receipt
from handlers.telegram.convert import incoming_button, incoming_message
from handlers.telegram.pictures import fingerprint
from handlers.telegram.render import Press
from handlers.telegram.replies import replies_for


class ResidentChats:
    """Runs residents' updates through the conversations."""

    def __init__(self, conversations: Conversations) -> None:
        self.conversations = conversations

    async def track_progress(self, announcement_id: str, chat_id: int, message_id: int) -> None:
        """Remember the message that shows an announcement's progress (edited by the worker)."""
        store = self.conversations.svc.announcements
        await asyncio.to_thread(
            store.set_progress_message, announcement_id, Address.telegram(chat_id), message_id
        )

    async def answer(self, incoming: Incoming, receipt: Receipt) -> list[Reply]:
        """The core's replies to one message (stored ones if it answered before)."""
        return await asyncio.to_thread(receipt.answer, lambda: self.conversations.handle(incoming))


def resident_router(chats: ResidentChats) -> Router:
    """The router for private chats with residents (and anyone else)."""
    router = Router(name="residents")
    router.message.filter(F.chat.type == ChatType.PRIVATE)
    router.callback_query.filter(F.message.chat.type == ChatType.PRIVATE)

    @router.message()
    async def on_message(message: Message, bot: Bot, receipt: Receipt) -> None:
        """Any private message: text, command, media or anything else."""
        incoming = incoming_message(message)
        if incoming.media is not None and incoming.kind == "photo" and not receipt.state:
            found = await fingerprint(bot, message)
            incoming = replace(incoming, media=replace(incoming.media, fingerprint=found))
        replies = await chats.answer(incoming, receipt)
        out = replies_for(bot)
        for reply in replies:
            sent = await out.send(message.chat.id, reply)
            if reply.progress_of and sent is not None:
                await chats.track_progress(reply.progress_of, message.chat.id, sent)

    @router.callback_query(Press.filter())
    async def on_button(
        query: CallbackQuery, callback_data: Press, bot: Bot, receipt: Receipt
    ) -> None:
        """A button of ours (current version)."""
        replies = await chats.answer(incoming_button(query, callback_data.d), receipt)
        notice = next((r.notice for r in replies if r.notice), None)
        out = replies_for(bot)
        await out.answer_query(query.id, notice[:200] if notice else None)
        message = query.message
        for reply in replies:
            if not reply.text and not reply.title:
                continue
            if reply.edit and message is not None and isinstance(message, Message):
                await out.edit_or_send(message.chat.id, message.message_id, reply)
                continue
            sent = await out.send(query.from_user.id, reply)
            if reply.progress_of and sent is not None:
                await chats.track_progress(reply.progress_of, query.from_user.id, sent)

    @router.callback_query()
    async def on_unknown_button(query: CallbackQuery, bot: Bot, receipt: Receipt) -> None:
        """Buttons from an older version, or data that was never ours."""
        replies = await chats.answer(incoming_button(query, "?"), receipt)
        notice = next((r.notice for r in replies if r.notice), "")
        await replies_for(bot).answer_query(query.id, notice[:200] or None)

    return router
