"""Deriving the dashboard's counters from the records, once, for data stored before them.

`ensure_counters` runs at start (`kimbot run`) and rebuilds when the counters' version key
does not hold their version (bot/insights/counters.py). It reads every resident in a village's
audience and every stopped one, every ticket (and, for tickets without the recorded times,
its history), the archive's answers and the audit trail's erasures. What the records do
not hold is approximated: a subscription counts as begun in the week the resident was
created; an erasure counts under no village (the trail keeps only a pseudonym).
Changes made while the rebuild runs may be counted twice or not at all: it runs before
the bot takes messages.
"""

from __future__ import annotations

from bot.desk.tickets import ANSWERED, OPEN
from bot.insights import counters
from bot.services import Services

CHUNK = 2_000


def ensure_counters(svc: Services) -> bool:
    """Rebuild the counters unless they are current; True when it rebuilt them."""
    if counters.current(svc.redis):
        return False
    rebuild(svc)
    return True


def rebuild(svc: Services) -> None:
    """Every counter again, from the records."""
    counters.clear(svc.redis)
    _residents(svc)
    _tickets(svc)
    _archive_answers(svc)
    _erasures(svc)
    counters.mark_current(svc.redis)


def _week(svc: Services, moment: float) -> str:
    return counters.week_of(moment, svc.config.deployment.timezone)


def _residents(svc: Services) -> None:
    """Active subscribers (per village's audience) and stopped residents."""
    for region in svc.regions.villages():
        members = svc.residents.audience(region.code)
        for start in range(0, len(members), CHUNK):
            page = members[start : start + CHUNK]
            pipe = svc.redis.pipeline(transaction=False)
            for address, (locale, _status, _v, created, _s) in zip(
                page, svc.residents.facts(page), strict=True
            ):
                counters.joined(pipe, region.code, address, locale or "id", _week(svc, created))
            pipe.execute()
    stopped = svc.residents.stopped_before(float("inf"), limit=10**9)
    for start in range(0, len(stopped), CHUNK):
        page = stopped[start : start + CHUNK]
        pipe = svc.redis.pipeline(transaction=False)
        for address, (locale, status, village, created, at) in zip(
            page, svc.residents.facts(page), strict=True
        ):
            if status != "stopped":
                continue
            counters.stopped(pipe, village, 1)
            if village:  # it was a subscription: in, then out
                counters.joined(pipe, village, address, locale or "id", _week(svc, created))
                counters.left(pipe, village, address, locale or "id", _week(svc, at))
        pipe.execute()


def _tickets(svc: Services) -> None:
    """Open tickets, times to respond and to answer, ratings, and queued hoax checks."""
    ids = svc.tickets.all_ids()
    for start in range(0, len(ids), CHUNK):
        pipe = svc.redis.pipeline(transaction=False)
        for t in svc.tickets.facts(ids[start : start + CHUNK]):
            responded, answered = t.responded_at, t.first_answer_at
            if responded is None or (answered is None and t.state in ANSWERED):
                found = svc.tickets.first_times(t.id)
                responded, answered = responded or found[0], answered or found[1]
                svc.tickets.mark_times(t.id, responded, answered)
            if responded is not None:
                counters.responded(pipe, t.village, responded - t.created_at)
            if answered is not None:
                counters.answered(pipe, t.village, answered - t.created_at)
            if 1 <= t.rating <= 5:
                counters.rated(pipe, t.village, 0, t.rating)
            if t.state in OPEN:
                counters.opened(pipe, t.village, t.topic, t.id, t.due_at)
            if t.kind == "hoaks":
                week = _week(svc, t.created_at)
                counters.hoax_checked(pipe, t.village, t.group or t.id, week, instant=False)
        pipe.execute()


def _archive_answers(svc: Services) -> None:
    """Checks the archive answered at once, by the resident's kelurahan now."""
    for claim_id in svc.recipients.recent_claims(0.0):
        answered = svc.recipients.answered(claim_id)
        villages = svc.residents.villages([a for a, _at in answered])
        pipe = svc.redis.pipeline(transaction=False)
        for (_address, at), village in zip(answered, villages, strict=True):
            counters.hoax_checked(pipe, village, claim_id, _week(svc, at), instant=True)
        pipe.execute()


def _erasures(svc: Services) -> None:
    """Erasures in the audit trail (within its retention), under no village."""
    erased = svc.audit.entries(0.0, svc.clock.now() + 1, action_prefix="data.erased")
    if erased:
        pipe = svc.redis.pipeline(transaction=False)
        for _entry in erased:
            counters.erased(pipe, "")
        pipe.execute()
