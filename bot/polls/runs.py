"""A poll's life around the broadcast engine: it goes out as an announcement (the same
limiter, ledger, progress report and approval as `/broadcast`), its optional reminder
goes to those who have not answered, and when it closes its results go to those who did.

- `start` stores the poll and its announcement (`purpose` poll), with each village's
  subscribers at that moment (response rates), and queues it or asks a superadmin's
  approval above `broadcasts.approval_threshold`.
- `tick` (run every minute by a job, broadcasts/poll_jobs.py) sends due reminders,
  halfway between the poll's delivery and its closing time, closes due polls, and
  deletes individual answers `ANSWER_DAYS` after a poll closed (its tally stays).
- `close` closes a poll (at its time, or an admin's ✖ Close now) once: the results
  announcement is created and queued, and the admin told.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.announcements import audit
from bot.announcements.approval import ask_approval, needs_approval
from bot.announcements.store import OPEN_STATES, Announcement, Purpose
from bot.audit import actors
from bot.platform.actions import PollView
from bot.platform.addresses import Address
from bot.platform.messages import Choice, Reply
from bot.polls.store import Poll
from bot.services import Services

SENT_STATES = ("sending", "done")  # the poll's announcement went out (or is going)


@dataclass(frozen=True)
class Started:
    """A poll and the announcement that carries it."""

    poll: Poll
    announcement: Announcement
    residents: int
    approval: bool


def _object(poll_id: str) -> str:
    return f"poll:{poll_id}"


def start(
    svc: Services,
    admin: Address,
    *,
    question: str,
    options: list[str],
    scale: bool,
    other: bool,
    targets: list[str],
    closes_at: float,
    remind: bool,
    now: float,
) -> Started:
    """Store the poll and send it (or ask approval); PollError when it cannot be asked."""
    poll = svc.polls.create(
        question=question,
        options=options,
        scale=scale,
        other=other,
        targets=targets,
        admin=str(admin),
        now=now,
        closes_at=closes_at,
        remind=remind,
    )
    store = svc.announcements
    villages = store.villages_of(targets)
    counts = svc.residents.subscribers_by_village(villages)
    residents = sum(counts)
    approval = needs_approval(svc, admin, residents)
    ann = store.create(
        admin,
        targets,
        now,
        text=poll.question,
        needs_approval=approval,
        poll=poll.id,
        purpose="poll",
    )
    svc.polls.attach(poll.id, ann.id, dict(zip(villages, counts, strict=True)))
    poll = svc.polls.get(poll.id) or poll
    svc.audit.record(
        "poll.created",
        **actors.person(svc.roles, admin),
        object=_object(poll.id),
        scope=",".join(targets),
        detail={"announcement": ann.id, "answers": len(poll.options), "residents": residents},
    )
    audit.created(svc, ann, residents)
    if approval:
        ask_approval(svc, admin, ann.id, residents)
    else:
        svc.dispatch.submit(ann.id)
    return Started(poll, ann, residents, approval)


def _follow_on(svc: Services, poll: Poll, purpose: Purpose, now: float) -> Announcement:
    """The reminder's or the results' announcement, queued at once (the poll's own was
    approved already, if it needed to be)."""
    admin = Address.parse(poll.admin) if poll.admin else None
    ann = svc.announcements.create(
        admin, list(poll.targets), now, text=poll.question, poll=poll.id, purpose=purpose
    )
    svc.polls.link(poll.id, "reminder" if purpose == "reminder" else "results", ann.id)
    answered = svc.polls.results(poll).respondents
    reach = answered if purpose == "results" else svc.announcements.count_audience(ann.targets)
    audit.created(svc, ann, reach if purpose == "results" else max(0, reach - answered))
    svc.dispatch.submit(ann.id)
    return ann


def remind_at(svc: Services, poll: Poll) -> float | None:
    """When the reminder is due: halfway from the poll's delivery to its closing (None
    while the poll's own announcement has not gone out)."""
    ann = svc.announcements.get(poll.announcement) if poll.announcement else None
    if ann is None or ann.state not in SENT_STATES:
        return None
    began = ann.started_at or ann.created_at
    return began + (poll.closes_at - began) / 2


def close(svc: Services, poll: Poll, now: float, by: Address | None = None) -> bool:
    """Close the poll and send its results to the respondents; True for the call that
    closed it. What of the poll still waits or goes out (its announcement awaiting
    approval or scheduled, its reminder sending) is cancelled: no one gets a poll they
    can no longer answer. A poll whose announcement never went out closes without
    results."""
    if not svc.polls.close(poll.id, now):
        return False
    ann = svc.announcements.get(poll.announcement) if poll.announcement else None
    for carrier in (poll.announcement, poll.reminder):
        if carrier:
            svc.announcements.move(carrier, "cancelled", OPEN_STATES)
    results = svc.polls.results(poll)
    sent = ann is not None and ann.state in SENT_STATES and results.respondents > 0
    if sent:
        _follow_on(svc, poll, "results", now)
    svc.audit.record(
        "poll.closed",
        **(actors.person(svc.roles, by) if by is not None else actors.system()),
        object=_object(poll.id),
        scope=",".join(poll.targets),
        detail={"respondents": results.respondents, "reach": results.reach},
    )
    if poll.admin and (by is None or str(by) != poll.admin):  # one who closed it sees it
        admin = Address.parse(poll.admin)
        tr = svc.translator(svc.config.locales.default)
        text = tr._(
            "Poll #{id} is closed: {respondents} answered. Its results go to them now.",
            id=poll.id,
            respondents=tr.number(results.respondents),
        )
        choices = ((Choice(tr._("📊 Results"), PollView("show", poll.id).pack()),),)
        svc.dispatch.notify(admin, Reply(text=text, choices=choices))
    return True


def tick(svc: Services, now: float) -> tuple[int, int]:
    """Send due reminders, close due polls, and delete the individual answers of polls
    closed `ANSWER_DAYS` ago; (reminders, closed)."""
    reminded = closed = 0
    for old in svc.polls.closed_to_forget(now):
        svc.polls.forget_answers(old.id, now)
    for poll in svc.polls.open_polls():
        if poll.closes_at <= now:
            closed += close(svc, poll, now)
            continue
        if not poll.remind or poll.reminded_at:
            continue
        due = remind_at(svc, poll)
        if due is not None and due <= now and svc.polls.claim_reminder(poll.id, now):
            _follow_on(svc, poll, "reminder", now)
            reminded += 1
    return reminded, closed
