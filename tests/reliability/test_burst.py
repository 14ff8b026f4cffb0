"""A burst at the real webhook meets back-pressure, not a queue: bench/webhook_burst.py,
run small. Beyond 64 updates in flight the bot answers 429, the sender posts again, and
every update is handled exactly once (each resident answered once)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.support.constants import ROOT

pytestmark = pytest.mark.e2e


def test_a_burst_of_updates_is_held_back_and_each_answered_once() -> None:
    """800 updates, 300 at a time: some get 429 and come again; none is lost or doubled."""
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "webhook_burst.py"),
            "--updates",
            "800",
            "--concurrency",
            "300",
            "--retry",
            "0.5",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
        cwd=ROOT,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(result)
    assert result["statuses"]["200"] == 800
    assert result["statuses"].get("429", 0) > 0
    assert set(result["statuses"]) <= {"200", "429"}
    assert result["answered_once"] == 800
    assert result["answered_more_than_once"] == 0
