"""`kimbot audit export`: the trail as a spreadsheet an inspector reads, headers in the
deployment's language, times as date cells in its zone, regions by name."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import pytest

from bot.audit import actors
from bot.platform.clock import FixedClock
from bot.platform.config import Config
from bot.platform.store import Redis
from bot.services import Services
from handlers import audit_cli, cli
from tests.support.constants import BAGENDUNG, CILEGON
from tests.support.processes import write_config

HEADERS = ["Waktu", "Pelaku", "Peran", "Tindakan", "Objek", "Cakupan", "Rincian"]
DAY = "2026-09-21"  # the fixed clock's day in WIB


def some_entries(services: Services) -> None:
    """A broadcast by a named admin, a ticket claimed, a resident's erasure."""
    services.audit.record(
        "broadcast.composed",
        actor="tg:9002",
        actor_name="Pengurus KIM Bagendung",
        role="admin",
        object="broadcast:7",
        scope=f"{BAGENDUNG},{CILEGON},komunitas:sepeda-onthel",
        detail={"residents": 120, "state": "queued"},
    )
    services.audit.record(
        "data.erased",
        actor="system",
        actor_name="",
        role="system",
        object="p:0123456789abcdef01234567",
        detail={"reason": "retention"},
    )


def test_xlsx_has_the_headers_and_date_cells(services: Services, tmp_path: Path) -> None:
    """One sheet, Indonesian headers, a real date cell in WIB, labels and region names."""
    from openpyxl import load_workbook

    some_entries(services)
    path, count = audit_cli.export(services, DAY, DAY, "xlsx", str(tmp_path / "a.xlsx"))
    assert count == 2
    sheet = load_workbook(path).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    when, who, role, action, what, scope, detail = rows[1]
    assert isinstance(when, datetime)
    assert when == datetime(2026, 9, 21, 21, 13)  # 14:13 UTC is 21:13 WIB
    assert sheet["A2"].number_format == "yyyy-mm-dd hh:mm"
    assert (who, role, action, what) == (
        "Pengurus KIM Bagendung (tg:9002)",
        "Admin KIM",
        "Pengumuman disusun",
        "Pengumuman #7",
    )
    assert scope == "Bagendung, Kec. Cilegon, Komunitas Sepeda Onthel Cilegon"
    assert detail == "warga: 120; status: queued"
    assert rows[2][1:5] == (
        "Sistem",
        "Sistem",
        "Data warga dihapus",
        "Warga p:0123456789abcdef01234567",
    )
    # the export's own entry, written after the file
    assert [e.action for e in services.audit.entries(0, 4e9)][-1] == "export.run"


def test_csv_is_utf8_like_the_desk_report(services: Services, tmp_path: Path) -> None:
    """UTF-8 without a byte-order mark (as `kimbot tickets export`), ISO 8601 times."""
    some_entries(services)
    path, _count = audit_cli.export(services, DAY, DAY, "csv", str(tmp_path / "a.csv"))
    raw = path.read_bytes()
    assert raw.startswith(b"Waktu,")
    rows = list(csv.reader(raw.decode("utf-8").splitlines()))
    assert rows[0] == HEADERS
    assert rows[1][0] == "2026-09-21 21:13"
    assert rows[1][3] == "Pengumuman disusun"


def test_the_command_line(
    config: Config,
    redis: Redis,
    redis_url: str,
    clock: FixedClock,
    services: Services,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`kimbot audit export` writes the file; bad dates and --from after --to: a clear line
    and exit status 2, nothing written."""
    monkeypatch.setenv("REDIS_URL", redis_url)
    cfg = str(write_config(config, tmp_path / "config.yaml"))
    services.audit.record("export.run", **actors.operator(), object="tickets")
    out = tmp_path / "jejak.csv"
    command = ["audit", "export", "--config", cfg, "--out", str(out)]
    assert cli.main([*command, "--from", "2020-01-01", "--to", "2030-12-31"]) == 0
    assert "1 entries" in capsys.readouterr().out
    assert out.read_text(encoding="utf-8").splitlines()[0] == ",".join(HEADERS)
    out.unlink()
    for dates, message in [
        (["--from", "2026-13-01", "--to", "2026-12-31"], "dates like 2026-11-01"),
        (["--from", "2026-12-02", "--to", "2026-12-01"], "--to is before --from"),
    ]:
        assert cli.main([*command, *dates]) == 2
        assert message in capsys.readouterr().err
    assert not out.exists()
