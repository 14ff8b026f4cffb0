"""Saving the emulator's world to a JSON file and loading it back.

`kimbot demo` keeps the bot's data in Redis across runs (residents by chat id,
announcements that copy messages by chat id and message id, channel ids in a
generated config), so the emulator must come back with the same users, chats,
messages and id counters. `StateKeeper` loads the world from a state file at
start, saves it every few seconds while it changes and once more on stop.

The file is one UTF-8 JSON object:

    {"format": "kimbot-telegram-emulator-state", "format_version": 2,
     "saved_at": <unix time>,
     "whatsapp": {...},
     "world": {"version", "epoch", "next_user_id", "next_group_id", "next_supergroup_id",
               "users": [...], "bots": [...], "files": {"counter", "items": [...]},
               "chats": [...], "private_chats": [...], "callbacks": [...]}}

Version 2 added optional sections next to `world`, each saved and loaded by a
`StateSection` given to `StateKeeper` (`whatsapp`: the WhatsApp stand-in, see
whatsapp/persist.py). Version 1 files (no sections) still load; a section the running
emulator does not serve is written back unchanged.

File bytes are stored base64 inside the JSON (`data_b64`), so one atomic
rename publishes a consistent world; `WorldEncoder` reuses the JSON text of
files and of unchanged chats' messages, so saving a demo world of a few
thousand messages takes tens of milliseconds. Pending (unconfirmed) updates are kept,
as Telegram keeps them; the request log, delivery counters, rate buckets, fault
rules and chat actions (typing…) are not saved. The file is created with mode
0600 because it holds bot tokens.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import dataclasses
import functools
import json
import logging
import os
import tempfile
import time
import types
import typing
import weakref
from collections import deque
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from .content import FormattedText
from .media import FOLDER, StoredFile
from .state import (
    TOKEN_RE,
    BotAccount,
    CallbackRecord,
    Chat,
    InviteLink,
    JoinRequest,
    Member,
    Message,
    Topic,
    User,
    World,
)
from .updates import QueuedUpdate, UpdateQueue, Webhook

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

log = logging.getLogger(__name__)

FORMAT = "kimbot-telegram-emulator-state"
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)
TOP_LEVEL = frozenset({"format", "format_version", "saved_at", "world"})
DEFAULT_INTERVAL = 5.0
CHAT_TYPES = frozenset({"group", "supergroup", "channel"})

T = TypeVar("T", bound="DataclassInstance")
JSON = dict[str, Any]


class StateFormatError(ValueError):
    """The state file is not a world this version of the emulator can load."""


class StateSection(Protocol):
    """A part of the emulator saved next to the Telegram world (e.g. the WhatsApp side)."""

    def dump_state(self) -> JSON:
        """The section as JSON."""

    def load_state(self, data: Any) -> None:
        """Replace the section's state with `data` (None: empty); raise StateFormatError."""

    def state_revision(self) -> object:
        """A value that changes whenever anything saved changes."""


# --- generic dataclass <-> JSON -----------------------------------------------------------


def _plain(obj: DataclassInstance, skip: frozenset[str] = frozenset()) -> JSON:
    """Return a dataclass's fields as a dict (values are shared, not copied)."""
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj) if f.name not in skip}


@functools.cache
def _hints(cls: type[Any]) -> dict[str, Any]:
    """Return the resolved field types of a dataclass."""
    return typing.get_type_hints(cls)


def _matches(value: Any, hint: Any) -> bool:
    """Tell whether a JSON value fits a field type (JSON-representable types only)."""
    if hint is Any:
        return True
    if hint is type(None):
        return value is None
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is str:
        return isinstance(value, str)
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_matches(value, arg) for arg in args)
    if origin is dict:
        return isinstance(value, dict) and all(
            isinstance(key, str) and _matches(item, args[1]) for key, item in value.items()
        )
    if origin is list:
        return isinstance(value, list) and all(_matches(item, args[0]) for item in value)
    return False


def _build(cls: type[T], raw: Any, where: str, /, **given: Any) -> T:
    """Create a dataclass from a JSON object, checking field types.

    Fields in `given` are passed as they are; missing fields with a default get
    the default; unknown keys are ignored (they may come from a newer writer of
    the same format version).
    """
    if not isinstance(raw, dict):
        raise StateFormatError(f"{where}: expected an object")
    hints = _hints(cls)
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name in given:
            kwargs[f.name] = given[f.name]
        elif f.name in raw:
            value = raw[f.name]
            if not _matches(value, hints[f.name]):
                raise StateFormatError(f"{where}.{f.name}: unexpected value {value!r:.60}")
            if hints[f.name] is float and isinstance(value, int):
                value = float(value)
            kwargs[f.name] = value
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise StateFormatError(f"{where}: {f.name} is missing")
    return cls(**kwargs)


def _list(data: Any, key: str, where: str) -> list[Any]:
    """Return a list field of a JSON object."""
    value = data.get(key, []) if isinstance(data, dict) else None
    if not isinstance(value, list):
        raise StateFormatError(f"{where}.{key}: expected a list")
    return value


def _int(data: Any, key: str, where: str) -> int:
    """Return a required integer field of a JSON object."""
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, int) or isinstance(value, bool):
        raise StateFormatError(f"{where}.{key}: expected an integer")
    return value


# --- saving ---------------------------------------------------------------------------------

MESSAGE_SKIP = frozenset({"chat", "text", "caption", "file"})
CHAT_SKIP = frozenset(
    {"members", "messages", "topics", "invite_links", "join_requests", "action", "notifier"}
)
BOT_SKIP = frozenset({"user", "updates", "started", "blocked", "contact_until"})
QUEUE_SKIP = frozenset({"webhook", "pending", "notifier", "poll_generation"})
CALLBACK_SKIP = frozenset({"message", "notifier"})


def _dumps(value: Any) -> str:
    """Return compact JSON text."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _text_json(value: FormattedText | None) -> JSON | None:
    return None if value is None else _plain(value)


def _file_json(stored: StoredFile) -> JSON:
    out = _plain(stored, frozenset({"data"}))
    out["data_b64"] = None if stored.data is None else base64.b64encode(stored.data).decode()
    return out


def _message_json(message: Message) -> JSON:
    out = _plain(message, MESSAGE_SKIP)
    out["text"] = _text_json(message.text)
    out["caption"] = _text_json(message.caption)
    out["file_id"] = message.file.file_id if message.file is not None else None
    return out


def _chat_head(chat: Chat) -> JSON:
    """Return a chat without its messages."""
    out = _plain(chat, CHAT_SKIP)
    out["members"] = [_plain(m) for m in chat.members.values()]
    out["topics"] = [_plain(t) for t in chat.topics.values()]
    out["invite_links"] = [_plain(link) for link in chat.invite_links.values()]
    out["join_requests"] = [_plain(r) for r in chat.join_requests.values()]
    return out


def _messages_json(chat: Chat) -> list[JSON]:
    return [_message_json(m) for m in chat.messages.values()]


def _bot_json(bot: BotAccount) -> JSON:
    queue = bot.updates
    out = _plain(bot, BOT_SKIP)
    out["user"] = _plain(bot.user)
    out["started"] = sorted(bot.started)
    out["blocked"] = sorted(bot.blocked)
    out["contact_until"] = [[user_id, until] for user_id, until in bot.contact_until.items()]
    out["updates"] = {
        **_plain(queue, QUEUE_SKIP),
        "webhook": None if queue.webhook is None else _plain(queue.webhook),
        "pending": [_plain(update) for update in queue.pending],
    }
    return out


def _callback_json(record: CallbackRecord) -> JSON:
    out = _plain(record, CALLBACK_SKIP)
    message = record.message
    out["message"] = {
        "chat_id": message.chat.id,
        "bot_id": message.chat.bot_id,
        "message_id": message.message_id,
    }
    return out


def _all_files(world: World) -> list[StoredFile]:
    """Return every stored file, including any a message holds that the store forgot."""
    files = {stored.file_id: stored for stored in world.files.by_id.values()}
    for chat in [*world.chats.values(), *world.private.values()]:
        for message in chat.messages.values():
            if message.file is not None:
                files.setdefault(message.file.file_id, message.file)
    return list(files.values())


def _head(world: World) -> tuple[JSON, JSON]:
    """Return the document and its world without files, chats and private chats."""
    inner: JSON = {
        "version": world.version,
        "epoch": world.epoch,
        "next_user_id": world.next_user_id,
        "next_group_id": world.next_group_id,
        "next_supergroup_id": world.next_supergroup_id,
        "users": [_plain(user) for user in world.users.values()],
        "bots": [_bot_json(bot) for bot in world.bots.values()],
        "callbacks": [_callback_json(record) for record in world.callbacks.values()],
    }
    outer: JSON = {"format": FORMAT, "format_version": FORMAT_VERSION, "saved_at": int(time.time())}
    return outer, inner


def dump_world(world: World) -> JSON:
    """Return the whole world as the JSON document of a state file."""
    outer, inner = _head(world)
    inner["files"] = {
        "counter": world.files.counter,
        "items": [_file_json(stored) for stored in _all_files(world)],
    }
    inner["chats"] = [
        {**_chat_head(chat), "messages": _messages_json(chat)} for chat in world.chats.values()
    ]
    inner["private_chats"] = [
        {**_chat_head(chat), "messages": _messages_json(chat)} for chat in world.private.values()
    ]
    outer["world"] = inner
    return outer


class WorldEncoder:
    """Serialises the world to state-file bytes, reusing JSON text that cannot have changed.

    A chat's messages change only together with the chat's version, and a
    stored file never changes, so their JSON text is cached (by chat object and
    version, and by file id). The result equals `json.dumps(dump_world(world))`
    up to key order.
    """

    def __init__(self) -> None:
        self._messages: weakref.WeakKeyDictionary[Chat, tuple[int, str]] = (
            weakref.WeakKeyDictionary()
        )
        self._files: dict[str, str] = {}

    def _chat(self, chat: Chat) -> str:
        cached = self._messages.get(chat)
        if cached is None or cached[0] != chat.version:
            cached = (chat.version, _dumps(_messages_json(chat)))
            self._messages[chat] = cached
        return f'{_dumps(_chat_head(chat))[:-1]},"messages":{cached[1]}}}'

    def encode(self, world: World, sections: Mapping[str, Any] | None = None) -> bytes:
        """Return the bytes of a state file for the world (and sections next to it)."""
        files: dict[str, str] = {}
        for stored in _all_files(world):
            files[stored.file_id] = self._files.get(stored.file_id) or _dumps(_file_json(stored))
        self._files = files
        chats = ",".join(self._chat(chat) for chat in world.chats.values())
        private = ",".join(self._chat(chat) for chat in world.private.values())
        outer, inner = _head(world)
        outer.update(sections or {})
        inner_text = (
            f'{_dumps(inner)[:-1]},"files":{{"counter":{world.files.counter},'
            f'"items":[{",".join(files.values())}]}},'
            f'"chats":[{chats}],"private_chats":[{private}]}}'
        )
        return f'{_dumps(outer)[:-1]},"world":{inner_text}}}'.encode()


def write_atomic(path: Path, data: bytes) -> None:
    """Write a file atomically: temp file in the same directory, fsync, os.replace."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


# --- loading --------------------------------------------------------------------------------


def _text_from(data: Any, where: str) -> FormattedText | None:
    return None if data is None else _build(FormattedText, data, where)


def _file_from(data: Any, where: str) -> StoredFile:
    stored = _build(StoredFile, data, where, data=None)
    if stored.kind not in FOLDER:
        raise StateFormatError(f"{where}: unknown file kind {stored.kind!r}")
    raw = data.get("data_b64")
    if raw is not None:
        if not isinstance(raw, str):
            raise StateFormatError(f"{where}.data_b64: expected base64 text")
        try:
            stored.data = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise StateFormatError(f"{where}.data_b64: invalid base64") from None
    return stored


def _chat_from(data: Any, where: str, files: dict[str, StoredFile]) -> Chat:
    chat = _build(
        Chat, data, where, members={}, messages={}, topics={}, invite_links={}, join_requests={}
    )
    for i, raw in enumerate(_list(data, "members", where)):
        member = _build(Member, raw, f"{where}.members[{i}]")
        chat.members[member.user_id] = member
    for i, raw in enumerate(_list(data, "topics", where)):
        topic = _build(Topic, raw, f"{where}.topics[{i}]")
        chat.topics[topic.thread_id] = topic
    for i, raw in enumerate(_list(data, "invite_links", where)):
        link = _build(InviteLink, raw, f"{where}.invite_links[{i}]")
        chat.invite_links[link.link] = link
    for i, raw in enumerate(_list(data, "join_requests", where)):
        request = _build(JoinRequest, raw, f"{where}.join_requests[{i}]")
        chat.join_requests[request.user_id] = request
    for i, raw in enumerate(_list(data, "messages", where)):
        here = f"{where}.messages[{i}]"
        file_id = raw.get("file_id") if isinstance(raw, dict) else None
        stored = None
        if file_id is not None:
            stored = files.get(file_id) if isinstance(file_id, str) else None
            if stored is None:
                raise StateFormatError(f"{here}: unknown file {file_id!r}")
        message = _build(
            Message,
            raw,
            here,
            chat=chat,
            text=_text_from(raw.get("text"), f"{here}.text"),
            caption=_text_from(raw.get("caption"), f"{here}.caption"),
            file=stored,
        )
        if message.message_id >= chat.next_message_id:
            raise StateFormatError(f"{here}: message id is not below next_message_id")
        chat.messages[message.message_id] = message
    return chat


def _bot_from(data: Any, where: str) -> BotAccount:
    user = _build(User, data.get("user") if isinstance(data, dict) else None, f"{where}.user")
    raw_queue = data.get("updates")
    queue = _build(UpdateQueue, raw_queue, f"{where}.updates", webhook=None, pending=deque())
    if raw_queue.get("webhook") is not None:
        queue.webhook = _build(Webhook, raw_queue["webhook"], f"{where}.updates.webhook")
    for i, raw in enumerate(_list(raw_queue, "pending", f"{where}.updates")):
        queue.pending.append(_build(QueuedUpdate, raw, f"{where}.updates.pending[{i}]"))
    contact: dict[int, float] = {}
    for pair in _list(data, "contact_until", where):
        if not _matches(pair, list[int | float]) or len(pair) != 2:
            raise StateFormatError(f"{where}.contact_until: expected [user_id, time] pairs")
        contact[int(pair[0])] = float(pair[1])
    started, blocked = _list(data, "started", where), _list(data, "blocked", where)
    if not _matches(started, list[int]) or not _matches(blocked, list[int]):
        raise StateFormatError(f"{where}: started and blocked must be lists of user ids")
    bot = _build(
        BotAccount,
        data,
        where,
        user=user,
        updates=queue,
        started=set(started),
        blocked=set(blocked),
        contact_until=contact,
    )
    match = TOKEN_RE.match(bot.token)
    if match is None or int(match.group(1)) != user.id or not user.is_bot:
        raise StateFormatError(f"{where}: token does not belong to bot {user.id}")
    return bot


def world_from_json(document: Any) -> World:
    """Build a World from a parsed state file, or raise StateFormatError."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise StateFormatError("not an emulator state file")
    version = document.get("format_version")
    if version not in READABLE_VERSIONS:
        raise StateFormatError(
            f"format version {version!r} is not supported (this emulator reads "
            f"{', '.join(map(str, READABLE_VERSIONS))})"
        )
    data = document.get("world")
    if not isinstance(data, dict):
        raise StateFormatError("world: expected an object")
    world = World()
    world.version = _int(data, "version", "world")
    world.epoch = _int(data, "epoch", "world")
    world.next_user_id = _int(data, "next_user_id", "world")
    world.next_group_id = _int(data, "next_group_id", "world")
    world.next_supergroup_id = _int(data, "next_supergroup_id", "world")
    for i, raw in enumerate(_list(data, "users", "world")):
        user = _build(User, raw, f"world.users[{i}]")
        world.users[user.id] = user
    for i, raw in enumerate(_list(data, "bots", "world")):
        bot = _bot_from(raw, f"world.bots[{i}]")
        if bot.id in world.bots or bot.id in world.users:
            raise StateFormatError(f"world.bots[{i}]: id {bot.id} is used twice")
        world.bots[bot.id] = bot
        world.tokens[bot.token] = bot
    raw_files = data.get("files")
    world.files.counter = _int(raw_files, "counter", "world.files")
    for i, raw in enumerate(_list(raw_files, "items", "world.files")):
        stored = _file_from(raw, f"world.files.items[{i}]")
        world.files.by_id[stored.file_id] = stored
        if stored.file_path is not None:
            world.files.by_path[stored.file_path] = stored
    for i, raw in enumerate(_list(data, "chats", "world")):
        chat = _chat_from(raw, f"world.chats[{i}]", world.files.by_id)
        if chat.type not in CHAT_TYPES or chat.id >= 0:
            raise StateFormatError(f"world.chats[{i}]: not a group, supergroup or channel")
        world.chats[chat.id] = chat
    for i, raw in enumerate(_list(data, "private_chats", "world")):
        chat = _chat_from(raw, f"world.private_chats[{i}]", world.files.by_id)
        if chat.type != "private" or chat.bot_id not in world.bots:
            raise StateFormatError(f"world.private_chats[{i}]: not a dialog with a known bot")
        world.private[(chat.bot_id, chat.id)] = chat
    for i, raw in enumerate(_list(data, "callbacks", "world")):
        where = f"world.callbacks[{i}]"
        ref = raw.get("message") if isinstance(raw, dict) else None
        if not isinstance(ref, dict):
            raise StateFormatError(f"{where}.message: expected an object")
        chat_id, message_id = _int(ref, "chat_id", where), _int(ref, "message_id", where)
        if chat_id > 0:
            owner = world.private.get((_int(ref, "bot_id", where), chat_id))
        else:
            owner = world.chats.get(chat_id)
        message = owner.messages.get(message_id) if owner is not None else None
        if message is None:
            raise StateFormatError(f"{where}: message {chat_id}/{message_id} not found")
        record = _build(CallbackRecord, raw, where, message=message)
        world.callbacks[record.id] = record
    return world


def parse_document(raw: bytes) -> tuple[World, JSON]:
    """Parse a state file into its World and its other top-level sections (by name)."""
    try:
        document = json.loads(raw)
    except ValueError as exc:
        raise StateFormatError(f"invalid JSON: {exc}") from None
    try:
        world = world_from_json(document)
    except StateFormatError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise StateFormatError(f"{exc.__class__.__name__}: {exc}") from None
    return world, {key: value for key, value in document.items() if key not in TOP_LEVEL}


def parse_state(raw: bytes) -> World:
    """Parse the bytes of a state file into a World, or raise StateFormatError."""
    return parse_document(raw)[0]


def quarantine(path: Path) -> Path:
    """Move an unusable state file aside to `<name>.corrupt-<timestamp>` and return the new path."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    counter = 1
    while target.exists():
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{counter}")
        counter += 1
    os.replace(path, target)
    return target


def revision(world: World) -> tuple[object, ...]:
    """Return a cheap fingerprint that changes whenever saved state changes.

    `world.version` grows with users and chats, chat versions with messages;
    update counters, pending updates, files, callbacks and bot settings are
    covered separately because they change without either.
    """
    chats = [*world.chats.values(), *world.private.values()]
    bots = tuple(
        (
            bot.id,
            bot.token,
            bot.can_read_all_group_messages,
            bot.user.username,
            bot.updates.last_id,
            len(bot.updates.pending),
            bot.updates.pending[0].update_id if bot.updates.pending else 0,
            tuple(bot.updates.allowed) if bot.updates.allowed is not None else None,
            None if bot.updates.webhook is None else tuple(_plain(bot.updates.webhook).values()),
            len(bot.started),
            len(bot.blocked),
            json.dumps([bot.commands, bot.settings], sort_keys=True, default=str),
        )
        for bot in world.bots.values()
    )
    return (
        world.epoch,
        world.version,
        len(chats),
        sum(chat.version for chat in chats),
        world.files.counter,
        len(world.files.by_id),
        len(world.callbacks),
        bots,
    )


class StateKeeper:
    """Loads the world from a state file and keeps the file up to date."""

    def __init__(
        self,
        path: str | Path,
        interval: float = DEFAULT_INTERVAL,
        sections: Mapping[str, StateSection] | None = None,
    ) -> None:
        self.path = Path(path)
        self.interval = interval
        self.sections = dict(sections or {})
        self.foreign: JSON = {}
        self.world = World()
        self.loaded = False
        self.quarantined: Path | None = None
        self._saved: tuple[object, ...] | None = None
        self._encoder = WorldEncoder()
        self._lock = asyncio.Lock()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def load(self) -> World:
        """Load the world from the file; a missing file or an unusable one gives an empty world.

        An unusable file (not JSON, another format version, inconsistent data)
        is moved aside to `<name>.corrupt-<timestamp>` with a warning.
        """
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            self.world = World()
            self._load_sections({})
        else:
            try:
                self.world, extra = parse_document(raw)
                self._load_sections(extra)
                self.loaded = True
            except StateFormatError as exc:
                self.quarantined = quarantine(self.path)
                log.warning(
                    "emulator state file %s is unusable (%s); moved it to %s and starting empty",
                    self.path,
                    exc,
                    self.quarantined,
                )
                self.world = World()
                self._load_sections({})
        self._saved = self.revision()
        return self.world

    def _load_sections(self, extra: JSON) -> None:
        """Hand each registered section its data; keep the others to write them back."""
        for name, section in self.sections.items():
            try:
                section.load_state(extra.get(name))
            except StateFormatError:
                raise
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise StateFormatError(f"{name}: {exc.__class__.__name__}: {exc}") from None
        self.foreign = {k: v for k, v in extra.items() if k not in self.sections}

    def revision(self) -> tuple[object, ...]:
        """The fingerprint of the world and every section."""
        parts = tuple(section.state_revision() for section in self.sections.values())
        return (revision(self.world), parts)

    @property
    def dirty(self) -> bool:
        """Tell whether the world changed since it was last loaded or saved."""
        return self._saved != self.revision()

    async def save(self, *, force: bool = False) -> bool:
        """Write the world to the file if it changed (or always with force); True if written."""
        async with self._lock:
            current = self.revision()
            if not force and current == self._saved and self.path.exists():
                return False
            sections = dict(self.foreign)
            sections.update({name: s.dump_state() for name, s in self.sections.items()})
            data = self._encoder.encode(self.world, sections)
            await asyncio.to_thread(write_atomic, self.path, data)
            self._saved = current
            return True

    def start(self) -> None:
        """Start saving every `interval` seconds while the world changes."""
        if self._task is None or self._task.done():
            self._stopping = asyncio.Event()
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Stop periodic saving and save a last time if anything changed."""
        task, self._task = self._task, None
        if task is not None:
            self._stopping.set()
            await task
        try:
            await self.save()
        except (OSError, TypeError, ValueError):
            log.exception("could not save the emulator state to %s", self.path)

    async def _run(self) -> None:
        while True:
            try:
                await asyncio.wait_for(self._stopping.wait(), self.interval)
            except TimeoutError:
                pass
            else:
                return
            if not self.dirty:
                continue
            try:
                await self.save()
            except Exception:  # keep saving later; the next tick may succeed
                log.exception("could not save the emulator state to %s", self.path)
