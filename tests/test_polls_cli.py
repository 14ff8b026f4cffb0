"""`kimbot polls list` and `kimbot polls export`: one line per poll, the aggregates as CSV
or XLSX, an unknown poll refused with a reason."""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.platform.addresses import Address
from bot.services import Services
from handlers import polls_cli
from tests.support.constants import BAGENDUNG


def a_poll(services: Services) -> str:
    """A poll to Bagendung that two of its three residents answered."""
    now = services.clock.now()
    people = []
    for chat in (1, 2, 3):
        who = Address.telegram(chat)
        services.residents.consent(who, "id", "v1", now)
        services.residents.subscribe(who, BAGENDUNG, now)
        people.append(who)
    poll = services.polls.create(
        question="Perlukah posyandu buka hari Minggu?",
        options=["Perlu", "Tidak perlu"],
        scale=False,
        other=False,
        targets=[BAGENDUNG],
        admin="tg:9",
        now=now,
        closes_at=now + 86400,
    )
    services.polls.attach(poll.id, "1", {BAGENDUNG: 3})
    services.polls.answer(poll.id, people[0], 1, now)
    services.polls.answer(poll.id, people[1], 2, now)
    return poll.id


def run(services: Services, *argv: str) -> int:
    """`kimbot polls …` with these arguments, on `services`."""
    parser = argparse.ArgumentParser()
    polls_cli.register(parser.add_subparsers(dest="command"), {"config": "", "data_dir": ""})
    return polls_cli.command(services, parser.parse_args(["polls", *argv]))


def test_list_and_export_csv_and_xlsx(
    services: Services, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The list names the poll with its answers; CSV and XLSX hold Bagendung's counts."""
    assert run(services, "list") == 0
    assert capsys.readouterr().out == "no polls yet\n"
    poll_id = a_poll(services)
    assert run(services, "list") == 0
    line = capsys.readouterr().out
    assert f"#{poll_id} open" in line
    assert "2/3 answered · Perlukah posyandu buka hari Minggu?" in line
    out = tmp_path / "poll.csv"
    assert run(services, "export", poll_id, "--out", str(out)) == 0
    rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    assert rows[0]["Kelurahan/Desa"] == "Bagendung"
    assert (rows[0]["Perlu"], rows[0]["Tidak perlu"], rows[0]["Terjangkau"]) == ("1", "1", "3")
    book = tmp_path / "poll.xlsx"
    assert run(services, "export", poll_id, "--format", "xlsx", "--out", str(book)) == 0
    sheet = load_workbook(book).active
    assert sheet["B2"].value == "Bagendung"
    assert "rows written" in capsys.readouterr().out


def test_an_unknown_poll_is_refused(services: Services, capsys: pytest.CaptureFixture[str]) -> None:
    """A number that is no poll: a reason on stderr, exit status 1, no file."""
    assert run(services, "export", "42") == 1
    assert "there is no poll '42'" in capsys.readouterr().err
    assert not Path("jajak-42.csv").exists()
