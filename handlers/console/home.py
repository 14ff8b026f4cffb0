"""The console's first page: the dashboard of the viewer's scope (bot/insights).

Every number links to the list behind it where the console has that list: tickets to
the desk queue with the same filter (ratings by their stars), hoax checks to the queue's
hoax checks, broadcasts to their report, claims with a verdict to the archive, erasures
to the audit trail, subscribers to the per-region export. The charts
are SVG drawn here (handlers/console/charts.py); nothing runs in the browser.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from markupsafe import Markup

from bot.insights.dashboard import Dashboard, build_dashboard
from bot.insights.figures import Figure
from bot.people.viewer import Viewer
from bot.platform.i18n import LANGUAGE_NAMES, Translator
from bot.services import Services
from handlers.console.charts import Bar, bar_chart, column_chart, share_bar
from handlers.console.render import page, services_of, translator, viewer_of_request

routes = web.RouteTableDef()
# The dashboard's ticket filters, as the desk queue names them (bot/desk/queue.py).
TICKET_STATES = {
    "open": {"state": "open"},
    "overdue": {"due": "overdue"},
    "answered": {"state": "dijawab"},
}


@dataclass(frozen=True)
class Links:
    """Where a figure's list is, for this viewer (None: no list they may open)."""

    viewer: Viewer

    def __call__(self, figure: Figure) -> str | None:
        """The URL of the list behind `figure`."""
        f = figure.filters
        if figure.list == "tickets" and (self.viewer.is_staff or self.viewer.is_admin):
            query = dict(TICKET_STATES.get(f.get("state", ""), {"state": "all"}))
            for name in ("topic", "kecamatan", "village", "rating"):
                if f.get(name):
                    query[name] = f[name]
            return "/console/meja?" + urlencode(query)
        if figure.list == "broadcasts" and self.viewer.is_admin:
            if f.get("broadcast"):
                return f"/console/pengumuman/{f['broadcast']}"
            return "/console/pengumuman"
        if figure.list == "hoax_checks" and (self.viewer.is_staff or self.viewer.is_admin):
            return "/console/meja?" + urlencode({"state": "all", "kind": "hoaks"})
        if figure.list == "audit" and self.viewer.is_superadmin:
            return "/console/audit?" + urlencode({"action": f.get("action", "")})
        if figure.list == "residents":
            return "/console/ekspor"
        return None


def _duration(tr: Translator, span: timedelta | None) -> str:
    """'3 j 20 m' style: hours and minutes, or days and hours past two days."""
    if span is None:
        return "—"
    minutes = int(span.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if hours >= 48:
        days, hours = divmod(hours, 24)
        return tr._("{days} d {hours} h", days=tr.number(days), hours=tr.number(hours))
    return tr._("{hours} h {minutes} min", hours=tr.number(hours), minutes=tr.number(minutes))


def _day(day: date) -> str:
    return f"{day.day}/{day.month}"


def charts(board: Dashboard, tr: Translator, link: Links) -> dict[str, Markup]:
    """The dashboard's charts, with their bars linked to their lists."""
    _ = tr._
    residents, desk, hoaxes = board.residents, board.desk, board.hoaxes

    def bar(figure: Figure, label: str | None = None) -> Bar:
        return Bar(label if label is not None else figure.label, figure.value, link(figure))

    by_platform = {f.key: f for f in residents.platforms}
    tg = by_platform.get("tg", Figure("tg", "Telegram", 0, "residents"))
    wa = by_platform.get("wa", Figure("wa", "WhatsApp", 0, "residents"))
    return {
        "kecamatan": bar_chart(
            [bar(k.subscribers, k.name) for k in residents.kecamatan],
            _("Subscribers by kecamatan"),
            tr.number,
        ),
        "growth": column_chart(
            [Bar(_day(w.start), w.joined.value, link(w.joined)) for w in residents.growth],
            _("New subscribers per week"),
            tr.number,
        ),
        "platforms": share_bar(
            bar(tg, "Telegram"), bar(wa, "WhatsApp"), _("Telegram and WhatsApp")
        ),
        "languages": bar_chart(
            [bar(f, _language(tr, f.key)) for f in residents.languages], _("Languages"), tr.number
        ),
        "topics": bar_chart(
            [bar(g.open, g.label) for g in desk.by_topic], _("Open tickets by topic"), tr.number
        ),
        "ratings": bar_chart(
            [bar(f, "⭐" * int(f.key)) for f in desk.ratings if f.key.isdigit()],
            _("Ratings"),
            tr.number,
        ),
        "hoax_weeks": column_chart(
            [Bar(_day(w.start), w.total, link(w.instant)) for w in hoaxes.weeks],
            _("Hoax checks per week"),
            tr.number,
        ),
    }


def _target_label(services: Services, key: str) -> str:
    """A broadcast target's name; its code when config.yaml no longer has it."""
    try:
        return services.roles.label(key)
    except KeyError:
        return key


def _language(tr: Translator, code: str) -> str:
    return LANGUAGE_NAMES.get(code, code or tr._("not chosen"))


@routes.get("/")
async def dashboard(request: web.Request) -> web.Response:
    """The dashboard of the viewer's scope."""
    viewer = viewer_of_request(request)
    services = services_of(request)

    def build() -> dict[str, Any]:
        tr = translator(request)
        now = datetime.fromtimestamp(services.clock.now(), UTC)
        board = build_dashboard(services, viewer.villages, now)
        link = Links(viewer)
        return {
            "board": board,
            "link": link,
            "charts": charts(board, tr, link),
            "first_response": _duration(tr, board.desk.median_first_response),
            "to_answer": _duration(tr, board.desk.median_answer),
            "generated": tr.datetime_text(board.generated_at),
            "show_claims": viewer.is_staff,  # a waiting claim's text is a resident's words
            "label_of": lambda key: _target_label(services, key),
        }

    return await page(request, "dashboard.html", build)
