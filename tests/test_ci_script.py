"""`.ci/run` fails, never skips, when a tool the tests need is missing and cannot be
installed. Each tool's section of the script runs with the tool's path pointing nowhere
and an apt-get that fails."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.support.constants import ROOT


@pytest.mark.parametrize(
    ("section", "installed_at"),
    [
        ("chromium", "/usr/bin/chromium"),
        ("redis-server", "/usr/bin/redis-server"),
        ("emoji font", "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf"),
    ],
)
def test_a_tool_that_cannot_be_installed_stops_the_run(
    tmp_path: Path, section: str, installed_at: str
) -> None:
    """The tool's section of .ci/run, with the tool absent and apt-get failing: exit 1."""
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    start = script.index(f'echo "== {section}"')
    end = script.index('echo "==', start + 1)
    missing = str(tmp_path / "absent" / Path(installed_at).name)
    part = script[start:end].replace(installed_at, missing)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "apt-get"
    fake.write_text("#!/bin/sh\nexit 100\n", encoding="utf-8")
    fake.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env["PATH"] = f"{bin_dir}:{env['PATH']}"
    done = subprocess.run(
        ["/bin/bash", "-euo", "pipefail", "-c", part],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0, done.stdout + done.stderr


def test_the_script_sets_ci_so_browser_tests_fail_instead_of_skipping() -> None:
    """tests/browser skips without Chromium only when CI is unset; .ci/run sets it."""
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert 'export CI="${CI:-1}"' in script
    assert script.index("export CI=") < script.index("== pytest")
