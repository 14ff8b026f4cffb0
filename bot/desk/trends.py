"""Trending hoax claims: which were asked most in the last 7 days, per kecamatan.

A claim was asked each time a resident filed a hoax check about it (a ticket of its
group: counted by the ticket's kelurahan) or `/cekhoaks` answered them from the archive
with it (counted by the resident's kelurahan now; bot/desk/hoax_recipients.py). Both
count by the claim (a group's first ticket is its claim's number), per kecamatan of the
kelurahan. `/tren` shows it to staff; `weekly_digest` posts it to the staff group once
per week, whatever the number of workers running the weekly job (broadcasts/desk_jobs.py).

Redis keys (owned here):
- `kim:hx:digest:{yyyy-Www}` — the ISO week whose digest was posted (claimed before
  posting, so only one worker posts it), kept 8 days.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.desk.correction_texts import excerpt
from bot.platform.addresses import Address
from bot.platform.clock import to_datetime
from bot.platform.messages import Reply
from bot.services import Services

WINDOW_DAYS = 7
TOP = 5
EXCERPT = 80
UNKNOWN = ""
CATCH_UP_HOURS = 24


@dataclass(frozen=True)
class Trend:
    """One claim asked in one kecamatan."""

    kecamatan: str  # its code, or "" when the kelurahan is unknown
    claim: str
    count: int


def trending(svc: Services, now: float) -> list[Trend]:
    """Claims asked in the `WINDOW_DAYS` up to `now`, per kecamatan, most asked first."""
    since = now - WINDOW_DAYS * 86400
    counts: Counter[tuple[str, str]] = Counter()
    for ticket in svc.tickets.between(since, now + 1):
        if ticket.kind == "hoaks":
            counts[(_kecamatan(svc, ticket.village), ticket.group or ticket.id)] += 1
    for claim_id in svc.recipients.recent_claims(since):
        answered = [a for a, at in svc.recipients.answered(claim_id, since) if at <= now]
        for village in svc.residents.villages(answered):
            counts[(_kecamatan(svc, village), claim_id)] += 1
    trends = [Trend(kec, claim, n) for (kec, claim), n in counts.items()]
    return sorted(trends, key=lambda t: (t.kecamatan == UNKNOWN, t.kecamatan, -t.count, t.claim))


def _kecamatan(svc: Services, village: str) -> str:
    region = svc.regions.get(village) if village else None
    if region is None:
        return UNKNOWN
    if region.level == "kecamatan":
        return region.code
    return region.parent or UNKNOWN


def _about(svc: Services, claim_id: str) -> str:
    """`[VERDICT] “the start of its text”`, or waiting for a verdict."""
    tr = svc.translator(svc.config.locales.default)
    claim = svc.hoaxes.claim(claim_id)
    if claim is not None:
        return f"[{claim.verdict.upper()}] “{excerpt(claim.text, EXCERPT)}”"
    ticket = svc.tickets.get(claim_id)
    text = excerpt(ticket.text, EXCERPT) if ticket and ticket.text else ""
    waiting = tr._("waiting for a verdict")
    return f"({waiting}) “{text}”" if text else f"({waiting})"


def trend_text(svc: Services, now: float, title: str = "") -> str:
    """The trending claims as staff read them, `TOP` per kecamatan."""
    tr = svc.translator(svc.config.locales.default)
    _ = tr._
    start = to_datetime(now - WINDOW_DAYS * 86400)
    heading = title or _("📈 Trending hoaxes")
    lines = [
        heading,
        _(
            "Asked most from {start} to {end}, per kecamatan:",
            start=tr.date_text(start),
            end=tr.date_text(to_datetime(now)),
        ),
    ]
    by_kecamatan: dict[str, list[Trend]] = defaultdict(list)
    for trend in trending(svc, now):
        by_kecamatan[trend.kecamatan].append(trend)
    if not by_kecamatan:
        lines += ["", _("No hoax checks in these 7 days.")]
    for kecamatan, trends in by_kecamatan.items():
        name = svc.roles.label(kecamatan) if kecamatan else _("Kelurahan unknown")
        total = sum(t.count for t in trends)
        lines += ["", _("{place}: {count} check(s)", place=name, count=tr.number(total))]
        for trend in trends[:TOP]:
            lines.append(
                f"• {trend.claim} · {tr.number(trend.count)}× · {_about(svc, trend.claim)}"
            )
    return "\n".join(lines)


def trend_reply(svc: Services, staff: Address, now: float) -> Reply:
    """`/tren`: staff only."""
    if not svc.roles.is_staff(staff):
        return Reply(
            text=svc.translator(svc.config.locales.default)._("This command is for desk staff.")
        )
    return Reply(text=trend_text(svc, now))


def week_of(svc: Services, now: float) -> str:
    """The ISO week of `now` in the deployment's zone: `2026-W39`."""
    year, week, _day = datetime.fromtimestamp(
        now, ZoneInfo(svc.config.deployment.timezone)
    ).isocalendar()
    return f"{year}-W{week:02d}"


def _digest_key(svc: Services, now: float) -> str:
    return f"kim:hx:digest:{week_of(svc, now)}"


def digest_slot(svc: Services, now: float) -> float:
    """This week's moment for the digest (`desk.digest`, in the deployment's zone)."""
    digest = svc.config.desk.digest
    local = datetime.fromtimestamp(now, ZoneInfo(svc.config.deployment.timezone))
    hour, minute = digest.hour_minute
    day = local.date() + timedelta(days=digest.weekday - local.weekday())
    moment = datetime(day.year, day.month, day.day, hour, minute, tzinfo=local.tzinfo)
    return moment.timestamp()


def next_digest(svc: Services, now: float) -> float:
    """When the weekly job should next run: this week's moment if it is ahead; in a
    minute when it passed less than `CATCH_UP_HOURS` ago with this week's digest not
    posted (no worker ran then); else next week's moment."""
    slot = digest_slot(svc, now)
    if slot > now:
        return slot
    wanted = svc.config.desk.digest.enabled and svc.config.roles.staff.group
    if (
        wanted
        and now - slot < CATCH_UP_HOURS * 3600
        and not svc.redis.exists(_digest_key(svc, now))
    ):
        return now + 60
    return digest_slot(svc, now + 7 * 86400)


def weekly_digest(svc: Services, now: float) -> bool:
    """Post this week's digest to the staff group, unless it was posted already (by this
    or another worker); True when this call posted it."""
    group = svc.config.roles.staff.group
    if not group:
        return False
    if not svc.config.desk.digest.enabled or now < digest_slot(svc, now):
        return False
    claimed = svc.redis.set(_digest_key(svc, now), repr(now), nx=True, ex=8 * 86400)
    if not claimed:
        return False
    title = svc.translator(svc.config.locales.default)._("🗓 Weekly digest: trending hoax claims")
    svc.dispatch.notify(Address.parse(group), Reply(text=trend_text(svc, now, title)))
    return True
