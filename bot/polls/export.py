"""A poll's results as a table of aggregates: one row per kelurahan/desa it reached (or
that answered), kecamatan subtotals, and the whole. No resident appears in it: counts
only. Column names are in the reader's language; `kimbot polls export` writes the table
as CSV or XLSX (handlers/polls_cli.py), and an admin's 📄 CSV button gets it as a file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from bot.platform.i18n import Translator
from bot.polls.messages import answer_label, whole_name
from bot.polls.store import OTHER, Poll, Results
from bot.services import Services

Row = dict[str, str | int | float]


def columns(tr: Translator, poll: Poll) -> list[str]:
    """The header: place, level, reach, respondents, rate, then each answer's count."""
    answers = list(range(1, len(poll.options) + 1)) + ([OTHER] if poll.other else [])
    return [
        tr._("Kecamatan"),
        tr._("Kelurahan/Desa"),
        tr._("Reached"),
        tr._("Answered"),
        tr._("Response rate (%)"),
        *(answer_label(tr, poll, a) for a in answers),
    ]


def table(
    svc: Services, tr: Translator, poll: Poll, visible: Callable[[str], bool] = lambda _: True
) -> list[Row]:
    """Rows of the villages `visible` lets through (those it reached someone in, or that
    answered), a subtotal after each kecamatan's, the whole of those villages last (named
    after the poll's targets when they are all the poll's, else "your area")."""
    head = columns(tr, poll)
    answers = list(range(1, len(poll.options) + 1)) + ([OTHER] if poll.other else [])
    villages = {
        v: r
        for v, r in svc.polls.by_village(poll).items()
        if visible(v) and (r.reach or r.respondents)  # a village with no subscriber: no row
    }
    by_kecamatan: dict[str, list[str]] = {}
    for village in villages:
        region = svc.regions.get(village)
        by_kecamatan.setdefault(region.parent if region and region.parent else "", []).append(
            village
        )

    def row(kecamatan: str, village: str, results: Results) -> Row:
        cells: list[str | int | float] = [
            kecamatan,
            village,
            results.reach,
            results.respondents,
            round(results.rate * 100, 1),
            *(results.counts.get(a, 0) for a in answers),
        ]
        return dict(zip(head, cells, strict=True))

    rows: list[Row] = []
    for kecamatan in sorted(by_kecamatan, key=lambda k: _name(svc, k)):
        codes = sorted(by_kecamatan[kecamatan], key=lambda v: _name(svc, v))
        for village in codes:
            rows.append(row(_name(svc, kecamatan), _name(svc, village), villages[village]))
        subtotal = svc.polls.results(poll, frozenset(codes))
        rows.append(row(_name(svc, kecamatan), tr._("(all)"), subtotal))
    whole = svc.polls.results(poll, frozenset(villages))
    everywhere = all(visible(v) for v in svc.polls.by_village(poll))
    rows.append(
        row(whole_name(svc, tr, poll) if everywhere else tr._("Your area"), tr._("(all)"), whole)
    )
    return rows


def _name(svc: Services, code: str) -> str:
    region = svc.regions.get(code)
    return region.name if region else code


def csv_bytes(head: list[str], rows: list[Row]) -> bytes:
    """The table as UTF-8 CSV (with a byte-order mark, so spreadsheet apps read it as
    UTF-8)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=head)
    writer.writeheader()
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
