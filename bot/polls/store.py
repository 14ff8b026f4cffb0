"""Polls (jajak pendapat): a question pushed to subscribers, one answer each, results per
kelurahan/desa and for the whole kab/kota.

A KIM admin composes a poll: a question, 2-10 answers (or a 1-5 scale), optionally an
"other" answer with free text, the targets inside their scope, and a closing time. The
poll goes out through the broadcast engine (its announcement carries the poll's id).
Each resident has one answer, changeable until the poll closes; the tally per village
moves with it in the same step (one Lua script), so results are read without touching a
single answer. When it closes, respondents get their village's results beside the whole
deployment's.

Individual answers are personal data: `/dataku` lists them, `/hapusdata` deletes them
(the tally keeps its count, without the person), and `ANSWER_DAYS` after a poll closes
they are deleted (`forget_answers`): the tally and the reach stay, as aggregates.

Redis keys (owned here):
- `kim:poll:seq` — counter of poll ids.
- `kim:poll:{id}` — hash: question, options (JSON list), scale (1/0), other (1/0),
  targets (JSON list), admin, created_at, closes_at, state (`open`, `closed`),
  announcement (the one that delivers it), remind (1/0), reminded_at, reminder (its
  announcement), closed_at, results (the announcement of the results), forgotten_at
  (when its individual answers were deleted).
- `kim:poll:{id}:ans` — hash: resident → the answer's number (1-based; 0 is "other").
- `kim:poll:{id}:vil` — hash: resident → the village their answer is counted in.
- `kim:poll:{id}:other` — hash: resident → the text of their "other" answer.
- `kim:poll:{id}:tally` — hash: `{village}:{answer}` → residents who gave it there,
  `{village}:n` → respondents there.
- `kim:poll:{id}:resp:{village}` — set: the respondents counted in that village (the
  results announcement's audience; the reminder leaves them out).
- `kim:poll:{id}:reach` — hash: village → subscribers it was sent to (response rates).
- `kim:poll:index` — sorted set: id → created_at.
- `kim:poll:open` — sorted set: the open polls, id → closes_at.
- `kim:poll:closed` — sorted set: closed polls whose answers are still kept, id →
  closed_at.
- `kim:poll:of:{address}` — set: the polls a resident answered (`/dataku`, erasure).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal, cast

from redis.client import Pipeline

from bot.platform.addresses import Address
from bot.platform.store import Redis
from bot.residents.records import record_key

MIN_OPTIONS, MAX_OPTIONS = 2, 10
MAX_WITH_OTHER = 9  # with "other", every answer still fits one WhatsApp list (10 rows)
MAX_QUESTION, MAX_OPTION, MAX_OTHER = 300, 60, 500
SCALE = tuple(str(n) for n in range(1, 6))
OTHER = 0  # the answer number of "other"
MAX_OPEN_DAYS = 30  # a poll's closing time is at most this far ahead
ANSWER_DAYS = 30  # individual answers are kept this long after the poll closes
INDEX = "kim:poll:index"
OPEN = "kim:poll:open"
CLOSED = "kim:poll:closed"
PollState = Literal["open", "closed"]
Answered = Literal["new", "changed", "same", "closed", "unknown", "not_subscribed", "invalid"]
ANSWER_TRIES = 5  # a resident moving between our read and the script: read again

# KEYS: [1] the poll, [2] its answers, [3] its tally, [4] the resident's record,
#       [5] the resident's polls, [6] the "other" texts, [7] the answers' villages,
#       [8] the respondents of the village the caller read from the record,
#       [9] the respondents of the village the caller read from [7] ("" when none)
# ARGV: [1] now, [2] the resident, [3] the answer number, [4] its "other" text, [5] poll id,
#       [6] the village the caller read from the record, [7] the one it read from [7]
# Returns: new, changed, same, closed, unknown, not_subscribed, invalid, or moved (the
# resident's village changed since the caller read it: read again and retry).
_ANSWER = """
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 'unknown' end
if state ~= 'open' or tonumber(redis.call('HGET', KEYS[1], 'closes_at')) <= tonumber(ARGV[1]) then
  return 'closed'
end
local answer = tonumber(ARGV[3])
local count = tonumber(redis.call('HGET', KEYS[1], 'count'))
if answer == 0 then
  if redis.call('HGET', KEYS[1], 'other') ~= '1' then return 'invalid' end
elseif answer < 1 or answer > count then
  return 'invalid'
end
local village = redis.call('HGET', KEYS[4], 'village')
if not village or village == '' then return 'not_subscribed' end
local was_village = redis.call('HGET', KEYS[7], ARGV[2]) or ''
if village ~= ARGV[6] or was_village ~= ARGV[7] then return 'moved' end
local old = redis.call('HGET', KEYS[2], ARGV[2])
local result = 'new'
if old then
  if was_village == '' then was_village = village end
  if old == ARGV[3] and was_village == village and answer ~= 0 then return 'same' end
  redis.call('HINCRBY', KEYS[3], was_village .. ':' .. old, -1)
  redis.call('HINCRBY', KEYS[3], was_village .. ':n', -1)
  if KEYS[9] ~= '' then redis.call('SREM', KEYS[9], ARGV[2]) end
  result = 'changed'
end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('HSET', KEYS[7], ARGV[2], village)
redis.call('HINCRBY', KEYS[3], village .. ':' .. ARGV[3], 1)
redis.call('HINCRBY', KEYS[3], village .. ':n', 1)
redis.call('SADD', KEYS[8], ARGV[2])
if answer == 0 then
  redis.call('HSET', KEYS[6], ARGV[2], ARGV[4])
else
  redis.call('HDEL', KEYS[6], ARGV[2])
end
redis.call('SADD', KEYS[5], ARGV[5])
return result
"""


# KEYS: [1] the poll, [2] the open polls, [3] the closed polls; ARGV: [1] now, [2] its id.
# 1 when this call closed it.
_CLOSE = """
if redis.call('HGET', KEYS[1], 'state') ~= 'open' then return 0 end
redis.call('HSET', KEYS[1], 'state', 'closed', 'closed_at', ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[1], ARGV[2])
return 1
"""


class PollError(ValueError):
    """A poll that cannot be made as asked (the message says why, in English)."""


def _key(poll_id: str) -> str:
    return f"kim:poll:{poll_id}"


def _respondents_key(poll_id: str, village: str) -> str:
    return f"kim:poll:{poll_id}:resp:{village}"


def _of(address: Address) -> str:
    return f"kim:poll:of:{address}"


@dataclass(frozen=True)
class Poll:
    """A poll as stored."""

    id: str
    question: str
    options: tuple[str, ...]
    scale: bool
    other: bool
    targets: tuple[str, ...]
    admin: str
    created_at: float
    closes_at: float
    state: PollState
    announcement: str = ""
    remind: bool = False
    reminded_at: float = 0.0
    closed_at: float = 0.0
    reminder: str = ""
    results: str = ""

    def label(self, answer: int) -> str:
        """An answer's text ("" for "other": the caller names it in the reader's language)."""
        return self.options[answer - 1] if 1 <= answer <= len(self.options) else ""

    def is_open(self, now: float) -> bool:
        """Whether answers are still taken."""
        return self.state == "open" and now < self.closes_at


@dataclass(frozen=True)
class Results:
    """A poll's counts: per village, and summed for the villages asked for."""

    counts: dict[int, int]  # answer number → residents
    respondents: int
    reach: int  # subscribers it was sent to (0 when unknown)

    @property
    def rate(self) -> float:
        """Respondents per resident reached (0 when the reach is unknown)."""
        return self.respondents / self.reach if self.reach else 0.0

    def share(self, answer: int) -> float:
        """An answer's share of the respondents."""
        return self.counts.get(answer, 0) / self.respondents if self.respondents else 0.0


class Polls:
    """The poll store: making, answering, tallying, closing."""

    section = "polls"

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._answer = redis.register_script(_ANSWER)
        self._close = redis.register_script(_CLOSE)

    # -- making ------------------------------------------------------------------------

    def create(
        self,
        *,
        question: str,
        options: list[str],
        scale: bool,
        other: bool,
        targets: list[str],
        admin: str,
        now: float,
        closes_at: float,
        remind: bool = False,
    ) -> Poll:
        """Store a new open poll; PollError when it is not one that can be asked."""
        question = " ".join(question.split())
        answers = list(SCALE) if scale else [" ".join(o.split()) for o in options]
        if not 1 <= len(question) <= MAX_QUESTION:
            raise PollError(f"the question needs 1-{MAX_QUESTION} characters")
        most = MAX_WITH_OTHER if other else MAX_OPTIONS
        if not MIN_OPTIONS <= len(answers) <= most:
            raise PollError(f"a poll needs {MIN_OPTIONS}-{most} answers")
        if any(not 1 <= len(a) <= MAX_OPTION for a in answers):
            raise PollError(f"each answer needs 1-{MAX_OPTION} characters")
        if len({a.casefold() for a in answers}) != len(answers):
            raise PollError("two answers are the same")
        if not targets:
            raise PollError("a poll needs at least one target")
        if closes_at <= now:
            raise PollError("the closing time has passed")
        if closes_at > now + MAX_OPEN_DAYS * 86400:
            raise PollError(f"a poll closes within {MAX_OPEN_DAYS} days")
        poll_id = str(self.redis.incr("kim:poll:seq"))
        poll = Poll(
            poll_id,
            question,
            tuple(answers),
            scale,
            other,
            tuple(targets),
            admin,
            now,
            closes_at,
            "open",
            remind=remind,
        )
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(
            _key(poll_id),
            mapping={
                "question": question,
                "options": json.dumps(answers, ensure_ascii=False),
                "count": len(answers),
                "scale": int(scale),
                "other": int(other),
                "targets": json.dumps(targets),
                "admin": admin,
                "created_at": repr(now),
                "closes_at": repr(closes_at),
                "state": "open",
                "remind": int(remind),
            },
        )
        pipe.zadd(INDEX, {poll_id: now})
        pipe.zadd(OPEN, {poll_id: closes_at})
        pipe.execute()
        return poll

    def attach(self, poll_id: str, announcement: str, reach: dict[str, int]) -> None:
        """Record the announcement that delivers the poll, and how many subscribers each
        village had when it went out."""
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(_key(poll_id), "announcement", announcement)
        if reach:
            pipe.hset(_key(poll_id) + ":reach", mapping=reach)  # type: ignore[arg-type]
        pipe.execute()

    # -- reading -----------------------------------------------------------------------

    def get(self, poll_id: str) -> Poll | None:
        """The poll, or None."""
        if not poll_id.isdigit():
            return None
        raw = cast(dict[str, str], self.redis.hgetall(_key(poll_id)))
        if not raw or "question" not in raw:
            return None
        return Poll(
            poll_id,
            raw["question"],
            tuple(json.loads(raw.get("options", "[]"))),
            raw.get("scale") == "1",
            raw.get("other") == "1",
            tuple(json.loads(raw.get("targets", "[]"))),
            raw.get("admin", ""),
            float(raw.get("created_at", 0)),
            float(raw.get("closes_at", 0)),
            "closed" if raw.get("state") == "closed" else "open",
            raw.get("announcement", ""),
            raw.get("remind") == "1",
            float(raw.get("reminded_at") or 0),
            float(raw.get("closed_at") or 0),
            raw.get("reminder", ""),
            raw.get("results", ""),
        )

    def recent(self, limit: int = 20) -> list[Poll]:
        """The newest polls first."""
        ids = [str(i) for i in self.redis.zrevrange(INDEX, 0, limit - 1)]
        return [p for p in (self.get(i) for i in ids) if p is not None]

    def link(self, poll_id: str, field: Literal["reminder", "results"], announcement: str) -> None:
        """Record the announcement that carries the poll's reminder or its results."""
        self.redis.hset(_key(poll_id), field, announcement)

    def villages_answered(self, poll_id: str) -> list[str]:
        """The villages with a respondent's count in the tally (ever)."""
        tally = cast(list[str], self.redis.hkeys(_key(poll_id) + ":tally"))
        return sorted({name.rpartition(":")[0] for name in tally if name.endswith(":n")})

    def respondent_keys(self, poll_id: str) -> list[str]:
        """The sets of respondents, one per village that answered."""
        return [_respondents_key(poll_id, v) for v in self.villages_answered(poll_id)]

    def village_of(self, poll_id: str, who: list[str]) -> list[str]:
        """The village each of `who` is counted in ("" for someone who did not answer)."""
        if not who:
            return []
        found = self.redis.hmget(_key(poll_id) + ":vil", who)
        return [str(v) if v is not None else "" for v in found]

    def answer_of(self, poll_id: str, who: Address) -> int | None:
        """The answer `who` gave (None: none)."""
        raw = self.redis.hget(_key(poll_id) + ":ans", str(who))
        return int(raw) if raw is not None else None

    def respondents(self, poll_id: str) -> list[Address]:
        """Everyone who answered (for the results message)."""
        return [Address.parse(str(name)) for name in self.redis.hkeys(_key(poll_id) + ":ans")]

    def results(self, poll: Poll, villages: frozenset[str] | None = None) -> Results:
        """The counts in `villages` (None: every village it reached)."""
        tally = cast(dict[str, str], self.redis.hgetall(_key(poll.id) + ":tally"))
        reach = cast(dict[str, str], self.redis.hgetall(_key(poll.id) + ":reach"))
        counts: dict[int, int] = {}
        respondents = 0
        for name, value in tally.items():
            village, _, answer = name.rpartition(":")
            if villages is not None and village not in villages:
                continue
            if answer == "n":
                respondents += int(value)
            else:
                counts[int(answer)] = counts.get(int(answer), 0) + int(value)
        reached = sum(int(v) for k, v in reach.items() if villages is None or k in villages)
        return Results({a: n for a, n in counts.items() if n > 0}, respondents, reached)

    def by_village(self, poll: Poll) -> dict[str, Results]:
        """Each village's results (the villages it reached or that answered)."""
        tally = cast(dict[str, str], self.redis.hgetall(_key(poll.id) + ":tally"))
        reach = cast(dict[str, str], self.redis.hgetall(_key(poll.id) + ":reach"))
        villages = set(reach) | {name.rpartition(":")[0] for name in tally}
        found: dict[str, Results] = {}
        for village in sorted(villages):
            counts = {
                int(name.rpartition(":")[2]): int(v)
                for name, v in tally.items()
                if name.rpartition(":")[0] == village and not name.endswith(":n") and int(v) > 0
            }
            found[village] = Results(
                counts, int(tally.get(f"{village}:n", 0)), int(reach.get(village, 0))
            )
        return found

    # -- answering and closing ---------------------------------------------------------

    def answer(
        self, poll_id: str, who: Address, answer: int, now: float, other_text: str = ""
    ) -> Answered:
        """Record `who`'s answer (changing an earlier one), in one step with the tally."""
        if not poll_id.isdigit():
            return "unknown"
        text = " ".join(other_text.split())[:MAX_OTHER]
        if answer == OTHER and not text:
            return "invalid"
        for _ in range(ANSWER_TRIES):
            pipe = self.redis.pipeline(transaction=False)
            pipe.hget(record_key(who), "village")
            pipe.hget(_key(poll_id) + ":vil", str(who))
            raw_village, raw_was = pipe.execute()
            village, was = str(raw_village or ""), str(raw_was or "")
            result = self._answer(
                keys=[
                    _key(poll_id),
                    _key(poll_id) + ":ans",
                    _key(poll_id) + ":tally",
                    record_key(who),
                    _of(who),
                    _key(poll_id) + ":other",
                    _key(poll_id) + ":vil",
                    _respondents_key(poll_id, village),
                    _respondents_key(poll_id, was) if was else "",
                ],
                args=[repr(now), str(who), str(answer), text, poll_id, village, was],
            )
            if result != "moved":
                break
        else:
            raise RuntimeError(f"{who} kept moving while answering poll {poll_id}")
        return cast(Answered, str(result))

    def open_polls(self) -> list[Poll]:
        """The open polls, newest first (read from their index: as cheap with a thousand
        polls on record as with one)."""
        ids = [str(i) for i in self.redis.zrevrange(OPEN, 0, -1)]
        found = [p for p in (self.get(i) for i in ids) if p and p.state == "open"]
        return sorted(found, key=lambda p: -p.created_at)

    def close(self, poll_id: str, now: float) -> bool:
        """Close the poll; True only for the call that closed it (results go out once)."""
        return bool(self._close(keys=[_key(poll_id), OPEN, CLOSED], args=[repr(now), poll_id]))

    def closed_to_forget(self, now: float) -> list[Poll]:
        """Closed polls whose answers are past `ANSWER_DAYS`."""
        cutoff = now - ANSWER_DAYS * 86400
        ids = [str(i) for i in self.redis.zrangebyscore(CLOSED, "-inf", cutoff)]
        return [p for p in (self.get(i) for i in ids) if p is not None]

    def forget_answers(self, poll_id: str, now: float) -> int:
        """Delete the poll's individual answers (and who gave them), keeping its tally and
        reach; returns how many residents' answers went."""
        who = [str(w) for w in self.redis.hkeys(_key(poll_id) + ":ans")]
        villages = self.villages_answered(poll_id)
        pipe = self.redis.pipeline(transaction=True)
        for resident in who:
            pipe.srem(_of(Address.parse(resident)), poll_id)
        pipe.delete(
            _key(poll_id) + ":ans",
            _key(poll_id) + ":vil",
            _key(poll_id) + ":other",
            *(_respondents_key(poll_id, v) for v in villages),
        )
        pipe.hset(_key(poll_id), "forgotten_at", repr(now))
        pipe.zrem(CLOSED, poll_id)
        pipe.execute()
        return len(who)

    def claim_reminder(self, poll_id: str, now: float) -> bool:
        """True once per poll, for the call that sends its reminder."""
        return bool(self.redis.hsetnx(_key(poll_id), "reminded_at", repr(now)))

    # -- personal data -----------------------------------------------------------------

    def export(self, address: Address) -> dict[str, Any]:
        """The resident's answers, by poll."""
        answers: dict[str, Any] = {}
        for poll_id in sorted(str(p) for p in self.redis.smembers(_of(address))):
            poll = self.get(poll_id)
            given = self.answer_of(poll_id, address)
            if poll is None or given is None:
                continue
            entry: dict[str, Any] = {"question": poll.question, "answer": poll.label(given)}
            if given == OTHER:
                entry["other"] = str(self.redis.hget(_key(poll_id) + ":other", str(address)) or "")
            answers[poll_id] = entry
        return {"answers": answers} if answers else {}

    def erase(self, address: Address, pipe: Pipeline) -> None:
        """Queue deleting the resident's answers (each tally keeps its count)."""
        for poll_id in (str(p) for p in self.redis.smembers(_of(address))):
            village = self.redis.hget(_key(poll_id) + ":vil", str(address))
            if village is not None:
                pipe.srem(_respondents_key(poll_id, str(village)), str(address))
            for part in (":ans", ":vil", ":other"):
                pipe.hdel(_key(poll_id) + part, str(address))
        pipe.delete(_of(address))

    def readdress(self, old: Address, new: Address, pipe: Pipeline) -> None:
        """Queue moving the resident's answers to their new address."""
        polls = [str(p) for p in self.redis.smembers(_of(old))]
        for poll_id in polls:
            village = self.redis.hget(_key(poll_id) + ":vil", str(old))
            if village is not None:
                pipe.srem(_respondents_key(poll_id, str(village)), str(old))
                pipe.sadd(_respondents_key(poll_id, str(village)), str(new))
            for part in (":ans", ":vil", ":other"):
                value = self.redis.hget(_key(poll_id) + part, str(old))
                if value is not None:
                    pipe.hset(_key(poll_id) + part, str(new), value)
                    pipe.hdel(_key(poll_id) + part, str(old))
        pipe.delete(_of(old))
        if polls:
            pipe.sadd(_of(new), *polls)
