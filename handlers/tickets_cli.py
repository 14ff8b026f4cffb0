"""`kimbot tickets export`: the desk's monthly report as CSV or XLSX.

    kimbot tickets export --from 2026-11-01 --to 2026-11-30 [--format csv|xlsx]
                          [--out FILE] [--with-text]

Dates are whole days in the deployment's time zone, both included. CSV writes the
tickets to FILE and the summaries to FILE with `-kecamatan` and `-topic` before the
extension; XLSX writes three sheets.
"""

from __future__ import annotations

import csv
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import Workbook

from bot.desk import report as ticket_report
from bot.services import Services


class ExportError(ValueError):
    """A wrong argument; the message says which."""


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
    services: Services, start: str, end: str, fmt: str, out: str | None, with_text: bool
) -> list[Path]:
    """Write the report; return the files written."""
    zone = services.config.deployment.timezone
    begin, finish = day_range(start, end, zone)
    found = services.tickets.between(begin, finish)
    now = services.clock.now()
    report = ticket_report.rows(services.tickets, services.regions, found, zone, with_text, now)
    columns = ticket_report.COLUMNS + (["text", "answer"] if with_text else [])
    by_kecamatan = ticket_report.summary(report, "kecamatan")
    by_topic = ticket_report.summary(report, "topic")
    target = Path(out or f"tiket-{start}-{end}.{fmt}")
    if fmt == "xlsx":
        book = Workbook()
        sheet = book.create_sheet("Tiket", 0)
        for empty in book.worksheets[1:]:
            book.remove(empty)
        sheet.append(columns)
        for row in report:
            sheet.append([row.values.get(c, "") for c in columns])
        for title, data in (("Per kecamatan", by_kecamatan), ("Per topik", by_topic)):
            extra = book.create_sheet(title)
            extra.append(ticket_report.SUMMARY_COLUMNS)
            for line in data:
                extra.append([line[c] for c in ticket_report.SUMMARY_COLUMNS])
        book.save(target)
        return [target]
    written = [target]
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in report:
            writer.writerow({c: row.values.get(c, "") for c in columns})
    for suffix, data in (("kecamatan", by_kecamatan), ("topic", by_topic)):
        path = target.with_name(f"{target.stem}-{suffix}{target.suffix}")
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=ticket_report.SUMMARY_COLUMNS)
            writer.writeheader()
            writer.writerows(data)
        written.append(path)
    return written
