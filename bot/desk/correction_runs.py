"""Telling everyone who received an archived verdict that it was corrected or withdrawn.

When staff press ✅ Send on a correction (or confirm 🗑 Withdraw, bot/desk/corrections.py)
the archive changes at once, a run is recorded here, and `Dispatch.fan_out` queues ONE
job (`broadcasts.desk_jobs.fan_out_job`) that does the rest, so the press answers at
once even for a claim that reached 10,000 residents:

    the claim's tickets carry the new (or no) verdict, a history entry each (first, so
    a ticket opened meanwhile already shows it)
    → each batch of recipients (the claim's requesters and the residents `/cekhoaks`
    answered from the archive, once each), less those already told in this run and
    those erased meanwhile → one notice each, in the resident's language, queued on the
    ordinary notice path (WhatsApp's window and ticket template apply; a resident erased
    later loses the notice with their data), marked told in the same transaction
    → a withdrawn claim's record of recipients is dropped
    → the staff group is told how many residents got it (once per run).

A run is safe to repeat: a worker killed mid-way and the job retried (or the job queued
twice) skips everyone the run already told, since marking and queueing a notice are one
transaction; restating a ticket that already carries the verdict changes nothing.

Redis keys (owned here):
- `kim:hx:out:{run}` — hash: kind (`correction` or `withdrawal`), claim (JSON: the verdict
  as residents received it), new (JSON: the corrected one), staff, done (set once the
  report was made); expires `RUN_SECONDS` after the run started.
- `kim:hx:out:{run}:told` — set of the residents the run told, each a hash of the address
  (no chat id is kept); expires with the run.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, cast

from redis.client import Pipeline

from bot.desk.correction_texts import correction_text, withdrawal_text
from bot.desk.hoaxes import Claim, Fingerprint
from bot.desk.tickets import Ticket
from bot.platform.addresses import Address
from bot.platform.messages import Reply
from bot.platform.store import Redis

if TYPE_CHECKING:
    from bot.desk.corrections import Corrections

RUN_SECONDS = 7 * 86400
BATCH = 500
KINDS = ("correction", "withdrawal")


def _run_key(run_id: str) -> str:
    return f"kim:hx:out:{run_id}"


def _told_key(run_id: str) -> str:
    return f"kim:hx:out:{run_id}:told"


def mark_of(address: Address) -> str:
    """How a run records that it told a resident: a hash, never the chat id."""
    return hashlib.blake2b(str(address).encode(), digest_size=10).hexdigest()


def _claim_json(claim: Claim) -> str:
    return json.dumps(
        {**asdict(claim), "fingerprint": claim.fingerprint.to_json()}, ensure_ascii=False
    )


def _claim_from(raw: str) -> Claim:
    data = json.loads(raw)
    data["fingerprint"] = Fingerprint.from_json(data.get("fingerprint") or {})
    return Claim(**data)


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


@dataclass(frozen=True)
class Run:
    """One correction or withdrawal being told."""

    id: str
    kind: str
    claim: Claim  # the verdict as residents received it
    new: Claim | None  # the corrected one (None: withdrawn)
    staff: str


@dataclass(frozen=True)
class Tell:
    """One notice of a run: to whom, how the run records it, what."""

    to: Address
    mark: str
    reply: Reply


Teller = Callable[[str, list[Tell]], int]
"""Queue a batch's notices, skipping and marking as the run records them; returns how
many were queued (broadcasts/desk_jobs.py does it in one transaction)."""


class CorrectionRuns:
    """Runs of corrections and withdrawals, on one desk's corrections."""

    def __init__(self, corrections: Corrections) -> None:
        self.corrections = corrections
        self.svc = corrections.svc

    # -- starting ----------------------------------------------------------------------

    def start(self, kind: str, claim: Claim, new: Claim | None, staff: str) -> str:
        """Record a run and queue its job; returns the run's id."""
        if kind not in KINDS:
            raise ValueError(f"unknown kind of run {kind!r}")
        run_id = f"{claim.id}-{secrets.token_hex(4)}"
        fields: dict[Any, Any] = {
            "kind": kind,
            "claim": _claim_json(claim),
            "new": _claim_json(new) if new is not None else "",
            "staff": staff,
        }
        pipe = self.svc.redis.pipeline(transaction=True)
        pipe.hset(_run_key(run_id), mapping=fields)
        pipe.expire(_run_key(run_id), RUN_SECONDS)
        pipe.execute()
        self.svc.dispatch.fan_out(run_id)
        return run_id

    def get(self, run_id: str) -> Run | None:
        """The run, unless it expired (or never was)."""
        raw = self.svc.redis.hgetall(_run_key(run_id))
        fields = {_text(k): _text(v) for k, v in raw.items()}
        if fields.get("kind") not in KINDS or not fields.get("claim"):
            return None
        new = fields.get("new", "")
        return Run(
            id=run_id,
            kind=fields["kind"],
            claim=_claim_from(fields["claim"]),
            new=_claim_from(new) if new else None,
            staff=fields.get("staff", ""),
        )

    # -- telling -----------------------------------------------------------------------

    def run(self, run_id: str, tell: Teller, batch: int = BATCH) -> Reply | None:
        """Tell the run's recipients through `tell`, restate the tickets, and return the
        staff group's report (None: no such run, or its report was made already)."""
        run = self.get(run_id)
        if run is None:
            return None
        self.restate(run)
        for tells in self.pending(run, batch):
            tell(run.id, tells)
        return self.finish(run)

    def pending(self, run: Run, batch: int = BATCH) -> Iterator[list[Tell]]:
        """The run's recipients not yet told, `batch` at a time, each notice in the
        resident's language; residents erased meanwhile are left out."""
        everyone = self.corrections.recipients(run.claim)
        for start in range(0, len(everyone), batch):
            chunk = everyone[start : start + batch]
            untold = self.untold(run.id, [mark_of(a) for a, _ref in chunk], self.svc.redis)
            tells = [
                self._tell(run, a, ref) for (a, ref), new in zip(chunk, untold, strict=True) if new
            ]
            found = [t for t in tells if t is not None]
            if found:
                yield found

    def _tell(self, run: Run, address: Address, ref: str) -> Tell | None:
        resident = self.svc.residents.get(address)
        if resident is None:
            return None  # erased (or never subscribed): nothing goes out
        tr = self.svc.translator(resident.locale)
        if run.new is not None:
            text = correction_text(tr, run.new, run.claim.verdict)
        else:
            text = withdrawal_text(tr, run.claim)
        return Tell(address, mark_of(address), Reply(text=text, ticket=ref))

    def watch(self, run_id: str, pipe: Pipeline) -> None:
        """Watch the run's record of who was told (optimistic locking in a transaction)."""
        pipe.watch(_told_key(run_id))  # type: ignore[no-untyped-call]

    def untold(self, run_id: str, marks: list[str], client: Redis | Pipeline) -> list[bool]:
        """For each mark: True if the run has not told that resident yet."""
        if not marks:
            return []
        found = cast(list[int], client.smismember(_told_key(run_id), marks))
        return [not int(f) for f in found]

    def mark(self, run_id: str, marks: list[str], pipe: Pipeline) -> None:
        """Record that the run told these residents (in the caller's transaction)."""
        if marks:
            pipe.sadd(_told_key(run_id), *marks)
            pipe.expire(_told_key(run_id), RUN_SECONDS)

    def told(self, run_id: str) -> int:
        """How many residents the run told."""
        return int(self.svc.redis.scard(_told_key(run_id)))

    # -- finishing ---------------------------------------------------------------------

    def restate(self, run: Run) -> None:
        """The claim's tickets carry the new (or no) verdict: first, before anyone is
        told, so that a resident who opens their ticket while the notices go out already
        reads the correction. Tickets that carry it already are left as they are."""
        now = self.svc.clock.now()
        new = run.new
        if new is not None:
            note = f"koreksi: [{run.claim.verdict}] → [{new.verdict}]"
            target = (new.verdict, new.explanation, new.sources)
        else:
            note = f"ditarik: [{run.claim.verdict}]"
            target = ("", "", "")
        for ticket in self.corrections.tickets(run.claim):
            if ticket.verdict and (ticket.verdict, ticket.answer, ticket.sources) != target:
                self._restate(ticket, run.staff, now, note, *target)

    def finish(self, run: Run) -> Reply | None:
        """Drop a withdrawn claim's recipients, and return the staff group's report: once
        per run (None the second time)."""
        new = run.new
        if new is None and self.svc.hoaxes.claim(run.claim.id) is None:
            self.svc.recipients.forget(run.claim.id)
        if not self.svc.redis.hsetnx(_run_key(run.id), "done", "1"):
            return None
        tr = self.corrections.tr
        count = tr.number(self.told(run.id))
        if new is not None:
            done = tr._(
                "Correction of {id} sent to {count} resident(s).", id=run.claim.id, count=count
            )
        else:
            done = tr._("{id} withdrawn; {count} resident(s) told.", id=run.claim.id, count=count)
        return Reply(text=done)

    def _restate(
        self,
        ticket: Ticket,
        who: str,
        now: float,
        note: str,
        verdict: str,
        explanation: str,
        sources: str,
    ) -> None:
        """The ticket carries the corrected (or no) verdict; its history says so."""
        self.svc.tickets.transition(
            ticket.id,
            ticket.state,
            (ticket.state,),
            who,
            now,
            note=note,
            verdict=verdict,
            answer=explanation,
            sources=sources,
        )
