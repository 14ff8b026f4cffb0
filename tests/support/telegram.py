"""Drive the aiogram dispatcher with real Update objects and a recording Bot API session.

`MockedSession` answers every Bot API method the adapter calls with a plausible result
and records the request; `failures` can make a method raise once, as Telegram would.
`TelegramWorld` is the real dispatcher on such a session, with update builders.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.base import BaseSession
from aiogram.methods import (
    EditMessageText,
    GetMe,
    SendMessage,
    TelegramMethod,
)
from aiogram.types import (
    CallbackQuery,
    Chat,
    ChatJoinRequest,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    Sticker,
    Update,
    User,
)

from bot.dialogs import build_conversations
from bot.services import Services
from handlers.telegram.app import build_dispatcher
from tests.support.constants import BOT_ID, BOT_TOKEN, BOT_USERNAME
from tests.support.press import find_label

BOT_USER = User(id=BOT_ID, is_bot=True, first_name="KIM Bot", username=BOT_USERNAME)


class MockedSession(BaseSession):
    """Records requests; returns results shaped like Telegram's."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[TelegramMethod[Any]] = []
        self.sent_ids: dict[int, int] = {}  # id() of a SendMessage request → its message id
        self.failures: dict[type[TelegramMethod[Any]], list[Exception]] = {}
        self._ids = itertools.count(1000)

    async def close(self) -> None:
        """Nothing to close."""

    async def make_request(
        self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None
    ) -> Any:
        """Record the call and answer it."""
        self.requests.append(method)
        pending = self.failures.get(type(method))
        if pending:
            raise pending.pop(0)
        if isinstance(method, GetMe):
            return BOT_USER
        if isinstance(method, SendMessage):
            sent = self._message(int(method.chat_id), method.text, method.reply_markup)
            self.sent_ids[id(method)] = sent.message_id
            return sent
        if isinstance(method, EditMessageText):
            return self._message(int(method.chat_id or 0), method.text, method.reply_markup)
        return True

    def _message(self, chat_id: int, text: str | None, markup: Any) -> Message:
        """The message Telegram would return for a send or an edit."""
        return Message(
            message_id=next(self._ids),
            date=datetime.now(UTC),
            chat=Chat(id=chat_id, type="private"),
            from_user=BOT_USER,
            text=text,
            reply_markup=markup if isinstance(markup, InlineKeyboardMarkup) else None,
        )

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        """No files in these tests."""
        yield b""

    def of(self, kind: type[TelegramMethod[Any]]) -> list[Any]:
        """Recorded requests of one method."""
        return [r for r in self.requests if isinstance(r, kind)]

    def texts(self, chat_id: int | None = None) -> list[str]:
        """Texts sent or edited, optionally to one chat."""
        return [
            r.text or ""
            for r in self.requests
            if isinstance(r, SendMessage | EditMessageText)
            and (chat_id is None or int(r.chat_id or 0) == chat_id)
        ]

    def last_keyboard(self, chat_id: int) -> InlineKeyboardMarkup:
        """The newest inline keyboard shown in a chat."""
        for r in reversed(self.requests):
            ours = isinstance(r, SendMessage | EditMessageText) and int(r.chat_id or 0) == chat_id
            if ours and isinstance(r.reply_markup, InlineKeyboardMarkup):
                return r.reply_markup
        raise AssertionError(f"no keyboard in chat {chat_id}")


class Updates:
    """Builds updates as Telegram sends them."""

    def __init__(self) -> None:
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)

    def user(self, user_id: int, language_code: str | None = "id") -> User:
        """A person."""
        return User(
            id=user_id, is_bot=False, first_name=f"Warga {user_id}", language_code=language_code
        )

    def message(self, user: User, text: str | None = None, **extra: Any) -> Update:
        """A private message; a leading /command gets its bot_command entity."""
        entities = None
        if text and text.startswith("/"):
            entities = [MessageEntity(type="bot_command", offset=0, length=len(text.split()[0]))]
        message = Message(
            message_id=next(self._message_ids),
            date=datetime.now(UTC),
            chat=Chat(id=user.id, type="private", first_name=user.first_name),
            from_user=user,
            text=text,
            entities=entities,
            **extra,
        )
        return Update(update_id=next(self._update_ids), message=message)

    def sticker(self, user: User) -> Update:
        """A sticker, which nothing in the bot expects."""
        sticker = Sticker(
            file_id="s1",
            file_unique_id="u1",
            type="regular",
            width=512,
            height=512,
            is_animated=False,
            is_video=False,
        )
        return self.message(user, sticker=sticker)

    def press(self, user: User, data: str, message_id: int = 1) -> Update:
        """A button press on a bot message in the private chat."""
        return self._press(user, Chat(id=user.id, type="private"), data, message_id)

    def _press(self, user: User, chat: Chat, data: str, message_id: int) -> Update:
        """A button press on the bot's message `message_id` in `chat`."""
        message = Message(
            message_id=message_id,
            date=datetime.now(UTC),
            chat=chat,
            from_user=BOT_USER,
            text="…",
        )
        query = CallbackQuery(
            id=str(next(self._update_ids)),
            from_user=user,
            chat_instance=f"c{chat.id}",
            data=data,
            message=message,
        )
        return Update(update_id=next(self._update_ids), callback_query=query)

    def join_request(self, user: User, chat_id: int) -> Update:
        """A request to join an approval-only chat."""
        request = ChatJoinRequest(
            chat=Chat(id=chat_id, type="supergroup", title="KIM"),
            from_user=user,
            user_chat_id=user.id,
            date=datetime.now(UTC),
        )
        return Update(update_id=next(self._update_ids), chat_join_request=request)

    def group_message(
        self,
        user: User,
        chat_id: int,
        text: str,
        reply_to: Message | None = None,
        thread: int | None = None,
    ) -> Update:
        """A message in a group (a reply to `reply_to`, when given; in forum topic
        `thread`, when given)."""
        message = Message(
            message_id=next(self._message_ids),
            date=datetime.now(UTC),
            chat=Chat(id=chat_id, type="supergroup", title="Grup", is_forum=thread is not None),
            from_user=user,
            text=text,
            reply_to_message=reply_to,
            message_thread_id=thread,
            is_topic_message=True if thread is not None else None,
        )
        return Update(update_id=next(self._update_ids), message=message)

    def group_press(self, user: User, chat_id: int, data: str, message_id: int) -> Update:
        """A button press on the bot's message `message_id` in a group."""
        return self._press(
            user, Chat(id=chat_id, type="supergroup", title="Grup"), data, message_id
        )


class TelegramWorld:
    """A dispatcher, a bot on a mocked session, and update builders."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.session = MockedSession()
        self.bot = Bot(BOT_TOKEN, session=self.session)
        self.dp: Dispatcher = build_dispatcher(services, build_conversations(services))
        self.updates = Updates()

    async def aclose(self) -> None:
        """Close the bot's session and what the dispatcher opened (in the test's loop)."""
        await self.dp.emit_shutdown()
        await self.bot.session.close()

    async def feed(self, update: Any) -> None:
        """Deliver one update as polling or the webhook would."""
        await self.dp.feed_update(self.bot, update)

    async def press(self, user: User, label: str) -> None:
        """Press the button `label` means on the newest keyboard in the user's chat."""
        buttons = [b for row in self.session.last_keyboard(user.id).inline_keyboard for b in row]
        button = buttons[find_label([b.text for b in buttons], label)]
        assert button.callback_data, f"{label!r} is a link, not a button"
        await self.feed(self.updates.press(user, button.callback_data))

    async def press_in_group(self, user: User, chat_id: int, label: str) -> None:
        """Press, as `user`, the button `label` means on the newest keyboard in a group."""
        buttons = [b for row in self.session.last_keyboard(chat_id).inline_keyboard for b in row]
        button = buttons[find_label([b.text for b in buttons], label)]
        assert button.callback_data, f"{label!r} is a link, not a button"
        await self.feed(
            self.updates.group_press(user, chat_id, button.callback_data, self.last_id(chat_id))
        )

    def last_id(self, chat_id: int) -> int:
        """The id of the newest message the bot sent to a chat (0: none)."""
        sent = [r for r in self.session.requests if isinstance(r, SendMessage)]
        ids = [self.session.sent_ids[id(r)] for r in sent if int(r.chat_id) == chat_id]
        return ids[-1] if ids else 0

    def last_sent(self, chat_id: int) -> Message:
        """The newest message the bot sent to a chat, as a reply can quote it."""
        return Message(
            message_id=self.last_id(chat_id),
            date=datetime.now(UTC),
            chat=Chat(id=chat_id, type="supergroup", title="Grup"),
            from_user=BOT_USER,
            text=self.session.texts(chat_id)[-1],
        )

    async def subscribe(self, user: User) -> None:
        """Onboard by buttons into Kelurahan Bagendung."""
        await self.feed(self.updates.message(user, "/start"))
        await self.press(user, "Bahasa Indonesia")
        await self.press(user, "✅")
        await self.press(user, "Cilegon")
        await self.press(user, "Bagendung")
