"""The user side under /sim: people, chats and what people do, as JSON over HTTP.

See docs/emulator.md for the full reference of every endpoint.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from . import actions
from .chatops import (
    add_member,
    admin_rights,
    create_topic,
    migrate_group,
    new_invite_link,
    remove_member,
)
from .errors import SimError
from .shapes import (
    invite_link_json,
    message_json,
    sim_chat_json,
    sim_message_json,
    sim_user_json,
    topic_json,
)
from .simhttp import as_bool, as_float, as_int, body, get_bot, get_user, opt_int, sim_route
from .state import Chat, Member, Message, World
from .updates import wait_until

MAX_WAIT = 60.0


class UserApi:
    """Routes acting on the world as people and reading it back."""

    def __init__(self, world: World) -> None:
        self.world = world

    def routes(self) -> list[web.RouteDef]:
        """Return the aiohttp routes."""
        r = sim_route
        return [
            web.get("/sim/state", r(self.state)),
            web.get("/sim/bots", r(self.list_bots)),
            web.post("/sim/bots", r(self.create_bot)),
            web.get("/sim/users", r(self.list_users)),
            web.post("/sim/users", r(self.create_user)),
            web.get("/sim/users/{user_id}", r(self.get_user)),
            web.post("/sim/users/{user_id}/deactivate", r(self.deactivate)),
            web.post("/sim/users/{user_id}/send", r(self.send)),
            web.post("/sim/users/{user_id}/start", r(self.start)),
            web.post("/sim/users/{user_id}/press", r(self.press)),
            web.post("/sim/users/{user_id}/forward", r(self.forward)),
            web.post("/sim/users/{user_id}/edit", r(self.edit)),
            web.post("/sim/users/{user_id}/join", r(self.join)),
            web.post("/sim/users/{user_id}/leave", r(self.leave)),
            web.post("/sim/users/{user_id}/block", r(self.block)),
            web.post("/sim/users/{user_id}/unblock", r(self.unblock)),
            web.get("/sim/chats", r(self.list_chats)),
            web.post("/sim/chats", r(self.create_chat)),
            web.get("/sim/chats/{chat_id}", r(self.get_chat)),
            web.post("/sim/chats/{chat_id}/members", r(self.add_member)),
            web.delete("/sim/chats/{chat_id}/members/{user_id}", r(self.remove_member)),
            web.post("/sim/chats/{chat_id}/bots", r(self.add_bot)),
            web.post("/sim/chats/{chat_id}/topics", r(self.create_topic)),
            web.post("/sim/chats/{chat_id}/invite_links", r(self.create_link)),
            web.post("/sim/chats/{chat_id}/migrate", r(self.migrate)),
            web.get("/sim/chats/{chat_id}/messages", r(self.messages)),
            web.get("/sim/chats/{chat_id}/messages/{message_id}", r(self.message)),
            web.get("/sim/callbacks/{query_id}", r(self.callback)),
        ]

    # --- lookups ---------------------------------------------------------------------------

    def chat(self, chat_id: Any, bot_ref: Any = None) -> Chat:
        """Return a group-like chat, or the dialog of a user with a bot."""
        cid = as_int(chat_id, "chat_id")
        if cid > 0:
            user = get_user(self.world, cid)
            return self.world.dialog(get_bot(self.world, bot_ref).id, user.id)
        chat = self.world.chats.get(cid)
        if chat is None:
            raise SimError(404, "chat not found")
        return chat

    def group(self, chat_id: Any) -> Chat:
        """Return a group, supergroup or channel."""
        chat = self.chat(chat_id)
        if chat.type == "private":
            raise SimError(400, "this needs a group, supergroup or channel")
        return chat

    def actor(self, chat: Chat, by: Any) -> int:
        """Return who performs an admin action: `by`, else the chat's creator."""
        if by is not None:
            return get_user(self.world, by).id
        for member in chat.members.values():
            if member.status == "creator":
                return member.user_id
        raise SimError(400, "by (a user id) is required: the chat has no creator")

    @staticmethod
    def found(chat: Chat, message_id: Any) -> Message:
        """Return a message of a chat or raise 404."""
        message = chat.messages.get(as_int(message_id, "message_id"))
        if message is None:
            raise SimError(404, "message not found")
        return message

    # --- world ---------------------------------------------------------------------------

    async def state(self, request: web.Request) -> Any:
        """Summary of bots, users and chats; long-polls on `since`/`wait`."""
        since = opt_int(request.query.get("since"), "since")
        wait = min(as_float(request.query.get("wait"), "wait", 0.0), MAX_WAIT)
        if since is not None:
            await wait_until(self.world.notifier, lambda: self.world.version > since, wait)
        world = self.world
        return {
            "version": world.version,
            "epoch": world.epoch,
            "bots": [self.bot_json(b.id) for b in world.bots.values()],
            "users": [sim_user_json(u) for u in world.users.values()],
            "chats": [self.chat_summary(c) for c in world.chats.values()],
        }

    def bot_json(self, bot_id: int) -> dict[str, Any]:
        """Return a bot's public data."""
        bot = self.world.bots[bot_id]
        webhook = bot.updates.webhook
        return {
            **sim_user_json(bot.user),
            "token": bot.token,
            "can_read_all_group_messages": bot.can_read_all_group_messages,
            "pending_updates": len(bot.updates.pending),
            "last_update_id": bot.updates.last_id,
            "webhook": webhook.url if webhook else None,
        }

    @staticmethod
    def chat_summary(chat: Chat, user_id: int | None = None) -> dict[str, Any]:
        """Return a short chat description, with the user's membership if asked."""
        out: dict[str, Any] = {
            "id": chat.id,
            "type": chat.type,
            "title": chat.title,
            "username": chat.username,
            "is_forum": chat.is_forum,
            "join_by_request": chat.join_by_request,
            "migrated_to": chat.migrated_to,
            "version": chat.version,
        }
        if user_id is not None:
            member = chat.member(user_id)
            status = member.status if member else None
            if user_id in chat.join_requests:
                status = "requested"
            out["membership"] = status
        return out

    async def list_bots(self, request: web.Request) -> Any:
        """List the bots."""
        return [self.bot_json(b) for b in self.world.bots]

    async def create_bot(self, request: web.Request) -> Any:
        """Register a bot token."""
        data = await body(request)
        token = str(data.get("token") or "")
        bot = self.world.add_bot(
            token,
            data.get("username"),
            data.get("first_name"),
            can_read_all_group_messages=as_bool(data.get("can_read_all_group_messages", False)),
        )
        return self.bot_json(bot.id)

    async def list_users(self, request: web.Request) -> Any:
        """List the people."""
        return [sim_user_json(u) for u in self.world.users.values()]

    async def create_user(self, request: web.Request) -> Any:
        """Create a person."""
        data = await body(request)
        first_name = str(data.get("first_name") or "").strip()
        if not first_name:
            raise SimError(400, "first_name is required")
        user = self.world.add_user(
            first_name,
            last_name=data.get("last_name"),
            username=data.get("username"),
            language_code=data.get("language_code"),
            user_id=opt_int(data.get("id"), "id"),
            hide_forwards=as_bool(data.get("hide_forwards", False)),
        )
        return sim_user_json(user)

    async def get_user(self, request: web.Request) -> Any:
        """Return one person with their chats."""
        user = get_user(self.world, request.match_info["user_id"])
        world = self.world
        return {
            **sim_user_json(user),
            "blocked_bots": [b.id for b in world.bots.values() if user.id in b.blocked],
            "started_bots": [b.id for b in world.bots.values() if user.id in b.started],
            "chats": [
                self.chat_summary(c, user.id) for c in world.chats.values() if c.member(user.id)
            ],
        }

    async def deactivate(self, request: web.Request) -> Any:
        """Deactivate (or with {"deactivated": false} reactivate) an account."""
        user = get_user(self.world, request.match_info["user_id"])
        data = await body(request)
        user.deactivated = as_bool(data.get("deactivated", True))
        self.world.changed()
        return sim_user_json(user)

    async def list_chats(self, request: web.Request) -> Any:
        """List groups and channels (with `user`: membership and private dialogs)."""
        user_ref = request.query.get("user")
        world = self.world
        if user_ref is None:
            return [self.chat_summary(c) for c in world.chats.values()]
        user = get_user(world, user_ref)
        chats = [self.chat_summary(c, user.id) for c in world.chats.values()]
        dialogs = [
            {**self.chat_summary(c), "bot_id": c.bot_id, "title": world.bots[bot_id].user.name}
            for (bot_id, uid), c in world.private.items()
            if uid == user.id
        ]
        return dialogs + chats

    async def create_chat(self, request: web.Request) -> Any:
        """Create a group, supergroup or channel with creator, members and bots."""
        data = await body(request)
        world = self.world
        creator = get_user(world, data.get("creator_id"))
        chat = world.create_chat(
            str(data.get("type") or "group"),
            str(data.get("title") or "").strip() or "Untitled",
            username=data.get("username"),
            is_forum=as_bool(data.get("is_forum", False)),
            join_by_request=as_bool(data.get("join_by_request", False)),
            description=data.get("description"),
        )
        chat.members[creator.id] = Member(creator.id, "creator")
        for uid in data.get("members") or []:
            chat.members.setdefault(get_user(world, uid).id, Member(int(uid), "member"))
        for uid in data.get("admins") or []:
            chat.members[get_user(world, uid).id] = Member(
                int(uid), "administrator", admin_rights(chat)
            )
        for spec in data.get("bots") or []:
            spec = spec if isinstance(spec, dict) else {"bot": spec}
            bot = get_bot(world, spec.get("bot"))
            actions.add_bot_to_chat(
                world,
                chat,
                bot,
                creator.id,
                admin=as_bool(spec.get("admin", True)),
                rights=spec.get("rights"),
            )
        world.changed()
        return sim_chat_json(world, chat)

    async def get_chat(self, request: web.Request) -> Any:
        """Return a chat with members, topics, links and join requests."""
        chat = self.chat(request.match_info["chat_id"], request.query.get("bot"))
        return sim_chat_json(self.world, chat)

    async def add_member(self, request: web.Request) -> Any:
        """Add a person to a chat (status member or administrator)."""
        chat = self.group(request.match_info["chat_id"])
        data = await body(request)
        user = get_user(self.world, data.get("user_id"))
        status = str(data.get("status") or "member")
        if status not in ("member", "administrator"):
            raise SimError(400, "status must be member or administrator")
        rights = admin_rights(chat, data.get("rights")) if status == "administrator" else None
        member = add_member(
            self.world,
            chat,
            user.id,
            self.actor(chat, data.get("by")),
            status=status,
            rights=rights,
        )
        return {"user_id": member.user_id, "status": member.status, "rights": member.rights}

    async def remove_member(self, request: web.Request) -> Any:
        """Remove a person or bot from a chat (`?ban=true` bans)."""
        chat = self.group(request.match_info["chat_id"])
        uid = as_int(request.match_info["user_id"], "user_id")
        if self.world.any_user(uid) is None:
            raise SimError(404, "user not found")
        status = "kicked" if as_bool(request.query.get("ban", False)) else "left"
        by = request.query.get("by")
        member = remove_member(self.world, chat, uid, self.actor(chat, by), status=status)
        return {"user_id": member.user_id, "status": member.status}

    async def add_bot(self, request: web.Request) -> Any:
        """Add a bot to a chat or change its administrator rights."""
        chat = self.group(request.match_info["chat_id"])
        data = await body(request)
        bot = get_bot(self.world, data.get("bot"))
        member = actions.add_bot_to_chat(
            self.world,
            chat,
            bot,
            self.actor(chat, data.get("by")),
            admin=as_bool(data.get("admin", True)),
            rights=data.get("rights"),
        )
        return {"user_id": member.user_id, "status": member.status, "rights": member.rights}

    async def create_topic(self, request: web.Request) -> Any:
        """Create a forum topic as a person."""
        chat = self.group(request.match_info["chat_id"])
        if not chat.is_forum:
            raise SimError(400, "the chat is not a forum")
        data = await body(request)
        name = str(data.get("name") or "").strip()
        if not name:
            raise SimError(400, "name is required")
        color = opt_int(data.get("icon_color"), "icon_color")
        topic = create_topic(
            self.world, chat, self.actor(chat, data.get("by")), name, color or 7322096
        )
        return topic_json(topic)

    async def create_link(self, request: web.Request) -> Any:
        """Create an invite link as a chat administrator."""
        chat = self.group(request.match_info["chat_id"])
        data = await body(request)
        link = new_invite_link(
            chat,
            self.actor(chat, data.get("by")),
            name=data.get("name"),
            member_limit=opt_int(data.get("member_limit"), "member_limit"),
            creates_join_request=as_bool(data.get("creates_join_request", False)),
        )
        self.world.changed()
        return invite_link_json(self.world, chat, link)

    async def migrate(self, request: web.Request) -> Any:
        """Upgrade a group to a supergroup."""
        chat = self.group(request.match_info["chat_id"])
        data = await body(request)
        supergroup = migrate_group(self.world, chat, self.actor(chat, data.get("by")))
        return sim_chat_json(self.world, supergroup)

    async def messages(self, request: web.Request) -> Any:
        """Read a chat's history; `after`/`since` with `wait` long-poll for news."""
        q = request.query
        chat = self.chat(request.match_info["chat_id"], q.get("bot"))
        after = as_int(q.get("after"), "after", 0)
        since = as_int(q.get("since"), "since", 0)
        limit = as_int(q.get("limit"), "limit", 500)
        wait = min(as_float(q.get("wait"), "wait", 0.0), MAX_WAIT)
        include_deleted = as_bool(q.get("include_deleted", True))
        from_bot = as_bool(q.get("from_bot", False))

        def matching() -> list[Message]:
            return [
                m
                for m in chat.messages.values()
                if m.message_id > after
                and m.version > since
                and (include_deleted or not m.deleted)
                and (not from_bot or m.author_bot_id is not None)
            ]

        await wait_until(chat.notifier, matching, wait)
        found = matching()[-limit:] if limit > 0 else []
        return {
            "chat_id": chat.id,
            "version": chat.version,
            "messages": [sim_message_json(self.world, m) for m in found],
        }

    async def message(self, request: web.Request) -> Any:
        """Return one message (simulator view plus the Bot API Message)."""
        chat = self.chat(request.match_info["chat_id"], request.query.get("bot"))
        message = self.found(chat, request.match_info["message_id"])
        return {**sim_message_json(self.world, message), "api": message_json(self.world, message)}

    async def callback(self, request: web.Request) -> Any:
        """Return a callback query and its answer; `wait` waits for the answer."""
        record = self.world.callbacks.get(request.match_info["query_id"])
        if record is None:
            raise SimError(404, "callback query not found")
        wait = min(as_float(request.query.get("wait"), "wait", 0.0), MAX_WAIT)
        await wait_until(record.notifier, lambda: record.answered, wait)
        return self.callback_json(record.id)

    def callback_json(self, query_id: str) -> dict[str, Any]:
        """Return the simulator view of a callback query."""
        record = self.world.callbacks[query_id]
        return {
            "id": record.id,
            "bot_id": record.bot_id,
            "user_id": record.user_id,
            "chat_id": record.message.chat.id,
            "message_id": record.message.message_id,
            "data": record.data,
            "answered": record.answered,
            "answer": record.answer,
        }

    # --- people acting ---------------------------------------------------------------------

    def acting(self, request: web.Request, data: dict[str, Any]) -> tuple[Any, Chat]:
        """Return (user, chat) for an action body with optional chat_id and bot."""
        user = get_user(self.world, request.match_info["user_id"])
        chat_id = opt_int(data.get("chat_id"), "chat_id")
        bot = self.world.bot_by_ref(data.get("bot")) if chat_id is None or chat_id > 0 else None
        if (chat_id is None or chat_id > 0) and bot is None:
            raise SimError(404, "bot not found")
        return user, actions.target_chat(self.world, user, chat_id, bot)

    def sent(self, message: Message, updates: dict[int, int]) -> dict[str, Any]:
        """Return an action result: the new message and the update ids per bot."""
        return {
            "message": sim_message_json(self.world, message),
            "update_ids": {str(k): v for k, v in updates.items()},
        }

    async def send(self, request: web.Request) -> Any:
        """Send a message as a person."""
        data = await body(request)
        user, chat = self.acting(request, data)
        data.pop("forward_origin", None)
        return self.sent(*actions.send(self.world, user, chat, data))

    async def start(self, request: web.Request) -> Any:
        """Open a bot or a deep link: sends `/start [payload]`."""
        data = await body(request)
        user = get_user(self.world, request.match_info["user_id"])
        bot = get_bot(self.world, data.get("bot"))
        payload = data.get("payload")
        return self.sent(*actions.start(self.world, user, bot, str(payload) if payload else None))

    async def press(self, request: web.Request) -> Any:
        """Press an inline button; `wait` waits for the bot's answerCallbackQuery."""
        data = await body(request)
        user, chat = self.acting(request, data)
        message = self.found(chat, data.get("message_id"))
        result = actions.press(self.world, user, message, data)
        wait = min(as_float(data.get("wait"), "wait", 0.0), MAX_WAIT)
        if result["kind"] == "callback":
            record = self.world.callbacks[result["callback_query_id"]]
            await wait_until(record.notifier, lambda: record.answered, wait)
            result["callback"] = self.callback_json(record.id)
        return result

    async def forward(self, request: web.Request) -> Any:
        """Forward a message the person can see into a chat."""
        data = await body(request)
        user, chat = self.acting(request, data)
        from_id = as_int(data.get("from_chat_id"), "from_chat_id")
        source_chat = self.chat(from_id, data.get("bot"))
        if source_chat.type != "private" and not source_chat.is_present(user.id):
            raise SimError(403, "the user can't see that chat")
        if source_chat.type == "private" and source_chat.id != user.id:
            raise SimError(403, "the user can't see that chat")
        source = self.found(source_chat, data.get("message_id"))
        return self.sent(*actions.forward(self.world, user, source, chat))

    async def edit(self, request: web.Request) -> Any:
        """Edit a person's own text message."""
        data = await body(request)
        user, chat = self.acting(request, data)
        message = self.found(chat, data.get("message_id"))
        updates = actions.edit(self.world, user, message, str(data.get("text") or ""))
        return self.sent(message, updates)

    async def join(self, request: web.Request) -> Any:
        """Join a chat directly or through an invite link."""
        data = await body(request)
        user = get_user(self.world, request.match_info["user_id"])
        chat = self.group(data["chat_id"]) if data.get("chat_id") is not None else None
        return actions.join(self.world, user, chat, data.get("invite_link"))

    async def leave(self, request: web.Request) -> Any:
        """Leave a chat."""
        data = await body(request)
        user = get_user(self.world, request.match_info["user_id"])
        actions.leave(self.world, user, self.group(data.get("chat_id")))
        return {"status": "left"}

    async def block(self, request: web.Request) -> Any:
        """Block a bot."""
        data = await body(request)
        user = get_user(self.world, request.match_info["user_id"])
        actions.set_blocked(self.world, user, get_bot(self.world, data.get("bot")), True)
        return {"blocked": True}

    async def unblock(self, request: web.Request) -> Any:
        """Unblock a bot."""
        data = await body(request)
        user = get_user(self.world, request.match_info["user_id"])
        actions.set_blocked(self.world, user, get_bot(self.world, data.get("bot")), False)
        return {"blocked": False}
