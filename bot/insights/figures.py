"""The dashboard's figures: a tree of frozen dataclasses, built by bot/insights/dashboard.py.

Each number is a `Figure` that names the list behind it (`list`) and that list's filters
(`filters`: field → value); the web layer turns them into a link and adds the viewer's
scope. Periods: weeks start on Monday in the deployment's time zone; broadcasts and top
claims cover the last 30 days.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

ListName = Literal["residents", "tickets", "broadcasts", "hoax_checks", "audit"]


@dataclass(frozen=True)
class Figure:
    """One number, its label key, and the list behind it."""

    key: str  # what it counts: a region code, platform, locale, topic, star count…
    label: str  # its name as shown (a region's name; otherwise the key)
    value: int
    list: ListName
    filters: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RegionFigure:
    """Active subscribers of a kecamatan or a kelurahan/desa."""

    code: str
    name: str
    parent: str  # the kecamatan of a village; "" for a kecamatan
    subscribers: Figure


@dataclass(frozen=True)
class WeekGrowth:
    """Subscriptions begun and ended in one week (starting Monday, deployment's zone)."""

    start: date
    joined: Figure
    left: Figure

    @property
    def net(self) -> int:
        """Joined minus left."""
        return self.joined.value - self.left.value


@dataclass(frozen=True)
class ResidentFigures:
    """Who is subscribed, where, how, and who left."""

    subscribers: Figure
    kecamatan: tuple[RegionFigure, ...]
    villages: tuple[RegionFigure, ...]
    platforms: tuple[Figure, ...]  # tg, then wa
    languages: tuple[Figure, ...]  # most first
    stopped: Figure
    erased: Figure
    growth: tuple[WeekGrowth, ...]  # oldest first, the current week last


@dataclass(frozen=True)
class BroadcastRow:
    """One announcement of the last 30 days and how its delivery went."""

    id: str
    created_at: datetime
    state: str
    targets: tuple[str, ...]
    reach: Figure  # planned recipients (residents and channels); 0 before planning
    sent: Figure
    blocked: Figure
    failed: Figure

    @property
    def pending(self) -> int:
        """Planned recipients without an outcome yet."""
        return max(self.reach.value - self.sent.value - self.blocked.value - self.failed.value, 0)


@dataclass(frozen=True)
class BroadcastFigures:
    """Announcements reaching the scope in the last 30 days."""

    since: datetime
    count: Figure
    reach: Figure
    sent: Figure
    blocked: Figure
    failed: Figure
    rows: tuple[BroadcastRow, ...]  # newest first


@dataclass(frozen=True)
class OpenGroup:
    """Open and overdue tickets of one topic or one kecamatan."""

    key: str  # the topic, or the kecamatan's code ("" for none)
    label: str
    open: Figure
    overdue: Figure


@dataclass(frozen=True)
class DeskFigures:
    """The aspirasi desk: the queue now, how fast it answers, what residents think."""

    open: Figure
    overdue: Figure
    by_topic: tuple[OpenGroup, ...]  # most open first
    by_kecamatan: tuple[OpenGroup, ...]  # in configured order, "" last
    responded: Figure  # tickets that got a first staff response
    answered: Figure  # tickets that got an answer
    median_first_response: timedelta | None  # None: nothing responded yet
    median_answer: timedelta | None
    ratings: tuple[Figure, ...]  # 1 to 5 stars
    mean_rating: float | None  # None: nothing rated


@dataclass(frozen=True)
class HoaxWeek:
    """Hoax checks of one week."""

    start: date
    instant: Figure  # answered at once from the archive
    queued: Figure  # filed for staff

    @property
    def total(self) -> int:
        """Every request that week."""
        return self.instant.value + self.queued.value


@dataclass(frozen=True)
class ClaimFigure:
    """A claim asked about in the last 30 days."""

    claim: str  # the archive's claim id, or the waiting group's first ticket
    verdict: str  # "" while waiting for one
    text: str  # the start of the claim's text ("" when gone)
    checks: Figure


@dataclass(frozen=True)
class HoaxFigures:
    """Hoax checks: per week, instant against queued, the most asked claims."""

    weeks: tuple[HoaxWeek, ...]  # oldest first, the current week last
    instant: Figure  # over the weeks shown
    queued: Figure
    top_claims: tuple[ClaimFigure, ...]


@dataclass(frozen=True)
class Dashboard:
    """Everything the dashboard page shows, for one scope."""

    villages: frozenset[str] | None  # None: the whole deployment
    generated_at: datetime
    residents: ResidentFigures
    broadcasts: BroadcastFigures
    desk: DeskFigures
    hoaxes: HoaxFigures
