"""Monthly desk reports: one row per ticket, and summaries per kecamatan and per topic.

No row names the requester. The resident's own words are left out unless asked for:
complaints can hold health, family or financial details (UU PDP's specific data).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.desk.tickets import Ticket, Tickets
from bot.regions.tree import RegionIndex

COLUMNS = [
    "id",
    "kind",
    "topic",
    "kecamatan",
    "kelurahan",
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
]
TEXT_COLUMNS = ["text", "answer", "sources"]  # only with the residents' words (--with-text)
SUMMARY_COLUMNS = [
    "group",
    "tickets",
    "answered",
    "median_first_response_hours",
    "overdue",
    "mean_rating",
]


@dataclass(frozen=True)
class Row:
    """One ticket, as reported."""

    values: dict[str, str | float | int]


def _local(moment: float | None, zone: ZoneInfo) -> str:
    return datetime.fromtimestamp(moment, zone).strftime("%Y-%m-%d %H:%M") if moment else ""


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
        values: dict[str, str | float | int] = {
            "id": t.id,
            "kind": t.kind,
            "topic": t.topic,
            "kecamatan": kecamatan.name if kecamatan else "",
            "kelurahan": village.name if village else "",
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
        }
        if with_text:
            values["text"] = t.text
            values["answer"] = t.answer_text
            values["sources"] = t.sources
        out.append(Row(values))
    return out


def summary(report: list[Row], key: str) -> list[dict[str, str | float | int]]:
    """Counts, answered, median first response, overdue and mean rating per `key`."""
    groups: dict[str, list[Row]] = defaultdict(list)
    for row in report:
        groups[str(row.values[key]) or "-"].append(row)
    out: list[dict[str, str | float | int]] = []
    for name in sorted(groups):
        members = groups[name]
        hours = [
            float(r.values["first_response_hours"])
            for r in members
            if r.values["first_response_hours"] != ""
        ]
        ratings = [int(r.values["rating"]) for r in members if r.values["rating"] != ""]
        out.append(
            {
                "group": name,
                "tickets": len(members),
                "answered": sum(1 for r in members if r.values["answered"]),
                "median_first_response_hours": round(statistics.median(hours), 2) if hours else "",
                "overdue": sum(1 for r in members if r.values["overdue"] == "yes"),
                "mean_rating": round(statistics.mean(ratings), 2) if ratings else "",
            }
        )
    return out
