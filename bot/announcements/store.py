"""Announcements (broadcasts): what an admin sends, to whom, and how far delivery got.

Redis keys (all owned here):
- `kim:bc:seq` — counter of announcement ids.
- `kim:bc:{id}` — hash: state, admin, text, media, origin, origin_message, targets
  (JSON list), created_at, scheduled_at, approved_by, started_at, finished_at, audience,
  channels, progress_chat, progress_message, note, resume_at, poll, purpose,
  `ref:{platform}` — a channel's own reference to the content (an uploaded file's id),
  kept for that channel — and, for an early warning's delivery, alert (the alert's id)
  and audience_set.
- `kim:bc:{id}:ledger` — hash recipient → outcome: `s` sent, `b` blocked/gone,
  `f:<reason>` failed. Written with HSETNX: a recipient's first outcome stands, so a
  retried, resumed or duplicated batch never sends twice to someone marked sent.
- `kim:bc:{id}:counts` — hash: sent, blocked, failed (incremented only with a new outcome).
- `kim:bc:index` — sorted set: id → created_at.
- `kim:tmp:{random}` — a scratch union while counting a reach, deleted in its transaction.
The recipient plan (every recipient in sending order, channels first; batches are index
ranges of it) is kept by `bot/announcements/planning.py`. Plans and ledgers expire
`LEDGER_DAYS` after the announcement finishes.

The content is channel-neutral: text, an optional media reference (`path:<file>` from the
operator, or `<platform>:<kind>:<id>` held by the channel it came from), and the message it
was composed as (`origin`), which that channel may copy natively to keep its formatting.

An early warning's delivery (bot/alerts/delivery.py) is an announcement too, with `alert`
set: its text is rendered per recipient, it goes ahead of all bulk, and its plan holds
the residents of its villages and of its `audience_set` (a set the alerts own: those who
got the alert an Update or Cancel changes), never the channels.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from redis.client import Pipeline

from bot.announcements.planning import Plans
from bot.announcements.roles import KOMUNITAS
from bot.platform.addresses import Address, AddressError
from bot.platform.config import Config
from bot.platform.store import Redis
from bot.polls.store import Polls
from bot.residents.records import komunitas_audience_key, record_key, village_audience_key

VILLAGE_AUDIENCE = village_audience_key("")  # the prefix every village's set has
COUNT_PAGE = 1_000  # komunitas members read, and looked up in the villages, per round trip

State = Literal[
    "awaiting_approval", "scheduled", "queued", "sending", "done", "cancelled", "rejected"
]
OPEN_STATES: tuple[State, ...] = ("awaiting_approval", "scheduled", "queued", "sending")
# What an announcement carries besides an admin's message: a poll (bot/polls), a reminder
# of it to those who have not answered, or its results to those who did.
Purpose = Literal["", "poll", "reminder", "results"]
POLL_PURPOSES: tuple[Purpose, ...] = ("poll", "reminder", "results")
LEDGER_DAYS = 30
SENT, BLOCKED = "s", "b"
ERASED = "erased:"  # tombstone prefix for a resident who deleted their data
INDEX = "kim:bc:index"

# KEYS: [1] the announcement hash
# ARGV: [1] new state, [2..] states it may move from; then field/value pairs after "--"
# Returns 1 if moved, 0 if the announcement was in another state (or does not exist).
_MOVE = """
local current = redis.call('HGET', KEYS[1], 'state')
if not current then return 0 end
local i = 2
local allowed = false
while ARGV[i] ~= '--' do
  if ARGV[i] == current then allowed = true end
  i = i + 1
end
if not allowed then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[1])
i = i + 1
while ARGV[i] do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  i = i + 2
end
return 1
"""

# KEYS: [1] the ledger, [2] the counts, then per outcome the resident's record key (a
#       channel's outcome names the announcement's hash: it exists while it is sent)
# ARGV: recipient, outcome code, counts field — repeated for each outcome
# Returns how many recipients had no outcome yet. One round trip for a whole flush, and
# atomic: a worker killed in the middle never leaves outcomes recorded but not counted.
# A resident whose record is gone erased their data meanwhile: their outcome is dropped,
# so no address is written back into a ledger the erasure already anonymised.
_RECORD = """
local new = 0
local n = 0
for i = 1, #ARGV, 3 do
  n = n + 1
  if redis.call('EXISTS', KEYS[2 + n]) == 1
      and redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1]) == 1 then
    redis.call('HINCRBY', KEYS[2], ARGV[i + 2], 1)
    new = new + 1
  end
end
return new
"""

# KEYS: [1] the announcement hash   ARGV: [1] until (s)
# Keeps the later of the stored and the given `resume_at`, atomically.
_DEFER = """
local current = tonumber(redis.call('HGET', KEYS[1], 'resume_at') or '0')
if tonumber(ARGV[1]) > current then redis.call('HSET', KEYS[1], 'resume_at', ARGV[1]) end
return 1
"""


@dataclass
class Announcement:
    """One broadcast."""

    id: str
    state: State
    admin: Address | None  # None: the operator, from the command line
    targets: list[str]
    created_at: float
    text: str = ""
    media: str = ""  # "path:<file>" or "<platform>:<kind>:<id>"
    origin: Address | None = None  # the admin's message, copied natively by its channel
    origin_message: int = 0
    scheduled_at: float | None = None
    approved_by: str = ""
    started_at: float | None = None
    finished_at: float | None = None
    audience: int = 0
    channels: int = 0
    planned: bool = False  # the recipient plan is complete (audience and channels are set)
    progress_chat: Address | None = None
    progress_message: int = 0
    note: str = ""
    resume_at: float = 0.0  # recipients deferred by a channel's limit wait until then
    refs: dict[str, str] = field(default_factory=dict)  # platform → the channel's reference
    counts: dict[str, int] = field(default_factory=dict)
    poll: str = ""  # the poll it carries (with `purpose`), "" for none
    purpose: Purpose = ""
    alert: str = ""  # an early warning's id: a priority delivery rendered per recipient
    audience_set: str = ""  # a set of further recipients (an alert's earlier recipients)

    @property
    def total(self) -> int:
        """Every planned recipient, channels included."""
        return self.audience + self.channels

    @property
    def done_count(self) -> int:
        """Recipients with an outcome."""
        return sum(self.counts.get(k, 0) for k in ("sent", "blocked", "failed"))


@dataclass(frozen=True)
class Summary:
    """An announcement's figures without its content or admin (for dashboards)."""

    id: str
    state: str
    targets: tuple[str, ...]
    created_at: float
    audience: int
    channels: int
    counts: dict[str, int]


@dataclass(frozen=True)
class Outcome:
    """What happened to one recipient."""

    recipient: str
    code: str  # SENT, BLOCKED or "f:<reason>"


def _record_check_key(recipient: str, announcement: str) -> str:
    """What must exist for `recipient`'s outcome to be written: a person's record; for a
    channel, the announcement itself (never the ledger, which the first outcome creates)."""
    try:
        address = Address.parse(recipient)
    except AddressError:
        return announcement
    return record_key(address) if address.is_private else announcement


def _bucket(code: str) -> str:
    return "sent" if code == SENT else "blocked" if code == BLOCKED else "failed"


class Announcements:
    """The announcement store."""

    section = "deliveries"

    def __init__(self, redis: Redis, config: Config) -> None:
        self.redis = redis
        self.config = config
        self._move = redis.register_script(_MOVE)
        self._record = redis.register_script(_RECORD)
        self._defer = redis.register_script(_DEFER)
        self.plans = Plans(redis)

    # -- audience ------------------------------------------------------------------

    def villages_of(self, targets: Iterable[str]) -> list[str]:
        """The kelurahan/desa codes the region targets cover (komunitas cover none)."""
        found: set[str] = set()
        for target in targets:
            if target.startswith(KOMUNITAS):
                continue
            for kec in self.config.regions.kecamatan:
                for village in kec.villages:
                    if village.code == target or village.code.startswith(target + "."):
                        found.add(village.code)
        return sorted(found)

    def audience_keys(self, targets: Iterable[str]) -> list[str]:
        """The audience sets behind a list of targets (villages of a kecamatan or city)."""
        targets = list(targets)
        keys = [village_audience_key(v) for v in self.villages_of(targets)]
        keys += [
            komunitas_audience_key(t.removeprefix(KOMUNITAS))
            for t in targets
            if t.startswith(KOMUNITAS)
        ]
        return sorted(set(keys))

    def channel_chats(self, targets: Iterable[str]) -> list[str]:
        """Configured channels/groups of the targets themselves (one post each)."""
        chats: list[str] = []
        for target in targets:
            if target.startswith(KOMUNITAS):
                kom = self.config.komunitas_by_slug(target.removeprefix(KOMUNITAS))
                chat_id = kom.chat.chat_id if kom else None
            else:
                chat = self.config.channels.get(target)
                chat_id = chat.chat_id if chat else None
                if chat_id is None:  # a kecamatan or city target also posts in its villages' chats
                    for code, village_chat in self.config.channels.items():
                        if code.startswith(target + ".") and village_chat.chat_id is not None:
                            chats.append(str(Address.telegram(village_chat.chat_id)))
            if chat_id is not None:
                chats.append(str(Address.telegram(chat_id)))
        return sorted(set(chats))

    def count_audience(self, targets: list[str]) -> int:
        """How many distinct residents the targets reach now, without a command that grows
        with the audience: a resident is in one village's set only (bot/residents/records.py
        moves them), so the villages' sizes add up; komunitas members are read in pages of
        `COUNT_PAGE` and counted unless a targeted village holds them already. A resident a
        racing move left in two villages' sets is counted twice here (the plan names them
        once): the reach shown may then be one too high."""
        keys = self.audience_keys(targets)
        villages = [k for k in keys if k.startswith(VILLAGE_AUDIENCE)]
        komunitas = [k for k in keys if not k.startswith(VILLAGE_AUDIENCE)]
        pipe = self.redis.pipeline(transaction=False)
        for key in villages:
            pipe.scard(key)
        total = sum(int(n) for n in pipe.execute())
        members = sorted(
            {str(m) for key in komunitas for m in self.redis.sscan_iter(key, count=COUNT_PAGE)}
        )
        for start in range(0, len(members), COUNT_PAGE):
            page = members[start : start + COUNT_PAGE]
            pipe = self.redis.pipeline(transaction=False)
            for key in villages:
                pipe.smismember(key, page)
            found = pipe.execute()
            total += sum(1 for i in range(len(page)) if not any(f[i] for f in found))
        return total

    # -- lifecycle -----------------------------------------------------------------

    def create(
        self,
        admin: Address | None,
        targets: list[str],
        now: float,
        *,
        text: str = "",
        media: str = "",
        origin: Address | None = None,
        origin_message: int = 0,
        scheduled_at: float | None = None,
        needs_approval: bool = False,
        poll: str = "",
        purpose: Purpose = "",
        alert: str = "",
        audience_set: str = "",
    ) -> Announcement:
        """Record a new announcement, waiting for approval, scheduled or queued; one that
        carries a poll names it and its `purpose`."""
        number = int(self.redis.incr("kim:bc:seq"))
        state: State = (
            "awaiting_approval" if needs_approval else "scheduled" if scheduled_at else "queued"
        )
        record: dict[Any, Any] = {
            "state": state,
            "admin": str(admin) if admin else "",
            "targets": json.dumps(targets),
            "created_at": repr(now),
            "origin": str(origin) if origin else "",
            "origin_message": str(origin_message),
            "text": text,
            "media": media,
            "scheduled_at": repr(scheduled_at) if scheduled_at else "",
            "poll": poll,
            "purpose": purpose,
        }
        if alert:
            record.update(alert=alert, audience_set=audience_set)
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(f"kim:bc:{number}", mapping=record)
        pipe.zadd(INDEX, {str(number): now})
        pipe.execute()
        found = self.get(str(number))
        if found is None:
            raise LookupError(f"announcement {number} vanished right after it was stored")
        return found

    def get(self, announcement_id: str) -> Announcement | None:
        """An announcement by id, or None."""
        if not announcement_id.isdigit():
            return None
        pipe = self.redis.pipeline(transaction=False)
        pipe.hgetall(f"kim:bc:{announcement_id}")
        pipe.hgetall(f"kim:bc:{announcement_id}:counts")
        raw, counts = pipe.execute()
        if not raw:
            return None

        def number(name: str) -> float | None:
            return float(raw[name]) if raw.get(name) else None

        return Announcement(
            id=announcement_id,
            state=raw["state"],
            admin=Address.parse(raw["admin"]) if raw.get("admin") else None,
            targets=json.loads(raw.get("targets", "[]")),
            created_at=float(raw["created_at"]),
            text=raw.get("text", ""),
            media=raw.get("media", ""),
            origin=Address.parse(raw["origin"]) if raw.get("origin") else None,
            origin_message=int(raw.get("origin_message") or 0),
            scheduled_at=number("scheduled_at"),
            approved_by=raw.get("approved_by", ""),
            started_at=number("started_at"),
            finished_at=number("finished_at"),
            audience=int(raw.get("audience") or 0),
            channels=int(raw.get("channels") or 0),
            planned="audience" in raw,
            progress_chat=Address.parse(raw["progress_chat"]) if raw.get("progress_chat") else None,
            progress_message=int(raw.get("progress_message") or 0),
            note=raw.get("note", ""),
            resume_at=float(raw.get("resume_at") or 0),
            refs={k[4:]: v for k, v in raw.items() if k.startswith("ref:")},
            counts={k: int(v) for k, v in counts.items()},
            poll=raw.get("poll", ""),
            purpose=cast(Purpose, raw.get("purpose", "")),
            alert=raw.get("alert", ""),
            audience_set=raw.get("audience_set", ""),
        )

    def move(
        self, announcement_id: str, to: State, allowed: Iterable[State], **fields: Any
    ) -> bool:
        """Change state atomically if the current state is one of `allowed`."""
        args: list[Any] = [to, *allowed, "--"]
        for key, value in fields.items():
            args += [key, value if isinstance(value, str) else repr(value)]
        return bool(self._move(keys=[f"kim:bc:{announcement_id}"], args=args))

    def set_progress_message(self, announcement_id: str, chat: Address, message_id: int) -> None:
        """Remember which message shows the admin the progress."""
        self.redis.hset(
            f"kim:bc:{announcement_id}",
            mapping={"progress_chat": str(chat), "progress_message": str(message_id)},
        )

    def set_ref(self, announcement_id: str, platform: str, ref: str) -> None:
        """Keep a channel's own reference to the content (its id of an uploaded file)."""
        self.redis.hset(f"kim:bc:{announcement_id}", f"ref:{platform}", ref)

    def set_note(self, announcement_id: str, note: str) -> None:
        """A line for the admin's progress report (why part of it waits)."""
        self.redis.hset(f"kim:bc:{announcement_id}", "note", note)

    def defer(self, announcement_id: str, until: float) -> None:
        """Deferred recipients wait until `until` (the latest of all deferrals counts);
        the watch job does not mistake their batches for lost ones meanwhile."""
        self._defer(keys=[f"kim:bc:{announcement_id}"], args=[repr(until)])

    def ids(self) -> list[str]:
        """Every stored announcement's id, oldest first (for the personal-data owners)."""
        return [str(i) for i in self.redis.zrange(INDEX, 0, -1)]

    def since(self, start: float) -> list[Summary]:
        """Announcements created since `start`, newest first (two reads each, pipelined)."""
        ids = [str(i) for i in self.redis.zrevrangebyscore(INDEX, "+inf", start)]
        pipe = self.redis.pipeline(transaction=False)
        for announcement_id in ids:
            pipe.hmget(
                f"kim:bc:{announcement_id}",
                ["state", "targets", "created_at", "audience", "channels"],
            )
            pipe.hgetall(f"kim:bc:{announcement_id}:counts")
        raw = pipe.execute()
        found = []
        for n, announcement_id in enumerate(ids):
            (state, targets, created, audience, channels), counts = raw[2 * n], raw[2 * n + 1]
            if not state:
                continue
            try:
                found.append(
                    Summary(
                        id=announcement_id,
                        state=str(state),
                        targets=tuple(str(t) for t in json.loads(targets or "[]")),
                        created_at=float(created or 0),
                        audience=int(audience or 0),
                        channels=int(channels or 0),
                        counts={str(k): int(v) for k, v in counts.items()},
                    )
                )
            except (ValueError, TypeError):
                continue  # a damaged record: left out of the figures
        return found

    def owners_and_targets(self) -> list[tuple[str, Address | None, list[str]]]:
        """(id, admin, targets) of every announcement, newest first: one pipelined read of
        two fields each, to pick those a viewer may see before reading them whole."""
        ids = [str(i) for i in self.redis.zrevrange(INDEX, 0, -1)]
        pipe = self.redis.pipeline(transaction=False)
        for announcement_id in ids:
            pipe.hmget(f"kim:bc:{announcement_id}", ["admin", "targets"])
        found: list[tuple[str, Address | None, list[str]]] = []
        for announcement_id, (admin, targets) in zip(ids, pipe.execute(), strict=True):
            if targets is None:  # gone meanwhile
                continue
            owner = Address.parse(admin) if admin else None
            found.append((announcement_id, owner, json.loads(targets)))
        return found

    def recent(self, limit: int = 10) -> list[Announcement]:
        """The newest announcements, newest first."""
        ids = self.redis.zrevrange(INDEX, 0, limit - 1)
        return [a for a in (self.get(str(i)) for i in ids) if a is not None]

    # -- planning and the ledger ---------------------------------------------------

    def plan(self, announcement_id: str, meanwhile: Callable[[int], None] | None = None) -> int:
        """Fix the recipient list (channels, then residents) and return its length.

        Redis builds it in bounded steps (`bot/announcements/planning.py`), calling
        `meanwhile(planned)` while each runs. Planning twice keeps the first plan, and a
        plan left half-made by a killed worker is completed from where it stopped: a
        resumed broadcast sends to the same list.
        """
        key = f"kim:bc:{announcement_id}"
        raw = self.redis.hmget(key, ["audience", "channels"])
        if raw[0] is not None:
            return int(str(raw[0])) + int(str(raw[1] or 0))
        found = self.get(announcement_id)
        if found is None:
            raise LookupError(announcement_id)
        keys, channels, exclude = self._plan_sources(found)
        planned = self.plans.build(announcement_id, keys, channels, meanwhile, exclude)
        audience = planned.recipients - planned.channels
        self.redis.hset(key, mapping={"audience": audience, "channels": planned.channels})
        return planned.recipients

    def _plan_sources(self, ann: Announcement) -> tuple[list[str], list[str], list[str]]:
        """(audience sets, channels, sets of residents to leave out) of the plan: a poll
        goes to the residents of its targets (never channels: a press there names no
        subscriber), its reminder to those of them who have not answered, its results to
        its respondents; an early warning to the residents of its villages and to those
        its `audience_set` names (who got the alert it updates or cancels)."""
        if ann.purpose == "results":
            return Polls(self.redis).respondent_keys(ann.poll), [], []
        keys = self.audience_keys(ann.targets)
        if ann.purpose == "reminder":
            return keys, [], Polls(self.redis).respondent_keys(ann.poll)
        if ann.purpose == "poll":
            return keys, [], []
        if ann.alert:  # an early warning: residents only, and those reached before
            return keys + ([ann.audience_set] if ann.audience_set else []), [], []
        return keys, self.channel_chats(ann.targets), []

    def recipients(self, announcement_id: str, start: int, stop: int) -> list[str]:
        """Recipients `start`..`stop - 1` of the plan."""
        return self.plans.read(announcement_id, start, stop)

    def addresses(self, announcement_id: str, start: int, stop: int) -> list[Address]:
        """Recipients `start`..`stop - 1` of the plan as addresses, erased residents left out."""
        return [
            Address.parse(r)
            for r in self.recipients(announcement_id, start, stop)
            if not r.startswith(ERASED)
        ]

    def pending(self, announcement_id: str, recipients: list[str]) -> list[str]:
        """Those of `recipients` with no outcome yet."""
        if not recipients:
            return []
        outcomes = self.redis.hmget(f"kim:bc:{announcement_id}:ledger", recipients)
        return [r for r, o in zip(recipients, outcomes, strict=True) if o is None]

    def record(self, announcement_id: str, outcomes: list[Outcome]) -> int:
        """Write outcomes; only a recipient's first outcome counts. Returns how many were new."""
        if not outcomes:
            return 0
        ledger = f"kim:bc:{announcement_id}:ledger"
        keys = [ledger, f"kim:bc:{announcement_id}:counts"]
        args: list[str] = []
        for outcome in outcomes:
            args += [outcome.recipient, outcome.code, _bucket(outcome.code)]
            keys.append(_record_check_key(outcome.recipient, f"kim:bc:{announcement_id}"))
        return int(self._record(keys=keys, args=args))

    def reached(self, announcement_id: str) -> list[str]:
        """The recipients it was sent to (outcome `sent`), from the whole ledger."""
        return [
            str(recipient)
            for recipient, code in self.redis.hscan_iter(
                f"kim:bc:{announcement_id}:ledger", count=1000
            )
            if code == SENT
        ]

    def correct(self, announcement_id: str, recipient: str, code: str) -> bool:
        """Replace a recorded outcome (a WhatsApp message accepted, then reported failed)."""
        ledger = f"kim:bc:{announcement_id}:ledger"
        old = self.redis.hget(ledger, recipient)
        if old is None or old == code:
            return False
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(ledger, recipient, code)
        pipe.hincrby(f"kim:bc:{announcement_id}:counts", _bucket(str(old)), -1)
        pipe.hincrby(f"kim:bc:{announcement_id}:counts", _bucket(code), 1)
        pipe.execute()
        return True

    def failures(self, announcement_id: str, limit: int = 1000) -> list[tuple[str, str]]:
        """(recipient, reason) for failed and blocked recipients."""
        found: list[tuple[str, str]] = []
        for recipient, code in self.redis.hscan_iter(
            f"kim:bc:{announcement_id}:ledger", count=1000
        ):
            if code != SENT:
                found.append(
                    (str(recipient), "blocked or gone" if code == BLOCKED else str(code)[2:])
                )
                if len(found) >= limit:
                    break
        return found

    def failure_reasons(self, announcement_id: str) -> dict[str, int]:
        """How many recipients were not reached, per reason (`blocked or gone`, or a
        channel's failure reason), from the whole ledger: who they were is left out."""
        found: dict[str, int] = {}
        for _recipient, code in self.redis.hscan_iter(
            f"kim:bc:{announcement_id}:ledger", count=1000
        ):
            if code != SENT:
                reason = "blocked or gone" if code == BLOCKED else str(code)[2:]
                found[reason] = found.get(reason, 0) + 1
        return found

    def outcome_of(self, announcement_id: str, recipient: str) -> str | None:
        """One recipient's outcome code."""
        value = self.redis.hget(f"kim:bc:{announcement_id}:ledger", recipient)
        return str(value) if value is not None else None

    def finish(self, announcement_id: str, now: float) -> bool:
        """Mark done once every recipient has an outcome; start the ledger's expiry."""
        found = self.get(announcement_id)
        if found is None or found.state != "sending" or not found.planned:
            return False
        if found.done_count < found.total:
            return False
        moved = self.move(announcement_id, "done", ["sending"], finished_at=now)
        if moved:
            ttl = LEDGER_DAYS * 86400
            pipe = self.redis.pipeline(transaction=False)
            self.plans.expire(announcement_id, ttl, pipe)
            pipe.expire(f"kim:bc:{announcement_id}:ledger", ttl)
            pipe.execute()
        return moved

    # -- personal data -------------------------------------------------------------

    def export(self, address: Address) -> dict[str, Any]:
        """Which announcements reached this resident, and how."""
        delivered = {}
        for announcement_id in self.redis.zrange(INDEX, 0, -1):
            code = self.outcome_of(str(announcement_id), str(address))
            if code is not None:
                delivered[str(announcement_id)] = code
        return {"announcements": delivered} if delivered else {}

    def readdress(self, old: Address, new: Address, pipe: Pipeline) -> None:
        """The resident's place in every recipient list and ledger, now under `new`."""
        was, now = str(old), str(new)
        for announcement_id in self.ids():
            base = f"kim:bc:{announcement_id}"
            self.plans.replace(announcement_id, was, now, pipe)
            code = self.redis.hget(base + ":ledger", was)
            if code is not None:
                pipe.hdel(base + ":ledger", was)
                pipe.hset(base + ":ledger", now, str(code))

    def erase(self, address: Address, pipe: Pipeline) -> None:
        """Replace the resident in every recipient list and ledger with an anonymous tombstone.

        The slot is kept (not removed) so the index ranges of batches still in flight stay
        valid; an erased resident who had no outcome yet counts as gone.
        """
        who = str(address)
        for announcement_id in self.ids():
            base = f"kim:bc:{announcement_id}"
            tombstone = ERASED + secrets.token_hex(4)
            planned = self.plans.replace(announcement_id, who, tombstone, pipe)
            code = self.redis.hget(base + ":ledger", who)
            if not planned and code is None:
                continue
            pipe.hdel(base + ":ledger", who)
            pipe.hset(base + ":ledger", tombstone, str(code) if code is not None else BLOCKED)
            if code is None:
                pipe.hincrby(base + ":counts", "blocked", 1)
