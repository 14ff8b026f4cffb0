"""`kimbot alerts`: early warnings (CAP 1.2) from the terminal.

    kimbot alerts ingest FILE|-      one CAP document from a file or standard input
    kimbot alerts list [--limit N]   the alerts on record, newest first

An ingest checks the document (bot/alerts/cap.py), matches its areas to the deployment's
kecamatan and kelurahan (bot/alerts/areas.py), decides its path (bot/alerts/decision.py)
and stores it with its audit entry (bot/alerts/store.py). A document with any problem
prints each (`FILE: info[0].severity: …`; `standard input: …` for `-`) and stores
nothing (exit status 1); the same alert again is stored once and says so. Each alert
prints as one line: its number, CAP identifier, event, status/msgType, severity, the
regions it covers and the decision; a new one is then acted on (bot/alerts/delivery.py:
sent at once ahead of all bulk, drafted for a superadmin, or told to the staff group) and
a `delivery:` line says which. `list` adds each alert's reach and its first and last
delivery times.
An RSS/Atom feed file is taken when its items embed CAP alerts (each is checked before
any is stored); feeds whose items link to CAP documents are the feed poller's.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import BinaryIO
from zoneinfo import ZoneInfo

from bot.alerts import cap, delivery
from bot.alerts.areas import Coverage
from bot.alerts.store import AlertRecord, Ingested
from bot.audit import actors
from bot.services import Services

LIST_LIMIT = 20


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: dict[str, str]
) -> None:
    """Add `kimbot alerts ingest` and `kimbot alerts list`; `common` holds the help texts
    of --config and --data-dir."""
    alerts = sub.add_parser("alerts", help="early warnings: CAP 1.2 alerts in, and on record")
    alerts_sub = alerts.add_subparsers(dest="alerts_command", required=True)
    ingest = alerts_sub.add_parser(
        "ingest",
        help="one CAP 1.2 document: checked, matched to the regions, decided, stored",
        description="Read one CAP 1.2 alert (at most 1 MB), or an RSS/Atom feed embedding "
        "CAP alerts, from FILE, or from standard input with '-'. Any problem: each is "
        "printed and nothing is stored.",
    )
    ingest.add_argument("file", help="a CAP 1.2 XML file (or feed), or - for standard input")
    listing = alerts_sub.add_parser("list", help="the alerts on record, newest first")
    listing.add_argument("--limit", type=int, default=LIST_LIMIT, help="how many (default 20)")
    for tool in (ingest, listing):
        tool.add_argument("--config", help=common["config"])
        tool.add_argument("--data-dir", help=common["data_dir"])


def command(services: Services, args: argparse.Namespace, stdin: BinaryIO | None = None) -> int:
    """Run `kimbot alerts ingest` or `list`; the exit status."""
    if args.alerts_command == "list":
        for line in listing(services, args.limit):
            print(line)
        return 0
    try:
        ingested = ingest(services, args.file, stdin or sys.stdin.buffer)
    except cap.CapError as exc:
        name = "standard input" if args.file == "-" else args.file
        for problem in exc.problems:
            print(f"{name}: {problem}", file=sys.stderr)
        print(
            f"kimbot alerts ingest: nothing stored from {name}: {len(exc.problems)} problem(s)",
            file=sys.stderr,
        )
        return 1
    except OSError as exc:
        print(f"kimbot alerts ingest: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 1
    for one in ingested:
        for line in report(services, one):
            print(line)
        if not one.duplicate:
            print(f"  delivery: {delivery.act(services, one)}")
    return 0


def ingest(services: Services, source: str, stdin: BinaryIO) -> list[Ingested]:
    """Read `source` (a path, or "-" for `stdin`) and ingest its alerts as the operator's:
    one CAP document, or every alert a feed embeds, all checked before any is stored."""
    if source == "-":
        data = cap.read(stdin)
    else:
        with Path(source).open("rb") as handle:
            data = cap.read(handle)
    documents = cap.documents(data)
    embedded = documents[0] is not data  # the alerts of a feed
    problems: list[str] = []
    for i, document in enumerate(documents):
        try:
            cap.parse(document)
        except cap.CapError as exc:
            problems.extend(f"item[{i}].{p}" if embedded else p for p in exc.problems)
    if problems:
        raise cap.CapError(problems)
    return [services.alerts.ingest(d, source, actors.operator()) for d in documents]


def report(services: Services, ingested: Ingested) -> list[str]:
    """What an ingest did, for the operator."""
    record = ingested.record
    if ingested.duplicate:
        return [f"already on record as #{record.id}, stored once: {line(services, record)}"]
    lines = [f"stored: {line(services, record)}"]
    for ref in ingested.unknown_references:
        lines.append(f"  refers to {ref.sender},{ref.identifier}, which is not on record")
    if ingested.coverage is not None:
        for match in ingested.coverage.areas:
            if match.how == "none":
                lines.append(f"  area {match.desc!r}: outside the deployment, left out")
    return lines


def listing(services: Services, limit: int) -> list[str]:
    """The last `limit` alerts on record, one line each, newest first."""
    records = services.alerts.recent(limit)
    if not records:
        return ["no alerts on record"]
    zone = ZoneInfo(services.config.deployment.timezone)
    return [
        f"{datetime.fromtimestamp(r.ingested, zone):%Y-%m-%d %H:%M} {line(services, r)}"
        + reach(services, r, zone)
        for r in records
    ]


def reach(services: Services, record: AlertRecord, zone: ZoneInfo) -> str:
    """Its delivery: the broadcast, its state, residents reached, and when the first and
    the last were (seconds after the ingest); "" when nothing was sent for it."""
    ann = services.announcements.get(record.delivery) if record.delivery else None
    if ann is None:
        return ""
    text = f" · broadcast #{ann.id} {ann.state}, reached {ann.counts.get('sent', 0)}"
    if record.first_sent:
        first = datetime.fromtimestamp(record.first_sent, zone)
        last = datetime.fromtimestamp(record.last_sent, zone)
        text += (
            f", first {first:%H:%M:%S} (+{record.first_sent - record.ingested:.1f} s),"
            f" last {last:%H:%M:%S} (+{record.last_sent - record.ingested:.1f} s)"
        )
    return text


def line(services: Services, record: AlertRecord) -> str:
    """One alert: number, identifier, event, status/msgType, severity, regions, decision,
    and the alerts it changes."""
    regions = Coverage(record.villages, ()).summary(services.regions) or ["no region"]
    changes = (
        f" · changes {', '.join('#' + r for r in record.references)} (chain #{record.root})"
        if record.references
        else ""
    )
    return (
        f"#{record.id} {record.identifier} · {record.event or '-'} · "
        f"{record.status}/{record.msg_type} · {record.severity} · {', '.join(regions)} · "
        f"{record.decision} ({record.reason}){changes}"
    )
