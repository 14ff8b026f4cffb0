"""`kimbot polls`: polls from the terminal, for the operator and the Diskominfo's reports.

    kimbot polls list [--limit N]                           the newest polls, one line each
    kimbot polls export ID [--format csv|xlsx] [--out FILE] one poll's aggregates

The export is one row per kelurahan/desa the poll reached or that answered, a subtotal
per kecamatan and the whole (bot/polls/export.py): counts only, no resident. Column
names are in the deployment's language. Without --out the file is `jajak-ID.csv` (or
.xlsx) in the current directory. An unknown poll prints why and exits with status 1.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.polls.export import columns, table
from bot.services import Services
from handlers import report_files

LIST_LIMIT = 20


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: dict[str, str]
) -> None:
    """Add `kimbot polls list` and `kimbot polls export`; `common` holds the help texts of
    --config and --data-dir."""
    polls = sub.add_parser("polls", help="polls (jajak pendapat): list them, export results")
    polls_sub = polls.add_subparsers(dest="polls_command", required=True)
    listing = polls_sub.add_parser("list", help="the newest polls, one line each")
    listing.add_argument("--limit", type=int, default=LIST_LIMIT, help="how many (default 20)")
    export = polls_sub.add_parser(
        "export", help="one poll's results per kelurahan/desa and kecamatan (CSV or XLSX)"
    )
    export.add_argument("poll", help="the poll's number (kimbot polls list)")
    export.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    export.add_argument("--out", help="the file to write (default jajak-ID.csv or .xlsx)")
    for tool in (listing, export):
        tool.add_argument("--config", help=common["config"])
        tool.add_argument("--data-dir", help=common["data_dir"])


def command(services: Services, args: argparse.Namespace) -> int:
    """Run `kimbot polls list` or `export`; the exit status."""
    if args.polls_command == "list":
        for line in listing(services, args.limit):
            print(line)
        return 0
    poll = services.polls.get(args.poll)
    if poll is None:
        print(f"kimbot polls export: there is no poll {args.poll!r}", file=sys.stderr)
        return 1
    tr = services.translator(services.config.locales.default)
    head, rows = columns(tr, poll), table(services, tr, poll)
    target = Path(args.out or f"jajak-{poll.id}.{args.format}")
    if args.format == "xlsx":
        report_files.write_xlsx(target, [(tr._("Poll results"), head, rows)])
    else:
        report_files.write_csv(target, head, rows)
    print(f"poll #{poll.id}: {len(rows)} rows written to {target}")
    return 0


def listing(services: Services, limit: int) -> list[str]:
    """The newest polls: number, state, closing time, respondents/reach, question."""
    polls = services.polls.recent(limit)
    if not polls:
        return ["no polls yet"]
    zone = ZoneInfo(services.config.deployment.timezone)
    lines = []
    for poll in polls:
        results = services.polls.results(poll)
        closes = datetime.fromtimestamp(poll.closes_at, zone)
        lines.append(
            f"#{poll.id} {poll.state} · closes {closes:%Y-%m-%d %H:%M} · "
            f"{results.respondents}/{results.reach} answered · {poll.question[:70]}"
        )
    return lines
