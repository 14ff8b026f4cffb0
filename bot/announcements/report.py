"""What an admin reads about a broadcast: the confirmation, progress and final report."""

from __future__ import annotations

from bot.announcements.store import Announcement
from bot.platform.clock import to_datetime
from bot.platform.i18n import Translator


def announcement_state_label(tr: Translator, state: str) -> str:
    """A state in words."""
    return {
        "awaiting_approval": tr._("waiting for approval"),
        "scheduled": tr._("scheduled"),
        "queued": tr._("queued"),
        "sending": tr._("sending"),
        "done": tr._("done"),
        "cancelled": tr._("cancelled"),
        "rejected": tr._("rejected"),
    }.get(state, state)


WAITING = ("scheduled", "awaiting_approval", "queued")


def progress_text(tr: Translator, ann: Announcement, now: float) -> str:
    """Counts, remaining and an ETA while sending; a final report when done."""
    counts = ann.counts
    sent, blocked, failed = (counts.get(k, 0) for k in ("sent", "blocked", "failed"))
    remaining = max(ann.total - sent - blocked - failed, 0)
    lines = [
        tr._(
            "📣 Announcement #{id}: {state}",
            id=ann.id,
            state=announcement_state_label(tr, ann.state),
        )
    ]
    if ann.total or ann.state not in WAITING:  # before planning there is nothing to count
        lines.append(
            tr._(
                "Sent {sent} · blocked {blocked} · failed {failed} · remaining {remaining}",
                sent=tr.number(sent),
                blocked=tr.number(blocked),
                failed=tr.number(failed),
                remaining=tr.number(remaining),
            )
        )
    if ann.state == "scheduled" and ann.scheduled_at:
        lines.append(tr._("Goes out {when}.", when=tr.datetime_text(to_datetime(ann.scheduled_at))))
    if ann.state == "sending" and ann.started_at and remaining:
        elapsed = max(now - ann.started_at, 1.0)
        done = sent + blocked + failed
        if done:
            eta = remaining * elapsed / done
            lines.append(
                tr._("About {minutes} min left.", minutes=tr.number(max(1, round(eta / 60))))
            )
    if ann.state == "done" and ann.started_at and ann.finished_at:
        seconds = max(ann.finished_at - ann.started_at, 0.0)
        lines.append(tr._("Finished in {seconds} s.", seconds=tr.number(round(seconds))))
        if failed or blocked:
            lines.append(
                tr._(
                    "The operator can list who was not reached: kimbot broadcast status {id}",
                    id=ann.id,
                )
            )
    if ann.note:
        lines.append(ann.note)
    return "\n".join(lines)
