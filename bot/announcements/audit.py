"""The audit entries of an announcement's life: composed (or scheduled), approved,
rejected, cancelled, sent. One entry per step, written by the code that takes the step:
the `/broadcast` dialog, clarifications from the desk, `kimbot broadcast`, and the job
that sees the last recipient's outcome."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.announcements.store import Announcement
from bot.audit import actors
from bot.platform.addresses import Address
from bot.services import Services


def _object(announcement_id: str) -> str:
    return f"broadcast:{announcement_id}"


def created(svc: Services, ann: Announcement, residents: int | None = None) -> str:
    """A new announcement: `broadcast.scheduled` when it goes straight to the schedule,
    else `broadcast.composed` (queued, or waiting for a superadmin's approval), with the
    residents it reaches (counted again unless the caller just did)."""
    if residents is None:
        residents = svc.announcements.count_audience(ann.targets)
    detail: dict[str, str | int] = {
        "state": ann.state,
        "residents": residents,
        "channels": len(svc.announcements.channel_chats(ann.targets)),
    }
    if ann.scheduled_at:
        local = datetime.fromtimestamp(ann.scheduled_at, ZoneInfo(svc.config.deployment.timezone))
        detail["at"] = local.isoformat(sep=" ", timespec="minutes")
    action = "broadcast.scheduled" if ann.state == "scheduled" else "broadcast.composed"
    return svc.audit.record(
        action,
        **actors.of(svc.roles, ann.admin),
        object=_object(ann.id),
        scope=",".join(ann.targets),
        detail=detail,
    )


def decided(svc: Services, ann: Announcement, verb: str, who: Address) -> str:
    """A superadmin approved or rejected it, or its owner (or a superadmin) cancelled it."""
    action = {
        "approve": "broadcast.approved",
        "reject": "broadcast.rejected",
        "cancel": "broadcast.cancelled",
    }[verb]
    return svc.audit.record(
        action,
        **actors.person(svc.roles, who),
        object=_object(ann.id),
        scope=",".join(ann.targets),
        detail={"was": ann.state},
    )


def sent(svc: Services, ann: Announcement) -> str:
    """Every recipient has an outcome: the counts, written by the job that saw the last."""
    return svc.audit.record(
        "broadcast.sent",
        **actors.system(),
        object=_object(ann.id),
        scope=",".join(ann.targets),
        detail={
            "delivered": ann.counts.get("sent", 0),
            "failed": ann.counts.get("failed", 0),
            "blocked": ann.counts.get("blocked", 0),
        },
    )
