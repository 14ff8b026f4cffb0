"""The world model: users, bots, chats, members, messages, topics and invite links.

Everything here is plain data plus bookkeeping (ids, versions, wake-ups); the
rules of who may do what live in the Bot API methods and the user actions.
Private chats are per bot: the dialog of user U with bot B has chat id U but its
own message history, exactly as each bot sees it in Telegram.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

from .content import FormattedText
from .media import FileStore, StoredFile
from .updates import Notifier, UpdateQueue

PRESENT = frozenset({"creator", "administrator", "member", "restricted"})
TOKEN_RE = re.compile(r"^(\d{1,15}):[A-Za-z0-9_-]{1,64}$")
USERNAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_send_welcome_messages",  # Bot API 10.3 (aiogram 3.31 requires it); not in 10.1
)
# Optional rights by chat type (ChatMemberAdministrator / ChatAdministratorRights)
CHANNEL_RIGHTS = ("can_post_messages", "can_edit_messages", "can_manage_direct_messages")
SUPERGROUP_RIGHTS = ("can_pin_messages", "can_manage_topics", "can_manage_tags")
GROUP_RIGHTS = ("can_pin_messages", "can_manage_tags")
CALLBACK_ANSWER_SECONDS = 15 * 60  # later, answerCallbackQuery says the query is too old
FIRST_USER_ID = 700_000_001
FIRST_GROUP_ID = 4_000_000_001
FIRST_SUPERGROUP_ID = 1_001_000_000_001


def optional_rights(chat: Chat) -> tuple[str, ...]:
    """The administrator rights that exist only in this type of chat."""
    if chat.type == "channel":
        return CHANNEL_RIGHTS
    return SUPERGROUP_RIGHTS if chat.type == "supergroup" else GROUP_RIGHTS


def now() -> int:
    """Return the current Unix time in whole seconds."""
    return int(time.time())


@dataclass
class User:
    """A Telegram account (a person, or a bot's own user)."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False
    deactivated: bool = False
    hide_forwards: bool = False

    @property
    def name(self) -> str:
        """Return the display name."""
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name


@dataclass
class Member:
    """A user's membership in a group, supergroup or channel."""

    user_id: int
    status: str
    rights: dict[str, bool] = field(default_factory=dict)
    until_date: int = 0
    custom_title: str | None = None

    @property
    def present(self) -> bool:
        """Tell whether the user is currently in the chat."""
        return self.status in PRESENT

    def can(self, right: str) -> bool:
        """Tell whether the member holds an administrator right."""
        return self.status == "creator" or (
            self.status == "administrator" and self.rights.get(right, False)
        )


@dataclass
class Topic:
    """A forum topic of a supergroup."""

    thread_id: int
    name: str
    icon_color: int = 7322096
    icon_custom_emoji_id: str | None = None
    closed: bool = False


@dataclass
class InviteLink:
    """An additional invite link of a chat."""

    link: str
    creator_id: int
    creates_join_request: bool = False
    name: str | None = None
    expire_date: int | None = None
    member_limit: int | None = None
    is_primary: bool = False
    is_revoked: bool = False
    joined: int = 0


@dataclass
class JoinRequest:
    """A pending request to join a chat."""

    user_id: int
    date: int
    invite_link: str | None = None
    bio: str | None = None


@dataclass
class ChatAction:
    """The last chat action (e.g. typing) a bot showed in a chat."""

    bot_id: int
    action: str
    date: float


@dataclass(eq=False)
class Message:
    """One message in a chat, with its current content and status."""

    chat: Chat
    message_id: int
    date: int
    from_id: int | None
    sender_chat_id: int | None = None
    text: FormattedText | None = None
    caption: FormattedText | None = None
    media_kind: str | None = None
    file: StoredFile | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    reply_markup: dict[str, Any] | None = None
    reply_keyboard: dict[str, Any] | None = None
    reply_to: int | None = None
    thread_id: int | None = None
    is_topic_message: bool = False
    forward_origin: dict[str, Any] | None = None
    edit_date: int | None = None
    edit_count: int = 0
    deleted: bool = False
    service: dict[str, Any] | None = None
    author_signature: str | None = None
    author_bot_id: int | None = None
    protect_content: bool = False
    link_preview: dict[str, Any] | None = None
    version: int = 0

    @property
    def kind(self) -> str:
        """Return text, a media kind, or service."""
        if self.service is not None:
            return "service"
        return self.media_kind or "text"


@dataclass(eq=False)
class Chat:
    """A private dialog (per bot), group, supergroup or channel."""

    id: int
    type: str
    title: str | None = None
    username: str | None = None
    is_forum: bool = False
    join_by_request: bool = False
    description: str | None = None
    bot_id: int | None = None
    members: dict[int, Member] = field(default_factory=dict)
    messages: dict[int, Message] = field(default_factory=dict)
    next_message_id: int = 1
    topics: dict[int, Topic] = field(default_factory=dict)
    invite_links: dict[str, InviteLink] = field(default_factory=dict)
    join_requests: dict[int, JoinRequest] = field(default_factory=dict)
    migrated_to: int | None = None
    migrated_from: int | None = None
    pinned_message_id: int | None = None
    action: ChatAction | None = None
    version: int = 0
    notifier: Notifier = field(default_factory=Notifier)

    @property
    def kind_name(self) -> str:
        """Return the wording Telegram errors use for this chat type."""
        return {"group": "group chat", "supergroup": "supergroup chat"}.get(
            self.type, "channel chat"
        )

    def member(self, user_id: int) -> Member | None:
        """Return the membership record of a user, if any."""
        return self.members.get(user_id)

    def is_present(self, user_id: int) -> bool:
        """Tell whether a user is currently in the chat."""
        member = self.members.get(user_id)
        return member is not None and member.present


@dataclass(eq=False)
class CallbackRecord:
    """A callback query created by pressing an inline button."""

    id: str
    bot_id: int
    user_id: int
    message: Message
    data: str | None
    created: float
    answered: bool = False
    answer: dict[str, Any] | None = None
    notifier: Notifier = field(default_factory=Notifier)


@dataclass(eq=False)
class BotAccount:
    """A registered bot: token, own user and everything per bot."""

    token: str
    user: User
    can_join_groups: bool = True
    can_read_all_group_messages: bool = False
    updates: UpdateQueue = field(default_factory=UpdateQueue)
    started: set[int] = field(default_factory=set)
    blocked: set[int] = field(default_factory=set)
    contact_until: dict[int, float] = field(default_factory=dict)
    commands: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> int:
        """Return the bot's user id."""
        return self.user.id

    def reset(self) -> None:
        """Forget per-user state and pending updates (keeps update ids and settings)."""
        self.updates.clear()
        self.started.clear()
        self.blocked.clear()
        self.contact_until.clear()


def parse_token_spec(spec: str) -> tuple[str, str | None]:
    """Split `TOKEN[:username]` into the token and the optional username."""
    parts = spec.split(":")
    if len(parts) == 3:
        return f"{parts[0]}:{parts[1]}", parts[2] or None
    return spec, None


class World:
    """All simulated accounts and chats."""

    def __init__(self) -> None:
        self.bots: dict[int, BotAccount] = {}
        self.tokens: dict[str, BotAccount] = {}
        self.files = FileStore()
        self.notifier = Notifier()
        self.version = 0
        self.epoch = 0
        self._clear()

    def _clear(self) -> None:
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self.private: dict[tuple[int, int], Chat] = {}
        self.callbacks: dict[str, CallbackRecord] = {}
        self.next_user_id = FIRST_USER_ID
        self.next_group_id = FIRST_GROUP_ID
        self.next_supergroup_id = FIRST_SUPERGROUP_ID

    def reset(self) -> None:
        """Forget users, chats, messages and files; keep the registered bots."""
        self._clear()
        self.epoch += 1
        self.files.clear()
        for bot in self.bots.values():
            bot.reset()
        self.changed()

    def changed(self) -> None:
        """Record a change of users or chats and wake watchers."""
        self.version += 1
        self.notifier.notify()

    def add_bot(
        self,
        token: str,
        username: str | None = None,
        first_name: str | None = None,
        *,
        can_read_all_group_messages: bool = False,
    ) -> BotAccount:
        """Register a bot token (the id is the number before the colon)."""
        match = TOKEN_RE.match(token)
        if match is None:
            raise ValueError(f"invalid bot token {token!r}: expected <digits>:<secret>")
        bot_id = int(match.group(1))
        if token in self.tokens:
            return self.tokens[token]
        if bot_id in self.bots or bot_id in self.users:
            raise ValueError(f"bot id {bot_id} is already taken")
        username = username or f"sim{bot_id}_bot"
        if not USERNAME_RE.match(username):
            raise ValueError(f"invalid bot username {username!r}")
        default_name = username.removesuffix("_bot").replace("_", " ").title()
        user = User(bot_id, first_name or default_name, None, username)
        user.is_bot = True
        bot = BotAccount(token, user, can_read_all_group_messages=can_read_all_group_messages)
        self.bots[bot_id] = bot
        self.tokens[token] = bot
        self.changed()
        return bot

    def add_user(
        self,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        user_id: int | None = None,
        hide_forwards: bool = False,
    ) -> User:
        """Create a person."""
        if user_id is None:
            while self.next_user_id in self.users or self.next_user_id in self.bots:
                self.next_user_id += 1
            user_id = self.next_user_id
            self.next_user_id += 1
        elif user_id <= 0 or user_id in self.users or user_id in self.bots:
            raise ValueError(f"user id {user_id} is invalid or already taken")
        if username is not None and (
            not USERNAME_RE.match(username) or self.find_username(username) is not None
        ):
            raise ValueError(f"username {username!r} is invalid or already taken")
        user = User(user_id, first_name, last_name, username, language_code)
        user.hide_forwards = hide_forwards
        self.users[user_id] = user
        self.changed()
        return user

    def find_username(self, username: str) -> User | Chat | None:
        """Return the user, bot or public chat with this username."""
        wanted = username.removeprefix("@").lower()
        for user in [*self.users.values(), *(b.user for b in self.bots.values())]:
            if user.username and user.username.lower() == wanted:
                return user
        for chat in self.chats.values():
            if chat.username and chat.username.lower() == wanted:
                return chat
        return None

    def any_user(self, user_id: int) -> User | None:
        """Return a person or a bot's user by id."""
        if user_id in self.users:
            return self.users[user_id]
        bot = self.bots.get(user_id)
        return bot.user if bot else None

    def bot_by_ref(self, ref: str | int | None) -> BotAccount | None:
        """Find a bot by id, token or username; None picks the first bot."""
        if ref is None or ref == "":
            return next(iter(self.bots.values()), None)
        text = str(ref).removeprefix("@")
        if text in self.tokens:
            return self.tokens[text]
        if text.lstrip("-").isdigit():
            return self.bots.get(int(text))
        for bot in self.bots.values():
            if (bot.user.username or "").lower() == text.lower():
                return bot
        return None

    def create_chat(
        self,
        chat_type: str,
        title: str,
        *,
        username: str | None = None,
        is_forum: bool = False,
        join_by_request: bool = False,
        description: str | None = None,
    ) -> Chat:
        """Create a group, supergroup or channel."""
        if chat_type not in ("group", "supergroup", "channel"):
            raise ValueError("type must be group, supergroup or channel")
        if username is not None and (
            chat_type == "group"
            or not USERNAME_RE.match(username)
            or self.find_username(username) is not None
        ):
            raise ValueError(f"username {username!r} is invalid, taken or not allowed here")
        if chat_type == "group":
            chat_id = -self.next_group_id
            self.next_group_id += 1
        else:
            chat_id = -self.next_supergroup_id
            self.next_supergroup_id += 1
        chat = Chat(
            chat_id,
            chat_type,
            title=title,
            username=username,
            is_forum=is_forum and chat_type == "supergroup",
            join_by_request=join_by_request and chat_type != "group",
            description=description,
        )
        self.chats[chat_id] = chat
        self.changed()
        return chat

    def dialog(self, bot_id: int, user_id: int) -> Chat:
        """Return (creating it when needed) the private chat of a user with a bot."""
        key = (bot_id, user_id)
        chat = self.private.get(key)
        if chat is None:
            chat = Chat(user_id, "private", bot_id=bot_id)
            self.private[key] = chat
            self.changed()
        return chat

    def new_message(self, chat: Chat, from_id: int | None, **fields: Any) -> Message:
        """Append a message to a chat with the chat's next message id."""
        message = Message(chat, chat.next_message_id, now(), from_id, **fields)
        chat.next_message_id += 1
        chat.messages[message.message_id] = message
        self.touch(message)
        return message

    def touch(self, message: Message) -> None:
        """Mark a message as changed and wake whoever watches its chat."""
        chat = message.chat
        chat.version += 1
        message.version = chat.version
        chat.notifier.notify()
