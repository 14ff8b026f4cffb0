"""The desk queue as the web console lists it: filtered, in a viewer's villages, paged.

Filters come from a page's query string (`QueueFilter.parse`): `state` (open — the
default —, all, or one state), `kind` (hoaks: hoax checks; aspirasi: every other kind),
`rating` (1-5 stars), `topic` (one of config.yaml's desk topics), `kecamatan`,
`village` (region codes), `desk` (`default` or an id of desk.desks: the tickets routed
to that desk, bot/desk/routing.py), `due` (all, overdue, today: due before the end of today in the
deployment's time zone and not yet overdue), `order` (oldest — the default, as
`/antrian` lists them — or newest) and `page`. A value that is not one of those is an
error naming the filter (`FilterError`), never a silently wider list. The whole queue
(open or all, for a viewer who sees every village) is read a page at a time
(`Tickets.heading_page`); otherwise the candidates are read as headings
(`Tickets.headings`: a due filter reads only the open tickets due in its window) and
filtered here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.desk.tickets import OPEN, Heading, Tickets
from bot.platform.config import DEFAULT_DESK
from bot.regions.tree import RegionIndex

STATES = ("diterima", "diverifikasi", "diteruskan", "dijawab", "selesai", "ditolak")
STATE_FILTERS = ("open", "all", *STATES)
DUE_FILTERS = ("all", "overdue", "today")
ORDERS = ("oldest", "newest")
KIND_FILTERS = ("", "aspirasi", "hoaks")
RATING_FILTERS = ("", "1", "2", "3", "4", "5")
PAGE = 50
MAX_PAGE = 100_000


class FilterError(ValueError):
    """A filter with a value it does not take; `name` is the filter's name."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


@dataclass(frozen=True)
class QueueFilter:
    """What the queue is narrowed to, and which page of it is shown."""

    state: str = "open"
    topic: str = ""
    kecamatan: str = ""
    village: str = ""
    due: str = "all"
    order: str = "oldest"
    page: int = 1
    kind: str = ""
    rating: str = ""
    desk: str = ""

    @classmethod
    def parse(
        cls,
        query: Mapping[str, str],
        topics: list[str],
        regions: RegionIndex,
        desks: Sequence[str] = (),
    ) -> QueueFilter:
        """The filter a query string asks for; FilterError for a value it may not have."""
        state = query.get("state", "") or "open"
        if state not in STATE_FILTERS:
            raise FilterError("state")
        topic = query.get("topic", "")
        if topic and topic not in topics:
            raise FilterError("topic")
        kecamatan = query.get("kecamatan", "")
        if kecamatan:
            region = regions.get(kecamatan)
            if region is None or region.level != "kecamatan":
                raise FilterError("kecamatan")
            kecamatan = region.code
        village = query.get("village", "")
        if village:
            region = regions.get(village)
            if region is None or region.level in ("city", "kecamatan"):
                raise FilterError("village")
            village = region.code
        due = query.get("due", "") or "all"
        if due not in DUE_FILTERS:
            raise FilterError("due")
        order = query.get("order", "") or "oldest"
        if order not in ORDERS:
            raise FilterError("order")
        raw_page = query.get("page", "") or "1"
        if not raw_page.isdigit() or not 1 <= int(raw_page) <= MAX_PAGE:
            raise FilterError("page")
        kind = query.get("kind", "")
        if kind not in KIND_FILTERS:
            raise FilterError("kind")
        rating = query.get("rating", "")
        if rating not in RATING_FILTERS:
            raise FilterError("rating")
        desk = query.get("desk", "")
        if desk and desk != DEFAULT_DESK and desk not in desks:
            raise FilterError("desk")
        return cls(state, topic, kecamatan, village, due, order, int(raw_page), kind, rating, desk)

    def query(self, **changes: str | int) -> dict[str, str]:
        """This filter as query parameters (defaults left out), with `changes` applied."""
        values: dict[str, str | int] = {
            "state": self.state,
            "topic": self.topic,
            "kecamatan": self.kecamatan,
            "village": self.village,
            "due": self.due,
            "order": self.order,
            "page": self.page,
            "kind": self.kind,
            "rating": self.rating,
            "desk": self.desk,
            **changes,
        }
        defaults = QueueFilter()
        return {
            name: str(value)
            for name, value in values.items()
            if value != getattr(defaults, name) and value != ""
        }


@dataclass(frozen=True)
class QueuePage:
    """One page of the filtered queue."""

    rows: list[Heading]
    total: int
    page: int
    pages: int


def today_window(now: float, timezone: str) -> tuple[float, float]:
    """[now, the start of tomorrow) in the deployment's time zone."""
    zone = ZoneInfo(timezone)
    tomorrow = datetime.fromtimestamp(now, zone).date() + timedelta(days=1)
    return now, datetime.combine(tomorrow, time(), zone).timestamp()


def queue_page(
    tickets: Tickets,
    regions: RegionIndex,
    wanted: QueueFilter,
    villages: frozenset[str] | None,
    now: float,
    timezone: str,
    desks: Sequence[str] = (),
) -> QueuePage:
    """The page of tickets `wanted` asks for, among those of `villages` (None: all);
    `desks` are the configured desks' ids (a ticket of any other is the default desk's)."""
    unfiltered = not (
        wanted.topic
        or wanted.kecamatan
        or wanted.village
        or wanted.kind
        or wanted.rating
        or wanted.desk
    )
    if unfiltered and villages is None and wanted.due == "all" and wanted.state in ("open", "all"):
        rows, total, page = tickets.heading_page(
            open_only=wanted.state == "open",
            page=wanted.page,
            size=PAGE,
            newest=wanted.order == "newest",
        )
        return QueuePage(rows, total, page, max(1, -(-total // PAGE)))
    if wanted.due == "overdue":
        found = tickets.headings(open_only=True, due_to=now)
    elif wanted.due == "today":
        start, end = today_window(now, timezone)
        found = tickets.headings(open_only=True, due_from=start, due_to=end)
    else:
        found = tickets.headings(open_only=wanted.state in (*OPEN, "open"))
    in_kecamatan = (
        {v.code for v in regions.villages(wanted.kecamatan)} if wanted.kecamatan else None
    )

    def keep(heading: Heading) -> bool:
        if wanted.state == "open" and heading.state not in OPEN:
            return False
        if wanted.state not in ("open", "all") and heading.state != wanted.state:
            return False
        if wanted.topic and heading.topic != wanted.topic:
            return False
        if in_kecamatan is not None and heading.village not in in_kecamatan:
            return False
        if wanted.village and heading.village != wanted.village:
            return False
        if wanted.kind and (heading.kind == "hoaks") != (wanted.kind == "hoaks"):
            return False
        if wanted.rating and heading.rating != int(wanted.rating):
            return False
        if wanted.desk:
            desk = heading.desk if heading.desk in desks else DEFAULT_DESK
            if desk != wanted.desk:
                return False
        return villages is None or heading.village in villages

    rows = sorted(
        (h for h in found if keep(h)),
        key=lambda h: (h.created_at, h.id),
        reverse=wanted.order == "newest",
    )
    pages = max(1, -(-len(rows) // PAGE))
    page = min(wanted.page, pages)
    return QueuePage(rows[(page - 1) * PAGE : page * PAGE], len(rows), page, pages)
