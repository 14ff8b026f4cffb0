"""The desk report as files: CSV (one file per table) and XLSX (one sheet per table).

CSV cells are text: moments in ISO 8601 (`2026-11-03 08:15`, the deployment's local
time), which spreadsheets and scripts both read. XLSX cells keep their types: moments are
date cells shown as `yyyy-mm-dd hh:mm`, hours as numbers with two decimals; each sheet's
header row is bold and frozen, and its columns are as wide as their contents (capped).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from bot.desk.report import Value, iso_text

DATE_FORMAT = "yyyy-mm-dd hh:mm"
HOURS_FORMAT = "0.00"
DATE_WIDTH = len("2026-11-03 08:15")
NARROWEST, WIDEST = 6, 60  # characters; longer text (residents' words) wraps in the cell

Table = Sequence[Mapping[str, Value]]


def write_csv(path: Path, columns: Sequence[str], table: Table) -> None:
    """One table as UTF-8 CSV with a header row."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns))
        writer.writeheader()
        for row in table:
            writer.writerow({c: iso_text(row.get(c, "")) for c in columns})


def write_xlsx(path: Path, sheets: Sequence[tuple[str, Sequence[str], Table]]) -> None:
    """One workbook, a sheet per (title, columns, table), in that order."""
    from openpyxl import Workbook  # imported here: only an XLSX export needs it
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    for title, columns, table in sheets:
        sheet = book.create_sheet(title)
        sheet.append(list(columns))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        widths = [len(c) for c in columns]
        # Cells by their coordinates: `sheet.max_row` and `sheet[row]` scan every cell
        # written so far, which made a large export quadratic (bench/audit.py).
        for number, row in enumerate(table, start=2):
            sheet.append([row.get(c, "") for c in columns])
            for index in range(len(columns)):
                cell = sheet.cell(row=number, column=index + 1)
                value = cell.value
                if isinstance(value, datetime):
                    cell.number_format = DATE_FORMAT
                    widths[index] = max(widths[index], DATE_WIDTH)
                    continue
                if isinstance(value, float) and columns[index].endswith("_hours"):
                    cell.number_format = HOURS_FORMAT
                text = "" if value is None else str(value)
                longest = max((len(line) for line in text.splitlines()), default=0)
                if longest > WIDEST or "\n" in text:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
                widths[index] = max(widths[index], longest)
        for index, width in enumerate(widths, start=1):
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = min(max(width, NARROWEST), WIDEST) + 2
    book.save(path)
