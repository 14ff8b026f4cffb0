"""What residents and admins read of a poll: the question with its answer buttons, the
reminder, the results, in the reader's language (the question and answers as the admin
wrote them).

The question's message numbers its answers, so that a resident on WhatsApp outside the
24-hour window (who gets it as the announcement template's text) or on a channel without
buttons can type the number; "other" comes last, numbered after the answers. Buttons
carry `PollVote`: one row per answer, the 1-5 scale on one row.

`personal_replies` gives each recipient of a poll's announcement their message: the
poll and its reminder by language, the results by language and the village the
respondent's answer is counted in (bot/announcements/store.py: `purpose`).
"""

from __future__ import annotations

from datetime import datetime

from bot.announcements.store import Announcement
from bot.platform.actions import PollVote
from bot.platform.addresses import Address
from bot.platform.clock import to_datetime
from bot.platform.i18n import Translator
from bot.platform.messages import Choice, Reply
from bot.polls.store import OTHER, Poll, Results
from bot.services import Services

BAR = 10  # characters of a result's bar


def other_number(poll: Poll) -> int:
    """The number a resident types for "other" (after the last answer)."""
    return len(poll.options) + 1


def answer_label(tr: Translator, poll: Poll, answer: int) -> str:
    """An answer's text; "other" in the reader's language."""
    return tr._("Other") if answer == OTHER else poll.label(answer)


def poll_reply(tr: Translator, poll: Poll, *, reminder: bool = False) -> Reply:
    """The poll as a resident gets it (or its reminder)."""
    _ = tr._
    lines = [poll.question, ""]
    lines += [f"{n}. {label}" for n, label in enumerate(poll.options, start=1)]
    if poll.other:
        own = _("Other (write your own answer)")
        lines.append(f"{other_number(poll)}. {own}")
    lines.append("")
    if poll.scale:
        lines.append(_("1 is the lowest, 5 the highest."))
    if reminder:
        lines.append(_("You have not answered yet."))
    lines.append(
        _(
            "Press an answer or type its number. You can change it until {when}.",
            when=tr.datetime_text(to_datetime(poll.closes_at)),
        )
    )

    buttons = [
        Choice(label, PollVote(poll.id, n).pack()) for n, label in enumerate(poll.options, start=1)
    ]
    laid = [tuple(buttons)] if poll.scale else [(b,) for b in buttons]
    if poll.other:
        laid.append((Choice("✏️ " + _("Other"), PollVote(poll.id, OTHER).pack()),))
    title = "⏰ " + _("Reminder: a poll") if reminder else "📊 " + _("Poll")
    return Reply(title=title, text="\n".join(lines), choices=tuple(laid))


def results_lines(tr: Translator, poll: Poll, results: Results) -> list[str]:
    """Each answer's share and count, with a bar, most first (ties in the poll's order)."""
    answers = list(range(1, len(poll.options) + 1)) + ([OTHER] if poll.other else [])
    ordered = sorted(answers, key=lambda a: -results.counts.get(a, 0))
    lines = []
    for answer in ordered:
        count = results.counts.get(answer, 0)
        share = results.share(answer)
        bar = "▰" * round(share * BAR) + "▱" * (BAR - round(share * BAR))
        lines.append(
            f"{bar} {round(share * 100)}% · {answer_label(tr, poll, answer)} ({tr.number(count)})"
        )
    return lines


def rate_text(tr: Translator, results: Results) -> str:
    """How many answered, of how many reached, as a line."""
    if results.reach:
        return tr._(
            "{respondents} answered of {reach} reached ({rate}%).",
            respondents=tr.number(results.respondents),
            reach=tr.number(results.reach),
            rate=tr.number(round(results.rate * 100)),
        )
    return tr._("{respondents} answered.", respondents=tr.number(results.respondents))


def results_reply(
    tr: Translator, poll: Poll, place: str, local: Results, area: str, whole: Results
) -> Reply:
    """The results a respondent gets when the poll closes: their village's beside the
    whole deployment's."""
    lines = [poll.question, "", place, rate_text(tr, local), *results_lines(tr, poll, local)]
    lines += ["", area, rate_text(tr, whole), *results_lines(tr, poll, whole)]
    lines += ["", tr._("Thank you for answering.")]
    return Reply(title="📊 " + tr._("Poll results"), text="\n".join(lines))


def whole_name(svc: Services, tr: Translator, poll: Poll) -> str:
    """What the poll's whole reach is called: "All of Kota Cilegon", "All of Bagendung,
    Ciwedus"."""
    labels = ", ".join(svc.roles.label(t) for t in poll.targets if t in svc.regions or ":" in t)
    return tr._("All of {targets}", targets=labels or svc.config.deployment.name)


def personal_replies(svc: Services, ann: Announcement, recipients: list[Address]) -> list[Reply]:
    """Each recipient's message of a poll's announcement (poll, reminder or results)."""
    return [reply for reply, _locale in localised_replies(svc, ann, recipients)]


def localised_replies(
    svc: Services, ann: Announcement, recipients: list[Address]
) -> list[tuple[Reply, str]]:
    """Each recipient's message of a poll's announcement, with the language it is in."""
    poll = svc.polls.get(ann.poll)
    if poll is None:
        raise LookupError(f"announcement {ann.id} carries poll {ann.poll}, which is gone")
    locales = [facts[0] or svc.config.locales.default for facts in svc.residents.facts(recipients)]
    if ann.purpose != "results":
        reminder = ann.purpose == "reminder"
        made: dict[str, Reply] = {}
        for locale in set(locales):
            made[locale] = poll_reply(svc.translator(locale), poll, reminder=reminder)
        return [(made[locale], locale) for locale in locales]
    villages = svc.polls.village_of(poll.id, [str(r) for r in recipients])
    whole = svc.polls.results(poll)
    cache: dict[tuple[str, str], Reply] = {}
    by_village: dict[str, Results] = {}
    replies = []
    for locale, village in zip(locales, villages, strict=True):
        reply = cache.get((locale, village))
        if reply is None:
            local = by_village.get(village)
            if local is None:
                local = by_village[village] = svc.polls.results(poll, frozenset({village}))
            region = svc.regions.get(village)
            place = region.name if region else village
            tr = svc.translator(locale)
            reply = cache[(locale, village)] = results_reply(
                tr, poll, place, local, whole_name(svc, tr, poll), whole
            )
        replies.append((reply, locale))
    return replies


def closing_text(tr: Translator, poll: Poll, now: datetime) -> str:
    """When the poll closes, in words (for the admin)."""
    moment = to_datetime(poll.closes_at)
    return tr._(
        "Closes {when} ({day}).",
        when=tr.datetime_text(moment),
        day=tr.day_from_now(moment, now),
    )
