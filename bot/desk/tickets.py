"""Tickets: residents' aspirasi, complaints, information requests and hoax checks.

A ticket gets its tracking number (`ASP-2611-0042`, `HKS-2611-0007`: kind, year-month,
a monthly counter) only once it is stored. Its life (SP4N-LAPOR!-compatible):
    diterima → diverifikasi (claimed) → diteruskan / dijawab → selesai
with `ditolak` as a side exit; every transition is appended to its history with the
time and who acted. `desk.follow_up_days` after an aspirasi is answered or forwarded its
requester is asked whether the problem is solved (bot/desk/followup.py): ✅ closes it
(`selesai`), ❌ reopens it (`diterima` again, on the queue with a new due time); both are
recorded as by `resident`, never by address. Anonymous tickets keep the requester (answers
must reach them) but no staff-visible text ever names them.

Redis keys (all owned here):
- `kim:tk:seq:{prefix}:{yymm}` — monthly counter of tracking numbers.
- `kim:tk:{id}` — hash: kind, topic, text, media (JSON), location, anonymous, requester,
  village, state, created_at, due_at, claimed_by, answered_at, answer, verdict,
  sources, rating, group, desk (the id of the desk it is routed to, bot/desk/routing.py;
  "" or absent: the default desk), card_chat, card_message, reminded, answer_media (JSON),
  awaiting (`<verb>:<staff>[:<arg>]`: what a staff member's next reply to the card is),
  verdict_draft (JSON {explanation, sources}: a verdict being written, bot/desk/verdicts.py),
  follow_asked (when the follow-up question went out; unset once answered), follow_ups
  (how many were asked), follow_answer (`solved` or `reopened`: the last answer), reopens,
  overdue_told and escalated (when the staff group and the supervisor were told it is
  overdue: each once per due time),
  responded_at / first_answer_at (its first staff response and first answer, counted once
  each by the dashboard's counters, bot/insights/counters.py, in the same transaction).
- `kim:tk:{id}:history` — list of JSON entries {at, state, by, note, desk} (`desk`: the
  desk it moved to, on a move's entry only).
- `kim:tk:open` — sorted set: open ticket → created_at (the queue, oldest first).
- `kim:tk:due` — sorted set: open ticket → due_at (overdue counts without reading tickets).
- `kim:tk:all` — sorted set: every ticket → created_at (exports by date).
- `kim:tk:follow` — sorted set: answered or forwarded aspirasi → when to ask its requester
  whether it is solved (added with the transition, removed when it is asked, closed,
  rejected, reopened or erased).
- `kim:tk:res:{addr}` — sorted set: a resident's tickets → created_at.
- `kim:tk:day:{hash}:{yyyymmdd}` — tickets a resident opened that day (abuse limit;
  keyed by a hash of the address, expires after two days).
- `kim:tk:card:{chat}:{message}` — the ticket whose staff card that message is (or a
  prompt of the bot's about it, for 7 days: a reply to either is a reply to the card).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, cast
from zoneinfo import ZoneInfo

from redis.client import Pipeline
from redis.exceptions import WatchError

from bot.insights import counters
from bot.platform.addresses import Address
from bot.platform.clock import Clock, SystemClock
from bot.platform.messages import MediaRef
from bot.platform.store import Redis

Kind = Literal["aspirasi", "pengaduan", "informasi", "hoaks"]
State = Literal["diterima", "diverifikasi", "diteruskan", "dijawab", "selesai", "ditolak"]
KINDS: tuple[Kind, ...] = ("aspirasi", "pengaduan", "informasi", "hoaks")
OPEN: tuple[State, ...] = ("diterima", "diverifikasi", "diteruskan")
ANSWERED: tuple[State, ...] = ("dijawab", "selesai")
PREFIX = {"aspirasi": "ASP", "pengaduan": "ASP", "informasi": "ASP", "hoaks": "HKS"}
PROMPT_SECONDS = 7 * 86400
OPEN_INDEX, ALL_INDEX, DUE_INDEX = "kim:tk:open", "kim:tk:all", "kim:tk:due"
FOLLOW_INDEX = "kim:tk:follow"
ASKED_ABOUT: tuple[State, ...] = ("dijawab", "diteruskan")  # what a follow-up asks about
RESIDENT = "resident"  # `by` of the requester's own transitions (never their address)
Mark = Literal["overdue_told", "escalated"]


def _ticket_key(ticket_id: str) -> str:
    return f"kim:tk:{ticket_id}"


def _resident_index(address: Address) -> str:
    return f"kim:tk:res:{address}"


def _day_key(address: Address, moment: float, tz: str) -> str:
    digest = hashlib.blake2b(str(address).encode(), digest_size=8).hexdigest()
    day = datetime.fromtimestamp(moment, ZoneInfo(tz)).strftime("%Y%m%d")
    return f"kim:tk:day:{digest}:{day}"


@dataclass
class Ticket:
    """One request from a resident."""

    id: str
    kind: Kind
    state: State
    requester: Address | None
    created_at: float
    due_at: float
    text: str = ""
    topic: str = ""
    media: list[MediaRef] = field(default_factory=list)
    location: tuple[float, float] | None = None
    anonymous: bool = False
    village: str = ""
    claimed_by: str = ""
    answered_at: float | None = None
    answer: str = ""
    verdict: str = ""
    sources: str = ""
    rating: int = 0
    group: str = ""
    desk: str = ""
    card_chat: str = ""
    card_message: int = 0
    answer_media: MediaRef | None = None
    follow_asked: float = 0.0
    follow_ups: int = 0
    follow_answer: str = ""
    reopens: int = 0

    @property
    def is_open(self) -> bool:
        """Not yet answered, finished or rejected."""
        return self.state in OPEN

    @property
    def answer_text(self) -> str:
        """The answer, or a verdict's explanation. A verdict given before the explanation and
        the sources were separate steps may hold all its words in `sources`."""
        return self.answer or (self.sources if self.verdict else "")


@dataclass(frozen=True)
class Heading:
    """What the desk queue shows and filters a ticket by (bot/desk/queue.py)."""

    id: str
    kind: str
    state: str
    topic: str
    village: str
    created_at: float
    due_at: float
    claimed_by: str
    rating: int = 0  # the requester's stars (0: not rated)
    desk: str = ""  # its desk's id ("": the default desk)


HEADING_FIELDS = (
    "kind",
    "state",
    "topic",
    "village",
    "created_at",
    "due_at",
    "claimed_by",
    "rating",
    "desk",
)


@dataclass(frozen=True)
class HistoryEntry:
    """One transition."""

    at: float
    state: str
    by: str
    note: str = ""
    desk: str = ""  # a move's entry: the desk it moved to ("default" for the default desk)


@dataclass(frozen=True)
class TicketFacts:
    """What the dashboard counts of a ticket (no personal data)."""

    id: str
    kind: str
    state: str
    village: str
    topic: str
    group: str
    created_at: float
    due_at: float
    rating: int
    responded_at: float | None
    first_answer_at: float | None


_FACTS = ["kind", "state", "village", "topic", "group", "created_at", "due_at", "rating"]
_TIMES = ["responded_at", "first_answer_at"]
_TRANSITION_FIELDS = ["state", "created_at", "due_at", "village", "topic", *_TIMES]


def _number(raw: object) -> float | None:
    try:
        return float(str(raw)) if raw else None
    except ValueError:
        return None


class Tickets:
    """The ticket store."""

    section = "tickets"

    def __init__(self, redis: Redis, timezone: str, clock: Clock | None = None) -> None:
        self.redis = redis
        self.timezone = timezone
        self.clock = clock or SystemClock()

    # -- creating --------------------------------------------------------------------

    def opened_today(self, address: Address, now: float) -> int:
        """How many tickets this resident opened today (deployment time zone)."""
        return int(self.redis.get(_day_key(address, now, self.timezone)) or 0)

    def create(
        self,
        requester: Address,
        kind: Kind,
        now: float,
        due_at: float,
        *,
        text: str = "",
        topic: str = "",
        media: list[MediaRef] | None = None,
        location: tuple[float, float] | None = None,
        anonymous: bool = False,
        village: str = "",
        group: str = "",
        desk: str = "",
    ) -> Ticket:
        """Store a new ticket and return it with its tracking number."""
        month = datetime.fromtimestamp(now, ZoneInfo(self.timezone)).strftime("%y%m")
        prefix = PREFIX[kind]
        number = int(self.redis.incr(f"kim:tk:seq:{prefix}:{month}"))
        ticket_id = f"{prefix}-{month}-{number:04d}"
        record: dict[Any, Any] = {
            "kind": kind,
            "state": "diterima",
            "requester": str(requester),
            "created_at": repr(now),
            "due_at": repr(due_at),
            "text": text,
            "topic": topic,
            "media": json.dumps([m.__dict__ for m in media or []]),
            "location": json.dumps(list(location)) if location else "",
            "anonymous": "1" if anonymous else "",
            "village": village,
            "group": group,
            "desk": desk,
        }
        day = _day_key(requester, now, self.timezone)
        pipe = self.redis.pipeline(transaction=True)
        counters.opened(pipe, village, topic, ticket_id, due_at)
        if kind == "hoaks":
            week = counters.week_of(now, self.timezone)
            counters.hoax_checked(pipe, village, group or ticket_id, week, instant=False)
        pipe.hset(f"kim:tk:{ticket_id}", mapping=record)
        pipe.rpush(
            f"kim:tk:{ticket_id}:history", json.dumps({"at": now, "state": "diterima", "by": ""})
        )
        pipe.zadd(OPEN_INDEX, {ticket_id: now})
        pipe.zadd(DUE_INDEX, {ticket_id: due_at})
        pipe.zadd(ALL_INDEX, {ticket_id: now})
        pipe.zadd(_resident_index(requester), {ticket_id: now})
        pipe.incr(day)
        pipe.expire(day, 2 * 86400)
        pipe.execute()
        found = self.get(ticket_id)
        if found is None:
            raise LookupError(f"ticket {ticket_id} vanished right after it was stored")
        return found

    # -- reading ---------------------------------------------------------------------

    def get(self, ticket_id: str) -> Ticket | None:
        """A ticket by tracking number (case-insensitive), or None."""
        ticket_id = ticket_id.strip().upper()
        if len(ticket_id) > 20:
            return None
        raw = cast(dict[str, str], self.redis.hgetall(f"kim:tk:{ticket_id}"))
        if not raw:
            return None
        location = json.loads(raw["location"]) if raw.get("location") else None
        return Ticket(
            id=ticket_id,
            kind=cast(Kind, raw["kind"]),
            state=cast(State, raw["state"]),
            requester=Address.parse(raw["requester"]) if raw.get("requester") else None,
            created_at=float(raw["created_at"]),
            due_at=float(raw["due_at"]),
            text=raw.get("text", ""),
            topic=raw.get("topic", ""),
            media=[MediaRef(**m) for m in json.loads(raw.get("media") or "[]")],
            location=(float(location[0]), float(location[1])) if location else None,
            anonymous=bool(raw.get("anonymous")),
            village=raw.get("village", ""),
            claimed_by=raw.get("claimed_by", ""),
            answered_at=float(raw["answered_at"]) if raw.get("answered_at") else None,
            answer=raw.get("answer", ""),
            verdict=raw.get("verdict", ""),
            sources=raw.get("sources", ""),
            rating=int(raw.get("rating") or 0),
            group=raw.get("group", ""),
            desk=raw.get("desk", ""),
            card_chat=raw.get("card_chat", ""),
            card_message=int(raw.get("card_message") or 0),
            answer_media=MediaRef(**json.loads(raw["answer_media"]))
            if raw.get("answer_media")
            else None,
            follow_asked=float(raw.get("follow_asked") or 0),
            follow_ups=int(raw.get("follow_ups") or 0),
            follow_answer=raw.get("follow_answer", ""),
            reopens=int(raw.get("reopens") or 0),
        )

    def history(self, ticket_id: str) -> list[HistoryEntry]:
        """Every transition, oldest first."""
        entries = self.redis.lrange(f"kim:tk:{ticket_id}:history", 0, -1)
        return [HistoryEntry(**json.loads(e)) for e in entries]

    def open_tickets(self, limit: int = 50) -> list[Ticket]:
        """Open tickets, oldest first."""
        ids = self.redis.zrange(OPEN_INDEX, 0, limit - 1)
        return [t for t in (self.get(str(i)) for i in ids) if t is not None]

    def open_counts(self, now: float) -> tuple[int, int]:
        """(open, overdue) tickets, from the indexes alone: one round trip, no ticket read.

        Data from before the due index existed gets it built here, once.
        """
        pipe = self.redis.pipeline(transaction=False)
        pipe.zcard(OPEN_INDEX)
        pipe.zcard(DUE_INDEX)
        pipe.zcount(DUE_INDEX, "-inf", f"({now!r}")
        open_count, due_count, overdue = pipe.execute()
        if open_count != due_count and self._index_due():
            return self.open_counts(now)
        return int(open_count), int(overdue)

    def _index_due(self) -> bool:
        """Rebuild the due index from the open queue; False if the queue changed meanwhile
        or some open ticket has no due date (nothing to gain from trying again)."""
        with self.redis.pipeline(transaction=True) as pipe:
            try:
                pipe.watch(OPEN_INDEX)  # type: ignore[no-untyped-call]  # a ticket opening or closing meanwhile aborts EXEC
                ids = [str(i) for i in pipe.zrange(OPEN_INDEX, 0, -1)]
                reads = self.redis.pipeline(transaction=False)
                for ticket_id in ids:
                    reads.hget(_ticket_key(ticket_id), "due_at")
                due = {i: float(d) for i, d in zip(ids, reads.execute(), strict=True) if d}
                pipe.multi()
                pipe.delete(DUE_INDEX)
                if due:
                    pipe.zadd(DUE_INDEX, due)
                pipe.execute()
            except WatchError:
                return False
        return len(due) == len(ids)

    def all_ids(self) -> list[str]:
        """Every ticket's id, oldest first."""
        return [str(i) for i in self.redis.zrange(ALL_INDEX, 0, -1)]

    def facts(self, ids: list[str]) -> list[TicketFacts]:
        """The counted fields of these tickets, in one pipelined read (tickets gone are
        left out; unreadable numbers read as 0 or None)."""
        pipe = self.redis.pipeline(transaction=False)
        for ticket_id in ids:
            pipe.hmget(_ticket_key(ticket_id), _FACTS + _TIMES)
        found = []
        for ticket_id, raw in zip(ids, pipe.execute(), strict=True):
            if raw[0] is None:
                continue
            kind, state, village, topic, group = (str(v or "") for v in raw[:5])
            rating = _number(raw[7]) or 0
            found.append(
                TicketFacts(
                    ticket_id, kind, state, village, topic, group,
                    _number(raw[5]) or 0.0, _number(raw[6]) or 0.0, int(rating),
                    _number(raw[8]), _number(raw[9]),
                )
            )  # fmt: skip
        return found

    def first_times(self, ticket_id: str) -> tuple[float | None, float | None]:
        """From its history: when a ticket got its first staff response and first answer."""
        responded = answered = None
        for entry in self.history(ticket_id):
            if responded is None and entry.state != "diterima":
                responded = entry.at
            if answered is None and entry.state in ANSWERED:
                answered = entry.at
        return responded, answered

    def mark_times(self, ticket_id: str, responded: float | None, answered: float | None) -> None:
        """Record the first response and answer times found in a ticket's history."""
        mapping: dict[Any, Any] = {}
        if responded is not None:
            mapping["responded_at"] = repr(responded)
        if answered is not None:
            mapping["first_answer_at"] = repr(answered)
        if mapping:
            self.redis.hset(_ticket_key(ticket_id), mapping=mapping)

    def headings(
        self, *, open_only: bool, due_from: float | None = None, due_to: float | None = None
    ) -> list[Heading]:
        """Every ticket, or the open ones, or the open ones due in [due_from, due_to), as
        their headings, oldest first (by due time for a due window)."""
        if due_from is not None or due_to is not None:
            low = "-inf" if due_from is None else repr(due_from)
            high = "+inf" if due_to is None else f"({due_to!r}"
            ids = [str(i) for i in self.redis.zrangebyscore(DUE_INDEX, low, high)]
        else:
            ids = [str(i) for i in self.redis.zrange(OPEN_INDEX if open_only else ALL_INDEX, 0, -1)]
        return self.headings_of(ids)

    def heading_page(
        self, *, open_only: bool, page: int, size: int, newest: bool
    ) -> tuple[list[Heading], int, int]:
        """Page `page` (from 1; past the end, the last) of every ticket or of the open ones,
        oldest or newest first, without reading the others: (its headings, how many
        tickets there are, the page shown)."""
        index = OPEN_INDEX if open_only else ALL_INDEX
        total = int(self.redis.zcard(index))
        page = min(max(page, 1), max(1, -(-total // size)))
        start = (page - 1) * size
        read = self.redis.zrevrange if newest else self.redis.zrange
        ids = [str(i) for i in read(index, start, start + size - 1)]
        return self.headings_of(ids), total, page

    def headings_of(self, ids: list[str]) -> list[Heading]:
        """Those tickets' headings, in that order: one pipelined read of a few fields each
        (tickets gone meanwhile are left out)."""
        pipe = self.redis.pipeline(transaction=False)
        for ticket_id in ids:
            pipe.hmget(_ticket_key(ticket_id), HEADING_FIELDS)
        found = []
        for ticket_id, raw in zip(ids, pipe.execute(), strict=True):
            kind, state, topic, village, created, due, claimed, rating, desk = raw
            if kind is None or state is None:
                continue
            found.append(
                Heading(
                    ticket_id,
                    kind,
                    state,
                    topic or "",
                    village or "",
                    float(created or 0),
                    float(due or 0),
                    claimed or "",
                    int(rating) if str(rating or "").isdigit() else 0,
                    desk or "",
                )
            )
        return found

    def of_resident(self, address: Address, limit: int = 10) -> list[Ticket]:
        """A resident's newest tickets."""
        ids = self.redis.zrevrange(_resident_index(address), 0, limit - 1)
        return [t for t in (self.get(str(i)) for i in ids) if t is not None]

    def between(self, start: float, end: float) -> list[Ticket]:
        """Tickets created in [start, end), oldest first."""
        ids = self.redis.zrangebyscore(ALL_INDEX, start, f"({end}")
        return [t for t in (self.get(str(i)) for i in ids) if t is not None]

    def of_group(self, group: str, start: float, end: float) -> list[str]:
        """The hoax tickets of a group (its first ticket's id) filed in [start, end]: one
        read of two fields per ticket of that time, for verdicts given before their
        tickets were recorded with them (bot/desk/hoax_recipients.py)."""
        ids = [str(i) for i in self.redis.zrangebyscore(ALL_INDEX, start, end)]
        pipe = self.redis.pipeline(transaction=False)
        for ticket_id in ids:
            pipe.hmget(_ticket_key(ticket_id), ["kind", "group"])
        return [
            ticket_id
            for ticket_id, (kind, owner) in zip(ids, pipe.execute(), strict=True)
            if kind == "hoaks" and (owner or ticket_id) == group
        ]

    def requesters(self, ids: list[str]) -> list[str]:
        """The requesters (addresses as stored) of those tickets: one pipelined read of
        one field each, for counting who received an answer."""
        pipe = self.redis.pipeline(transaction=False)
        for ticket_id in ids:
            pipe.hget(_ticket_key(ticket_id), "requester")
        return [str(requester) for requester in pipe.execute() if requester]

    def with_verdict(self, ids: list[str]) -> list[str]:
        """Those of the tickets that carry a verdict (one pipelined read)."""
        pipe = self.redis.pipeline(transaction=False)
        for ticket_id in ids:
            pipe.hget(_ticket_key(ticket_id), "verdict")
        return [t for t, verdict in zip(ids, pipe.execute(), strict=True) if verdict]

    def by_card(self, chat: str, message_id: int) -> Ticket | None:
        """The ticket a staff card message belongs to."""
        ticket_id = self.redis.get(f"kim:tk:card:{chat}:{message_id}")
        return self.get(str(ticket_id)) if ticket_id else None

    # -- changing --------------------------------------------------------------------

    def set_card(self, ticket_id: str, chat: str, message_id: int) -> None:
        """Remember the staff card's message (to edit it and to find it from replies)."""
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(
            f"kim:tk:{ticket_id}", mapping={"card_chat": chat, "card_message": str(message_id)}
        )
        pipe.set(f"kim:tk:card:{chat}:{message_id}", ticket_id)
        pipe.execute()

    def prompt_about(self, ticket_id: str, chat: str, message_id: int) -> None:
        """A message of the bot's asking staff about a ticket (the next step of an answer
        or a verdict): a reply to it counts as a reply to the card, for 7 days."""
        self.redis.set(f"kim:tk:card:{chat}:{message_id}", ticket_id, ex=PROMPT_SECONDS)

    def transition(
        self,
        ticket_id: str,
        to: State,
        allowed: tuple[State, ...],
        by: str,
        now: float,
        note: str = "",
        *,
        follow_at: str = "",
        **fields: str,
    ) -> bool:
        """Move a ticket to `to` if its state is one of `allowed`; record who and when.
        With `follow_at` (a moment, as `repr` like the other fields) its requester is asked
        then whether it is solved, and a question asked before is void; without, any
        follow-up still to come is dropped."""
        key = f"kim:tk:{ticket_id}"
        with self.redis.pipeline(transaction=True) as pipe:
            try:
                pipe.watch(key)  # type: ignore[no-untyped-call]  # reads below run at once; a concurrent change aborts EXEC
                state, created, due, village, topic, responded, answered = pipe.hmget(
                    key,
                    _TRANSITION_FIELDS,
                )
                if state not in allowed:
                    pipe.unwatch()
                    return False
                pipe.multi()
                changes: dict[Any, Any] = {"state": to, **fields}
                waited = now - float(created or now)
                if not responded and to != "diterima":
                    changes["responded_at"] = repr(now)
                    counters.responded(pipe, str(village or ""), waited)
                if not answered and to in ANSWERED:
                    changes["first_answer_at"] = repr(now)
                    counters.answered(pipe, str(village or ""), waited)
                pipe.hset(key, mapping=changes)
                entry = {"at": now, "state": to, "by": by, "note": note}
                pipe.rpush(key + ":history", json.dumps(entry))
                place, about = str(village or ""), str(topic or "")
                if state in OPEN and to not in OPEN:
                    counters.closed(pipe, place, about, ticket_id)
                elif state not in OPEN and to in OPEN:
                    counters.opened(pipe, place, about, ticket_id, float(due or now))
                if to in OPEN:
                    pipe.zadd(OPEN_INDEX, {ticket_id: float(created or now)})
                    pipe.zadd(DUE_INDEX, {ticket_id: float(due or now)})
                else:
                    pipe.zrem(OPEN_INDEX, ticket_id)
                    pipe.zrem(DUE_INDEX, ticket_id)
                if follow_at:
                    pipe.zadd(FOLLOW_INDEX, {ticket_id: float(follow_at)})
                    pipe.hdel(key, "follow_asked")
                else:
                    pipe.zrem(FOLLOW_INDEX, ticket_id)
                pipe.execute()
            except WatchError:
                return False
        return True

    def move(
        self, ticket_id: str, desk: str, by: str, now: float, due_at: float, label: str
    ) -> Ticket | None:
        """Route an open ticket to another desk (`desk`: its id, "" the default), with its
        history: due at `due_at` now, unclaimed (`diverifikasi` is `diterima` again), its
        overdue marks cleared, and its card to be posted anew in the new desk's group (the
        old card's message no longer stands for it). `label` is the desk as the history
        entry names it. None, and nothing changes, when it is not open, is there already,
        or changed meanwhile."""
        key = _ticket_key(ticket_id)
        with self.redis.pipeline(transaction=True) as pipe:
            try:
                pipe.watch(key)  # type: ignore[no-untyped-call]  # a concurrent change aborts EXEC
                state, current, chat, message = pipe.hmget(
                    key, ["state", "desk", "card_chat", "card_message"]
                )
                if state not in OPEN or str(current or "") == desk:
                    pipe.unwatch()
                    return None
                to = "diterima" if state == "diverifikasi" else str(state)
                pipe.multi()
                moved: dict[Any, Any] = {
                    "state": to,
                    "desk": desk,
                    "due_at": repr(due_at),
                    "claimed_by": "",
                    "awaiting": "",
                    "card_message": "",
                }
                pipe.hset(key, mapping=moved)
                pipe.hdel(key, "overdue_told", "escalated", "reminded")
                entry = {"at": now, "state": to, "by": by, "note": "", "desk": label}
                pipe.rpush(key + ":history", json.dumps(entry))
                pipe.zadd(DUE_INDEX, {ticket_id: due_at})
                if chat and message:
                    pipe.delete(f"kim:tk:card:{chat!s}:{message!s}")
                pipe.execute()
            except WatchError:
                return None
        return self.get(ticket_id)

    # -- following up and overdue tickets ---------------------------------------------

    def claim_follow_ups(self, now: float, limit: int = 500) -> list[str]:
        """Tickets whose follow-up question is due, each claimed by one caller only: ZREM
        answers 1 to the first, so two workers never ask twice."""
        ids = [str(i) for i in self.redis.zrangebyscore(FOLLOW_INDEX, "-inf", now, 0, limit)]
        pipe = self.redis.pipeline(transaction=False)
        for ticket_id in ids:
            pipe.zrem(FOLLOW_INDEX, ticket_id)
        return [t for t, removed in zip(ids, pipe.execute(), strict=True) if removed]

    def mark_asked(self, ticket_id: str, now: float) -> None:
        """The follow-up question went out now: the requester's answer is awaited."""
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(_ticket_key(ticket_id), "follow_asked", repr(now))
        pipe.hincrby(_ticket_key(ticket_id), "follow_ups", 1)
        pipe.execute()

    def answer_follow_up(
        self,
        ticket_id: str,
        requester: Address,
        now: float,
        *,
        solved: bool,
        note: str = "",
        due_at: float = 0.0,
    ) -> Ticket | None:
        """The requester's answer to the question that waits: solved → `selesai`; not →
        `diterima` again (the queue and the due index, due at `due_at`, unclaimed, its card
        posted anew, overdue marks cleared). None, and nothing changes, for anyone else,
        when no question waits, or when the ticket changed meanwhile."""
        key = _ticket_key(ticket_id)
        with self.redis.pipeline(transaction=True) as pipe:
            try:
                pipe.watch(key)  # type: ignore[no-untyped-call]  # a concurrent change aborts EXEC
                state, asked, who, created, village, topic = pipe.hmget(
                    key, ["state", "follow_asked", "requester", "created_at", "village", "topic"]
                )
                if state not in ASKED_ABOUT or not asked or who != str(requester):
                    pipe.unwatch()
                    return None
                pipe.multi()
                pipe.hdel(key, "follow_asked")
                pipe.zrem(FOLLOW_INDEX, ticket_id)
                to: State = "selesai" if solved else "diterima"
                place, about = str(village or ""), str(topic or "")
                if state in OPEN:  # the dashboard's open counts move with the state
                    counters.closed(pipe, place, about, ticket_id)
                if not solved:
                    counters.opened(pipe, place, about, ticket_id, due_at)
                entry = {"at": now, "state": to, "by": RESIDENT, "note": "" if solved else note}
                pipe.rpush(key + ":history", json.dumps(entry))
                if solved:
                    pipe.hset(key, mapping={"state": to, "follow_answer": "solved"})
                    pipe.zrem(OPEN_INDEX, ticket_id)
                    pipe.zrem(DUE_INDEX, ticket_id)
                else:
                    reopened: dict[Any, Any] = {
                        "state": to,
                        "follow_answer": "reopened",
                        "due_at": repr(due_at),
                        "claimed_by": "",
                        "awaiting": "",
                        "card_message": "",
                    }
                    pipe.hset(key, mapping=reopened)
                    pipe.hincrby(key, "reopens", 1)
                    pipe.hdel(key, "overdue_told", "escalated", "reminded")
                    pipe.zadd(OPEN_INDEX, {ticket_id: float(created or now)})
                    pipe.zadd(DUE_INDEX, {ticket_id: due_at})
                pipe.execute()
            except WatchError:
                return None
        return self.get(ticket_id)

    def overdue(self, now: float, limit: int = 500) -> list[str]:
        """Open tickets past their due time, longest overdue first."""
        found = self.redis.zrangebyscore(DUE_INDEX, "-inf", f"({now!r}", 0, limit)
        return [str(i) for i in found]

    def mark_once(self, ids: list[str], mark: Mark, now: float) -> list[str]:
        """Set `mark` on those tickets that lack it; return the ones this call marked
        (HSETNX: two workers never both report a ticket)."""
        pipe = self.redis.pipeline(transaction=False)
        for ticket_id in ids:
            pipe.hsetnx(_ticket_key(ticket_id), mark, repr(now))
        return [t for t, fresh in zip(ids, pipe.execute(), strict=True) if fresh]

    def rate(self, ticket_id: str, requester: Address, stars: int) -> bool:
        """The requester's 1-5 rating of an answered ticket."""
        ticket = self.get(ticket_id)
        if ticket is None or ticket.requester != requester or ticket.state not in ANSWERED:
            return False
        stars = min(max(stars, 1), 5)
        pipe = self.redis.pipeline(transaction=True)
        counters.rated(pipe, ticket.village, ticket.rating, stars)
        pipe.hset(f"kim:tk:{ticket_id}", "rating", str(stars))
        pipe.execute()
        return True

    def mark_reminded(self, ticket_id: str, now: float) -> None:
        """Remember when staff were last reminded of this ticket."""
        self.redis.hset(f"kim:tk:{ticket_id}", "reminded", repr(now))

    def reminded_at(self, ticket_id: str) -> float:
        """When staff were last reminded (0 if never)."""
        return float(self.redis.hget(f"kim:tk:{ticket_id}", "reminded") or 0)

    def update(self, ticket_id: str, **fields: str) -> None:
        """Set fields of a ticket's record (no state change: use `transition` for that)."""
        mapping: dict[Any, Any] = dict(fields)
        self.redis.hset(_ticket_key(ticket_id), mapping=mapping)

    def field(self, ticket_id: str, name: str) -> str:
        """One raw field of a ticket's record ("" when unset)."""
        return str(self.redis.hget(_ticket_key(ticket_id), name) or "")

    # -- personal data ---------------------------------------------------------------

    def export(self, address: Address) -> dict[str, Any]:
        """The resident's tickets with their text and state."""
        tickets: dict[str, dict[str, Any]] = {}
        for t in self.of_resident(address, limit=1000):
            tickets[t.id] = {"kind": t.kind, "state": t.state, "text": t.text, "answer": t.answer}
            notes = [h.note for h in self.history(t.id) if h.by == RESIDENT and h.note]
            if notes:
                tickets[t.id]["notes"] = notes  # why they reopened it
        return {"tickets": tickets} if tickets else {}

    def readdress(self, old: Address, new: Address, pipe: Pipeline) -> None:
        """The resident's tickets and their index, now under `new`."""
        index = _resident_index(old)
        for ticket_id in self.redis.zrange(index, 0, -1):
            pipe.hset(_ticket_key(str(ticket_id)), "requester", str(new))
        if self.redis.exists(index):
            pipe.rename(index, _resident_index(new))

    def erase(self, address: Address, pipe: Pipeline) -> None:
        """Keep the tickets for the public record, but without the requester or their words
        (their notes in the history too), and ask them nothing more."""
        for ticket_id in self.redis.zrange(_resident_index(address), 0, -1):
            key = f"kim:tk:{ticket_id!s}"
            pipe.zrem(FOLLOW_INDEX, str(ticket_id))
            pipe.hdel(key, "follow_asked")
            for index, raw in enumerate(self.redis.lrange(key + ":history", 0, -1)):
                entry = json.loads(raw)
                if entry.get("by") == RESIDENT and entry.get("note"):
                    pipe.lset(key + ":history", index, json.dumps({**entry, "note": ""}))
            pipe.hset(
                key,
                mapping={
                    "requester": "",
                    "text": "",
                    "media": "[]",
                    "location": "",
                    "anonymous": "1",
                },
            )
        pipe.delete(_resident_index(address))
        now = self.clock.now()
        for days_ago in (0, 1, 2):  # the counters expire after two days
            pipe.delete(_day_key(address, now - days_ago * 86400, self.timezone))
