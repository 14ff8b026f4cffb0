"""The table of Bot API methods and what every method handler gets: the call context.

Also the access rules shared by many methods: which chat a chat_id means for
this bot, and Telegram's errors when the bot may not read or write there.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from .errors import bad_request, forbidden
from .limits import RateLimiter
from .params import Params
from .reqlog import DeliveryCounters
from .state import BotAccount, Chat, User, World


class WebhookControl(Protocol):
    """What methods need from the webhook deliverer."""

    def ensure(self, bot: BotAccount) -> None:
        """Start delivering updates of a bot with a webhook."""

    def stop(self, bot: BotAccount) -> None:
        """Stop delivering updates of a bot."""


@dataclass
class Call:
    """One Bot API call being executed."""

    world: World
    bot: BotAccount
    params: Params
    limiter: RateLimiter
    counters: DeliveryCounters
    webhooks: WebhookControl


Handler = Callable[[Call], Awaitable[Any]]
METHODS: dict[str, tuple[str, Handler]] = {}


def method(*names: str) -> Callable[[Handler], Handler]:
    """Register a handler under one or more method names (case-insensitive)."""

    def register(handler: Handler) -> Handler:
        for name in names:
            METHODS[name.lower()] = (name, handler)
        return handler

    return register


def _group_access(chat: Chat, bot: BotAccount) -> None:
    member = chat.member(bot.id)
    if member is None:
        raise bad_request("chat not found")
    if member.status == "kicked":
        raise forbidden(f"bot was kicked from the {chat.kind_name}")
    if not member.present:
        raise forbidden(f"bot is not a member of the {chat.kind_name}")


def find_chat(call: Call, ref: int | str) -> Chat:
    """Resolve a chat_id the bot may read (getChat, edits, deletes…)."""
    world, bot = call.world, call.bot
    if isinstance(ref, str):
        found = world.find_username(ref)
        if isinstance(found, Chat):
            if found.member(bot.id) is None and found.username:
                return found
            _group_access(found, bot)
            return found
        raise bad_request("chat not found")
    if ref < 0:
        chat = world.chats.get(ref)
        if chat is None:
            raise bad_request("chat not found")
        _group_access(chat, bot)
        return chat
    if ref in world.users:
        return world.dialog(bot.id, ref)
    raise bad_request("chat not found")


def sendable_chat(call: Call, ref: int | str) -> Chat:
    """Resolve a chat_id the bot wants to post into, with Telegram's send errors."""
    world, bot = call.world, call.bot
    if isinstance(ref, int) and ref > 0 and ref in world.bots:
        raise forbidden("bot can't send messages to bots")
    if isinstance(ref, int) and ref < 0:
        chat = world.chats.get(ref)
        if chat is not None and chat.migrated_to is not None:
            raise bad_request(
                "group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": chat.migrated_to},
            )
    chat = find_chat(call, ref)
    if chat.type == "private":
        user = world.users[chat.id]
        if user.deactivated:
            raise forbidden("user is deactivated")
        if user.id in bot.blocked:
            raise forbidden("bot was blocked by the user")
        if user.id not in bot.started and bot.contact_until.get(user.id, 0) < time.time():
            raise forbidden("bot can't initiate conversation with a user")
        return chat
    _group_access(chat, bot)
    if chat.migrated_to is not None:
        raise bad_request(
            "group chat was upgraded to a supergroup chat",
            {"migrate_to_chat_id": chat.migrated_to},
        )
    member = chat.member(bot.id)
    if chat.type == "channel" and (member is None or not member.can("can_post_messages")):
        raise bad_request("need administrator rights in the channel chat")
    return chat


def require_right(call: Call, chat: Chat, right: str, error: str = "CHAT_ADMIN_REQUIRED") -> None:
    """Raise 400 unless the bot is an administrator with the given right."""
    member = chat.member(call.bot.id)
    if chat.type == "private" or member is None or not member.can(right):
        raise bad_request(error)


def known_user(call: Call, user_id: int) -> User:
    """Return a person or bot by id or raise `user not found`."""
    user = call.world.any_user(user_id)
    if user is None:
        raise bad_request("user not found")
    return user
