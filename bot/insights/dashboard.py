"""The console's dashboard: every figure of a deployment, or of the villages a viewer sees.

`build_dashboard(services, villages, now)` reads the audience sets (subscribers per
village), the counters of bot/insights/counters.py (platforms, languages, growth, stops,
erasures, times to respond, ratings, hoax checks, open tickets per topic and their due
dates) and the last 30 days' announcements, in a few round trips. Its cost grows with
the villages shown, the overdue tickets and the month's announcements, not with the
residents or the tickets ever filed, nor with the weeks the counters have kept. The
figures are the dataclasses of bot/insights/figures.py.

Each figure carries the list behind it as plain data: `list` (which list: residents,
tickets, broadcasts, hoax_checks, audit) and `filters` (field → value, e.g.
`{"kecamatan": "36.72.01", "state": "open"}`); the web layer builds the URL and adds the
viewer's scope. `villages=None` is the whole deployment, including what belongs to no
village (residents who never chose one, tickets without one, erasures the rebuild could
not place); a set of codes is exactly those villages.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.announcements.roles import KOMUNITAS
from bot.announcements.store import Summary
from bot.desk.correction_texts import excerpt
from bot.insights import counters
from bot.insights.figures import (
    BroadcastFigures,
    BroadcastRow,
    ClaimFigure,
    Dashboard,
    DeskFigures,
    Figure,
    HoaxFigures,
    HoaxWeek,
    ListName,
    OpenGroup,
    RegionFigure,
    ResidentFigures,
    WeekGrowth,
)
from bot.residents.records import village_audience_key
from bot.services import Services

__all__ = ["Dashboard", "build_dashboard"]

WEEKS = 12
BROADCAST_DAYS = 30
CLAIM_DAYS = 30
TOP_CLAIMS = 10
CLAIM_EXCERPT = 80
NO_REGION = ""  # the key of figures that belong to no kecamatan or kelurahan


def build_dashboard(
    services: Services, villages: frozenset[str] | None, now: datetime
) -> Dashboard:
    """The dashboard of `villages` (None: the whole deployment) at `now` (aware)."""
    scope = _Scope(services, villages)
    moment = now.timestamp()
    weeks = _weeks(moment, services.config.deployment.timezone)
    read = scope.read(weeks, _claim_weeks(services, moment))
    return Dashboard(
        villages=villages,
        generated_at=now,
        residents=_residents(scope, read, weeks),
        broadcasts=_broadcasts(services, scope, now),
        desk=_desk(services, scope, read.counts, moment),
        hoaxes=_hoaxes(services, read, weeks, moment),
    )


@dataclass(frozen=True)
class _Read:
    """What one round trip read: subscribers per village, the counters added up over the
    scope (their field names never clash), and hoax checks per claim."""

    subscribers: dict[str, int]
    counts: Counter[str]
    claims: Counter[str]


class _Scope:
    """The villages a viewer sees, and their kecamatan."""

    def __init__(self, svc: Services, villages: frozenset[str] | None) -> None:
        self.svc = svc
        self.whole = villages is None
        known = svc.regions.villages()
        self.villages = [v for v in known if villages is None or v.code in villages]
        self.codes = [v.code for v in self.villages]
        self.kecamatan = [
            k for k in svc.regions.kecamatan if any(v.parent == k.code for v in self.villages)
        ]
        self._kecamatan_of = {v.code: v.parent or NO_REGION for v in self.villages}

    def counted(self) -> list[str]:
        """The counters that add up to the scope: the deployment's own, or each village's."""
        return [counters.ALL] if self.whole else list(self.codes)

    def kecamatan_of(self, village: str) -> str:
        """The kecamatan code of a village in scope ("" for none or unknown)."""
        return self._kecamatan_of.get(village, NO_REGION)

    def read(self, weeks: list[date], claim_weeks: list[str]) -> _Read:
        """Every counter the dashboard shows, in one round trip: by field where a hash
        keeps a field per week, whole where its fields are bounded."""
        resident_fields = ["tg", "wa", "stopped", "erased"]
        resident_fields += [f"loc:{code}" for code in self.svc.config.locales.enabled]
        resident_fields += [f"{d}:{w.isoformat()}" for w in weeks for d in ("in", "out")]
        desk_fields = [f"rating:{n}" for n in range(1, 6)]
        desk_fields += [f"{k}:{w.isoformat()}" for w in weeks for k in ("hxi", "hxq")]
        codes = self.counted()
        pipe = self.svc.redis.pipeline(transaction=False)
        for code in codes:
            pipe.hmget(counters.village_key(code), resident_fields)
            pipe.hmget(counters.desk_key(code), desk_fields)
            pipe.hgetall(counters.times_key(code))
            for week in claim_weeks:
                pipe.hgetall(counters.claims_key(code, week))
        for code in self.codes:
            pipe.scard(village_audience_key(code))
        raw = pipe.execute()
        per_code = 3 + len(claim_weeks)
        counts: Counter[str] = Counter()
        claims: Counter[str] = Counter()
        for n in range(len(codes)):
            got = raw[n * per_code : (n + 1) * per_code]
            counts.update(_numbers(dict(zip(resident_fields, got[0], strict=True))))
            counts.update(_numbers(dict(zip(desk_fields, got[1], strict=True))))
            counts.update(_numbers(got[2]))
            for week_claims in got[3:]:
                claims.update(_numbers(week_claims))
        sizes = raw[len(codes) * per_code :]
        subscribers = {code: int(size) for code, size in zip(self.codes, sizes, strict=True)}
        return _Read(subscribers, counts, claims)


def _numbers(raw: Mapping[str, str | None]) -> Counter[str]:
    """Counter fields as numbers (missing or unreadable values count 0)."""
    found: Counter[str] = Counter()
    for name, value in raw.items():
        try:
            found[str(name)] = int(value or 0)
        except ValueError:
            continue
    return found


def _figure(key: str, value: int, list_name: ListName, label: str = "", **filters: str) -> Figure:
    return Figure(key, label or key, value, list_name, dict(filters))


def _weeks(moment: float, tz: str) -> list[date]:
    """The Mondays of the last `WEEKS` weeks, oldest first."""
    current = date.fromisoformat(counters.week_of(moment, tz))
    return [current - timedelta(weeks=n) for n in range(WEEKS - 1, -1, -1)]


def _residents(scope: _Scope, read: _Read, weeks: list[date]) -> ResidentFigures:
    total = read.counts
    villages = tuple(
        RegionFigure(
            v.code,
            v.name,
            v.parent or "",
            _figure(v.code, read.subscribers[v.code], "residents", v.name, village=v.code),
        )
        for v in scope.villages
    )
    kecamatan = tuple(
        RegionFigure(
            k.code,
            k.name,
            "",
            _figure(
                k.code,
                sum(f.subscribers.value for f in villages if f.parent == k.code),
                "residents",
                k.name,
                kecamatan=k.code,
            ),
        )
        for k in scope.kecamatan
    )
    languages = sorted(
        ((name[4:], n) for name, n in total.items() if name.startswith("loc:") and n > 0),
        key=lambda pair: (-pair[1], pair[0]),
    )
    growth = tuple(
        WeekGrowth(
            week,
            _figure("joined", total[f"in:{week}"], "residents", joined=week.isoformat()),
            _figure("left", total[f"out:{week}"], "residents", left=week.isoformat()),
        )
        for week in weeks
    )
    return ResidentFigures(
        subscribers=_figure(
            "subscribers", sum(read.subscribers.values()), "residents", status="active"
        ),
        kecamatan=kecamatan,
        villages=villages,
        platforms=tuple(
            _figure(p, max(total[p], 0), "residents", platform=p) for p in ("tg", "wa")
        ),
        languages=tuple(_figure(locale, n, "residents", locale=locale) for locale, n in languages),
        stopped=_figure("stopped", max(total["stopped"], 0), "residents", status="stopped"),
        erased=_figure("erased", total["erased"], "audit", action="data.erased"),
        growth=growth,
    )


def _reaches(scope: _Scope, targets: Iterable[str]) -> bool:
    """Whether an announcement to `targets` reaches the scope (komunitas: the whole only)."""
    if scope.whole:
        return True
    return any(
        not t.startswith(KOMUNITAS) and any(scope.svc.regions.contains(t, v) for v in scope.codes)
        for t in targets
    )


def _broadcasts(svc: Services, scope: _Scope, now: datetime) -> BroadcastFigures:
    since = now - timedelta(days=BROADCAST_DAYS)
    found: list[Summary] = [
        s for s in svc.announcements.since(since.timestamp()) if _reaches(scope, s.targets)
    ]
    rows = tuple(
        BroadcastRow(
            id=s.id,
            created_at=datetime.fromtimestamp(s.created_at, now.tzinfo),
            state=s.state,
            targets=s.targets,
            reach=_figure("reach", s.audience + s.channels, "broadcasts", broadcast=s.id),
            sent=_figure(
                "sent", s.counts.get("sent", 0), "broadcasts", broadcast=s.id, outcome="sent"
            ),
            blocked=_figure(
                "blocked",
                s.counts.get("blocked", 0),
                "broadcasts",
                broadcast=s.id,
                outcome="blocked",
            ),
            failed=_figure(
                "failed", s.counts.get("failed", 0), "broadcasts", broadcast=s.id, outcome="failed"
            ),
        )
        for s in found
    )
    start = since.date().isoformat()

    def total(name: str, outcome: str = "") -> Figure:
        value = sum(getattr(r, name).value for r in rows)
        extra = {"outcome": outcome} if outcome else {}
        return _figure(name, value, "broadcasts", since=start, **extra)

    return BroadcastFigures(
        since=since,
        count=_figure("broadcasts", len(rows), "broadcasts", since=start),
        reach=total("reach"),
        sent=total("sent", "sent"),
        blocked=total("blocked", "blocked"),
        failed=total("failed", "failed"),
        rows=rows,
    )


def _median(histogram: Counter[str], prefix: str) -> timedelta | None:
    """The median duration of a counters histogram (`first:` or `answer:` buckets)."""
    buckets = sorted(
        (int(name[len(prefix) :]), n)
        for name, n in histogram.items()
        if name.startswith(prefix) and name[len(prefix) :].isdigit() and n > 0
    )
    total = sum(n for _b, n in buckets)
    if not total:
        return None
    seen = 0
    for bucket, n in buckets:
        seen += n
        if 2 * seen >= total:
            return timedelta(seconds=round(counters.bucket_seconds(bucket)))
    return None  # unreachable: the last bucket takes `seen` to `total`


def _open_counts(
    svc: Services, scope: _Scope, moment: float
) -> tuple[Counter[str], Counter[str], Counter[str], Counter[str]]:
    """Open and overdue tickets by topic, and by kecamatan, from the open counters in
    one round trip: each village's (the kecamatan's sums) and, for the whole deployment,
    its own (which also holds tickets of no or of unknown villages)."""
    before = f"({moment!r}"
    pipe = svc.redis.pipeline(transaction=False)
    for code in scope.codes:
        pipe.hgetall(counters.open_key(code))
        pipe.zrangebyscore(counters.due_key(code), "-inf", before)
    if scope.whole:
        pipe.hgetall(counters.open_key(counters.ALL))
        pipe.zrangebyscore(counters.due_key(counters.ALL), "-inf", before)
    raw = pipe.execute()
    topics: Counter[str] = Counter()
    topics_late: Counter[str] = Counter()
    places: Counter[str] = Counter()
    places_late: Counter[str] = Counter()
    for n, code in enumerate(scope.codes):
        mine, late = _numbers(raw[2 * n]), raw[2 * n + 1]
        places[scope.kecamatan_of(code)] += sum(v for v in mine.values() if v > 0)
        places_late[scope.kecamatan_of(code)] += len(late)
        if not scope.whole:
            topics.update(mine)
            topics_late.update(counters.due_topic(str(m)) for m in late)
    if scope.whole:
        everything, late = _numbers(raw[-2]), raw[-1]
        topics.update(everything)
        topics_late.update(counters.due_topic(str(m)) for m in late)
        places[NO_REGION] += sum(v for v in everything.values() if v > 0) - sum(places.values())
        places_late[NO_REGION] += len(late) - sum(places_late.values())
    positive = +topics
    return positive, topics_late, +places, +places_late


def _desk(svc: Services, scope: _Scope, desk: Counter[str], moment: float) -> DeskFigures:
    topics, topics_late, places, places_late = _open_counts(svc, scope, moment)

    def group(key: str, label: str, field_name: str, n: int, late: int) -> OpenGroup:
        return OpenGroup(
            key,
            label,
            _figure("open", n, "tickets", state="open", **{field_name: key}),
            _figure("overdue", late, "tickets", state="overdue", **{field_name: key}),
        )

    by_topic = tuple(
        group(topic, topic, "topic", n, topics_late[topic])
        for topic, n in sorted(topics.items(), key=lambda pair: (-pair[1], pair[0]))
    )
    names = {k.code: k.name for k in scope.kecamatan}
    order = [k.code for k in scope.kecamatan if places[k.code]]
    if places[NO_REGION]:
        order.append(NO_REGION)
    by_kecamatan = tuple(
        group(code, names.get(code, ""), "kecamatan", places[code], places_late[code])
        for code in order
    )
    ratings = tuple(
        _figure(str(stars), max(desk[f"rating:{stars}"], 0), "tickets", rating=str(stars))
        for stars in range(1, 6)
    )
    rated = sum(r.value for r in ratings)
    mean = sum(int(r.key) * r.value for r in ratings) / rated if rated else None
    return DeskFigures(
        open=_figure("open", sum(topics.values()), "tickets", state="open"),
        overdue=_figure("overdue", sum(places_late.values()), "tickets", state="overdue"),
        by_topic=by_topic,
        by_kecamatan=by_kecamatan,
        responded=_figure("responded", _sum(desk, "first:"), "tickets", responded="1"),
        answered=_figure("answered", _sum(desk, "answer:"), "tickets", state="answered"),
        median_first_response=_median(desk, "first:"),
        median_answer=_median(desk, "answer:"),
        ratings=ratings,
        mean_rating=mean,
    )


def _sum(counts: Counter[str], prefix: str) -> int:
    return sum(n for name, n in counts.items() if name.startswith(prefix))


def _claim_weeks(svc: Services, moment: float) -> list[str]:
    """The weeks whose claims count as the last `CLAIM_DAYS` days'."""
    tz = svc.config.deployment.timezone
    first = date.fromisoformat(counters.week_of(moment - CLAIM_DAYS * 86400, tz))
    last = date.fromisoformat(counters.week_of(moment, tz))
    return [(first + timedelta(weeks=n)).isoformat() for n in range((last - first).days // 7 + 1)]


def _hoaxes(svc: Services, read: _Read, weeks: list[date], moment: float) -> HoaxFigures:
    desk = read.counts
    hoax_weeks = tuple(
        HoaxWeek(
            week,
            _figure(
                "instant",
                desk[f"hxi:{week}"],
                "hoax_checks",
                week=week.isoformat(),
                answered="instant",
            ),
            _figure(
                "queued",
                desk[f"hxq:{week}"],
                "hoax_checks",
                week=week.isoformat(),
                answered="queued",
            ),
        )
        for week in weeks
    )
    first = weeks[0].isoformat()
    since = _claim_weeks(svc, moment)[0]
    positive = [(claim, n) for claim, n in read.claims.items() if n > 0]
    top = sorted(positive, key=lambda pair: (-pair[1], pair[0]))[:TOP_CLAIMS]
    archived = {c.id: c for c in svc.hoaxes.some_claims([c for c, _n in top])}
    rows = []
    for claim_id, n in top:
        found = archived.get(claim_id)
        text = found.text if found else svc.tickets.field(claim_id, "text")
        rows.append(
            ClaimFigure(
                claim_id,
                found.verdict if found else "",
                excerpt(text, CLAIM_EXCERPT) if text else "",
                _figure("checks", n, "hoax_checks", claim=claim_id, since=since),
            )
        )
    return HoaxFigures(
        weeks=hoax_weeks,
        instant=_figure(
            "instant",
            sum(w.instant.value for w in hoax_weeks),
            "hoax_checks",
            since=first,
            answered="instant",
        ),
        queued=_figure(
            "queued",
            sum(w.queued.value for w in hoax_weeks),
            "hoax_checks",
            since=first,
            answered="queued",
        ),
        top_claims=tuple(rows),
    )
