"""A KIM admin's view of polls: `/jajak hasil` lists the recent ones they may see; a
poll's results (`PollView` show) give the whole of their scope, each kecamatan and the
kelurahan/desa with the most answers, with response rates, as the answers come in. Its
buttons refresh, send the aggregates as a CSV file, or close the poll now (its owner or
a superadmin). Who may see what: bot/polls/access.py.
"""

from __future__ import annotations

from bot.dialogs import common
from bot.dialogs.turn import Turn
from bot.platform.actions import PollView
from bot.platform.addresses import Address
from bot.platform.clock import to_datetime
from bot.platform.messages import Attachment, Choice, Reply, rows
from bot.polls import access, runs
from bot.polls.export import columns, csv_bytes, table
from bot.polls.messages import closing_text, rate_text, results_lines
from bot.polls.store import Poll, Results

RESULTS_WORDS = frozenset({"hasil", "results"})
LISTED = 8
TOP_VILLAGES = 10


def may_see(turn: Turn, poll: Poll) -> bool:
    """Whether the presser may see the poll's results (bot/polls/access.py)."""
    return access.may_see(turn.svc.roles, turn.address, poll)


def may_close(turn: Turn, poll: Poll) -> bool:
    """Whether the presser may close the poll."""
    return access.may_close(turn.svc.roles, turn.address, poll)


def _visible(turn: Turn, poll: Poll) -> frozenset[str]:
    """The villages of the poll the viewer may see."""
    villages = set(turn.svc.polls.by_village(poll))
    return access.visible(turn.svc.roles, turn.address, poll, villages)


def list_polls(turn: Turn) -> None:
    """The newest polls the admin may see, each a button to its results."""
    _ = turn.tr._
    turn.end()
    polls = [p for p in turn.svc.polls.recent(50) if may_see(turn, p)][:LISTED]
    if not polls:
        turn.say(Reply(text=_("No polls yet. /jajak starts one.")))
        return
    lines, buttons = [], []
    for poll in polls:
        state = _("open") if poll.state == "open" else _("closed")
        results = turn.svc.polls.results(poll, _visible(turn, poll))
        lines.append(
            f"#{poll.id} · {state} · {poll.question[:60]} · "
            + _("{n} answered", n=turn.tr.number(results.respondents))
        )
        buttons.append(Choice(f"📊 #{poll.id}", PollView("show", poll.id).pack()))
    turn.say(Reply(title=_("Recent polls"), text="\n".join(lines), choices=rows(buttons, 4)))


def _summary_line(turn: Turn, name: str, results: Results, poll: Poll) -> str:
    top = max(results.counts, key=lambda a: results.counts[a], default=None)
    lead = ""
    if top is not None:
        label = turn.tr._("Other") if top == 0 else poll.label(top)
        lead = f" · {label} {round(results.share(top) * 100)}%"
    if results.reach:
        return (
            f"{name}: {turn.tr.number(results.respondents)}/{turn.tr.number(results.reach)} "
            f"({round(results.rate * 100)}%){lead}"
        )
    return f"{name}: {turn.tr.number(results.respondents)}{lead}"


def results_view(turn: Turn, poll: Poll) -> Reply:
    """The poll's results within the viewer's scope, with its buttons."""
    _ = turn.tr._
    svc = turn.svc
    visible = _visible(turn, poll)
    whole = svc.polls.results(poll, visible)
    state = (
        closing_text(turn.tr, poll, to_datetime(turn.now))
        if poll.state == "open"
        else _("Closed {when}.", when=turn.tr.datetime_text(to_datetime(poll.closed_at)))
    )
    lines = [
        poll.question,
        state,
        "",
        rate_text(turn.tr, whole),
        *results_lines(turn.tr, poll, whole),
    ]
    by_village = {v: r for v, r in svc.polls.by_village(poll).items() if v in visible}
    kecamatan: dict[str, set[str]] = {}
    for village in by_village:
        region = svc.regions.get(village)
        if region is not None and region.parent:
            kecamatan.setdefault(region.parent, set()).add(village)
    if len(kecamatan) > 1:
        lines += ["", _("Per kecamatan:")]
        for code in sorted(kecamatan, key=lambda k: svc.regions[k].name):
            results = svc.polls.results(poll, frozenset(kecamatan[code]))
            lines.append(_summary_line(turn, f"Kec. {svc.regions[code].name}", results, poll))
    answered = [v for v in by_village if by_village[v].respondents]
    if len(by_village) > 1 and answered:
        top = sorted(answered, key=lambda v: (-by_village[v].respondents, v))[:TOP_VILLAGES]
        lines += ["", _("Kelurahan/desa with the most answers:")]
        for village in top:
            region = svc.regions.get(village)
            lines.append(
                _summary_line(turn, region.name if region else village, by_village[village], poll)
            )
        if len(answered) > TOP_VILLAGES:
            lines.append(_("… and {n} more in the CSV file.", n=len(answered) - TOP_VILLAGES))
    buttons = [
        Choice(_("🔄 Refresh"), PollView("show", poll.id).pack()),
        Choice(_("📄 CSV"), PollView("csv", poll.id).pack()),
    ]
    if poll.state == "open" and may_close(turn, poll):
        buttons.append(Choice(_("✖ Close now"), PollView("close", poll.id).pack()))
    title = "📊 " + _("Poll #{id}", id=poll.id)
    return Reply(title=title, text="\n".join(lines), choices=rows(buttons, 2), edit=True)


def poll_view_action(turn: Turn, press: PollView) -> None:
    """Results, their CSV, or closing now; the presser's role is checked here."""
    poll = turn.svc.polls.get(press.poll)
    _ = turn.tr._
    if poll is None:
        turn.say(common.stale_button(turn))
        return
    if not may_see(turn, poll) or (press.verb == "close" and not may_close(turn, poll)):
        turn.say(Reply(text="", notice=_("You may not do that.")))
        return
    if press.verb == "csv":
        rows_ = table(turn.svc, turn.tr, poll, _visible(turn, poll).__contains__)
        data = csv_bytes(columns(turn.tr, poll), rows_)
        file = Attachment(f"jajak-{poll.id}.csv", "text/csv", data)
        turn.say(
            Reply(
                text=_("The results of poll #{id}, per kelurahan/desa.", id=poll.id),
                attachment=file,
            )
        )
        return
    if press.verb == "close":
        if not runs.close(turn.svc, poll, turn.now, by=Address.parse(str(turn.address))):
            turn.say(Reply(text="", notice=_("Poll #{id} is closed already.", id=poll.id)))
        fresh = turn.svc.polls.get(poll.id) or poll
        turn.say(results_view(turn, fresh))
        return
    turn.say(results_view(turn, poll))
