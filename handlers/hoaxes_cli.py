"""`kimbot hoaxes`: the hoax archive in and out, as schema.org ClaimReview.

    kimbot hoaxes import FILE [--dry-run]   fact-checkers' verdicts (JSON-LD or CSV) into
                                            the archive; --dry-run checks and counts only
    kimbot hoaxes export [--out FILE]       every verdict as ClaimReview JSON-LD (stdout
                                            by default), author: deployment.operator

What is read and how it maps to verdicts: bot/desk/claimreview.py. An import with any
problem prints each (`file:line: …`, `file: item N (field): …`) and writes nothing;
otherwise one line with the counts. Imported verdicts answer residents at once, as the
staff's own do. Running the same import twice adds nothing the second time.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import TextIO

from bot.audit import actors
from bot.audit.trail import AuditTrail
from bot.desk import claimreview
from bot.desk.hoaxes import HoaxArchive
from bot.platform.config import Config


def import_file(archive: HoaxArchive, config: Config, file: Path, dry_run: bool) -> str:
    """Read, check and (unless `dry_run`) import a file; the summary line. Raises
    ClaimReviewError, having written nothing, if the file has any problem."""
    reviews = claimreview.read_reviews(file, config.deployment.timezone, time.time())
    plan = claimreview.plan(archive, reviews)
    if not dry_run:
        for claim in plan.claims:
            archive.add_claim(claim)
    skipped = f"{plan.skipped} duplicate(s) skipped: {plan.by_url} by url, {plan.by_claim} by claim"
    if dry_run:
        return (
            f"dry run: {len(plan.claims)} verdict(s) of {len(reviews)} in {file} would be "
            f"imported ({skipped}; 0 errors); nothing was written"
        )
    return (
        f"imported {len(plan.claims)} verdict(s) of {len(reviews)} in {file} ({skipped}; "
        f"0 errors); the archive holds {archive.count()}"
    )


def export(
    archive: HoaxArchive, config: Config, out: Path | None, trail: AuditTrail | None = None
) -> str:
    """Write the archive as ClaimReview JSON-LD to `out` (whole or not at all) or to
    standard output, with its `export.run` entry in `trail`; the summary line."""
    operator, zone = config.deployment.operator, config.deployment.timezone
    if out is None:
        written, left_out = claimreview.write_export(archive, sys.stdout, operator, zone)
        sys.stdout.flush()
        _audit(trail, written, "standard output")
        return _exported(written, left_out, "standard output")
    target = out.resolve()
    fd, scratch = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            written, left_out = _write(archive, handle, operator, zone)
        Path(scratch).chmod(0o644)
        Path(scratch).replace(target)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise
    _audit(trail, written, target.name)
    return _exported(written, left_out, str(out))


def _audit(trail: AuditTrail | None, written: int, where: str) -> None:
    if trail is not None:
        trail.record(
            "export.run",
            **actors.operator(),
            object="hoaxes",
            detail={"format": "claimreview", "rows": written, "file": where},
        )


def _write(archive: HoaxArchive, handle: TextIO, operator: str, zone: str) -> tuple[int, int]:
    written, left_out = claimreview.write_export(archive, handle, operator, zone)
    handle.flush()
    os.fsync(handle.fileno())
    return written, left_out


def _exported(written: int, left_out: int, where: str) -> str:
    line = f"exported {written} verdict(s) as ClaimReview to {where}"
    if left_out:
        line += f"; {left_out} with a picture and no text left out (ClaimReview needs a claim)"
    return line
