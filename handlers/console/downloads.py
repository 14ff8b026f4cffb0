"""Files the console hands out: an export written by the command line's code, returned
as a download (`Content-Disposition: attachment`), and the forms' date ranges.

The exports are the same functions `kimbot tickets export` and `kimbot audit export`
run (handlers/tickets_cli.py, handlers/audit_cli.py): they write a file, which is read
back here from a temporary directory and sent; nothing stays on disk.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from aiohttp import web

FORMATS = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
DEFAULT_DAYS = 30


def written(write: Callable[[Path], Path]) -> tuple[str, bytes]:
    """Run `write` with a directory to write its file in; the file's name and bytes."""
    with tempfile.TemporaryDirectory(prefix="kim-console-") as folder:
        path = write(Path(folder))
        return path.name, path.read_bytes()


def attachment(name: str, data: bytes) -> web.Response:
    """A download of `data` named `name` (a csv or xlsx file)."""
    kind = FORMATS.get(name.rpartition(".")[2], "application/octet-stream")
    return web.Response(
        body=data,
        content_type=kind,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def default_range(now: float, zone: str, days: int = DEFAULT_DAYS) -> tuple[str, str]:
    """The last `days` days up to today, as the date inputs show them."""
    today = datetime.fromtimestamp(now, ZoneInfo(zone)).date()
    return (today - timedelta(days=days - 1)).isoformat(), today.isoformat()


def is_day(text: str) -> bool:
    """Whether a form's date field holds a date (yyyy-mm-dd)."""
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == len("2026-11-01")
