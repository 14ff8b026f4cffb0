"""`kimbot hoaxes import FILE [--dry-run]` and `kimbot hoaxes export [--out FILE]` as real
processes on a data dir with no bot running: each opens the embedded Redis itself and
leaves nothing running; a dry run and a bad file change nothing, an import adds what is
new, and the export is the archive as ClaimReview JSON-LD with the operator as author."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.desk.hoaxes import Claim, Fingerprint, HoaxArchive
from bot.platform.config import Config
from bot.platform.store import EmbeddedRedis, connect
from tests.support.constants import ROOT
from tests.support.processes import bot_env, kimbot, pointing_at

pytestmark = pytest.mark.e2e
DATA = ROOT / "tests" / "data" / "claimreview"
STAFF_TEXT = "Pemilu ulang di Kecamatan Jombang tanggal 30 November"


def archived(data: Path) -> list[Claim]:
    """The claims in the data dir's archive (its embedded Redis opened for the look)."""
    with EmbeddedRedis(data) as server:
        redis = connect(server.url)
        claims = HoaxArchive(redis).claims()
        redis.close()
    return claims


def test_import_and_export_with_no_bot_running(tmp_path: Path, config: Config) -> None:
    """A dry run counts and writes nothing; the import adds the file's two verdicts; a file
    with one bad item exits 1 naming it and imports nothing; the export (to a file, and to
    standard output with the summary on stderr) holds all three."""
    data = tmp_path / "data"
    with EmbeddedRedis(data) as server:  # a verdict staff gave on an earlier run
        redis = connect(server.url)
        HoaxArchive(redis).add_claim(
            Claim(
                id="HKS-2611-0002",
                text=STAFF_TEXT,
                verdict="hoaks",
                explanation="KPU tidak menjadwalkan pemungutan suara ulang.",
                sources="",
                at=time.time() - 3600,
                ticket="HKS-2611-0002",
                fingerprint=Fingerprint.of(STAFF_TEXT, []),
            )
        )
        redis.close()
    env = bot_env(tmp_path, "http://127.0.0.1:9", None, telegram=False)
    cfg = ["--config", str(ROOT / "config.yaml")]
    feed = DATA / "list.json"

    dry = kimbot(["hoaxes", "import", str(feed), "--dry-run", *cfg], env, tmp_path / "dry.log")
    assert dry.finish(60) == 0, dry.output()
    assert "opened its embedded Redis for this command" in dry.output()
    assert (
        f"dry run: 2 verdict(s) of 2 in {feed} would be imported (0 duplicate(s) skipped: "
        "0 by url, 0 by claim; 0 errors); nothing was written"
    ) in dry.output()
    assert [c.id for c in archived(data)] == ["HKS-2611-0002"]

    bad = tmp_path / "bad.json"
    items = json.loads((DATA / "list.json").read_text(encoding="utf-8"))
    items[1]["reviewRating"] = {"@type": "Rating", "alternateName": "Kurang tepat sekali"}
    bad.write_text(json.dumps(items), encoding="utf-8")
    refused = kimbot(["hoaxes", "import", str(bad), *cfg], env, tmp_path / "bad.log")
    assert refused.finish(60) == 1, refused.output()
    said = refused.output()
    assert (
        f"{bad}: item 2 (reviewRating.alternateName): unknown rating 'Kurang tepat sekali'"
    ) in said
    assert "ratings understood: hoaks: hoaks, hoax" in said
    assert f"kimbot hoaxes import: nothing imported from {bad}: 1 problem(s)" in said
    assert len(archived(data)) == 1

    done = kimbot(["hoaxes", "import", str(feed), *cfg], env, tmp_path / "import.log")
    assert done.finish(60) == 0, done.output()
    assert f"imported 2 verdict(s) of 2 in {feed}" in done.output()
    assert "the archive holds 3" in done.output()
    claims = archived(data)
    assert sorted(c.verdict for c in claims) == ["hoaks", "hoaks", "penipuan"]

    out = tmp_path / "arsip-claimreview.json"
    export = kimbot(["hoaxes", "export", "--out", str(out), *cfg], env, tmp_path / "export.log")
    assert export.finish(60) == 0, export.output()
    assert f"exported 3 verdict(s) as ClaimReview to {out}" in export.output()
    written = json.loads(out.read_text(encoding="utf-8"))
    assert {item["author"]["name"] for item in written} == {config.deployment.operator}
    assert STAFF_TEXT in {item["claimReviewed"] for item in written}

    command = [sys.executable, "-m", "handlers.cli", "hoaxes", "export", *cfg]
    shown = subprocess.run(  # stdout and stderr apart: the JSON is all of stdout
        command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout) == written
    assert "exported 3 verdict(s) as ClaimReview to standard output" in shown.stderr

    assert EmbeddedRedis.running_url(data) is None
    assert pointing_at(data) == []
