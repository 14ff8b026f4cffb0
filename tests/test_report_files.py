"""`kimbot tickets export` as files people open: an XLSX with real date cells (the
deployment's local time, shown as `yyyy-mm-dd hh:mm`), a bold frozen header row and
columns as wide as their contents; the CSV keeps ISO 8601 text."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.platform.addresses import Address
from bot.services import Services
from handlers.tickets_cli import export

WIB = ZoneInfo("Asia/Jakarta")
FILED = datetime(2026, 9, 14, 8, 15, 42, tzinfo=WIB)  # a Monday morning in Cilegon
CLAIMED = datetime(2026, 9, 14, 10, 45, 5, tzinfo=WIB)
LONG = "Jalan di depan SD Bagendung berlubang besar, " * 6


def two_tickets(services: Services) -> str:
    """One claimed complaint with long words, one untouched aspirasi; the first's id."""
    tickets = services.tickets
    due = FILED.timestamp() + 3 * 86400
    first = tickets.create(
        Address.telegram(5001), "pengaduan", FILED.timestamp(), due, text=LONG, topic="jalan"
    )
    tickets.transition(first.id, "diverifikasi", ("diterima",), "tg:9005", CLAIMED.timestamp())
    tickets.create(Address.telegram(5002), "aspirasi", FILED.timestamp() + 60, due, text="Halo")
    return first.id


def test_xlsx_has_date_cells_a_frozen_header_and_widths(services: Services, tmp_path: Path) -> None:
    """Read back with openpyxl: dates are date cells in WIB with a number format, hours
    are numbers, the header is frozen on every sheet, widths fit the contents."""
    from openpyxl import load_workbook

    first = two_tickets(services)
    (path,) = export(services, "2026-09-01", "2026-09-30", "xlsx", str(tmp_path / "s.xlsx"), True)
    book = load_workbook(path)
    sheet = book["Tiket"]
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, sheet[2], strict=True))
    assert row["id"].value == first
    for name in ("created", "due", "first_response"):
        assert row[name].is_date, name
        assert row[name].number_format == "yyyy-mm-dd hh:mm"
    assert row["created"].value == datetime(2026, 9, 14, 8, 15)  # local time, to the minute
    assert row["first_response"].value == datetime(2026, 9, 14, 10, 45)
    assert row["due"].value == datetime(2026, 9, 17, 8, 15)
    assert row["answered"].value is None  # not answered: an empty cell, not a date
    assert row["first_response_hours"].value == 2.49
    assert row["first_response_hours"].number_format == "0.00"
    assert row["text"].alignment.wrap_text
    for each in book.worksheets:
        assert each.freeze_panes == "A2", each.title
        assert each["A1"].font.b, each.title
        letters = [c.column_letter for c in each[1]]
        widths = {letter: each.column_dimensions[letter].width for letter in letters}
        assert all(width and width >= 8 for width in widths.values()), (each.title, widths)
    widths = {name: sheet.column_dimensions[cell.column_letter].width for name, cell in row.items()}
    assert widths["created"] >= len("2026-09-14 08:15")
    assert widths["text"] <= 62 < len(LONG)  # long words wrap in a capped column
    assert widths["kecamatan"] < widths["created"]


def test_csv_dates_stay_iso_8601(services: Services, tmp_path: Path) -> None:
    """Every moment in the CSV is ISO 8601 text in local time; empty ones stay empty."""
    two_tickets(services)
    files = export(services, "2026-09-01", "2026-09-30", "csv", str(tmp_path / "s.csv"), False)
    with files[0].open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["created"] for r in rows] == ["2026-09-14 08:15", "2026-09-14 08:16"]
    assert datetime.fromisoformat(rows[0]["first_response"]) == datetime(2026, 9, 14, 10, 45)
    assert datetime.fromisoformat(rows[0]["due"]) == datetime(2026, 9, 17, 8, 15)
    assert (rows[0]["answered"], rows[1]["first_response"]) == ("", "")
