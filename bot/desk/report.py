"""Monthly desk reports: one row per ticket, and summaries per kecamatan and per topic.

No row names the requester. A row names the desk the ticket is routed to (its id as
stored, `default` for the default desk: bot/desk/routing.py). The resident's own words
are left out unless asked for: complaints can hold health, family or financial details
(UU PDP's specific data).
Moments (created, due, first_response, answered) are naive datetimes in the deployment's
zone, to the minute: a spreadsheet gets real dates, a CSV ISO 8601 text (`iso_text`).
Closing the loop (bot/desk/followup.py): each row counts the follow-up questions asked and
the reopenings, and says whether the resident confirmed it solved; each summary gives the
closure rate, the share of followed-up tickets their residents confirmed solved.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.desk.tickets import Ticket, Tickets
from bot.platform.config import DEFAULT_DESK
from bot.regions.tree import RegionIndex

COLUMNS = [
    "id",
    "kind",
    "topic",
    "kecamatan",
    "kelurahan",
    "desk",
    "created",
    "due",
    "state",
    "first_response",
    "first_response_hours",
    "answered",
    "answer_hours",
    "overdue",
    "handled_by",
    "rating",
    "verdict",
    "anonymous",
    "follow_ups",
    "reopened",
    "resident_solved",
]
TEXT_COLUMNS = ["text", "answer", "sources"]  # only with the residents' words (--with-text)
SUMMARY_COLUMNS = [
    "group",
    "tickets",
    "answered",
    "median_first_response_hours",
    "overdue",
    "mean_rating",
    "followed_up",
    "solved",
    "reopened",
    "solved_percent",
]


Value = str | float | int | datetime  # a report cell


@dataclass(frozen=True)
class Row:
    """One ticket, as reported."""

    values: dict[str, Value]


def _local(moment: float | None, zone: ZoneInfo) -> datetime | str:
    """The moment as local wall-clock time to the minute (naive), or "" if there is none."""
    if not moment:
        return ""
    local = datetime.fromtimestamp(moment, zone).replace(second=0, microsecond=0)
    return local.replace(tzinfo=None)


def iso_text(value: Value) -> str | float | int:
    """A value as a CSV cell: moments as ISO 8601 (`2026-11-03 08:15`), the rest as is."""
    return value.isoformat(sep=" ", timespec="minutes") if isinstance(value, datetime) else value


def rows(
    tickets: Tickets,
    regions: RegionIndex,
    found: Iterable[Ticket],
    zone: str,
    with_text: bool,
    now: float,
    name_of: Callable[[str], str] = str,
) -> list[Row]:
    """The report rows for these tickets; `name_of` names the staff who handled each."""
    tz = ZoneInfo(zone)
    out = []
    for t in found:
        history = tickets.history(t.id)
        first = next((h.at for h in history if h.state != "diterima"), None)
        village = regions.get(t.village) if t.village else None
        kecamatan = regions.get(village.parent) if village and village.parent else None
        responded = first or t.answered_at or now  # still waiting: judged as of now
        values: dict[str, Value] = {
            "id": t.id,
            "kind": t.kind,
            "topic": t.topic,
            "kecamatan": kecamatan.name if kecamatan else "",
            "kelurahan": village.name if village else "",
            "desk": t.desk or DEFAULT_DESK,
            "created": _local(t.created_at, tz),
            "due": _local(t.due_at, tz),
            "state": t.state,
            "first_response": _local(first, tz),
            "first_response_hours": round((first - t.created_at) / 3600, 2) if first else "",
            "answered": _local(t.answered_at, tz),
            "answer_hours": round((t.answered_at - t.created_at) / 3600, 2)
            if t.answered_at
            else "",
            "overdue": "yes" if responded > t.due_at else "no",
            "handled_by": name_of(t.claimed_by) if t.claimed_by else "",
            "rating": t.rating or "",
            "verdict": t.verdict,
            "anonymous": "yes" if t.anonymous else "no",
            "follow_ups": t.follow_ups,
            "reopened": t.reopens,
            "resident_solved": "yes" if t.follow_answer == "solved" else "no",
        }
        if with_text:
            values["text"] = t.text
            values["answer"] = t.answer_text
            values["sources"] = t.sources
        out.append(Row(values))
    return out


def summary(report: list[Row], key: str) -> list[dict[str, str | float | int]]:
    """Counts, answered, median first response, overdue, mean rating and the closure rate
    (followed up, confirmed solved, reopened, solved as a share of followed up) per `key`."""
    groups: dict[str, list[Row]] = defaultdict(list)
    for row in report:
        groups[str(row.values[key]) or "-"].append(row)
    out: list[dict[str, str | float | int]] = []
    for name in sorted(groups):
        members = groups[name]
        hours = [
            float(value)
            for r in members
            if isinstance(value := r.values["first_response_hours"], int | float)
        ]
        ratings = [int(value) for r in members if isinstance(value := r.values["rating"], int)]
        followed = [r for r in members if r.values["follow_ups"]]
        solved = sum(1 for r in followed if r.values["resident_solved"] == "yes")
        out.append(
            {
                "group": name,
                "tickets": len(members),
                "answered": sum(1 for r in members if r.values["answered"]),
                "median_first_response_hours": round(statistics.median(hours), 2) if hours else "",
                "overdue": sum(1 for r in members if r.values["overdue"] == "yes"),
                "mean_rating": round(statistics.mean(ratings), 2) if ratings else "",
                "followed_up": len(followed),
                "solved": solved,
                "reopened": sum(1 for r in members if r.values["reopened"]),
                "solved_percent": round(100 * solved / len(followed), 1) if followed else "",
            }
        )
    return out
