"""`kimbot tickets`: the desk from the operator's terminal, and its monthly report.

    kimbot tickets list                                 open tickets, as their cards show them
    kimbot tickets claim ID --as ADDRESS
    kimbot tickets answer ID TEXT --as ADDRESS
    kimbot tickets forward ID TEXT --as ADDRESS
    kimbot tickets reject ID spam|scope|duplicate --as ADDRESS
    kimbot tickets verdict ID VERDICT EXPLANATION [LINK…] --as ADDRESS     (a hoax check;
                          the trailing links are its sources)
    kimbot tickets move ID DESK --as ADDRESS            (to `default` or a desk.desks id)
    kimbot tickets export --from 2026-11-01 --to 2026-11-30 [--format csv|xlsx]
                          [--out FILE] [--with-text]

The actions are the staff group's card buttons and replies (`Desk.act`, `Desk.staff_reply`),
for a deployment with no Telegram staff group (WhatsApp only) or a staff member away from
it: `--as` names a staff member or superadmin of config.yaml (`wa:…` or `tg:…`), and the
resident is told exactly as from the group. Export dates are whole days in the
deployment's time zone, both included. CSV writes the tickets to FILE and the summaries to
FILE with `-kecamatan` and `-topic` before the extension; XLSX writes three sheets, with
date cells and a frozen header (handlers/report_files.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.audit import actors
from bot.desk import report as ticket_report
from bot.desk.hoaxes import VERDICTS
from bot.desk.staff import REJECT_REASONS, Desk
from bot.desk.tickets import Ticket
from bot.platform.actions import TicketAction
from bot.platform.addresses import Address, AddressError
from bot.platform.config import DEFAULT_DESK
from bot.platform.messages import Reply
from bot.services import Services
from handlers import report_files


class ExportError(ValueError):
    """A wrong argument; the message says which."""


class ActionError(ValueError):
    """A staff action that changed nothing; the message says why (the desk's own words)."""


def open_cards(services: Services) -> str:
    """Every open ticket, oldest first, as staff see its card (never who sent it)."""
    desk, now = Desk(services), services.clock.now()
    tickets = services.tickets.open_tickets(200)
    if not tickets:
        return desk.queue_text(now)
    return "\n\n".join(desk.card(ticket, now).text for ticket in tickets)


def act(services: Services, staff: str, action: str, ticket_id: str, args: list[str]) -> list[str]:
    """One staff action (a key of `USAGE`) on a ticket, as the card's buttons and a reply to the
    card do it; returns what the desk answered, or raises ActionError if nothing changed."""
    try:
        who = Address.parse(staff)
    except AddressError as exc:
        raise ActionError(f"--as: {exc}") from None
    before = services.tickets.get(ticket_id)
    if before is None:
        raise ActionError(f"no ticket {ticket_id}")
    press, text = _press(action, ticket_id, args)
    desk, now = Desk(services), services.clock.now()
    replies = desk.act(who, press, now)
    awaiting = services.tickets.field(ticket_id, "awaiting")
    if press.verb in ("answer", "forward") and awaiting.startswith(f"{press.verb}:"):
        replies = desk.staff_reply(who, before, text, now)
    if press.verb == "verdict" and awaiting.startswith("verdict:"):
        replies = _verdict(desk, who, before, args[1:], now)
    said = [_said(reply) for reply in replies if _said(reply)]
    after = services.tickets.get(ticket_id)
    if after is None or (after.state, after.desk) == (before.state, before.desk):
        raise ActionError("; ".join(said) or f"{ticket_id} did not change")
    return said


USAGE = {
    "claim": "claim takes only the ticket",
    "answer": "answer takes the ticket and the answer's text",
    "forward": "forward takes the ticket and where it went and why",
    "reject": f"reject takes the ticket and one reason: {', '.join(REJECT_REASONS)}",
    "verdict": f"verdict takes the ticket, one of {', '.join(VERDICTS)}, the explanation "
    "and any source links",
    "move": f"move takes the ticket and a desk: {DEFAULT_DESK} or an id of desk.desks",
}


def _press(action: str, ticket_id: str, args: list[str]) -> tuple[TicketAction, str]:
    """The card button an action presses, and the text it then replies with."""
    if action == "claim" and not args:
        return TicketAction("claim", ticket_id), ""
    if action == "answer" and args:
        return TicketAction("answer", ticket_id), " ".join(args)
    if action == "forward" and args:
        return TicketAction("forward", ticket_id), " ".join(args)
    if action == "reject" and len(args) == 1 and args[0] in REJECT_REASONS:
        return TicketAction("reject", ticket_id, args[0]), ""
    if action == "move" and len(args) == 1:
        return TicketAction("move", ticket_id, args[0]), ""
    if action == "verdict" and len(args) > 1 and args[0] in VERDICTS:
        verdict = TicketAction("verdict", ticket_id, str(VERDICTS.index(args[0])))
        return verdict, ""  # the explanation and sources: `_verdict`
    raise ActionError(USAGE.get(action, f"no action {action!r}: {', '.join(USAGE)}"))


def _verdict(desk: Desk, who: Address, ticket: Ticket, args: list[str], now: float) -> list[Reply]:
    """The verdict's steps as the staff group takes them: the explanation (every argument
    up to the trailing links, a link inside it stays in it), the sources (the trailing
    arguments that are each one link), then ✅ Send on the preview."""
    cut = len(args)
    while (
        cut > 1 and args[cut - 1].startswith(("http://", "https://")) and " " not in args[cut - 1]
    ):
        cut -= 1
    explanation, sources = " ".join(args[:cut]), "\n".join(args[cut:])
    replies = desk.staff_reply(who, ticket, explanation, now)
    if desk.tickets.field(ticket.id, "awaiting").startswith("sources:"):
        if sources:
            desk.staff_reply(who, ticket, sources, now)
        else:
            desk.act(who, TicketAction("nosources", ticket.id), now)
        replies = desk.act(who, TicketAction("send", ticket.id), now)
    return replies


def _said(reply: Reply) -> str:
    """What a desk reply tells the staff member: its notice, or its text if it is no card."""
    return reply.notice or ("" if reply.edit else reply.text)


def day_range(start: str, end: str, zone: str) -> tuple[float, float]:
    """[start 00:00, the day after end 00:00) as epoch seconds."""
    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError:
        raise ExportError("--from and --to take dates like 2026-11-01") from None
    if last < first:
        raise ExportError("--to is before --from")
    tz = ZoneInfo(zone)
    begin = datetime.combine(first, time(), tz).timestamp()
    finish = datetime.combine(last + timedelta(days=1), time(), tz).timestamp()
    return begin, finish


def export(
    services: Services,
    start: str,
    end: str,
    fmt: str,
    out: str | None,
    with_text: bool,
    by: actors.Actor | None = None,
) -> list[Path]:
    """Write the report; return the files written. `by` ran it (None: the operator)."""
    zone = services.config.deployment.timezone
    begin, finish = day_range(start, end, zone)
    found = services.tickets.between(begin, finish)
    now = services.clock.now()
    report = ticket_report.rows(
        services.tickets, services.regions, found, zone, with_text, now, staff_name(services)
    )
    columns = ticket_report.COLUMNS + (ticket_report.TEXT_COLUMNS if with_text else [])
    by_kecamatan = ticket_report.summary(report, "kecamatan")
    by_topic = ticket_report.summary(report, "topic")
    target = Path(out or f"tiket-{start}-{end}.{fmt}")
    tickets = [row.values for row in report]
    if fmt == "xlsx":
        summaries = ticket_report.SUMMARY_COLUMNS
        report_files.write_xlsx(
            target,
            [
                ("Tiket", columns, tickets),
                ("Per kecamatan", summaries, by_kecamatan),
                ("Per topik", summaries, by_topic),
            ],
        )
        _audit(services, start, end, fmt, len(report), with_text, by)
        return [target]
    report_files.write_csv(target, columns, tickets)
    written = [target]
    for suffix, data in (("kecamatan", by_kecamatan), ("topic", by_topic)):
        path = target.with_name(f"{target.stem}-{suffix}{target.suffix}")
        report_files.write_csv(path, ticket_report.SUMMARY_COLUMNS, data)
        written.append(path)
    _audit(services, start, end, fmt, len(report), with_text, by)
    return written


def _audit(
    services: Services,
    start: str,
    end: str,
    fmt: str,
    rows: int,
    text: bool,
    by: actors.Actor | None,
) -> None:
    """The export's one audit entry, once its files are written."""
    services.audit.record(
        "export.run",
        **(by or actors.operator()),
        object="tickets",
        detail={"from": start, "to": end, "format": fmt, "rows": rows, "text": int(text)},
    )


def staff_name(services: Services) -> Callable[[str], str]:
    """Names for the export's `handled_by`: config.yaml's, else the address."""

    def name(who: str) -> str:
        try:
            return services.roles.admin_name(Address.parse(who))
        except AddressError:
            return who

    return name
